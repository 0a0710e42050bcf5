/**
 * The DynamoDB stores' one table: its definition, and a function that creates it.
 *
 * One table holds every kind of record (single-table design): the partition key
 * `pk` (a string) is `<kind>#<id>`, there is no sort key and no index. Items that
 * expire carry `expires_at` (epoch seconds), the table's TTL attribute. DynamoDB's
 * TTL sweeper deletes expired items late (usually within days) and emulators such
 * as dynalite never do, so the stores also check `expires_at` on every read.
 */
import type { CreateTableCommandInput, DynamoDB } from '@aws-sdk/client-dynamodb';

/** The table's TTL attribute: epoch seconds after which an item is dead. */
export const DYNAMO_TTL_ATTRIBUTE = 'expires_at';

/** The table's partition key (a string, `<kind>#<id>`). */
export const DYNAMO_PARTITION_KEY = 'pk';

/**
 * The `CreateTable` input for the stores' table (on-demand capacity), e.g. for
 * infrastructure code. Enable TTL on {@link DYNAMO_TTL_ATTRIBUTE} as well.
 */
export function dynamoTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [{ AttributeName: DYNAMO_PARTITION_KEY, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: DYNAMO_PARTITION_KEY, KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  };
}

/** The `DynamoDB` (aggregated client) methods {@link createDynamoTable} uses. */
export type DynamoTableClient = Pick<
  DynamoDB,
  'createTable' | 'describeTable' | 'describeTimeToLive' | 'updateTimeToLive'
>;

export interface CreateDynamoTableOptions {
  /**
   * Whether to enable the TTL sweeper on `expires_at`. Default true. Turn it off
   * for emulators that lack `UpdateTimeToLive` (dynalite); expiry on read still holds.
   */
  timeToLive?: boolean;
  /** Seconds to wait for the table to become ACTIVE. Default 60. */
  waitSeconds?: number;
}

function errorName(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'name' in err && typeof err.name === 'string'
    ? err.name
    : undefined;
}

/**
 * Creates the table (if it does not exist), waits until it is ACTIVE, and enables
 * TTL on `expires_at` (if not enabled yet). Safe to run on every start.
 *
 *     await createDynamoTable(new DynamoDB({ region }), 'oauth2');
 */
export async function createDynamoTable(
  client: DynamoTableClient,
  tableName: string,
  options: CreateDynamoTableOptions = {},
): Promise<void> {
  try {
    await client.createTable(dynamoTableDefinition(tableName));
  } catch (err) {
    if (errorName(err) !== 'ResourceInUseException') throw err;
  }
  const deadline = Date.now() + (options.waitSeconds ?? 60) * 1000;
  for (;;) {
    const { Table } = await client.describeTable({ TableName: tableName });
    if (Table?.TableStatus === 'ACTIVE') break;
    if (Date.now() > deadline)
      throw new Error(
        `DynamoDB table ${tableName} is not ACTIVE (${Table?.TableStatus ?? 'unknown'})`,
      );
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (options.timeToLive === false) return;
  const { TimeToLiveDescription: ttl } = await client.describeTimeToLive({ TableName: tableName });
  if (
    ttl?.AttributeName === DYNAMO_TTL_ATTRIBUTE &&
    (ttl.TimeToLiveStatus === 'ENABLED' || ttl.TimeToLiveStatus === 'ENABLING')
  )
    return;
  await client.updateTimeToLive({
    TableName: tableName,
    TimeToLiveSpecification: { AttributeName: DYNAMO_TTL_ATTRIBUTE, Enabled: true },
  });
}

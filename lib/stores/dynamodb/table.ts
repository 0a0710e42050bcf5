/**
 * The DynamoDB record store's one table: its definition, and a function that creates it.
 *
 * Rules:
 * - One table holds every kind of record (single-table design), keyed by the
 *   partition key `pk` and the sort key `sk` (both strings), with no index: a
 *   record, its counter and the items of each lookup are addressed by key alone,
 *   so every read can be strongly consistent (a GSI cannot).
 * - Items that expire carry `expires_at` (epoch seconds), the table's TTL
 *   attribute. It is only the cleanup: DynamoDB's TTL sweeper deletes expired
 *   items late (usually within days) and emulators such as dynalite never do, so
 *   the store checks its own expiry on every read.
 * - `createDynamoTable()` is safe to run on every start, and refuses a table
 *   with another key schema (e.g. the `pk`-only table of earlier versions) with
 *   an error that names the fix.
 */
import type { CreateTableCommandInput, DynamoDB } from '@aws-sdk/client-dynamodb';

/** The table's TTL attribute: epoch seconds after which an item may be swept. */
export const DYNAMO_TTL_ATTRIBUTE = 'expires_at';

/** The table's partition key (a string). */
export const DYNAMO_PARTITION_KEY = 'pk';

/** The table's sort key (a string). */
export const DYNAMO_SORT_KEY = 'sk';

const KEY_SCHEMA = [
  { AttributeName: DYNAMO_PARTITION_KEY, KeyType: 'HASH' },
  { AttributeName: DYNAMO_SORT_KEY, KeyType: 'RANGE' },
] as const;

/**
 * The `CreateTable` input for the store's table (on-demand capacity), e.g. for
 * infrastructure code. Enable TTL on {@link DYNAMO_TTL_ATTRIBUTE} as well.
 */
export function dynamoTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [
      { AttributeName: DYNAMO_PARTITION_KEY, AttributeType: 'S' },
      { AttributeName: DYNAMO_SORT_KEY, AttributeType: 'S' },
    ],
    KeySchema: KEY_SCHEMA.map((key) => ({ ...key })),
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

/** Throws unless the table is keyed by `pk` (HASH) and `sk` (RANGE). */
function checkKeySchema(
  tableName: string,
  keySchema: readonly { AttributeName?: string | undefined; KeyType?: string | undefined }[] = [],
): void {
  const same =
    keySchema.length === KEY_SCHEMA.length &&
    KEY_SCHEMA.every((key) =>
      keySchema.some((k) => k.AttributeName === key.AttributeName && k.KeyType === key.KeyType),
    );
  if (!same)
    throw new Error(
      `DynamoDB table ${tableName} is keyed by ${JSON.stringify(keySchema)}, not pk (HASH) + sk ` +
        '(RANGE) as the record store needs (tables of earlier versions had pk alone): ' +
        'create a new table with createDynamoTable() and point tableName at it',
    );
}

/**
 * Creates the table (if it does not exist), waits until it is ACTIVE, checks its
 * key schema, and enables TTL on `expires_at` (if not enabled yet). Safe to run
 * on every start.
 *
 * @example
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
    if (Table?.TableStatus === 'ACTIVE') {
      checkKeySchema(tableName, Table.KeySchema);
      break;
    }
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

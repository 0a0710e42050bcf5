/**
 * The DynamoDB record store's one table: its definition, the function that
 * creates it, and the layout of its items.
 *
 * | item | pk | sk | attributes |
 * | --- | --- | --- | --- |
 * | a record | `["<kind>","<id>"]` | `record` | `data` (the value as JSON), `version`, `wid`, `seq`, `lookups` (JSON), `expires_ms`, `consumed_at`, `expires_at` |
 * | a counter | `["<kind>","<id>"]` | `counter` | `count`, `window_ms`, `expires_at` |
 * | a lookup | `["<kind>","<lookup>","<value>"]` | the record's id | `seq`, `expires_ms`, `expires_at` |
 *
 * Rules:
 * - One table holds every kind of record (single-table design), keyed by the
 *   partition key `pk` and the sort key `sk` (both strings), with no index: a
 *   record, its counter and the items of each lookup are addressed by key alone,
 *   so every read can be strongly consistent (a GSI cannot).
 * - Keys are JSON arrays after the store's `prefix` (which holds no `[`), so no
 *   kind, id or lookup can run into another.
 * - The value is kept whole as JSON in `data`, so it round-trips exactly
 *   whatever the client's marshalling options.
 * - `expires_ms`, `consumed_at` and `window_ms` are epoch ms by the store's clock,
 *   checked on every read and in every condition. `expires_at` (epoch seconds,
 *   the table's TTL attribute) is only the cleanup: the same remaining lifetime
 *   counted from this machine's time. DynamoDB's TTL sweeper deletes expired
 *   items late (usually within days) and emulators such as dynalite never do.
 * - `wid` is a random id per put (so an update read before a put again cannot
 *   land on the new record); `seq` orders puts: clock time, then this machine's
 *   time, then a count of this process. A record's lookup items carry its `seq`.
 * - `createDynamoTable()` is safe to run on every start, and refuses a table
 *   with another key schema (e.g. the `pk`-only table of earlier versions) with
 *   an error that names the fix.
 */
import { randomBytes } from 'node:crypto';
import type { CreateTableCommandInput, DynamoDB } from '@aws-sdk/client-dynamodb';
import type { RecordLookups, RecordValue, StoredRecord } from '../records.js';

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

/** An item as the document client takes and gives it. */
export type DynamoItem = Record<string, unknown>;

/** The key of a record (`sk: 'record'`) or of its counter (`sk: 'counter'`). */
export function recordKey(
  prefix: string,
  kind: string,
  id: string,
  sk: 'record' | 'counter' = 'record',
): { pk: string; sk: string } {
  return { pk: `${prefix}${JSON.stringify([kind, id])}`, sk };
}

/** The key of a lookup item; with `id` '' only its `pk` (the partition to query) counts. */
export function lookupKey(
  prefix: string,
  kind: string,
  lookup: string,
  value: string,
  id: string,
): { pk: string; sk: string } {
  return { pk: `${prefix}${JSON.stringify([kind, lookup, value])}`, sk: id };
}

/** `expires_ms` (by the clock) and `expires_at` (TTL cleanup, this machine's time); none without expiry. */
export function expiryAttributes(expiresAt: number | undefined, now: number): DynamoItem {
  if (expiresAt === undefined) return {};
  return {
    expires_ms: expiresAt,
    [DYNAMO_TTL_ATTRIBUTE]: Math.ceil((Date.now() + (expiresAt - now)) / 1000),
  };
}

let puts = 0;

/** The put order of a write at `now` (clock ms): clock time, then this machine's, then this process's count. */
export function putOrder(now: number): string {
  puts = (puts + 1) % 1e12;
  return [now, Date.now(), puts].map((n) => String(n).padStart(16, '0')).join('.');
}

/** A new record item at version 1 (without its key). */
export function recordItem(
  value: RecordValue,
  lookups: RecordLookups,
  expiresAt: number | undefined,
  now: number,
): DynamoItem {
  return {
    data: JSON.stringify(value),
    version: 1,
    wid: randomBytes(12).toString('base64url'),
    seq: putOrder(now),
    lookups: JSON.stringify(lookups),
    ...expiryAttributes(expiresAt, now),
  };
}

/** A number attribute as a number (also when the client wraps numbers); absent stays absent. */
export function numberOf(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'number' ? value : Number(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON object attribute; anything else was not written by the store (a plain Error). */
function objectOf(text: unknown, name: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(text));
  } catch (err) {
    throw new Error(`DynamoDB store: the ${name} of an item is not what the store wrote`, {
      cause: err,
    });
  }
  if (!isObject(parsed))
    throw new Error(`DynamoDB store: the ${name} of an item is not a JSON object`);
  return parsed;
}

/** The lookups of a record item. */
export function lookupsOf(item: DynamoItem): RecordLookups {
  return item['lookups'] === undefined
    ? {}
    : (objectOf(item['lookups'], 'lookups') as RecordLookups);
}

/** A record item as the primitive returns it. */
export function recordOf(id: string, item: DynamoItem): StoredRecord {
  const record = {
    id,
    value: objectOf(item['data'], 'data'),
    expiresAt: numberOf(item['expires_ms']),
    version: numberOf(item['version']) ?? 1,
  };
  const consumedAt = numberOf(item['consumed_at']);
  return consumedAt === undefined ? record : { ...record, consumedAt };
}

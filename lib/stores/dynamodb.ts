/**
 * The record store (lib/stores/records.ts) on DynamoDB (AWS SDK v3), through a
 * document client the host app created; `dynamoStores()` puts the typed stores on it.
 *
 * One table, made by `createDynamoTable()`, keyed by `pk` and `sk`: a record
 * item per record, a counter item per counter, and an item per lookup of each
 * record. lib/stores/dynamodb/table.ts lists the items and their attributes;
 * every expiry is epoch ms by the store's `clock`, checked on every read and in
 * every condition, and the table's TTL attribute is only the cleanup.
 *
 * Atomicity: each atomic method is one conditional write, which DynamoDB applies
 * to one caller; every other caller gets `ConditionalCheckFailedException`.
 * - `addOnce()`: PutItem on `attribute_not_exists(pk) OR expires_ms <= now`.
 * - `consume()`: UpdateItem `SET consumed_at` on "exists, not consumed, not
 *   expired", returning the record as it was.
 * - `update()`: reads the record, merges the patch, and writes it back on
 *   `wid = <read> AND version = <read> AND not expired`: of the callers that read
 *   one version, one writes the next; without an expected version the others
 *   read again and retry. `wid`, a random id per put, keeps an update from
 *   landing on a record put again since it was read.
 * - `increment()`: `ADD count 1` on `window_ms > now`; when that fails (no window,
 *   or it ended), PutItem `count = 1` on "absent or ended". Each call is counted by
 *   exactly one successful write.
 * (If the SDK retries a write whose answer was lost, the retry fails its
 * condition: then nobody wins, never two.)
 *
 * Lookups are items, not a GSI: a GSI is only eventually consistent, and a token
 * must be findable by its unique key as soon as it is saved. `getBy()` queries
 * the lookup's partition and tries the newest put (`seq`) first; both lookups
 * read the record and keep it only if it is live and still has that lookup. A
 * put, addOnce or delete removes the lookup items the old record had and the new
 * one has not (on `seq` = the old record's, so a newer put's items stay). Every
 * read is strongly consistent.
 *
 * The client must be a `DynamoDBDocument` (the aggregated document client): the
 * store calls `get()`/`put()`/`update()`/`delete()`/`query()` and imports nothing
 * but types from the SDK. Network failures, timeouts, throttling and 5xx answers
 * become `StoreUnavailableError` (the SDK error is the `cause`); anything else (a
 * missing table, bad credentials) is rethrown as it is. The SDK's defaults retry
 * three times and never time out a request; a fail-fast client:
 *
 *     const db = new DynamoDB({
 *       region: 'eu-west-1',
 *       maxAttempts: 2,
 *       requestHandler: { connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true },
 *     });
 *     const stores = dynamoStores({ client: DynamoDBDocument.from(db), tableName: 'oauth2' });
 */
import type { DynamoDBDocument } from '@aws-sdk/lib-dynamodb';
import { StoreUnavailableError } from '../errors.js';
import type { Clock } from '../types.js';
import {
  checkTtl,
  expiryOf,
  isExpired,
  mergePatch,
  type RecordLookups,
  type RecordStore,
  type RecordValue,
  type StoredRecord,
} from './records.js';
import { recordStores, type RecordStores } from './typed-stores.js';
import {
  expiryAttributes,
  lookupKey,
  lookupsOf,
  numberOf,
  recordItem,
  recordKey,
  recordOf,
  type DynamoItem,
} from './dynamodb/table.js';

/** The document client methods the store uses (a `DynamoDBDocument` has them all). */
export type DynamoDocumentClient = Pick<
  DynamoDBDocument,
  'get' | 'put' | 'update' | 'delete' | 'query'
>;

export interface DynamoStoreOptions {
  /** `DynamoDBDocument.from(dynamoDbClient)`. Required. */
  client: DynamoDocumentClient;
  /** The table made by `createDynamoTable()`. Required. */
  tableName: string;
  /** Prepended to every `pk`, to share a table: letters, digits and `._:~@+=/-`, up to 64. Default `''`. */
  prefix?: string;
  /** The clock for every expiry and `consumedAt`, in epoch milliseconds. Default `Date.now`. */
  clock?: Clock;
}

const PREFIX = /^[A-Za-z0-9._:~@+=/-]{0,64}$/;

/** Errors that mean "try again later": throttling, or no answer in time. */
const UNAVAILABLE = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TimeoutError',
  'AbortError',
]);

interface SdkError {
  name?: unknown;
  code?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** Whether an SDK error means the service was not reached or could not answer. */
export function isDynamoUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as SdkError;
  if (typeof e.name === 'string' && UNAVAILABLE.has(e.name)) return true;
  if (e.$retryable !== undefined && e.$retryable !== null && e.$retryable !== false) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500;
  // No HTTP answer at all: a system error (ECONNREFUSED, ECONNRESET, ETIMEDOUT, ENOTFOUND...).
  return typeof e.code === 'string' && /^E[A-Z_]+$/.test(e.code);
}

function conditionFailed(err: unknown): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    'name' in err &&
    err.name === 'ConditionalCheckFailedException'
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value must be a JSON object, lookups non-empty strings: anything else is the caller's bug. */
function checkRecord(value: RecordValue, lookups: RecordLookups): void {
  if (!isObject(value)) throw new TypeError('DynamoDB store: a record value must be a JSON object');
  for (const [name, v] of Object.entries(lookups)) {
    if (name === '' || typeof v !== 'string' || v === '')
      throw new TypeError(
        `DynamoDB store: lookup ${JSON.stringify(name)} must be a non-empty string`,
      );
  }
}

/** The record store on DynamoDB. See the module header. */
export class DynamoRecordStore implements RecordStore {
  /** The clock, in epoch milliseconds (the `clock` option; default `Date.now`). */
  readonly clock: Clock;
  readonly #client: DynamoDocumentClient;
  readonly #table: string;
  readonly #prefix: string;

  constructor(options: DynamoStoreOptions) {
    const {
      client,
      tableName,
      prefix = '',
      clock = Date.now,
    } = options ?? ({} as DynamoStoreOptions);
    if (typeof client?.query !== 'function' || typeof client.update !== 'function')
      throw new TypeError('DynamoDB store: options.client must be a DynamoDBDocument');
    if (typeof tableName !== 'string' || tableName === '')
      throw new TypeError('DynamoDB store: options.tableName must be the name of the table');
    if (typeof prefix !== 'string' || !PREFIX.test(prefix))
      throw new TypeError(
        'DynamoDB store: options.prefix must be up to 64 letters, digits and ._:~@+=/-',
      );
    if (typeof clock !== 'function')
      throw new TypeError('DynamoDB store: options.clock must be a function');
    this.#client = client;
    this.#table = tableName;
    this.#prefix = prefix;
    this.clock = clock;
  }

  async put(
    kind: string,
    id: string,
    value: RecordValue,
    ttl: number | undefined,
    lookups: RecordLookups = {},
  ): Promise<void> {
    checkTtl(ttl, true);
    checkRecord(value, lookups);
    const now = this.clock();
    const expiresAt = expiryOf(now, ttl);
    const fields = recordItem(value, lookups, expiresAt, now);
    const old = await this.#call('PutItem', () =>
      this.#client.put({
        TableName: this.#table,
        Item: { ...this.#key(kind, id), ...fields },
        ReturnValues: 'ALL_OLD',
      }),
    );
    const lookupItem = (lookup: string, lookupValue: string): DynamoItem => ({
      ...lookupKey(this.#prefix, kind, lookup, lookupValue, id),
      seq: fields['seq'],
      ...expiryAttributes(expiresAt, now),
    });
    await Promise.all(
      Object.entries(lookups).map(([lookup, lookupValue]) =>
        this.#call('PutItem', () =>
          this.#client.put({ TableName: this.#table, Item: lookupItem(lookup, lookupValue) }),
        ),
      ),
    );
    await this.#dropLookups(kind, id, old.Attributes, lookups);
  }

  async get(kind: string, id: string): Promise<StoredRecord | undefined> {
    const item = await this.#getRecord(kind, id);
    return item === undefined ? undefined : recordOf(id, item);
  }

  async getBy(kind: string, lookup: string, value: string): Promise<StoredRecord | undefined> {
    const entries = await this.#lookupEntries(kind, lookup, value);
    entries.sort((a, b) => (a.seq < b.seq ? 1 : a.seq > b.seq ? -1 : 0));
    for (const { id } of entries) {
      const found = await this.#matching(kind, id, lookup, value);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  async listBy(kind: string, lookup: string, value: string): Promise<StoredRecord[]> {
    const entries = await this.#lookupEntries(kind, lookup, value);
    const found = await Promise.all(
      entries.map(({ id }) => this.#matching(kind, id, lookup, value)),
    );
    return found.filter((record): record is StoredRecord => record !== undefined);
  }

  async addOnce(kind: string, id: string, ttl: number, value: RecordValue = {}): Promise<boolean> {
    checkTtl(ttl, false);
    checkRecord(value, {});
    const now = this.clock();
    const item = { ...this.#key(kind, id), ...recordItem(value, {}, expiryOf(now, ttl), now) };
    const out = await this.#conditional('PutItem', () =>
      this.#client.put({
        TableName: this.#table,
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk) OR expires_ms <= :now',
        ExpressionAttributeValues: { ':now': now },
        ReturnValues: 'ALL_OLD',
      }),
    );
    if (out === undefined) return false;
    await this.#dropLookups(kind, id, out.Attributes, {});
    return true;
  }

  async consume(kind: string, id: string): Promise<StoredRecord | undefined> {
    const now = this.clock();
    const out = await this.#conditional('UpdateItem', () =>
      this.#client.update({
        TableName: this.#table,
        Key: this.#key(kind, id),
        UpdateExpression: 'SET consumed_at = :now',
        ConditionExpression:
          'attribute_exists(pk) AND attribute_not_exists(consumed_at) AND ' +
          '(attribute_not_exists(expires_ms) OR expires_ms > :now)',
        ExpressionAttributeValues: { ':now': now },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return out?.Attributes === undefined ? undefined : recordOf(id, out.Attributes);
  }

  async update(
    kind: string,
    id: string,
    patch: RecordValue,
    expectedVersion?: number,
  ): Promise<StoredRecord | undefined> {
    for (;;) {
      const item = await this.#getRecord(kind, id);
      if (item === undefined) return undefined;
      const read = recordOf(id, item);
      if (expectedVersion !== undefined && read.version !== expectedVersion) return undefined;
      const written = await this.#writeVersion(kind, id, item, mergePatch(read.value, patch));
      if (written !== undefined || expectedVersion !== undefined) return written;
      // Another caller wrote first: read again.
    }
  }

  async delete(kind: string, id: string): Promise<void> {
    const old = await this.#call('DeleteItem', () =>
      this.#client.delete({
        TableName: this.#table,
        Key: this.#key(kind, id),
        ReturnValues: 'ALL_OLD',
      }),
    );
    await this.#dropLookups(kind, id, old.Attributes, {});
  }

  async increment(kind: string, id: string, ttl: number): Promise<number> {
    checkTtl(ttl, false);
    const key = recordKey(this.#prefix, kind, id, 'counter');
    for (;;) {
      const now = this.clock();
      const out = await this.#conditional('UpdateItem', () =>
        this.#client.update({
          TableName: this.#table,
          Key: key,
          UpdateExpression: 'ADD #count :one',
          ConditionExpression: 'window_ms > :now',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':one': 1, ':now': now },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      const count = numberOf(out?.Attributes?.['count']);
      if (count !== undefined) return count;
      // No window, or it ended: start one, unless another caller just did (then count in it).
      const end = expiryOf(now, ttl) as number;
      const started = await this.#conditional('PutItem', () =>
        this.#client.put({
          TableName: this.#table,
          Item: { ...key, count: 1, window_ms: end, ...expiryAttributes(end, now) },
          ConditionExpression: 'attribute_not_exists(pk) OR window_ms <= :now',
          ExpressionAttributeValues: { ':now': now },
        }),
      );
      if (started !== undefined) return 1;
    }
  }

  /** Writes the next version of the record item `read`, unless it changed since: the record after, or undefined. */
  async #writeVersion(
    kind: string,
    id: string,
    read: DynamoItem,
    value: RecordValue,
  ): Promise<StoredRecord | undefined> {
    const out = await this.#conditional('UpdateItem', () =>
      this.#client.update({
        TableName: this.#table,
        Key: this.#key(kind, id),
        UpdateExpression: 'SET #data = :data, #version = :next',
        ConditionExpression:
          'wid = :wid AND #version = :version AND ' +
          '(attribute_not_exists(expires_ms) OR expires_ms > :now)',
        ExpressionAttributeNames: { '#data': 'data', '#version': 'version' },
        ExpressionAttributeValues: {
          ':data': JSON.stringify(value),
          ':wid': read['wid'],
          ':version': read['version'],
          ':next': (numberOf(read['version']) ?? 1) + 1,
          ':now': this.clock(),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return out?.Attributes === undefined ? undefined : recordOf(id, out.Attributes);
  }

  /** The live record item. */
  async #getRecord(kind: string, id: string): Promise<DynamoItem | undefined> {
    const out = await this.#call('GetItem', () =>
      this.#client.get({ TableName: this.#table, Key: this.#key(kind, id), ConsistentRead: true }),
    );
    const item = out.Item;
    if (item === undefined || isExpired(numberOf(item['expires_ms']), this.clock()))
      return undefined;
    return item;
  }

  /** The live record `id`, if it still has `lookups[lookup] === value`. */
  async #matching(
    kind: string,
    id: string,
    lookup: string,
    value: string,
  ): Promise<StoredRecord | undefined> {
    const item = await this.#getRecord(kind, id);
    if (item === undefined) return undefined;
    const lookups = lookupsOf(item);
    return Object.hasOwn(lookups, lookup) && lookups[lookup] === value
      ? recordOf(id, item)
      : undefined;
  }

  /** The ids and put orders of a lookup's live items (every page of the query). */
  async #lookupEntries(
    kind: string,
    lookup: string,
    value: string,
  ): Promise<{ id: string; seq: string }[]> {
    const { pk } = lookupKey(this.#prefix, kind, lookup, value, '');
    const now = this.clock();
    const entries: { id: string; seq: string }[] = [];
    let start: DynamoItem | undefined;
    do {
      const out = await this.#call('Query', () =>
        this.#client.query({
          TableName: this.#table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        if (isExpired(numberOf(item['expires_ms']), now)) continue;
        entries.push({ id: String(item['sk']), seq: String(item['seq']) });
      }
      start = out.LastEvaluatedKey;
    } while (start !== undefined);
    return entries;
  }

  /**
   * Deletes the lookup items of a replaced or deleted record `old` that `kept`
   * does not have, on `seq` = the old record's, so a newer put's items stay.
   */
  async #dropLookups(
    kind: string,
    id: string,
    old: DynamoItem | undefined,
    kept: RecordLookups,
  ): Promise<void> {
    if (old === undefined) return;
    const gone = Object.entries(lookupsOf(old)).filter(
      ([lookup, value]) => !(Object.hasOwn(kept, lookup) && kept[lookup] === value),
    );
    await Promise.all(
      gone.map(([lookup, value]) =>
        this.#conditional('DeleteItem', () =>
          this.#client.delete({
            TableName: this.#table,
            Key: lookupKey(this.#prefix, kind, lookup, value, id),
            ConditionExpression: 'seq = :seq',
            ExpressionAttributeValues: { ':seq': old['seq'] },
          }),
        ),
      ),
    );
  }

  #key(kind: string, id: string): { pk: string; sk: string } {
    return recordKey(this.#prefix, kind, id);
  }

  /** Runs an SDK call; an unavailable service becomes StoreUnavailableError. */
  async #call<T>(op: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (isDynamoUnavailable(err))
        throw new StoreUnavailableError(`DynamoDB store: ${op} failed`, { cause: err });
      throw err;
    }
  }

  /** Runs a conditional write: `undefined` when its condition failed (another caller won). */
  async #conditional<T>(op: string, run: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.#call(op, run);
    } catch (err) {
      if (conditionFailed(err)) return undefined;
      throw err;
    }
  }
}

/**
 * The typed stores on one DynamoDB table (see the header for a fail-fast client).
 *
 * @example
 *     await createDynamoTable(db, 'oauth2');
 *     const stores = dynamoStores({ client: DynamoDBDocument.from(db), tableName: 'oauth2' });
 */
export function dynamoStores(options: DynamoStoreOptions): RecordStores {
  return recordStores(new DynamoRecordStore(options));
}

export {
  createDynamoTable,
  dynamoTableDefinition,
  DYNAMO_PARTITION_KEY,
  DYNAMO_SORT_KEY,
  DYNAMO_TTL_ATTRIBUTE,
  type CreateDynamoTableOptions,
  type DynamoTableClient,
} from './dynamodb/table.js';

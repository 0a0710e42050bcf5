/**
 * The record store (lib/stores/records.ts) on DynamoDB (AWS SDK v3), through a
 * document client the host app created; `dynamoStores()` puts the typed stores on it.
 * The pieces: ./dynamodb/table.ts (the table and its items),
 * ./dynamodb/lookups.ts (the lookup items) and ./dynamodb/errors.ts (which SDK
 * errors mean "unavailable").
 *
 * One table, made by `createDynamoTable()`, keyed by `pk` and `sk`: a record
 * item per record, a counter item per counter, and an item per lookup of each
 * record. Every expiry is epoch ms by the store's `clock`, checked on every read
 * and in every condition, and the table's TTL attribute is only the cleanup.
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
 *
 * Lookups: `getBy()` queries the lookup's items and tries the newest put (`seq`)
 * first; both lookups read the record and keep it only if it is live and still
 * has that lookup. Every read is strongly consistent.
 *
 * The client must be a `DynamoDBDocument` (the aggregated document client): the
 * store calls `get()`/`put()`/`update()`/`delete()`/`query()` and, with its
 * pieces, imports nothing but types from the SDK. Network failures, timeouts,
 * throttling and 5xx answers become `StoreUnavailableError`. The SDK's defaults
 * retry three times and never time out a request; a fail-fast client:
 *
 *     const db = new DynamoDB({
 *       region: 'eu-west-1',
 *       maxAttempts: 2,
 *       requestHandler: { connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true },
 *     });
 *     const stores = dynamoStores({ client: DynamoDBDocument.from(db), tableName: 'oauth2' });
 */
import type { DynamoDBDocument } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../types.js';
import {
  checkTtl,
  checkWrite,
  expiryOf,
  isExpired,
  mergePatch,
  type RecordLookups,
  type RecordStore,
  type RecordValue,
  type StoredRecord,
} from './records.js';
import { recordStores, type RecordStores } from './typed-stores.js';
import { checkOptionKeys, optionKeys } from '../helpers/option-keys.js';
import { dynamoCall, dynamoConditional } from './dynamodb/errors.js';
import { DynamoLookups } from './dynamodb/lookups.js';
import {
  expiryAttributes,
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

/** The options of {@link DynamoRecordStore} and {@link dynamoStores}. */
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

const DYNAMO_STORE_KEYS = optionKeys<DynamoStoreOptions>({
  client: true,
  tableName: true,
  prefix: true,
  clock: true,
});
const PREFIX = /^[A-Za-z0-9._:~@+=/-]{0,64}$/;

/** The record store on DynamoDB. See the module header. */
export class DynamoRecordStore implements RecordStore {
  /** The clock, in epoch milliseconds (the `clock` option; default `Date.now`). */
  readonly clock: Clock;
  readonly #client: DynamoDocumentClient;
  readonly #table: string;
  readonly #prefix: string;
  readonly #lookups: DynamoLookups;

  constructor(options: DynamoStoreOptions) {
    checkOptionKeys(options, DYNAMO_STORE_KEYS, 'DynamoDB store: options');
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
    this.#lookups = new DynamoLookups(client, tableName, prefix);
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
    checkWrite(value, lookups);
    const now = this.clock();
    const expiresAt = expiryOf(now, ttl);
    const fields = recordItem(value, lookups, expiresAt, now);
    const old = await dynamoCall('PutItem', () =>
      this.#client.put({
        TableName: this.#table,
        Item: { ...this.#key(kind, id), ...fields },
        ReturnValues: 'ALL_OLD',
      }),
    );
    await this.#lookups.put(kind, id, lookups, fields['seq'], expiresAt, now);
    await this.#lookups.drop(kind, id, old.Attributes, lookups);
  }

  async get(kind: string, id: string): Promise<StoredRecord | undefined> {
    const item = await this.#getRecord(kind, id);
    return item === undefined ? undefined : recordOf(id, item);
  }

  async getBy(kind: string, lookup: string, value: string): Promise<StoredRecord | undefined> {
    const entries = await this.#lookups.entries(kind, lookup, value, this.clock());
    entries.sort((a, b) => (a.seq < b.seq ? 1 : a.seq > b.seq ? -1 : 0));
    for (const { id } of entries) {
      const found = await this.#matching(kind, id, lookup, value);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  async listBy(kind: string, lookup: string, value: string): Promise<StoredRecord[]> {
    const entries = await this.#lookups.entries(kind, lookup, value, this.clock());
    const found = await Promise.all(
      entries.map(({ id }) => this.#matching(kind, id, lookup, value)),
    );
    return found.filter((record): record is StoredRecord => record !== undefined);
  }

  async addOnce(kind: string, id: string, ttl: number, value: RecordValue = {}): Promise<boolean> {
    checkTtl(ttl, false);
    checkWrite(value);
    const now = this.clock();
    const item = { ...this.#key(kind, id), ...recordItem(value, {}, expiryOf(now, ttl), now) };
    const out = await dynamoConditional('PutItem', () =>
      this.#client.put({
        TableName: this.#table,
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk) OR expires_ms <= :now',
        ExpressionAttributeValues: { ':now': now },
        ReturnValues: 'ALL_OLD',
      }),
    );
    if (out === undefined) return false;
    await this.#lookups.drop(kind, id, out.Attributes, {});
    return true;
  }

  async consume(kind: string, id: string): Promise<StoredRecord | undefined> {
    const now = this.clock();
    const out = await dynamoConditional('UpdateItem', () =>
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
    const old = await dynamoCall('DeleteItem', () =>
      this.#client.delete({
        TableName: this.#table,
        Key: this.#key(kind, id),
        ReturnValues: 'ALL_OLD',
      }),
    );
    await this.#lookups.drop(kind, id, old.Attributes, {});
  }

  async increment(kind: string, id: string, ttl: number): Promise<number> {
    checkTtl(ttl, false);
    const key = recordKey(this.#prefix, kind, id, 'counter');
    for (;;) {
      const now = this.clock();
      const out = await dynamoConditional('UpdateItem', () =>
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
      const started = await dynamoConditional('PutItem', () =>
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
    const out = await dynamoConditional('UpdateItem', () =>
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
    const out = await dynamoCall('GetItem', () =>
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

  #key(kind: string, id: string): { pk: string; sk: string } {
    return recordKey(this.#prefix, kind, id);
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

export { isDynamoUnavailable } from './dynamodb/errors.js';
export {
  createDynamoTable,
  dynamoTableDefinition,
  DYNAMO_PARTITION_KEY,
  DYNAMO_SORT_KEY,
  DYNAMO_TTL_ATTRIBUTE,
  type CreateDynamoTableOptions,
  type DynamoTableClient,
} from './dynamodb/table.js';

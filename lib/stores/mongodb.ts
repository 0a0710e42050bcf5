/**
 * The record store (lib/stores/records.ts) on MongoDB, through a `Db` of a
 * MongoClient the host app created; `mongoStores()` puts the typed stores on it.
 *
 * One collection (`collectionName`, default `oauth2_records`). Ids are JSON
 * arrays (after `prefix`), so no kind, id or lookup can run into another:
 *
 * | document | fields |
 * | --- | --- |
 * | a record | `_id: '["<kind>","<id>"]'`, `data` (the value as JSON), `version`, `wid`, `seq`, `lookups`, `expiresAt`, `consumedAt`, `purgeAt` |
 * | a counter | `_id: '["<kind>","<id>","counter"]'`, `count`, `windowEnd`, `purgeAt` |
 *
 * The value is kept whole as JSON text in `data`, so it round-trips exactly
 * (keys with `$` or `.`, `undefined` dropped, never stored as null). `lookups` is
 * an array of `'["<kind>","<lookup>","<value>"]'` strings, indexed with `seq`
 * (clock time, then this machine's time, then a counter of this process), so
 * `getBy()` is one indexed query for the newest live match and `listBy()` one
 * for all; a put replaces the array, so a replaced record's lookups are gone with
 * it. `expiresAt`, `windowEnd` and `consumedAt` are epoch ms by the store's
 * `clock`, checked in every filter; `purgeAt` (a Date: the same remaining
 * lifetime counted from this machine's time) carries the TTL index, which is only
 * the cleanup (MongoDB's TTL monitor runs once a minute).
 *
 * Atomicity: a single-document write is atomic, and each atomic method is one:
 * - `consume()`: `findOneAndUpdate` on "not consumed, not expired", setting
 *   `consumedAt` and returning the document as it was: one caller matches.
 * - `addOnce()`: `replaceOne` with upsert on `{ _id, expiresAt <= now }`: it
 *   replaces an expired record, or inserts when there is none; when a live one
 *   exists the upsert's insert fails with a duplicate key, which means someone
 *   else holds the id (false).
 * - `update()`: reads the record, merges the patch, and writes it back with
 *   `findOneAndUpdate` on `{ wid, version }` as read: of the callers that read one
 *   version, one writes the next; without an expected version the others read
 *   again and retry. `wid`, a random id per put, keeps an update from landing on
 *   a record put again since it was read.
 * - `increment()`: `$inc` on "window not ended"; when nothing matches, an upsert
 *   on "window ended" starts a new one at 1 (a duplicate key: another caller just
 *   started it, so count in theirs).
 *
 * Network errors, server selection and operation timeouts, and the server errors
 * the driver would retry become `StoreUnavailableError` (the driver's error is the
 * `cause`); anything else is rethrown as it is. The driver waits 30 s to select a
 * server by default; a fail-fast client:
 *
 *     const client = new MongoClient(url, { serverSelectionTimeoutMS: 2000, connectTimeoutMS: 2000, timeoutMS: 5000 });
 *     await client.connect();
 *     await createMongoIndexes(client.db());
 *     const stores = mongoStores({ db: client.db() });
 *
 * Call `client.connect()` before serving: when the driver's automatic first connect
 * fails, it leaves the client closed (every later call fails with
 * MongoTopologyClosedError) until `connect()` is called again. After a successful
 * connect, an outage fails calls after `serverSelectionTimeoutMS`, and the driver
 * reconnects by itself once the server is back.
 */
import { randomBytes } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { StoreUnavailableError } from '../errors.js';
import type { Clock } from '../types.js';
import {
  checkTtl,
  expiryOf,
  mergePatch,
  type RecordLookups,
  type RecordStore,
  type RecordValue,
  type StoredRecord,
} from './records.js';
import { recordStores, type RecordStores } from './typed-stores.js';

/** The collection's name unless `collectionName` says otherwise. */
export const MONGO_COLLECTION = 'oauth2_records';

export interface MongoStoreOptions {
  /** The database (`mongoClient.db()`). Required. */
  db: Db;
  /** The collection of every record. Default {@link MONGO_COLLECTION}. */
  collectionName?: string;
  /** Prepended to every `_id` and lookup, to share a collection: letters, digits and `._:~@+=/-`, up to 64. Default `''`. */
  prefix?: string;
  /** The clock for every expiry and `consumedAt`, in epoch milliseconds. Default `Date.now`. */
  clock?: Clock;
}

interface RecordDoc {
  _id: string;
  data: string;
  version: number;
  wid: string;
  seq: string;
  lookups: string[];
  /** Epoch ms by the clock; absent for no expiry. */
  expiresAt?: number;
  /** Epoch ms by the clock; absent until consumed. */
  consumedAt?: number;
  /** The TTL index's field (cleanup only). */
  purgeAt?: Date;
}

interface CounterDoc {
  _id: string;
  count: number;
  /** Epoch ms by the clock. */
  windowEnd: number;
  purgeAt: Date;
}

const PREFIX = /^[A-Za-z0-9._:~@+=/-]{0,64}$/;

/** Driver errors that mean the server was not reached or did not answer in time. */
const UNAVAILABLE_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoOperationTimeoutError',
  'MongoServerClosedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
  'PoolClearedOnNetworkError',
  'MongoWaitQueueTimeoutError',
]);

/**
 * Server error codes of a server that is unreachable, shutting down or stepping
 * down: HostUnreachable, HostNotFound, MaxTimeMSExpired, NetworkTimeout,
 * ShutdownInProgress, PrimarySteppedDown, ExceededTimeLimit, NotWritablePrimary,
 * InterruptedAtShutdown, InterruptedDueToReplStateChange, NotPrimaryNoSecondaryOk,
 * NotPrimaryOrSecondary.
 */
const UNAVAILABLE_CODES = new Set([6, 7, 50, 89, 91, 189, 262, 10107, 11600, 11602, 13435, 13436]);

/** Whether a driver error means the server was not reached or could not answer. */
export function isMongoUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; code?: unknown; errorLabels?: unknown };
  if (typeof e.name === 'string' && UNAVAILABLE_NAMES.has(e.name)) return true;
  if (typeof e.code === 'number' && UNAVAILABLE_CODES.has(e.code)) return true;
  return Array.isArray(e.errorLabels) && e.errorLabels.includes('RetryableWriteError');
}

function duplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 11000;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value must be a JSON object, lookups non-empty strings: anything else is the caller's bug. */
function checkRecord(value: RecordValue, lookups: RecordLookups): void {
  if (!isObject(value)) throw new TypeError('MongoDB store: a record value must be a JSON object');
  for (const [name, v] of Object.entries(lookups)) {
    if (name === '' || typeof v !== 'string' || v === '')
      throw new TypeError(
        `MongoDB store: lookup ${JSON.stringify(name)} must be a non-empty string`,
      );
  }
}

function toRecord(id: string, doc: RecordDoc): StoredRecord {
  let value: unknown;
  try {
    value = JSON.parse(doc.data) as unknown;
  } catch (err) {
    throw new Error('MongoDB store: a record is not what the store wrote', { cause: err });
  }
  if (!isObject(value)) throw new Error('MongoDB store: a record value is not an object');
  const record = { id, value, expiresAt: doc.expiresAt, version: doc.version };
  return doc.consumedAt === undefined ? record : { ...record, consumedAt: doc.consumedAt };
}

/** A filter for documents not expired at `now`. */
function liveAt(now: number): { $or: object[] } {
  return { $or: [{ expiresAt: { $exists: false } }, { expiresAt: { $gt: now } }] };
}

let puts = 0;

/** The put order of a write at `now`: clock time, then this machine's, then this process's count. */
function putOrder(now: number): string {
  puts = (puts + 1) % 1e12;
  return [now, Date.now(), puts].map((n) => String(n).padStart(16, '0')).join('.');
}

/**
 * Creates the indexes of the collection: a TTL index on `purgeAt` and
 * `{ lookups: 1, seq: -1 }`. Safe to run on every start.
 */
export async function createMongoIndexes(
  db: Db,
  options: { collectionName?: string } = {},
): Promise<void> {
  await db.collection(options.collectionName ?? MONGO_COLLECTION).createIndexes([
    { key: { purgeAt: 1 }, name: 'purgeAt_ttl', expireAfterSeconds: 0 },
    { key: { lookups: 1, seq: -1 }, name: 'lookups_seq' },
  ]);
}

/** The record store on MongoDB. See the module header. */
export class MongoRecordStore implements RecordStore {
  /** The clock, in epoch milliseconds (the `clock` option; default `Date.now`). */
  readonly clock: Clock;
  readonly #records: Collection<RecordDoc>;
  readonly #counters: Collection<CounterDoc>;
  readonly #prefix: string;

  constructor(options: MongoStoreOptions) {
    const {
      db,
      collectionName = MONGO_COLLECTION,
      prefix = '',
      clock = Date.now,
    } = options ?? ({} as MongoStoreOptions);
    if (typeof db?.collection !== 'function')
      throw new TypeError('MongoDB store: options.db must be a Db (mongoClient.db())');
    if (typeof collectionName !== 'string' || collectionName === '')
      throw new TypeError('MongoDB store: options.collectionName must be a non-empty string');
    if (typeof prefix !== 'string' || !PREFIX.test(prefix))
      throw new TypeError(
        'MongoDB store: options.prefix must be up to 64 letters, digits and ._:~@+=/-',
      );
    if (typeof clock !== 'function')
      throw new TypeError('MongoDB store: options.clock must be a function');
    this.#records = db.collection<RecordDoc>(collectionName);
    this.#counters = db.collection<CounterDoc>(collectionName);
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
    const doc = this.#newDoc(kind, id, value, ttl, lookups);
    await this.#call('replaceOne', () =>
      this.#records.replaceOne({ _id: doc._id }, doc, { upsert: true }),
    );
  }

  async get(kind: string, id: string): Promise<StoredRecord | undefined> {
    const doc = await this.#call('findOne', () =>
      this.#records.findOne({ _id: this.#id(kind, id), ...liveAt(this.clock()) }),
    );
    return doc === null ? undefined : toRecord(id, doc);
  }

  async getBy(kind: string, lookup: string, value: string): Promise<StoredRecord | undefined> {
    const doc = await this.#call('findOne', () =>
      this.#records.findOne(
        { lookups: this.#lookup(kind, lookup, value), ...liveAt(this.clock()) },
        { sort: { seq: -1 } },
      ),
    );
    return doc === null ? undefined : toRecord(this.#idOf(doc), doc);
  }

  async listBy(kind: string, lookup: string, value: string): Promise<StoredRecord[]> {
    const docs = await this.#call('find', () =>
      this.#records
        .find({ lookups: this.#lookup(kind, lookup, value), ...liveAt(this.clock()) })
        .toArray(),
    );
    return docs.map((doc) => toRecord(this.#idOf(doc), doc));
  }

  async addOnce(kind: string, id: string, ttl: number, value: RecordValue = {}): Promise<boolean> {
    checkTtl(ttl, false);
    checkRecord(value, {});
    const doc = this.#newDoc(kind, id, value, ttl, {});
    try {
      await this.#call('replaceOne', () =>
        this.#records.replaceOne({ _id: doc._id, expiresAt: { $lte: this.clock() } }, doc, {
          upsert: true,
        }),
      );
      return true;
    } catch (err) {
      // A live record holds the id: the upsert's insert met it.
      if (duplicateKey(err)) return false;
      throw err;
    }
  }

  async consume(kind: string, id: string): Promise<StoredRecord | undefined> {
    const now = this.clock();
    const before = await this.#call('findOneAndUpdate', () =>
      this.#records.findOneAndUpdate(
        { _id: this.#id(kind, id), consumedAt: { $exists: false }, ...liveAt(now) },
        { $set: { consumedAt: now } },
        { returnDocument: 'before', includeResultMetadata: false },
      ),
    );
    return before === null ? undefined : toRecord(id, before);
  }

  async update(
    kind: string,
    id: string,
    patch: RecordValue,
    expectedVersion?: number,
  ): Promise<StoredRecord | undefined> {
    for (;;) {
      const read = await this.#call('findOne', () =>
        this.#records.findOne({ _id: this.#id(kind, id), ...liveAt(this.clock()) }),
      );
      if (read === null) return undefined;
      if (expectedVersion !== undefined && read.version !== expectedVersion) return undefined;
      const data = JSON.stringify(mergePatch(toRecord(id, read).value, patch));
      const after = await this.#call('findOneAndUpdate', () =>
        this.#records.findOneAndUpdate(
          { _id: read._id, wid: read.wid, version: read.version, ...liveAt(this.clock()) },
          { $set: { data, version: read.version + 1 } },
          { returnDocument: 'after', includeResultMetadata: false },
        ),
      );
      if (after !== null) return toRecord(id, after);
      // Another caller wrote first: read again (or, at an expected version, lose).
      if (expectedVersion !== undefined) return undefined;
    }
  }

  async delete(kind: string, id: string): Promise<void> {
    await this.#call('deleteOne', () => this.#records.deleteOne({ _id: this.#id(kind, id) }));
  }

  async increment(kind: string, id: string, ttl: number): Promise<number> {
    checkTtl(ttl, false);
    const _id = `${this.#prefix}${JSON.stringify([kind, id, 'counter'])}`;
    for (;;) {
      const now = this.clock();
      const counted = await this.#call('findOneAndUpdate', () =>
        this.#counters.findOneAndUpdate(
          { _id, windowEnd: { $gt: now } },
          { $inc: { count: 1 } },
          { returnDocument: 'after', includeResultMetadata: false },
        ),
      );
      if (counted !== null) return counted.count;
      const windowEnd = expiryOf(now, ttl) as number;
      try {
        await this.#call('updateOne', () =>
          this.#counters.updateOne(
            { _id, windowEnd: { $lte: now } },
            { $set: { count: 1, windowEnd, purgeAt: purgeDate(windowEnd, now) } },
            { upsert: true },
          ),
        );
        return 1;
      } catch (err) {
        // Another caller started the window just now: count in it.
        if (!duplicateKey(err)) throw err;
      }
    }
  }

  #newDoc(
    kind: string,
    id: string,
    value: RecordValue,
    ttl: number | undefined,
    lookups: RecordLookups,
  ): RecordDoc {
    const now = this.clock();
    const expiresAt = expiryOf(now, ttl);
    const doc: RecordDoc = {
      _id: this.#id(kind, id),
      data: JSON.stringify(value),
      version: 1,
      wid: randomBytes(12).toString('base64url'),
      seq: putOrder(now),
      lookups: Object.entries(lookups).map(([name, v]) => this.#lookup(kind, name, v)),
    };
    if (expiresAt !== undefined) {
      doc.expiresAt = expiresAt;
      doc.purgeAt = purgeDate(expiresAt, now);
    }
    return doc;
  }

  #id(kind: string, id: string): string {
    return `${this.#prefix}${JSON.stringify([kind, id])}`;
  }

  /** The record id inside a document's `_id`. */
  #idOf(doc: RecordDoc): string {
    const parts: unknown = JSON.parse(doc._id.slice(this.#prefix.length));
    if (!Array.isArray(parts) || typeof parts[1] !== 'string')
      throw new Error('MongoDB store: a record _id is not what the store wrote');
    return parts[1];
  }

  #lookup(kind: string, lookup: string, value: string): string {
    return `${this.#prefix}${JSON.stringify([kind, lookup, value])}`;
  }

  /** Runs a driver call; an unreachable server becomes StoreUnavailableError. */
  async #call<T>(op: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (isMongoUnavailable(err))
        throw new StoreUnavailableError(`MongoDB store: ${op} failed`, { cause: err });
      throw err;
    }
  }
}

/** The TTL index's Date for an expiry by the clock: the same remaining lifetime from this machine's time. */
function purgeDate(expiresAt: number, now: number): Date {
  return new Date(Date.now() + (expiresAt - now));
}

/**
 * The typed stores on one MongoDB collection (see the header for a fail-fast
 * client and the indexes).
 *
 * @example
 *     await createMongoIndexes(mongo.db());
 *     const stores = mongoStores({ db: mongo.db() });
 */
export function mongoStores(options: MongoStoreOptions): RecordStores {
  return recordStores(new MongoRecordStore(options));
}

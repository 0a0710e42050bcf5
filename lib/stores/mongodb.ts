/**
 * The record store (lib/stores/records.ts) on MongoDB, through a `Db` of a
 * MongoClient the host app created; `mongoStores()` puts the typed stores on it.
 * The pieces: ./mongodb/documents.ts (how records and counters map to documents)
 * and ./mongodb/errors.ts (which driver errors mean "unavailable"). This module
 * and its pieces import only types from the driver.
 *
 * One collection (`collectionName`, default `oauth2_records`) holds every record
 * and counter, with a TTL index on `purgeAt` (cleanup only) and an index on
 * `{ lookups: 1, seq: -1 }` (`createMongoIndexes()`). Every expiry is epoch ms by
 * the store's `clock`, checked in every filter.
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
 * the driver would retry become `StoreUnavailableError`. The driver waits 30 s to
 * select a server by default; a fail-fast client:
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
import type { Collection, Db } from 'mongodb';
import type { Clock } from '../types.js';
import {
  checkTtl,
  checkWrite,
  expiryOf,
  mergePatch,
  type RecordLookups,
  type RecordStore,
  type RecordValue,
  type StoredRecord,
} from './records.js';
import { recordStores, type RecordStores } from './typed-stores.js';
import { checkOptionKeys, optionKeys } from '../helpers/option-keys.js';
import {
  counterId,
  idOf,
  liveAt,
  lookupEntry,
  purgeDate,
  recordDoc,
  recordId,
  toRecord,
  type CounterDoc,
  type RecordDoc,
} from './mongodb/documents.js';
import { duplicateKey, mongoCall } from './mongodb/errors.js';

/** The collection's name unless `collectionName` says otherwise. */
export const MONGO_COLLECTION = 'oauth2_records';

/** The options of {@link MongoRecordStore} and {@link mongoStores}. */
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

const MONGO_STORE_KEYS = optionKeys<MongoStoreOptions>({
  db: true,
  collectionName: true,
  prefix: true,
  clock: true,
});
const PREFIX = /^[A-Za-z0-9._:~@+=/-]{0,64}$/;

/** Options of {@link createMongoIndexes}. */
export interface MongoIndexOptions {
  /** The collection of the records. Default {@link MONGO_COLLECTION}. */
  collectionName?: string;
}

const MONGO_INDEX_KEYS = optionKeys<MongoIndexOptions>({ collectionName: true });

/**
 * Creates the indexes of the collection: a TTL index on `purgeAt` and
 * `{ lookups: 1, seq: -1 }`. Safe to run on every start.
 */
export async function createMongoIndexes(db: Db, options: MongoIndexOptions = {}): Promise<void> {
  checkOptionKeys(options, MONGO_INDEX_KEYS, 'createMongoIndexes(): options');
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
    checkOptionKeys(options, MONGO_STORE_KEYS, 'MongoDB store: options');
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
    checkWrite(value, lookups);
    const doc = recordDoc(this.#prefix, kind, id, value, ttl, lookups, this.clock());
    await mongoCall('replaceOne', () =>
      this.#records.replaceOne({ _id: doc._id }, doc, { upsert: true }),
    );
  }

  async get(kind: string, id: string): Promise<StoredRecord | undefined> {
    const doc = await mongoCall('findOne', () =>
      this.#records.findOne({ _id: this.#id(kind, id), ...liveAt(this.clock()) }),
    );
    return doc === null ? undefined : toRecord(id, doc);
  }

  async getBy(kind: string, lookup: string, value: string): Promise<StoredRecord | undefined> {
    const doc = await mongoCall('findOne', () =>
      this.#records.findOne(
        { lookups: this.#lookup(kind, lookup, value), ...liveAt(this.clock()) },
        { sort: { seq: -1 } },
      ),
    );
    return doc === null ? undefined : toRecord(this.#idOf(doc), doc);
  }

  async listBy(kind: string, lookup: string, value: string): Promise<StoredRecord[]> {
    const docs = await mongoCall('find', () =>
      this.#records
        .find({ lookups: this.#lookup(kind, lookup, value), ...liveAt(this.clock()) })
        .toArray(),
    );
    return docs.map((doc) => toRecord(this.#idOf(doc), doc));
  }

  async addOnce(kind: string, id: string, ttl: number, value: RecordValue = {}): Promise<boolean> {
    checkTtl(ttl, false);
    checkWrite(value);
    const doc = recordDoc(this.#prefix, kind, id, value, ttl, {}, this.clock());
    try {
      await mongoCall('replaceOne', () =>
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
    const before = await mongoCall('findOneAndUpdate', () =>
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
      const read = await mongoCall('findOne', () =>
        this.#records.findOne({ _id: this.#id(kind, id), ...liveAt(this.clock()) }),
      );
      if (read === null) return undefined;
      if (expectedVersion !== undefined && read.version !== expectedVersion) return undefined;
      const data = JSON.stringify(mergePatch(toRecord(id, read).value, patch));
      const after = await mongoCall('findOneAndUpdate', () =>
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
    await mongoCall('deleteOne', () => this.#records.deleteOne({ _id: this.#id(kind, id) }));
  }

  async increment(kind: string, id: string, ttl: number): Promise<number> {
    checkTtl(ttl, false);
    const _id = counterId(this.#prefix, kind, id);
    for (;;) {
      const now = this.clock();
      const counted = await mongoCall('findOneAndUpdate', () =>
        this.#counters.findOneAndUpdate(
          { _id, windowEnd: { $gt: now } },
          { $inc: { count: 1 } },
          { returnDocument: 'after', includeResultMetadata: false },
        ),
      );
      if (counted !== null) return counted.count;
      const windowEnd = expiryOf(now, ttl) as number;
      try {
        await mongoCall('updateOne', () =>
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

  #id(kind: string, id: string): string {
    return recordId(this.#prefix, kind, id);
  }

  /** The record id inside a document's `_id`. */
  #idOf(doc: RecordDoc): string {
    return idOf(this.#prefix, doc);
  }

  #lookup(kind: string, lookup: string, value: string): string {
    return lookupEntry(this.#prefix, kind, lookup, value);
  }
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

export { isMongoUnavailable } from './mongodb/errors.js';

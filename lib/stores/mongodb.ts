/**
 * Stores on MongoDB, through a `Db` of a MongoClient the host app created.
 *
 * Collections (named with `collectionPrefix`, default `oauth2_`):
 *
 * | collection | documents |
 * | --- | --- |
 * | `authorization_codes` | `{ _id, record, consumed, expiresAt }` |
 * | `access_tokens` | `{ _id, record, uniqueKey?, savedAt, expiresAt }` |
 * | `refresh_tokens` | `{ _id, record, consumed, consumedAt?, expiresAt }` |
 * | `revoked_grants` | `{ _id: 'at:<grantId>' or 'rt:<grantId>', expiresAt }` |
 * | `consents` | `{ _id: '["<subject>","<clientId>"]', subject, clientId, scope, expiresAt }` |
 * | `clients` | `{ _id, record }` |
 *
 * `_id` is the record's id; `record` is the record as saved (without its
 * `undefined` fields, which the driver would store as null). `expiresAt` is a Date:
 * the earlier of the record's `expiresAt` and the end of the `ttl` given to
 * `save()`. `createMongoIndexes()` puts a TTL index on it in every collection, and
 * an index on `{ uniqueKey, savedAt }` for unique access tokens. MongoDB's TTL
 * monitor runs once a minute, so every read also checks `expiresAt`.
 *
 * `consume()` is one `findOneAndUpdate({ _id, consumed: { $ne: true }, expiresAt:
 * { $gt: now } }, { $set: { consumed: true } })` returning the document as it was:
 * a single-document update is atomic, so one caller matches and every other one
 * gets null. The document is updated rather than deleted (`findOneAndDelete`)
 * because a consumed code or refresh token stays findable until it expires, so
 * replays are seen.
 *
 * `revokeGrant()` upserts a `revoked_grants` document (keeping the later expiry);
 * `find()` of an access or refresh token reads the one of the token's grant, so
 * tokens saved before and after the call are hidden alike.
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
 *
 * `record.extra` keys that start with `$` or contain `.` need MongoDB 5.0 or later.
 */
import type { Collection, Db, Document } from 'mongodb';
import { StoreUnavailableError } from '../errors.js';
import type {
  AccessTokenRecord,
  AuthorizationCodeRecord,
  Client,
  RefreshTokenRecord,
} from '../types.js';
import type {
  AccessTokenStore,
  AuthorizationCodeStore,
  ClientStore,
  ConsentStore,
  RefreshTokenStore,
  Stores,
} from './types.js';

export interface MongoStoreOptions {
  /** The database (`mongoClient.db()`). */
  db: Db;
  /** Prefix of every collection name. Default `'oauth2_'`. */
  collectionPrefix?: string;
}

/** The collections, without the prefix. */
export const MONGO_COLLECTIONS = [
  'authorization_codes',
  'access_tokens',
  'refresh_tokens',
  'revoked_grants',
  'consents',
  'clients',
] as const;
type CollectionName = (typeof MONGO_COLLECTIONS)[number];

interface RecordDoc {
  _id: string;
  record: Document;
  expiresAt: Date;
  consumed?: boolean;
  consumedAt?: number;
  uniqueKey?: string;
  savedAt?: Date;
}

interface MarkerDoc {
  _id: string;
  expiresAt: Date;
}

interface ConsentDoc {
  _id: string;
  subject: string;
  clientId: string;
  scope: string[];
  expiresAt: Date;
}

interface ClientDoc {
  _id: string;
  record: Document;
}

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

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** A JSON copy: no `undefined` fields (the driver would store them as null). */
function clean(value: object): Document {
  return JSON.parse(JSON.stringify(value)) as Document;
}

/** The Date a record saved with `ttl` expires: its `expiresAt`, or the end of the ttl if sooner. */
function expiryDate(record: { expiresAt: number }, ttl: number): Date {
  return new Date(Math.min(record.expiresAt * 1000, Date.now() + ttl * 1000));
}

function live<T extends { expiresAt: Date }>(doc: T | null): doc is T {
  return doc !== null && doc.expiresAt.getTime() > Date.now();
}

/**
 * Creates the indexes: a TTL index on `expiresAt` in every collection but
 * `clients`, and `{ uniqueKey: 1, savedAt: -1 }` on `access_tokens`. Safe to run
 * on every start.
 */
export async function createMongoIndexes(
  db: Db,
  options: { collectionPrefix?: string } = {},
): Promise<void> {
  const prefix = options.collectionPrefix ?? 'oauth2_';
  const ttl = { key: { expiresAt: 1 }, name: 'expiresAt_ttl', expireAfterSeconds: 0 } as const;
  await Promise.all(
    MONGO_COLLECTIONS.filter((name) => name !== 'clients').map((name) =>
      db.collection(`${prefix}${name}`).createIndexes([ttl]),
    ),
  );
  await db
    .collection(`${prefix}access_tokens`)
    .createIndexes([{ key: { uniqueKey: 1, savedAt: -1 }, name: 'uniqueKey_savedAt' }]);
}

/** Collections and error translation, shared by every MongoDB store. */
abstract class MongoBase {
  readonly #db: Db;
  readonly #prefix: string;

  constructor(options: MongoStoreOptions) {
    this.#db = options.db;
    this.#prefix = options.collectionPrefix ?? 'oauth2_';
  }

  protected collection<T extends Document>(name: CollectionName): Collection<T> {
    return this.#db.collection<T>(`${this.#prefix}${name}`);
  }

  /** Runs a driver call; an unreachable server becomes StoreUnavailableError. */
  protected async call<T>(op: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (isMongoUnavailable(err))
        throw new StoreUnavailableError(`MongoDB ${op} failed`, { cause: err });
      throw err;
    }
  }

  protected async grantRevoked(kind: 'at' | 'rt', grantId: string): Promise<boolean> {
    const marker = await this.call('findOne', () =>
      this.collection<MarkerDoc>('revoked_grants').findOne({ _id: `${kind}:${grantId}` }),
    );
    return live(marker);
  }

  protected async revokeGrantFor(kind: 'at' | 'rt', grantId: string, ttl: number): Promise<void> {
    const expiresAt = new Date(Date.now() + ttl * 1000);
    await this.call('updateOne', () =>
      this.collection<MarkerDoc>('revoked_grants').updateOne(
        { _id: `${kind}:${grantId}` },
        { $max: { expiresAt } },
        { upsert: true },
      ),
    );
  }

  /** Marks a live, unconsumed document consumed; the document as it was, for the first caller only. */
  protected async consumeDoc(
    name: CollectionName,
    id: string,
    set: Partial<RecordDoc>,
  ): Promise<RecordDoc | null> {
    return this.call('findOneAndUpdate', () =>
      this.collection<RecordDoc>(name).findOneAndUpdate(
        { _id: id, consumed: { $ne: true }, expiresAt: { $gt: new Date() } },
        { $set: { ...set, consumed: true } },
        { returnDocument: 'before', includeResultMetadata: false },
      ),
    );
  }
}

/** Clients, kept without expiry. */
export class MongoClientStore extends MongoBase implements ClientStore {
  async find(clientId: string): Promise<Client | undefined> {
    const doc = await this.call('findOne', () =>
      this.collection<ClientDoc>('clients').findOne({ _id: clientId }),
    );
    return doc === null ? undefined : (doc.record as Client);
  }

  async save(client: Client): Promise<void> {
    await this.call('replaceOne', () =>
      this.collection<ClientDoc>('clients').replaceOne(
        { _id: client.id },
        { record: clean(client) },
        { upsert: true },
      ),
    );
  }

  async delete(clientId: string): Promise<void> {
    await this.call('deleteOne', () =>
      this.collection<ClientDoc>('clients').deleteOne({ _id: clientId }),
    );
  }
}

export class MongoAuthorizationCodeStore extends MongoBase implements AuthorizationCodeStore {
  async save(record: AuthorizationCodeRecord, ttl: number): Promise<void> {
    const doc = {
      record: clean(record),
      consumed: record.consumed === true,
      expiresAt: expiryDate(record, ttl),
    };
    await this.call('replaceOne', () =>
      this.collection<RecordDoc>('authorization_codes').replaceOne({ _id: record.id }, doc, {
        upsert: true,
      }),
    );
  }

  async find(id: string): Promise<AuthorizationCodeRecord | undefined> {
    const doc = await this.call('findOne', () =>
      this.collection<RecordDoc>('authorization_codes').findOne({ _id: id }),
    );
    if (!live(doc)) return undefined;
    const record = doc.record as AuthorizationCodeRecord;
    return doc.consumed === true ? { ...record, consumed: true } : record;
  }

  async consume(id: string): Promise<AuthorizationCodeRecord | undefined> {
    const before = await this.consumeDoc('authorization_codes', id, {});
    return before === null ? undefined : (before.record as AuthorizationCodeRecord);
  }
}

export class MongoAccessTokenStore extends MongoBase implements AccessTokenStore {
  async save(record: AccessTokenRecord, ttl: number): Promise<void> {
    const doc: Omit<RecordDoc, '_id'> = {
      record: clean(record),
      savedAt: new Date(),
      expiresAt: expiryDate(record, ttl),
    };
    if (record.uniqueKey !== undefined) doc.uniqueKey = record.uniqueKey;
    await this.call('replaceOne', () =>
      this.collection<RecordDoc>('access_tokens').replaceOne({ _id: record.id }, doc, {
        upsert: true,
      }),
    );
  }

  async #visible(doc: RecordDoc | null): Promise<AccessTokenRecord | undefined> {
    if (!live(doc)) return undefined;
    const record = doc.record as AccessTokenRecord;
    return (await this.grantRevoked('at', record.grantId)) ? undefined : record;
  }

  async find(id: string): Promise<AccessTokenRecord | undefined> {
    return this.#visible(
      await this.call('findOne', () =>
        this.collection<RecordDoc>('access_tokens').findOne({ _id: id }),
      ),
    );
  }

  async revoke(id: string): Promise<void> {
    await this.call('deleteOne', () =>
      this.collection<RecordDoc>('access_tokens').deleteOne({ _id: id }),
    );
  }

  async revokeGrant(grantId: string, ttl: number): Promise<void> {
    await this.revokeGrantFor('at', grantId, ttl);
  }

  async findByUniqueKey(uniqueKey: string): Promise<AccessTokenRecord | undefined> {
    const doc = await this.call('findOne', () =>
      this.collection<RecordDoc>('access_tokens').findOne(
        { uniqueKey, expiresAt: { $gt: new Date() } },
        { sort: { savedAt: -1 } },
      ),
    );
    return this.#visible(doc);
  }
}

export class MongoRefreshTokenStore extends MongoBase implements RefreshTokenStore {
  async save(record: RefreshTokenRecord, ttl: number): Promise<void> {
    const doc = {
      record: clean(record),
      consumed: record.consumed === true,
      expiresAt: expiryDate(record, ttl),
    };
    await this.call('replaceOne', () =>
      this.collection<RecordDoc>('refresh_tokens').replaceOne({ _id: record.id }, doc, {
        upsert: true,
      }),
    );
  }

  async find(id: string): Promise<RefreshTokenRecord | undefined> {
    const doc = await this.call('findOne', () =>
      this.collection<RecordDoc>('refresh_tokens').findOne({ _id: id }),
    );
    if (!live(doc)) return undefined;
    const record = doc.record as RefreshTokenRecord;
    if (await this.grantRevoked('rt', record.grantId)) return undefined;
    if (doc.consumed !== true || doc.consumedAt === undefined) return record;
    return { ...record, consumed: true, consumedAt: doc.consumedAt };
  }

  async consume(id: string): Promise<RefreshTokenRecord | undefined> {
    const before = await this.consumeDoc('refresh_tokens', id, { consumedAt: nowSeconds() });
    if (before === null) return undefined;
    const record = before.record as RefreshTokenRecord;
    // Checked after the update: a grant revoked at any time before it wins over the consume.
    return (await this.grantRevoked('rt', record.grantId)) ? undefined : record;
  }

  async revoke(id: string): Promise<void> {
    await this.call('deleteOne', () =>
      this.collection<RecordDoc>('refresh_tokens').deleteOne({ _id: id }),
    );
  }

  async revokeGrant(grantId: string, ttl: number): Promise<void> {
    await this.revokeGrantFor('rt', grantId, ttl);
  }
}

export class MongoConsentStore extends MongoBase implements ConsentStore {
  #id(subject: string, clientId: string): string {
    return JSON.stringify([subject, clientId]);
  }

  async find(subject: string, clientId: string): Promise<readonly string[] | undefined> {
    const doc = await this.call('findOne', () =>
      this.collection<ConsentDoc>('consents').findOne({ _id: this.#id(subject, clientId) }),
    );
    return live(doc) ? doc.scope : undefined;
  }

  async save(
    subject: string,
    clientId: string,
    scope: readonly string[],
    ttl: number,
  ): Promise<void> {
    const doc = {
      subject,
      clientId,
      scope: [...scope],
      expiresAt: new Date(Date.now() + ttl * 1000),
    };
    await this.call('replaceOne', () =>
      this.collection<ConsentDoc>('consents').replaceOne(
        { _id: this.#id(subject, clientId) },
        doc,
        { upsert: true },
      ),
    );
  }

  async revoke(subject: string, clientId: string): Promise<void> {
    await this.call('deleteOne', () =>
      this.collection<ConsentDoc>('consents').deleteOne({ _id: this.#id(subject, clientId) }),
    );
  }
}

/** Every store on one database (see the header for a fail-fast client and the indexes). */
export function mongoStores(options: MongoStoreOptions): Stores {
  return {
    clients: new MongoClientStore(options),
    authorizationCodes: new MongoAuthorizationCodeStore(options),
    accessTokens: new MongoAccessTokenStore(options),
    refreshTokens: new MongoRefreshTokenStore(options),
    consents: new MongoConsentStore(options),
  };
}

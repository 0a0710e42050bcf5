/**
 * The Redis record store, on ioredis: one Redis (5 or later), or a Redis Cluster.
 * It implements the persistence primitive (./records.ts, whose header holds the
 * rules); {@link redisStores} puts the typed stores (./typed-stores.ts) on top.
 * The pieces: ./redis/keys.ts (the keys, the fields of their hashes, one key per
 * command) and ./redis/scripts.ts (the Lua script that makes each write atomic).
 *
 * The host app creates the `Redis` or `Cluster` (with {@link redisFailFastOptions} or
 * {@link redisClusterFailFastOptions}), waits until it is ready, hands it to
 * {@link redisStores}, and closes it itself. This module and its pieces import only
 * types from ioredis, so an app on the memory stores never loads it.
 *
 * Time: every expiry is epoch milliseconds from the store's `clock`, kept in the
 * hash; every read and every script compares it with now (a script gets now as an
 * argument), so a record past it is never returned while Redis still holds it. The
 * PEXPIRE each write sets is only the cleanup of what is dead anyway.
 *
 * Lookups: a record and its lookup index are two keys, written by separate
 * commands, and neither can be trusted alone, so:
 * - put() writes the record first and, once that succeeded, adds the id to each
 *   lookup's index (one script per lookup, sent together). A put that fails
 *   between leaves a record no lookup finds, and rejects, so the caller knows.
 * - An index entry is only a hint: getBy() and listBy() read the record and return
 *   it only if it is live and its own `l` still holds that lookup value. A record
 *   that was replaced (other lookups), deleted or expired is skipped.
 * - getBy() returns the most recently put record: it walks the entries from the
 *   highest seq down (seq grows with every put into an index) and stops at the
 *   first record that checks out.
 * - getBy() and listBy() drop the stale entries they met, each only if it is still
 *   the very entry read. A put racing that reader wrote its record before its
 *   index entry, so the reader either saw the new record (and keeps the entry) or
 *   the entry changed under it (and stays).
 *
 * update() merges the patch here (JSON as written, never re-encoded by Lua) and
 * has its script write it only at the version read: with an expected version that
 * is the compare-and-set; without, a lost race merges again onto the winner's
 * value (a retry only ever follows another update's success).
 *
 * Announcements (the optional capability of ./watch.ts): a put of a kind in
 * `announce` (default: the deny-list's, ./deny-list.ts) is PUBLISHed once the
 * record and its index entries are written (so whoever hears it, or subscribes
 * after it and then reads, finds the record), and `watch()` hears them over a
 * subscriber connection of its own (./redis/watch.ts). A put that fails, or a
 * process that dies, before the PUBLISH leaves the record unannounced: watchers
 * find it at their next full read.
 *
 * Errors: anything the client throws (connection refused, "Connection is closed",
 * MaxRetriesPerRequestError, "Command timed out", CLUSTERDOWN, a script error, ...)
 * is rethrown as `StoreUnavailableError` with the original as `cause`; the engine
 * answers 503. That includes replies that mean a misconfiguration (NOAUTH,
 * WRONGTYPE or a failing script from a prefix shared with other data): still no
 * token, and the cause is in the log. A value read back that is not what this
 * module wrote is a plain `Error` (500).
 */
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { checkOptionKeys, optionKeys } from '../helpers/option-keys.js';
import { StoreUnavailableError } from '../errors.js';
import type { Clock } from '../types.js';
import {
  checkTtl,
  checkWrite,
  expiryOf,
  isExpired,
  mergePatch,
  type RecordLookups,
  type RecordValue,
  type StoredRecord,
} from './records.js';
import { DENY_LIST_KINDS } from './deny-list.js';
import { recordStores, type RecordStores } from './typed-stores.js';
import type { RecordWatchListener, WatchableRecordStore } from './watch.js';
import {
  announcement,
  changesChannel,
  indexKey,
  parseIndex,
  parseRecord,
  RECORD_FIELDS,
  recordKey,
  type Found,
  type IndexEntry,
} from './redis/keys.js';
import {
  ADD_ONCE,
  CONSUME,
  INCREMENT,
  INDEX_ADD,
  INDEX_PRUNE,
  PUT,
  UPDATE,
} from './redis/scripts.js';
import { RedisAnnouncements } from './redis/watch.js';

/** A connection the host app made: one Redis (or Sentinel-managed) or a Cluster. */
export type RedisClient = Redis | Cluster;

/** The options of {@link RedisRecordStore} and {@link redisStores}. */
export interface RedisStoreOptions {
  /** The ioredis `Redis` or `Cluster`. The host creates it, waits for `ready`, and closes it. Required. */
  client: RedisClient;
  /** Prepended to every key. Default `'oauth2:'`. */
  prefix?: string;
  /** The clock for expiry, `consumedAt` and counter windows, in epoch milliseconds. Default `Date.now`. */
  clock?: Clock;
  /**
   * Record kinds whose puts are published (pub/sub) for `watch()`ers in every
   * process. Default: the deny-list's kinds (`deny-token`, `deny-grant`).
   */
  announce?: readonly string[];
}

const REDIS_STORE_KEYS = optionKeys<RedisStoreOptions>({
  client: true,
  prefix: true,
  clock: true,
  announce: true,
});

const retry = (times: number): number => Math.min(times * 100, 1000);

/**
 * ioredis options that make a Redis outage fail within about a second instead of
 * queueing commands for over a minute: spread them into `new Redis({...})`, then
 * wait for `ready` before serving (without the offline queue, a command sent
 * before the connection is up fails at once).
 *
 * - `enableOfflineQueue: false`: while disconnected, a command fails at once;
 * - `maxRetriesPerRequest: 0`: a command in flight when the connection drops
 *   fails instead of being sent again after the reconnect (a resent `consume()`
 *   could be taken for a replay);
 * - `commandTimeout: 1000` (ms): a server that stops answering fails the command;
 * - `connectTimeout: 1000` (ms): a connection attempt gives up after a second;
 * - `retryStrategy`: reconnect forever, every 100 ms growing to 1 s, so the same
 *   process works again once Redis is back.
 */
export const redisFailFastOptions: Readonly<RedisOptions> = Object.freeze({
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  commandTimeout: 1000,
  connectTimeout: 1000,
  retryStrategy: retry,
});

/**
 * The same for `new Cluster(nodes, {...})`: no offline queue, per-node timeouts,
 * and at most 10 retries 100 ms apart on CLUSTERDOWN, TRYAGAIN or a failover, so a
 * call fails within about 2 s.
 */
export const redisClusterFailFastOptions: Readonly<ClusterOptions> = Object.freeze({
  enableOfflineQueue: false,
  clusterRetryStrategy: retry,
  retryDelayOnFailover: 100,
  retryDelayOnClusterDown: 100,
  retryDelayOnTryAgain: 100,
  maxRedirections: 10,
  slotsRefreshTimeout: 1000,
  redisOptions: Object.freeze({
    maxRetriesPerRequest: 0,
    commandTimeout: 1000,
    connectTimeout: 1000,
  }),
});

/**
 * The persistence primitive in Redis: one hash per record, one hash per lookup
 * value (./redis/keys.ts holds the keys, ./redis/scripts.ts why each write is atomic).
 * Every method rejects with `StoreUnavailableError` when Redis cannot be reached.
 *
 * @example
 * const records = new RedisRecordStore({ client: redis, prefix: 'myapp:oauth2:' });
 * await records.put('consent', id, { scope: ['read'] }, 3600, { subject: 'alice' });
 */
export class RedisRecordStore implements WatchableRecordStore {
  /** The clock, in epoch milliseconds (the `clock` option; default `Date.now`). */
  readonly clock: Clock;
  readonly #client: RedisClient;
  readonly #prefix: string;
  readonly #announce: ReadonlySet<string>;
  #announcements: RedisAnnouncements | undefined;

  /** Throws a TypeError naming the option when `client`, `prefix`, `clock` or `announce` is not usable. */
  constructor(options: RedisStoreOptions) {
    checkOptionKeys(options, REDIS_STORE_KEYS, 'Redis store: options');
    const {
      client,
      prefix = 'oauth2:',
      clock = Date.now,
      announce = DENY_LIST_KINDS,
    } = options ?? ({} as RedisStoreOptions);
    if (typeof client?.evalsha !== 'function' || typeof client.hmget !== 'function') {
      throw new TypeError('Redis store: options.client must be an ioredis Redis or Cluster');
    }
    if (typeof prefix !== 'string')
      throw new TypeError('Redis store: options.prefix must be a string');
    if (typeof clock !== 'function')
      throw new TypeError('Redis store: options.clock must be a function');
    if (!Array.isArray(announce) || announce.some((kind) => typeof kind !== 'string'))
      throw new TypeError('Redis store: options.announce must be an array of record kinds');
    this.#client = client;
    this.#prefix = prefix;
    this.clock = clock;
    this.#announce = new Set(announce);
  }

  /**
   * Hears every put of `kinds` that the stores over this Redis announce (the
   * `announce` option), in any process, over a subscriber connection made with
   * the client's `duplicate()` and closed with the client. See ./watch.ts.
   */
  watch(kinds: readonly string[], listener: RecordWatchListener): () => void {
    this.#announcements ??= new RedisAnnouncements(this.#client, this.#prefix);
    return this.#announcements.watch(kinds, listener);
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
    const entries = Object.entries(lookups);
    const args = [
      JSON.stringify(value),
      expiresAt ?? '',
      ttl === undefined ? '' : Math.ceil(ttl * 1000),
      entries.length === 0 ? '' : JSON.stringify(lookups),
    ];
    await this.#redis('put', async () => {
      await PUT.run(this.#client, this.#key(kind, id), ...args);
      // Only once the record is written (see the header): an entry never comes before its record.
      await Promise.all(
        entries.map(([lookup, v]) =>
          INDEX_ADD.run(this.#client, this.#indexKey(kind, lookup, v), now, id, expiresAt ?? '-'),
        ),
      );
      // Only once the record can be read by get() and listBy() (see the header).
      if (this.#announce.has(kind))
        await this.#client.publish(changesChannel(this.#prefix, kind), announcement(id, expiresAt));
    });
  }

  async get(kind: string, id: string): Promise<StoredRecord | undefined> {
    return (await this.#read(kind, id))?.record;
  }

  async getBy(kind: string, lookup: string, value: string): Promise<StoredRecord | undefined> {
    const key = this.#indexKey(kind, lookup, value);
    const stale: IndexEntry[] = [];
    let found: StoredRecord | undefined;
    for (const entry of await this.#entries(key)) {
      found = await this.#carrying(kind, entry, lookup, value);
      if (found !== undefined) break;
      stale.push(entry);
    }
    await this.#prune(key, stale);
    return found;
  }

  async listBy(kind: string, lookup: string, value: string): Promise<StoredRecord[]> {
    const key = this.#indexKey(kind, lookup, value);
    const entries = await this.#entries(key);
    const found = await Promise.all(entries.map((e) => this.#carrying(kind, e, lookup, value)));
    await this.#prune(
      key,
      entries.filter((_, i) => found[i] === undefined),
    );
    return found.filter((record) => record !== undefined);
  }

  async addOnce(kind: string, id: string, ttl: number, value: RecordValue = {}): Promise<boolean> {
    checkTtl(ttl, false);
    checkWrite(value);
    const now = this.clock();
    const args = [now, JSON.stringify(value), expiryOf(now, ttl) ?? '', Math.ceil(ttl * 1000)];
    const added = await this.#redis('addOnce', () =>
      ADD_ONCE.run(this.#client, this.#key(kind, id), ...args),
    );
    return added === 1;
  }

  async consume(kind: string, id: string): Promise<StoredRecord | undefined> {
    const key = this.#key(kind, id);
    const fields = await this.#redis('consume', () => CONSUME.run(this.#client, key, this.clock()));
    return fields === null ? undefined : parseRecord(key, id, fields).record;
  }

  async update(
    kind: string,
    id: string,
    patch: RecordValue,
    expectedVersion?: number,
  ): Promise<StoredRecord | undefined> {
    const key = this.#key(kind, id);
    for (;;) {
      const current = (await this.#read(kind, id))?.record;
      if (current === undefined) return undefined;
      if (expectedVersion !== undefined && current.version !== expectedVersion) return undefined;
      const json = JSON.stringify(mergePatch(current.value, patch));
      const reply = await this.#redis('update', () =>
        UPDATE.run(this.#client, key, this.clock(), current.version, json),
      );
      if (reply === null) return undefined;
      if (reply !== 0) return parseRecord(key, id, reply).record;
      // Another update won this version: without an expected version, merge onto its value.
      if (expectedVersion !== undefined) return undefined;
    }
  }

  async delete(kind: string, id: string): Promise<void> {
    await this.#redis('delete', () => this.#client.del(this.#key(kind, id)));
  }

  async increment(kind: string, id: string, ttl: number): Promise<number> {
    checkTtl(ttl, false);
    const now = this.clock();
    const args = [now, expiryOf(now, ttl) ?? '', Math.ceil(ttl * 1000)];
    const count = await this.#redis('increment', () =>
      INCREMENT.run(this.#client, this.#key(kind, id), ...args),
    );
    if (typeof count !== 'number')
      throw new Error(`Redis store: increment returned ${String(count)}`);
    return count;
  }

  #key(kind: string, id: string): string {
    return recordKey(this.#prefix, kind, id);
  }

  #indexKey(kind: string, lookup: string, value: string): string {
    return indexKey(this.#prefix, kind, lookup, value);
  }

  /** Runs round trips; whatever the client throws becomes StoreUnavailableError. */
  async #redis<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw new StoreUnavailableError(`Redis store: ${operation} failed`, { cause: err });
    }
  }

  /** The live record at `(kind, id)` and its lookups. */
  async #read(kind: string, id: string): Promise<Found | undefined> {
    const key = this.#key(kind, id);
    const fields = await this.#redis('get', () => this.#client.hmget(key, ...RECORD_FIELDS));
    if (fields[0] === null || fields[0] === undefined) return undefined;
    const found = parseRecord(key, id, fields);
    return isExpired(found.record.expiresAt, this.clock()) ? undefined : found;
  }

  /** The record of an index entry if it is live and still carries `lookup` = `value`. */
  async #carrying(
    kind: string,
    entry: IndexEntry,
    lookup: string,
    value: string,
  ): Promise<StoredRecord | undefined> {
    if (isExpired(entry.expiresAt, this.clock())) return undefined;
    const found = await this.#read(kind, entry.id);
    return found?.lookups[lookup] === value ? found.record : undefined;
  }

  async #entries(key: string): Promise<IndexEntry[]> {
    return parseIndex(key, await this.#redis('lookup', () => this.#client.hgetall(key)));
  }

  /** Removes the stale entries a reader met, each only if no put changed it since. */
  async #prune(key: string, stale: readonly IndexEntry[]): Promise<void> {
    if (stale.length === 0) return;
    const args = stale.flatMap((entry) => [entry.id, entry.raw]);
    await this.#redis('lookup', () => INDEX_PRUNE.run(this.#client, key, ...args));
  }
}

/**
 * Every typed store over one {@link RedisRecordStore} (the options are its
 * options; the same TypeErrors for bad ones):
 *
 * @example
 * const redis = new Redis(process.env.REDIS_URL, { ...redisFailFastOptions, lazyConnect: true });
 * await redis.connect();
 * const stores = redisStores({ client: redis, prefix: 'myapp:oauth2:' });
 */
export function redisStores(options: RedisStoreOptions): RecordStores {
  return recordStores(new RedisRecordStore(options));
}

/**
 * An optional capability of a record store (./records.ts): announcing writes of
 * some kinds to every process that watches them, so each can keep those records
 * in memory without a round trip per request. The Redis store has it (pub/sub,
 * ./redis/watch.ts); a store without it is read again instead (see
 * lib/tokens/deny-list.ts).
 *
 * Rules every implementation keeps:
 * - `put()` of a kind the store announces reaches every watcher of that kind
 *   that is subscribed at that moment, in any process, as `put(kind, id, expiresAt)`,
 *   and only once the record can be read (by `get()` and by `listBy()`): so a
 *   watcher that subscribes and then reads misses no record announced before;
 * - an announcement can be lost (a dropped connection, a failover): after
 *   `unsubscribed()` nothing is heard until the next `subscribed()`, and a
 *   watcher catches up after each `subscribed()` by reading the kinds again;
 * - `subscribed()` comes only once announcements are heard, so a read started
 *   after it misses nothing;
 * - watching never blocks a write, and a watcher's failure never fails one.
 */
import type { RecordStore } from './records.js';

/** What a watcher hears. Every method is called synchronously and must not throw. */
export interface RecordWatchListener {
  /** A record of a watched kind was put (by any process); `expiresAt` in epoch ms. */
  put(kind: string, id: string, expiresAt: number | undefined): void;
  /** Announcements are heard from now on: read the watched kinds again to catch up. */
  subscribed(): void;
  /** Announcements may be missed from now on, until the next `subscribed()`. */
  unsubscribed(): void;
}

/** A record store that announces writes of some kinds. */
export interface WatchableRecordStore extends RecordStore {
  /**
   * Starts hearing announced puts of `kinds` (subscribing in the background);
   * returns the function that stops. Safe to call while the backend is down:
   * `subscribed()` comes once it is reachable.
   */
  watch(kinds: readonly string[], listener: RecordWatchListener): () => void;
}

/** Whether `store` can announce writes. */
export function isWatchable(store: RecordStore): store is WatchableRecordStore {
  return typeof (store as Partial<WatchableRecordStore>).watch === 'function';
}

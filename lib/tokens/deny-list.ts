/**
 * The deny-list of stateless JWT access tokens as each process keeps it: in
 * memory, so `protect()` checks a token without a store round trip. What is
 * shared is the typed store (lib/stores/deny-list.ts); this copy follows it.
 *
 * How the copy keeps current, by store:
 * - a store that announces writes (lib/stores/watch.ts; Redis, by pub/sub):
 *   every entry any process writes arrives by announcement. After each
 *   (re)subscription the first check reads the whole list again (a full
 *   resync); while subscribed it is also read again when older than 60 s, in
 *   case an announcement was lost unseen (a Redis Cluster's subscriber moving
 *   to another node does not say so). While not subscribed it is polled as below.
 * - any other shared store (SQL, memcached, DynamoDB, MongoDB): polled, i.e.
 *   read again (one `listBy` per kind) by the first check that finds the copy
 *   older than `pollInterval` (1 s), which waits for it. A revocation is seen
 *   by every process within about a second; per process, one request a second
 *   pays the read, idle processes read nothing.
 * - the memory store (one process): asked per check (two Map reads).
 *
 * Rules:
 * - Until a first read succeeded nothing is known: a check waits for it, and
 *   fails with the store's error (503) when it fails, never answering unchecked.
 * - A read adds entries and never removes one; entries leave only by expiring.
 *   A store that lost data (a Redis restart without persistence) thus does not
 *   bring back a token this process knew to be revoked.
 * - A later read that fails keeps the copy and is reported: tokens keep
 *   verifying while the store is down (it cannot take revocations then either),
 *   and the first check after the next interval reads again.
 * - A deny written by this process is in its copy once the write succeeded.
 * - Reads happen only in checks, never in the background: a resync after a
 *   (re)subscription is done by the next check. So nothing is sent on the
 *   host's connection while it closes.
 */
import { performance } from 'node:perf_hooks';
import type { DenyTarget, RecordDenyListStore } from '../stores/deny-list.js';
import { DENY_LIST_KINDS, denyTargetOf } from '../stores/deny-list.js';
import { MemoryRecordStore } from '../stores/memory.js';
import { isWatchable } from '../stores/watch.js';

/** How the copy follows the store: announced writes, polling, or no copy (asked per check). */
export type DenyListMode = 'announced' | 'polled' | 'direct';

export interface DenyListOptions {
  store: RecordDenyListStore;
  /** Hears a failed re-read (the copy is kept); for the log. */
  report(err: unknown): void;
  /** Milliseconds a polled copy is trusted before it is read again. Default 1000. */
  pollInterval?: number;
}

/** How long a copy kept current by announcements is trusted before a backstop read, in ms. */
const ANNOUNCED_INTERVAL = 60_000;
/** How often expired entries are dropped from the copy, in ms. */
const SWEEP_INTERVAL = 60_000;

/** The in-process deny-list. */
export class DenyList {
  readonly mode: DenyListMode;
  readonly #store: RecordDenyListStore;
  readonly #report: (err: unknown) => void;
  readonly #pollInterval: number;
  readonly #entries: Record<DenyTarget, Map<string, number>> = {
    token: new Map(),
    grant: new Map(),
  };
  #started = false;
  #loaded = false;
  #subscribed = false;
  /** performance.now() at the start of the last read that counts; -Infinity before one. */
  #readAt = -Infinity;
  /** performance.now() at the last subscription: a read started before it does not count. */
  #subscribedAt = -Infinity;
  #reading: Promise<void> | undefined;
  #sweptAt = 0;

  constructor(options: DenyListOptions) {
    const records = options.store.records;
    this.#store = options.store;
    this.#report = options.report;
    this.#pollInterval = options.pollInterval ?? 1000;
    this.mode =
      records instanceof MemoryRecordStore
        ? 'direct'
        : isWatchable(records)
          ? 'announced'
          : 'polled';
  }

  /**
   * Whether the token `tokenId` (its `jti`) or its grant `grantRef` is denied:
   * from the copy, after a read when the copy is stale.
   */
  check(tokenId: string, grantRef: string | undefined): boolean | Promise<boolean> {
    if (this.mode === 'direct') return this.#store.isDenied(tokenId, grantRef);
    this.#start();
    if (!this.#stale()) return this.#has(tokenId, grantRef);
    return this.#refresh().then(() => this.#has(tokenId, grantRef));
  }

  /** Denies a token (`id` = jti) or a grant (`id` = grant reference) for `ttl` seconds. */
  async deny(target: DenyTarget, id: string, ttl: number): Promise<void> {
    await this.#store.deny(target, id, ttl);
    if (this.mode !== 'direct') this.#add(target, id, this.#now() + Math.ceil(ttl * 1000));
  }

  #now(): number {
    return this.#store.records.clock();
  }

  /** Starts following the store's announcements, once (a store that cannot announce is polled). */
  #start(): void {
    if (this.#started) return;
    this.#started = true;
    const records = this.#store.records;
    if (this.mode !== 'announced' || !isWatchable(records)) return;
    records.watch(DENY_LIST_KINDS, {
      put: (kind, id, expiresAt) => {
        const target = denyTargetOf(kind);
        if (target !== undefined && expiresAt !== undefined) this.#add(target, id, expiresAt);
      },
      subscribed: () => {
        // The next check reads everything again (nothing is read in the background).
        this.#subscribed = true;
        this.#subscribedAt = performance.now();
      },
      unsubscribed: () => {
        this.#subscribed = false;
      },
    });
  }

  #stale(): boolean {
    if (this.#readAt < this.#subscribedAt) return true;
    const interval = this.#subscribed ? ANNOUNCED_INTERVAL : this.#pollInterval;
    return performance.now() - this.#readAt >= interval;
  }

  /** Reads the store again (one read at a time; again if a subscription came meanwhile). */
  #refresh(): Promise<void> {
    this.#reading ??= (async () => {
      try {
        do await this.#read();
        while (this.#readAt < this.#subscribedAt);
      } finally {
        this.#reading = undefined;
      }
    })();
    return this.#reading;
  }

  async #read(): Promise<void> {
    const started = performance.now();
    try {
      for (const entry of await this.#store.list())
        this.#add(entry.target, entry.id, entry.expiresAt);
      this.#loaded = true;
    } catch (err) {
      if (!this.#loaded) throw err;
      this.#report(err);
    }
    this.#readAt = started;
  }

  #add(target: DenyTarget, id: string, expiresAt: number): void {
    const entries = this.#entries[target];
    entries.set(id, Math.max(entries.get(id) ?? 0, expiresAt));
    const now = this.#now();
    if (now - this.#sweptAt < SWEEP_INTERVAL) return;
    this.#sweptAt = now;
    for (const map of Object.values(this.#entries)) {
      for (const [key, expiry] of map) if (expiry <= now) map.delete(key);
    }
  }

  #has(tokenId: string, grantRef: string | undefined): boolean {
    const now = this.#now();
    const token = this.#entries.token.get(tokenId);
    if (token !== undefined && token > now) return true;
    const grant = grantRef === undefined ? undefined : this.#entries.grant.get(grantRef);
    return grant !== undefined && grant > now;
  }
}

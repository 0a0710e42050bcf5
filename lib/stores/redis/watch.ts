/**
 * Announcements of the Redis record store (the capability of ../watch.ts): puts
 * of the kinds the store announces are PUBLISHed on the kind's channel
 * (./keys.ts) once the record and its index entries are written (../redis.ts),
 * and this module subscribes to them over a connection of its own.
 *
 * Rules:
 * - One subscriber connection per store, made at the first `watch()` with the
 *   host client's `duplicate()` (same server or Cluster, same options), closed
 *   when the last watcher stops or when the host's client ends: the host
 *   closes its client as before, and this connection follows.
 * - After every `ready` of the subscriber (the first connection and each
 *   reconnect, e.g. after a Redis restart) the channels are subscribed again,
 *   and only once SUBSCRIBE answered do watchers hear `subscribed()` (so the
 *   full read they then start misses nothing); `close` makes them hear
 *   `unsubscribed()`. A SUBSCRIBE that fails leaves them unsubscribed until the
 *   next `ready` (they poll meanwhile).
 * - A Cluster carries pub/sub too (PUBLISH reaches every node); ioredis keeps
 *   the subscription on one node and moves it to another, silently, when that
 *   node goes: watchers re-read now and then for that (lib/tokens/deny-list.ts).
 * - The subscriber's errors are not reported here: the host's client meets the
 *   same outage and reports it. A message this module did not send is ignored.
 */
import type { Cluster, Redis } from 'ioredis';
import type { RecordWatchListener } from '../watch.js';
import { changesChannel, parseAnnouncement } from './keys.js';

interface Watcher {
  readonly kinds: ReadonlySet<string>;
  readonly listener: RecordWatchListener;
}

/** The subscriber of one Redis record store. */
export class RedisAnnouncements {
  readonly #client: Redis | Cluster;
  readonly #prefix: string;
  readonly #watchers = new Set<Watcher>();
  #subscriber: Redis | Cluster | undefined;
  #subscribed = false;
  readonly #ended = (): void => this.#close();

  /** `client`: the host's connection; `prefix`: the store's key prefix. */
  constructor(client: Redis | Cluster, prefix: string) {
    this.#client = client;
    this.#prefix = prefix;
  }

  /** See `WatchableRecordStore.watch`. */
  watch(kinds: readonly string[], listener: RecordWatchListener): () => void {
    const watcher: Watcher = { kinds: new Set(kinds), listener };
    this.#watchers.add(watcher);
    if (this.#subscriber === undefined) this.#open();
    else if (this.#subscribed) void this.#subscribe(this.#subscriber);
    return () => {
      this.#watchers.delete(watcher);
      if (this.#watchers.size === 0) this.#close();
    };
  }

  /** Channel → kind, for every kind watched. */
  #channels(): Map<string, string> {
    const channels = new Map<string, string>();
    for (const { kinds } of this.#watchers)
      for (const kind of kinds) channels.set(changesChannel(this.#prefix, kind), kind);
    return channels;
  }

  #open(): void {
    const client = this.#client;
    const subscriber = client.isCluster
      ? (client as Cluster).duplicate([], { lazyConnect: true })
      : (client as Redis).duplicate({ lazyConnect: true, autoResubscribe: false });
    this.#subscriber = subscriber;
    subscriber.on('error', () => undefined);
    subscriber.on('ready', () => void this.#subscribe(subscriber));
    subscriber.on('close', () => this.#lost());
    subscriber.on('message', (channel: string, message: string) => this.#message(channel, message));
    client.once('end', this.#ended);
    // Reconnects by the client's retryStrategy; each `ready` subscribes.
    subscriber.connect().catch(() => undefined);
  }

  async #subscribe(subscriber: Redis | Cluster): Promise<void> {
    try {
      await subscriber.subscribe(...this.#channels().keys());
    } catch {
      return; // the next `ready` tries again; watchers poll meanwhile
    }
    if (subscriber !== this.#subscriber) return;
    this.#subscribed = true;
    for (const { listener } of this.#watchers) listener.subscribed();
  }

  #lost(): void {
    if (!this.#subscribed) return;
    this.#subscribed = false;
    for (const { listener } of this.#watchers) listener.unsubscribed();
  }

  #message(channel: string, message: string): void {
    const kind = this.#channels().get(channel);
    const change = parseAnnouncement(message);
    if (kind === undefined || change === undefined) return;
    for (const { kinds, listener } of this.#watchers) {
      if (kinds.has(kind)) listener.put(kind, change.id, change.expiresAt);
    }
  }

  #close(): void {
    const subscriber = this.#subscriber;
    if (subscriber === undefined) return;
    this.#lost();
    this.#subscriber = undefined;
    this.#client.off('end', this.#ended);
    subscriber.disconnect();
  }
}

/**
 * The memcache store's lookup indexes: the `idx:<kind>:<lookup>:<value>` key
 * (./keys.ts) lists the records put with that lookup value, one
 * `["<id>",<expiresAt>],` entry per put, oldest first.
 *
 * Rules:
 * - An index grows with `append` (atomic); the first writer creates it with `add`
 *   and its entry's expiry.
 * - `append` keeps a key's expiry, so each appender then `touch`es the index to
 *   the latest expiry among its entries, and reads it again until no entry was
 *   added meanwhile: whichever writer touches last has read every entry appended
 *   before, and later appenders touch after it, so the last `touch` always covers
 *   every entry.
 * - An entry is only a hint: the reader keeps an id whose newest entry is live by
 *   the clock, and still has to check the record it names.
 * - An index keeps one entry per put until it expires: fine for tokens and
 *   consents, not for a lookup value put millions of times within a TTL.
 * - An index that is not what the store wrote is a plain `Error`; one that keeps
 *   vanishing while written (memcached evicting) is one too.
 */
import { isExpired } from '../records.js';
import type { MemcacheCommands } from './commands.js';

/** The index entries `[id, expiresAt]`, newest last. */
function indexEntries(raw: string): Array<[string, number]> {
  let entries: unknown;
  try {
    entries = JSON.parse(`[${raw.slice(0, -1)}]`);
  } catch (err) {
    throw new Error('memcache store: an index is not what the store wrote', { cause: err });
  }
  const valid = (entry: unknown): entry is [string, number] =>
    Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === 'number';
  if (!Array.isArray(entries) || !entries.every(valid))
    throw new Error('memcache store: an index is not what the store wrote');
  return entries;
}

/** The ids in the index at `key` whose newest entry is live, oldest first, each once. */
export async function indexedIds(memcached: MemcacheCommands, key: string): Promise<string[]> {
  const raw = await memcached.getRaw(key);
  if (raw === undefined) return [];
  const newest = new Map<string, number>();
  for (const [id, expiresAt] of indexEntries(raw)) {
    newest.delete(id);
    newest.set(id, expiresAt);
  }
  const now = memcached.clock();
  return [...newest].filter(([, expiresAt]) => !isExpired(expiresAt, now)).map(([id]) => id);
}

/**
 * Appends `[id, expiresAt]` (epoch ms by the clock) to the index at `key`
 * (creating it), then makes it live as long as its latest entry.
 */
export async function addToIndex(
  memcached: MemcacheCommands,
  key: string,
  id: string,
  expiresAt: number,
): Promise<void> {
  const entry = `${JSON.stringify([id, expiresAt])},`;
  for (let attempt = 0; attempt < 3; attempt++) {
    // The first writer creates the index with its entry's expiry: nothing to extend.
    if (await memcached.add(key, entry, memcached.until(expiresAt))) return;
    if (await memcached.append(key, entry)) {
      await extendIndex(memcached, key);
      return;
    }
  }
  throw new Error('memcache store: an index keeps vanishing (is memcached evicting?)');
}

/**
 * `touch`es the index to its latest entry's expiry, then reads it again and
 * repeats while entries were appended meanwhile: whichever writer touches last
 * has read every entry appended before, and later appenders touch after it.
 */
async function extendIndex(memcached: MemcacheCommands, key: string): Promise<void> {
  let seen = -1;
  for (;;) {
    const raw = await memcached.getRaw(key);
    if (raw === undefined || raw.length === seen) return;
    seen = raw.length;
    const latest = Math.max(...indexEntries(raw).map(([, expiresAt]) => expiresAt));
    if (!isExpired(latest, memcached.clock())) await memcached.touch(key, latest);
  }
}

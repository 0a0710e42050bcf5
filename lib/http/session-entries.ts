/**
 * The bound on what a page keeps in a user's session under random keys (consent
 * transactions, pushed requests kept across a login): one pruning rule for all.
 *
 * Rules:
 * - an entry the page's own check refuses (a session store can hand back
 *   anything) or whose `expiresAt` (epoch milliseconds) has come is dropped;
 * - then the oldest entries (insertion order) go, leaving room for one more
 *   under `max`.
 */

/** Prunes `entries` before one more is added (rules above). */
export function pruneEntries<T extends { readonly expiresAt: number }>(
  entries: Record<string, unknown>,
  valid: (value: unknown) => value is T,
  now: number,
  max: number,
): void {
  for (const [key, entry] of Object.entries(entries))
    if (!valid(entry) || entry.expiresAt <= now) delete entries[key];
  const keys = Object.keys(entries);
  for (const key of keys.slice(0, Math.max(0, keys.length - max + 1))) delete entries[key];
}

/**
 * The memcache record store's key names.
 *
 * Keys (all under `prefix`, default `oauth2:`; `<w>` is a random id that each
 * `put()` or `addOnce()` gives the record it writes):
 *
 * | key | value | memcached expiry |
 * | --- | --- | --- |
 * | `rec:<kind>:<id>` | the record as written: `{ w, e, v, l }` (write id, expiry in epoch ms, value, lookups) | its ttl |
 * | `ver:<kind>:<id>:<w>:<n>` | `{ v }`: the value at version `n` (2, 3, …), written by `update()` | the record's expiry |
 * | `used:<kind>:<id>:<w>` | when `consume()` took the record (epoch ms) | the record's expiry |
 * | `take:<kind>:<id>:<w>` | `1`: an `addOnce()` replaced this expired record | the new record's ttl |
 * | `by:<kind>:<lookup>:<value>` | `{ id }` of the record last put with that lookup | the record's ttl |
 * | `idx:<kind>:<lookup>:<value>` | `["<id>",<expiry>],` once per put with that lookup | the latest expiry in it |
 * | `win:<kind>:<id>:<g>`, `cnt:<kind>:<id>:<g>` | `increment()` window `g`: its end (epoch ms), its count | 2 × ttl, the window's end |
 * | `gen:<kind>:<id>` | the latest window `g` of that counter | 2 × ttl |
 *
 * Rules:
 * - A key part that is not short and plain (letters, digits, `._~@+=-`) is
 *   replaced by `#` and its SHA-256, so every key stays within memcached's 250
 *   bytes and no part can contain the `:` between parts.
 * - The prefix is up to 64 printable characters without spaces.
 * - A write id names every key of one write of a record (`ver`, `used`, `take`),
 *   so a record put again under the same id starts afresh.
 */
import { createHash, randomBytes } from 'node:crypto';

const PLAIN_KEY_PART = /^[A-Za-z0-9._~@+=-]{1,48}$/;

/** What a `prefix` may be: up to 64 printable characters, no spaces. */
export const MEMCACHE_PREFIX = /^[\x21-\x7e]{0,64}$/;

function keyPart(value: string): string {
  return PLAIN_KEY_PART.test(value)
    ? value
    : `#${createHash('sha256').update(value).digest('base64url')}`;
}

/** The key `<prefix><tag>:<part>:<part>…` (see the table above for the tags and their parts). */
export function memcacheKey(prefix: string, tag: string, ...parts: string[]): string {
  return `${prefix}${tag}:${parts.map(keyPart).join(':')}`;
}

/** A random write id (16 characters). */
export function writeId(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * The Lua scripts of the Redis record store: each atomic operation is one script
 * on one hash (./keys.ts holds the keys and fields).
 *
 * Rules:
 * - A script runs by EVALSHA, and is sent with EVAL when the server answers
 *   NOSCRIPT. Redis runs a script alone, so each holds across any number of
 *   connections and processes.
 * - Every script touches exactly one key, `KEYS[1]`, and gets the store's now
 *   (epoch ms by its clock) as an argument: a record whose `e` is not after now is
 *   dead, whatever Redis still holds. PEXPIRE is only the cleanup.
 * - PUT: DEL, HSET and PEXPIRE in one script, so a reader never sees half a record.
 * - CONSUME: reads v, e, c and, only if v is there, e is after now and c is unset,
 *   sets c to now and returns the record as it was. Exactly one caller gets it; the
 *   consumed record keeps its TTL.
 * - ADD_ONCE: writes only if there is no live record (v there and e after now).
 * - UPDATE: gets the merged value as JSON (written as it is, never re-encoded by
 *   Lua) and writes it with the next version only if the version is still the one
 *   read; returns the record after it, or 0 when the version moved.
 * - INCREMENT: HINCRBY while the window (e) is after now; otherwise a fresh
 *   counter at 1 with the ttl.
 * - INDEX_ADD: an entry's seq is the server's TIME in microseconds at the index
 *   write, forced above every seq in the index, so it grows with every put into
 *   that index (TIME inside a script that writes is why Redis 5 is the oldest
 *   supported). Each index write drops the entries whose expiry passed, keeps the
 *   later expiry when one id is put again (so a lost race never shortens it), and
 *   sets the index's TTL to its latest entry's expiry (none if one has none).
 * - INDEX_PRUNE: removes an entry only if it is still the very entry read (same
 *   seq), so an entry a put rewrote meanwhile stays.
 */
import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/** A Lua script on one key, run by EVALSHA, sent with EVAL when the server does not know it yet. */
export class Script {
  readonly #lua: string;
  readonly #sha: string;

  /** `lua`: the script's source; its SHA-1 is computed once, here. */
  constructor(lua: string) {
    this.#lua = lua;
    this.#sha = createHash('sha1').update(lua).digest('hex');
  }

  /** Runs the script on `key` with `args` (ARGV); the client's errors are thrown as they are. */
  async run(client: Redis | Cluster, key: string, ...args: (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.#sha, 1, key, ...args);
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw err;
      return client.eval(this.#lua, 1, key, ...args);
    }
  }
}

/** KEYS[1] a record; ARGV value JSON, expiresAt ('' for none), ttl ms, lookups JSON (''). */
export const PUT = new Script(`
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'n', 1)
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[1], 'e', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'l', ARGV[4]) end
return 1`);

/** KEYS[1] a record; ARGV now, value JSON, expiresAt, ttl ms. 1 if added, 0 if a live one is there. */
export const ADD_ONCE = new Script(`
local r = redis.call('HMGET', KEYS[1], 'v', 'e')
if r[1] and (not r[2] or tonumber(r[2]) > tonumber(ARGV[1])) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'n', 1, 'e', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`);

/** KEYS[1] a record; ARGV now. The fields as they were (c unset), or nil. */
export const CONSUME = new Script(`
local r = redis.call('HMGET', KEYS[1], 'v', 'e', 'c', 'n', 'l')
if not r[1] or r[3] or (r[2] and tonumber(r[2]) <= tonumber(ARGV[1])) then return false end
redis.call('HSET', KEYS[1], 'c', ARGV[1])
return r`);

/**
 * KEYS[1] a record; ARGV now, the version read, the new value JSON. The fields
 * after the update; 0 when the version moved; nil when there is no live record.
 */
export const UPDATE = new Script(`
local r = redis.call('HMGET', KEYS[1], 'v', 'e', 'c', 'n', 'l')
if not r[1] or (r[2] and tonumber(r[2]) <= tonumber(ARGV[1])) then return false end
if r[4] ~= ARGV[2] then return 0 end
local n = tonumber(r[4]) + 1
redis.call('HSET', KEYS[1], 'v', ARGV[3], 'n', n)
r[1] = ARGV[3]
r[4] = tostring(n)
return r`);

/** KEYS[1] a counter; ARGV now, expiresAt of a new window, ttl ms. The new count. */
export const INCREMENT = new Script(`
local r = redis.call('HMGET', KEYS[1], 'i', 'e')
if r[1] and r[2] and tonumber(r[2]) > tonumber(ARGV[1]) then
  return redis.call('HINCRBY', KEYS[1], 'i', 1)
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'i', 1, 'e', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`);

/**
 * KEYS[1] a lookup index; ARGV now, a record id, its expiresAt ('-' for none).
 * Adds the entry with a seq above every other, drops expired entries, and sets the
 * index's TTL to its latest entry's expiry (none if one has none).
 */
export const INDEX_ADD = new Script(`
local now = tonumber(ARGV[1])
local t = redis.call('TIME')
local seq = tonumber(t[1]) * 1000000 + tonumber(t[2])
local entry = ARGV[3]
local forever, latest = false, 0
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local s, e = string.match(all[i + 1], '^(%d+) (.+)$')
  if tonumber(s) >= seq then seq = tonumber(s) + 1 end
  if all[i] == ARGV[2] then
    if e == '-' or (entry ~= '-' and tonumber(e) > tonumber(entry)) then entry = e end
  elseif e ~= '-' and tonumber(e) <= now then
    redis.call('HDEL', KEYS[1], all[i])
  elseif e == '-' then
    forever = true
  elseif tonumber(e) > latest then
    latest = tonumber(e)
  end
end
redis.call('HSET', KEYS[1], ARGV[2], string.format('%.0f', seq) .. ' ' .. entry)
if forever or entry == '-' then
  redis.call('PERSIST', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], string.format('%.0f', math.max(latest, tonumber(entry)) - now))
end
return 1`);

/** KEYS[1] a lookup index; ARGV pairs of record id and entry. Removes each entry that is still that entry. */
export const INDEX_PRUNE = new Script(`
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then redis.call('HDEL', KEYS[1], ARGV[i]) end
end
return 1`);

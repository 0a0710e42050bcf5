/**
 * A replay cache over the persistence primitive (./records.ts): the one-time
 * use of an id (a `jti`) within a scope (a client, a key), across processes on
 * every backend. Client assertions (./assertion-replay.ts) and DPoP proofs
 * (./dpop-replay.ts) are each one, with a record kind of their own.
 *
 * Rules:
 * - one record per scope and id, its record id the SHA-256 of both
 *   (length-prefixed, so no two pairs share a record id; no id text reaches the
 *   store's keys);
 * - the record is added with the primitive's atomic `addOnce`: of any number of
 *   parallel uses, in one process or several, exactly one wins;
 * - it lives as long as the caller says, which must cover the time the thing it
 *   stands for could still be accepted.
 */
import { createHash } from 'node:crypto';
import type { RecordStore } from './records.js';

/** The record id of `id` within `scope`. */
function recordId(scope: string, id: string): string {
  const hash = createHash('sha256');
  for (const part of [scope, id]) {
    const bytes = Buffer.from(part, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  }
  return hash.digest('base64url');
}

/** Ids used once per scope, as records of one kind. */
export class ReplayCache {
  readonly #records: RecordStore;
  readonly #kind: string;

  constructor(records: RecordStore, kind: string) {
    this.#records = records;
    this.#kind = kind;
  }

  /**
   * Marks `id` of `scope` used for `ttl` seconds (> 0): true when this call was
   * the first use, false when it was used before (a replay).
   */
  useOnce(scope: string, id: string, ttl: number): Promise<boolean> {
    return this.#records.addOnce(this.#kind, recordId(scope, id), ttl);
  }
}

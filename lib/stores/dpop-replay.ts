/**
 * The replay cache of DPoP proofs (RFC 9449 11.1: "the server MUST ... ensure
 * that the same proof is not used more than once"; 4.3 step 12: the `jti` is
 * checked within the time window in which the proof is accepted), over the
 * persistence primitive (./records.ts), so it holds across processes on every
 * backend.
 *
 * Rules:
 * - one record per key thumbprint and `jti`, kind {@link DPOP_JTI_KIND}, its id the
 *   SHA-256 of the thumbprint and the `jti` (length-prefixed, so no two pairs
 *   share an id; no `jti` text reaches the store's keys);
 * - the record is added with the primitive's atomic `addOnce`: of any number of
 *   parallel uses of one proof, in one process or several, exactly one wins;
 * - it lives as long as the caller says (twice the `iat` window), so a proof can
 *   never come back while its `iat` is still acceptable.
 */
import { createHash } from 'node:crypto';
import type { RecordStore } from './records.js';

/** The record kind of used DPoP proof ids. */
export const DPOP_JTI_KIND = 'dpop-jti';

function recordId(jkt: string, jti: string): string {
  const hash = createHash('sha256');
  for (const part of [jkt, jti]) {
    const bytes = Buffer.from(part, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  }
  return hash.digest('base64url');
}

/** Used DPoP proof ids, per key. */
export class DpopReplayCache {
  readonly #records: RecordStore;

  constructor(records: RecordStore) {
    this.#records = records;
  }

  /**
   * Marks `jti` of the key `jkt` used for `ttl` seconds (> 0): true when this
   * call was the first use, false when it was used before (a replay).
   */
  useOnce(jkt: string, jti: string, ttl: number): Promise<boolean> {
    return this.#records.addOnce(DPOP_JTI_KIND, recordId(jkt, jti), ttl);
  }
}

/**
 * The replay cache of DPoP proofs (RFC 9449 11.1: "the server MUST ... ensure
 * that the same proof is not used more than once"; 4.3 step 12: the `jti` is
 * checked within the time window in which the proof is accepted), a
 * {@link ReplayCache} (./replay-cache.ts) over the persistence primitive, so it
 * holds across processes on every backend.
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
import type { RecordStore } from './records.js';
import { ReplayCache } from './replay-cache.js';

/** The record kind of used DPoP proof ids. */
export const DPOP_JTI_KIND = 'dpop-jti';

/** Used DPoP proof ids, per key thumbprint (`jkt`). */
export class DpopReplayCache extends ReplayCache {
  constructor(records: RecordStore) {
    super(records, DPOP_JTI_KIND);
  }
}

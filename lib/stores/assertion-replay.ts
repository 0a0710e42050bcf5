/**
 * The replay cache of client assertions (RFC 7523 3 item 7: "The authorization
 * server MAY ensure that JWTs are not replayed by maintaining the set of used
 * "jti" values for the length of time for which the JWT would be considered
 * valid"; here it always does), a {@link ReplayCache} (./replay-cache.ts) over
 * the persistence primitive, so it holds across processes on every backend.
 *
 * Rules:
 * - one record per client and `jti`, kind {@link ASSERTION_JTI_KIND}, its id the
 *   SHA-256 of the client id and the `jti` (length-prefixed, so no two pairs
 *   share an id; no `jti` text reaches the store's keys);
 * - the record is added with the primitive's atomic `addOnce`: of any number of
 *   parallel uses of one assertion, in one process or several, exactly one wins;
 * - it lives as long as the caller says (until the assertion's `exp` and a
 *   margin for clock skew), so an assertion can never come back while it is valid.
 */
import type { RecordStore } from './records.js';
import { ReplayCache } from './replay-cache.js';

/** The record kind of used assertion ids. */
export const ASSERTION_JTI_KIND = 'assertion-jti';

/** Used client assertion ids, per client id. */
export class AssertionReplayCache extends ReplayCache {
  constructor(records: RecordStore) {
    super(records, ASSERTION_JTI_KIND);
  }
}

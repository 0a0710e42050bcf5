/**
 * The replay cache of client assertions (RFC 7523 3 item 7: "The authorization
 * server MAY ensure that JWTs are not replayed by maintaining the set of used
 * "jti" values for the length of time for which the JWT would be considered
 * valid"; here it always does), over the persistence primitive (./records.ts),
 * so it holds across processes on every backend.
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
import { createHash } from 'node:crypto';
import type { RecordStore } from './records.js';

/** The record kind of used assertion ids. */
export const ASSERTION_JTI_KIND = 'assertion-jti';

function recordId(clientId: string, jti: string): string {
  const hash = createHash('sha256');
  for (const part of [clientId, jti]) {
    const bytes = Buffer.from(part, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  }
  return hash.digest('base64url');
}

/** Used client assertion ids, per client. */
export class AssertionReplayCache {
  readonly #records: RecordStore;

  constructor(records: RecordStore) {
    this.#records = records;
  }

  /**
   * Marks `jti` of `clientId` used for `ttl` seconds (> 0): true when this call
   * was the first use, false when it was used before (a replay).
   */
  useOnce(clientId: string, jti: string, ttl: number): Promise<boolean> {
    return this.#records.addOnce(ASSERTION_JTI_KIND, recordId(clientId, jti), ttl);
  }
}

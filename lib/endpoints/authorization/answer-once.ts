/**
 * A consent page is answered once, across parallel requests and processes.
 *
 * The HTTP adapter keeps a pending consent transaction in the user's session, but
 * a session is read by every request on its own and written back last-wins, so
 * ten parallel POSTs of one form all find the transaction. The answer is claimed
 * with the persistence primitive's atomic `addOnce()` instead.
 *
 * Rules:
 * - Of any number of claims of one transaction id (parallel, in any process that
 *   shares the store), exactly one is granted; `allow` and `deny` race alike.
 * - The marker (kind {@link ANSWER_KIND}, id the transaction id, value `{}`) lives
 *   until the transaction would have expired anyway, at least one second.
 * - A store that fails rejects: the adapter answers with an error page, and
 *   nothing is issued.
 */
import type { RecordStore } from '../../stores/records.js';

/** The record kind of the markers. */
export const ANSWER_KIND = 'consent-answer';

/**
 * Claims the answer to the transaction `transactionId`: true for exactly one caller.
 * @param expiresAt when the transaction expires, in epoch milliseconds.
 */
export async function claimAnswer(
  records: RecordStore,
  transactionId: string,
  expiresAt: number,
): Promise<boolean> {
  const ttl = Math.max(1, Math.ceil((expiresAt - records.clock()) / 1000));
  return records.addOnce(ANSWER_KIND, transactionId, ttl);
}

/**
 * Limits on attempts (not failures) per source address: the requests anyone may
 * make that write a record, counted before anything is written. Used by the
 * registration endpoint (`registration`, RFC 7591 3.1) and by the PAR (RFC 9126 2)
 * and device authorization (RFC 8628 3.1) endpoints (`public_client_writes`).
 *
 * Rules:
 * - every attempt counts, failed or not, per source address (an IPv6 address by
 *   its /64, ../helpers/failure-limit.ts `addressKey`);
 * - past the limit the request is refused with 429 `temporarily_unavailable`,
 *   `Retry-After` and the fixed text (`TooManyFailuresError`), and a
 *   `rate_limited` event (built only when someone listens) names the limit, the
 *   client id when there is one and the address;
 * - at PAR and device authorization only public clients count (auth method
 *   `none`: anyone who knows the `client_id` can send them); a confidential
 *   client authenticated and is accountable, so it never counts;
 * - a limit that is off (undefined) counts nothing.
 */
import { TooManyFailuresError } from '../errors.js';
import { addressKey, limitKey, type FailureLimit } from '../helpers/failure-limit.js';
import { isPublicClient, type Client, type Clock, type RequestContext } from '../types.js';
import type { OAuthEventBus } from './events.js';

/** A limit on attempts, with what a refusal reports to. */
export interface AttemptLimit {
  /** The limit; undefined: off. */
  readonly limit: FailureLimit | undefined;
  readonly events: OAuthEventBus;
  readonly clock: Clock;
}

/**
 * Counts one attempt of the request's source address; throws `TooManyFailuresError`
 * (429, `Retry-After`) when the address went over the limit.
 * @param what the attempts, plural, for the private detail: `registrations`, …
 * @param clientId the client the attempt is for, when known (for the event).
 */
export async function countAttempt(
  request: RequestContext,
  attempts: AttemptLimit,
  what: string,
  clientId?: string,
): Promise<void> {
  const { limit, events } = attempts;
  if (limit === undefined) return;
  const { ip, requestId } = request.meta;
  const wait = await limit.fail(limitKey(addressKey(ip)));
  if (wait === 0) return;
  if (events.wants('rate_limited'))
    events.emit('rate_limited', {
      time: attempts.clock(),
      requestId,
      limit: limit.name,
      clientId,
      ip,
      retryAfter: wait,
    });
  throw new TooManyFailuresError(wait, {
    detail: `too many ${what} from ${ip ?? 'an unknown address'}`,
  });
}

/**
 * Counts a write request (a PAR push, a device authorization) of `client` when it
 * is a public client; a confidential client is never counted (rules above).
 * @param what the requests, plural, for the private detail.
 */
export async function countPublicClientWrite(
  request: RequestContext,
  client: Client,
  attempts: AttemptLimit,
  what: string,
): Promise<void> {
  if (isPublicClient(client)) await countAttempt(request, attempts, what, client.id);
}

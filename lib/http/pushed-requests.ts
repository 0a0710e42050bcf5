/**
 * Pushed authorization requests kept in the session across the user's login
 * (RFC 9126). The engine takes a `request_uri` from the store once, on the first
 * visit; when nobody is signed in yet, the request it named is kept here, and
 * the way back from the login (which repeats `client_id` and `request_uri`) is
 * answered with it (`provider.authorization.start(query, user, kept)`).
 *
 * Rules:
 * - kept in `req.session.oauth2.pushedRequests` under the `request_uri` (the
 *   engine checks its shape, `urn:ietf:params:oauth:request_uri:` and 43
 *   base64url characters, before it asks), with the request (JSON-safe) and an
 *   expiry: `transactionLifetime` seconds, as a consent page's;
 * - a session keeps at most {@link MAX_KEPT}: keeping one drops the expired
 *   ones, then the oldest;
 * - taking one removes it, so it answers once; an expired or malformed entry
 *   is none; only the session's own entries are looked at;
 * - reading never writes: a session without such entries is left as it was.
 * Only the session that started the request holds it: the `request_uri` in
 * another browser finds nothing here and nothing in the store (used up).
 */
import type { PendingAuthorization } from '../endpoints/authorization/request.js';
import { requireSession, type SiteRequest } from './site-adapter.js';
import { pruneEntries } from './session-entries.js';

/** Pushed requests kept per session. */
export const MAX_KEPT = 8;

interface Kept {
  readonly request: PendingAuthorization;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
}

type Entries = Record<string, unknown>;
type Session = Record<string, unknown> & { oauth2?: { pushedRequests?: Entries } };

function isKept(value: unknown): value is Kept {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  const request = entry['request'] as Record<string, unknown> | null | undefined;
  return (
    typeof entry['expiresAt'] === 'number' &&
    typeof request === 'object' &&
    request !== null &&
    typeof request['clientId'] === 'string'
  );
}

/** Keeps `request` for the way back to `requestUri` until `expiresAt` (epoch ms). */
export function keepPushedRequest(
  req: SiteRequest,
  pushed: { readonly requestUri: string; readonly request: PendingAuthorization },
  now: number,
  expiresAt: number,
): void {
  const session = requireSession(req) as Session;
  session.oauth2 ??= {};
  const entries = (session.oauth2.pushedRequests ??= {});
  pruneEntries(entries, isKept, now, MAX_KEPT);
  entries[pushed.requestUri] = { request: pushed.request, expiresAt } satisfies Kept;
}

/** Takes the request kept for `requestUri` out of the session; undefined when none is live. */
export function takePushedRequest(
  req: SiteRequest,
  requestUri: string,
  now: number,
): PendingAuthorization | undefined {
  const session = requireSession(req) as Session;
  const entries = session.oauth2?.pushedRequests;
  if (typeof entries !== 'object' || entries === null || !Object.hasOwn(entries, requestUri))
    return undefined;
  const entry = entries[requestUri];
  delete entries[requestUri];
  return isKept(entry) && entry.expiresAt > now ? entry.request : undefined;
}

/**
 * The Bearer credentials of the registration endpoint: the initial access token
 * (RFC 7591 3) and the registration access token (RFC 7592 3).
 *
 * Rules:
 * - the token comes from `Authorization: Bearer <token>` only (RFC 6750 2.1; the
 *   scheme is case-insensitive), never from the body or the query;
 * - a missing, malformed or wrong token, and a management request for a client
 *   that does not exist or cannot be managed, all get the same answer: 401
 *   `invalid_token` with `WWW-Authenticate: Bearer error="invalid_token"`, so
 *   nobody can tell which client ids exist;
 * - a registration access token is compared by its SHA-256 in constant time.
 */
import { InvalidTokenError } from '../../errors.js';
import { safeEqual, sha256 } from '../../helpers/secrets.js';
import type { Client, RequestContext } from '../../types.js';

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The Bearer token of the request, if it carries a well-formed one. */
export function bearerToken(context: RequestContext): string | undefined {
  const header = context.header('authorization');
  return header === undefined ? undefined : BEARER.exec(header)?.[1];
}

/** The refusal of a missing or wrong token (one text for every case). */
export function invalidToken(which: 'initial' | 'registration', detail: string): InvalidTokenError {
  const description =
    which === 'initial'
      ? 'the initial access token is missing or invalid'
      : 'the registration access token is missing or invalid';
  return new InvalidTokenError(description, {
    detail,
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
  });
}

/** Hashes no token matches, for requests about clients that cannot be managed. */
const NO_HASH = sha256('no client has this registration access token');

/**
 * Whether `token` is the registration access token of `client`, a client that
 * registered itself. Always hashes and compares, whether or not the client exists.
 */
export function holdsRegistration(client: Client | undefined, token: string | undefined): boolean {
  const stored = client?.source === 'registration' ? client.registrationTokenHash : undefined;
  const expected = Buffer.from(stored ?? NO_HASH);
  const presented = Buffer.from(sha256(token ?? ''));
  return safeEqual(presented, expected) && stored !== undefined && token !== undefined;
}

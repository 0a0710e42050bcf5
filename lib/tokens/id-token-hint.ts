/**
 * Reading an `id_token_hint` (OpenID Connect Core 1.0 3.1.2.1; RP-Initiated
 * Logout 1.0 2): an id_token this server issued earlier, sent back by a client
 * as a hint about who it believes is signed in. Synchronous, `node:crypto` only
 * (the check of a JWS this server signed, ./own-jws.ts).
 *
 * Rules, in the order they are checked (the signature before any claim is read):
 * - at most 16 KiB, a compact JWS whose header names a key of the server's key
 *   set by `kid`, with `alg` equal to that key's algorithm, `typ` `JWT` (what
 *   ./id-token.ts writes; an access token, `at+jwt`, is no hint) and no `crit`;
 * - the signature verifies;
 * - `iss` is the issuer; `sub` is a non-empty string; `aud` names exactly one
 *   client (a string, or an array of one string: the id_tokens made here have one
 *   audience), and `azp`, when present, names the same client;
 * - `iat` is a number at most 60 s ahead of now; `exp` is a number, and may have
 *   passed: RP-Initiated Logout 1.0 2 asks the OP to accept an expired id_token
 *   as a hint, and a hint grants nothing by itself. How old a hint can be is
 *   bounded by key rotation: a hint signed by a key no longer in the set fails.
 * - Every failure is `invalid_request` with the fixed text "id_token_hint is
 *   invalid"; the reason is the private cause. Whether the hint was issued to the
 *   client at hand is the caller's question ({@link ID_TOKEN_HINT_OTHER_CLIENT}).
 */
import { InvalidRequestError } from '../errors.js';
import { JwsRefusal as Refusal } from './jws.js';
import type { KeySet } from './keys.js';
import { numericClaim, verifyOwnJws } from './own-jws.js';

/** What a valid hint says. Times in epoch seconds. */
export interface IdTokenHint {
  /** The `sub` the hint's client knows the user by (pairwise or public). */
  readonly subject: string;
  /** The client the id_token was issued to (`aud`). */
  readonly clientId: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/** The public text of a hint issued to another client than the request's. */
export const ID_TOKEN_HINT_OTHER_CLIENT = 'id_token_hint was not issued to this client';

/** Longest hint read, in characters. */
const MAX_LENGTH = 16 * 1024;
/** How far `iat` may be ahead of now, in seconds. */
const IAT_SKEW = 60;

/** An id_token's header: `typ` exactly `JWT`, as ./id-token.ts writes it. */
const ID_TOKEN_JWS = {
  maxLength: MAX_LENGTH,
  typ: 'JWT',
  typMatches: (typ: unknown) => typ === 'JWT',
};

function audienceOf(payload: Record<string, unknown>): string {
  const { aud, azp } = payload;
  const named = Array.isArray(aud) && aud.length === 1 ? aud[0] : aud;
  if (typeof named !== 'string' || named === '') throw new Refusal('aud must name one client');
  if (azp !== undefined && azp !== named) throw new Refusal('azp is not the audience');
  return named;
}

function checkedHint(payload: Record<string, unknown>, issuer: string, now: number): IdTokenHint {
  if (payload['iss'] !== issuer) throw new Refusal('iss is not the issuer');
  const sub = payload['sub'];
  if (typeof sub !== 'string' || sub === '') throw new Refusal('sub must be a non-empty string');
  const clientId = audienceOf(payload);
  const iat = numericClaim(payload, 'iat');
  const exp = numericClaim(payload, 'exp');
  if (iat > now + IAT_SKEW) throw new Refusal('iat is in the future');
  return { subject: sub, clientId, issuedAt: iat, expiresAt: exp };
}

/**
 * Reads an `id_token_hint` (rules in the module header).
 * @param now epoch milliseconds.
 * @throws InvalidRequestError "id_token_hint is invalid", the reason as its cause.
 */
export function readIdTokenHint(
  keys: KeySet,
  token: string,
  options: { readonly issuer: string; readonly now: number },
): IdTokenHint {
  try {
    const payload = verifyOwnJws(keys, token, ID_TOKEN_JWS);
    return checkedHint(payload, options.issuer, Math.floor(options.now / 1000));
  } catch (cause) {
    if (!(cause instanceof Refusal)) throw cause;
    throw new InvalidRequestError('id_token_hint is invalid', { cause, detail: cause.message });
  }
}

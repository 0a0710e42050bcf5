/**
 * The UserInfo answer (OpenID Connect Core 5.3): the claims of the token's user
 * that its scopes ask for.
 *
 * Rules:
 * - The access token was checked before (lib/http/userinfo-answer.ts, for
 *   Express and Fetch alike: Bearer or DPoP, RFC 6750 challenges) and carries
 *   `openid`, else 403 `insufficient_scope`.
 * - `sub` is always the token's subject as the client knows it (OIDC Core 5.3.2:
 *   it "MUST always be returned"; public or pairwise, ./subject.ts, the same as
 *   the client's id_token); a `sub` from the host's callback is ignored, and the
 *   callback is asked with the local subject.
 * - Only the claims of the granted scopes are returned (OIDC Core 5.4): `profile`,
 *   `email`, `address`, `phone`, whatever else the callback answered is dropped.
 *   A language-tagged form of such a claim (`name#de`, `name#ja-Kana-JP`: OIDC
 *   Core 5.2) is kept when the part after `#` is a well-formed BCP 47 tag
 *   (lib/i18n/tags.ts); the callback gets the grant's `claims_locales` as
 *   `{ locales }` (`[]` when none).
 * - A `client_credentials` token (the token's own grant type: the record's, a
 *   JWT's `gty`) describes a client, not an end-user, so the callback is never
 *   asked: 401 `invalid_token` (RFC 6750 3.1 "invalid for other reasons"; OIDC
 *   Core 5.3 returns claims "about the authenticated End-User"). Not
 *   `insufficient_scope`: no scope would make such a token do.
 * - A client that no longer exists gets `invalid_token` (its tokens are void).
 */
import { InvalidTokenError } from '../../errors.js';
import { canonicalTag } from '../../i18n/tags.js';
import type { ClientStore } from '../../stores/types.js';
import type { ResolvedOpenId, UserClaims } from './options.js';
import { clientSubject } from './subject.js';

/** The standard claims each scope asks for (OIDC Core 5.4). */
export const SCOPE_CLAIMS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  profile: Object.freeze([
    'name',
    'family_name',
    'given_name',
    'middle_name',
    'nickname',
    'preferred_username',
    'profile',
    'picture',
    'website',
    'gender',
    'birthdate',
    'zoneinfo',
    'locale',
    'updated_at',
  ]),
  email: Object.freeze(['email', 'email_verified']),
  address: Object.freeze(['address']),
  phone: Object.freeze(['phone_number', 'phone_number_verified']),
});

/** Every claim UserInfo may answer: `sub` and the scopes' standard claims (for `claims_supported`). */
export const CLAIMS_SUPPORTED: readonly string[] = Object.freeze([
  'sub',
  ...Object.values(SCOPE_CLAIMS).flat(),
]);

/** What the answer is made of: the checked token's subject, scope and client. */
export interface UserInfoToken {
  readonly subject: string;
  readonly scope: readonly string[];
  readonly clientId: string;
  /** The grant that issued it, where the token tells (`client_credentials` tokens always do). */
  readonly grantType?: string | undefined;
  /** The authorization's `claims_locales` (OIDC Core 5.2); absent when none. */
  readonly claimsLocales?: readonly string[] | undefined;
}

/** The claim a key names: `name` for `name` and for `name#de` (OIDC Core 5.2), if the tag is well formed. */
function claimOf(key: string): string | undefined {
  const hash = key.indexOf('#');
  if (hash === -1) return key;
  return canonicalTag(key.slice(hash + 1)) === undefined ? undefined : key.slice(0, hash);
}

/** The claims of `claims` that `scope` asks for (rules above), own properties only. */
export function filterClaims(claims: UserClaims, scope: readonly string[]): UserClaims {
  const out: UserClaims = {};
  if (typeof claims !== 'object' || claims === null) return out;
  const allowed = new Set(
    scope.flatMap((s) => (Object.hasOwn(SCOPE_CLAIMS, s) ? SCOPE_CLAIMS[s] : [])),
  );
  for (const key of Object.keys(claims)) {
    const name = claimOf(key);
    if (name !== undefined && allowed.has(name) && claims[key] !== undefined)
      out[key] = claims[key];
  }
  return out;
}

/** The UserInfo body for a checked token. Throws `invalid_token` for a deleted client. */
export async function userInfo(
  token: UserInfoToken,
  openid: ResolvedOpenId,
  clients: ClientStore,
): Promise<UserClaims> {
  if (token.grantType === 'client_credentials')
    throw new InvalidTokenError('the access token is not for an end-user', {
      detail: 'a client_credentials token has no end-user to describe (OIDC Core 5.3)',
    });
  const client = await clients.find(token.clientId);
  if (client === undefined)
    throw new InvalidTokenError('the access token is invalid', {
      detail: 'the client of the token no longer exists',
    });
  const locales = token.claimsLocales ?? [];
  const claims = await openid.claims(token.subject, token.scope, client, { locales });
  const sub = clientSubject(client, token.subject, openid.pairwiseKey);
  return { sub, ...filterClaims(claims, token.scope) };
}

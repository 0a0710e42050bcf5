/**
 * The UserInfo answer (OpenID Connect Core 5.3): the claims of the token's user
 * that its scopes ask for.
 *
 * Rules:
 * - The access token was checked before (lib/http/userinfo.ts: Bearer or DPoP,
 *   RFC 6750 challenges) and carries `openid`, else 403 `insufficient_scope`.
 * - `sub` is always the token's subject (OIDC Core 5.3.2: it "MUST always be
 *   returned"); a `sub` from the host's callback is ignored.
 * - Only the claims of the granted scopes are returned (OIDC Core 5.4): `profile`,
 *   `email`, `address`, `phone`, whatever else the callback answered is dropped.
 * - A client that no longer exists gets `invalid_token` (its tokens are void).
 */
import { InvalidTokenError } from '../../errors.js';
import type { ClientStore } from '../../stores/types.js';
import type { ResolvedOpenId, UserClaims } from './options.js';

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
}

/** The claims of `claims` that `scope` asks for (rules above), own properties only. */
export function filterClaims(claims: UserClaims, scope: readonly string[]): UserClaims {
  const out: UserClaims = {};
  if (typeof claims !== 'object' || claims === null) return out;
  for (const name of scope.flatMap((s) => (Object.hasOwn(SCOPE_CLAIMS, s) ? SCOPE_CLAIMS[s] : [])))
    if (Object.hasOwn(claims, name) && claims[name] !== undefined) out[name] = claims[name];
  return out;
}

/** The UserInfo body for a checked token. Throws `invalid_token` for a deleted client. */
export async function userInfo(
  token: UserInfoToken,
  openid: ResolvedOpenId,
  clients: ClientStore,
): Promise<UserClaims> {
  const client = await clients.find(token.clientId);
  if (client === undefined)
    throw new InvalidTokenError('the access token is invalid', {
      detail: 'the client of the token no longer exists',
    });
  const claims = await openid.claims(token.subject, token.scope, client);
  return { sub: token.subject, ...filterClaims(claims, token.scope) };
}

/**
 * The OpenID Connect provider of the `user` scenarios (bench/scenarios.ts):
 * `userinfo-jwt` and `token-id-token`.
 *
 * Rules:
 * - the bench client (the same secret as the other scenarios, SHA-256 hashed)
 *   may use the password and refresh_token grants, with the scopes `openid`,
 *   `profile` and `email`; the password grant only hands the runner its one
 *   user's tokens before the load, it is never under load;
 * - JWT access tokens, stateless (the default deny-list): issuing stores nothing,
 *   and a check of a token seen before is a verified-claims cache hit, as in
 *   `protect-jwt`;
 * - refresh tokens are not rotated, so the one the runner fetched answers every
 *   request of `token-id-token`, each with a new access token and id_token, and
 *   nothing piles up in the memory store however long the run;
 * - `openid.claims` answers a small fixed object synchronously, so UserInfo's
 *   cost is the library's, not a user database's.
 */
import type { ProviderOptions } from '../index.js';
import { BENCH_ISSUER, BENCH_USER, CLIENT_ID } from './scenarios.js';

/** What the host's claims callback answers for the bench user (OIDC Core 5.1). */
export const USER_CLAIMS = Object.freeze({
  name: 'Bench User',
  preferred_username: BENCH_USER.username,
  email: 'bench-user@example.com',
  email_verified: true,
});

/** The bench user's subject for the right username and password, else undefined. */
function verify(credentials: {
  username: string;
  password: string;
}): Promise<{ subject: string } | undefined> {
  const ok =
    credentials.username === BENCH_USER.username && credentials.password === BENCH_USER.password;
  return Promise.resolve(ok ? { subject: BENCH_USER.subject } : undefined);
}

/**
 * The options of a `user` scenario's provider.
 * @param secretHash the bench client's secret hash (`generateClientSecret().secretHash`).
 */
export function openIdOptions(secretHash: string): ProviderOptions {
  return {
    issuer: BENCH_ISSUER,
    clients: [
      {
        id: CLIENT_ID,
        secretHash,
        grantTypes: ['password', 'refresh_token'],
        scopes: ['openid', 'profile', 'email'],
      },
    ],
    scopes: { available: ['openid', 'profile', 'email'] },
    accessToken: { format: 'jwt' },
    grants: { password: { verify }, refreshToken: { rotate: false } },
    openid: { claims: () => USER_CLAIMS },
  };
}

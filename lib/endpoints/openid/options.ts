/**
 * `options.openid`: OpenID Connect Core 1.0 on top of the authorization code flow.
 * Absent, the server is OAuth-only (no `openid` scope, no id_token, no UserInfo,
 * no `/.well-known/openid-configuration`).
 *
 * Rules:
 * - `claims` is required: the host's source of a user's standard claims
 *   (OIDC Core 5.1), asked by UserInfo with the granted scopes.
 * - `idTokenLifetime` is a whole number of seconds > 0; default 3600.
 * - With `openid` on, the scope `openid` is offered even when the host did not
 *   list it in `scopes.available` (OIDC Core 3.1.2.1: it is what makes a request
 *   an OpenID Connect request).
 */
import type { KeyObject } from 'node:crypto';
import { checkOptionKeys, optionKeys } from '../../helpers/option-keys.js';
import type { ScopeOptions } from '../../helpers/scope.js';
import type { Client } from '../../types.js';

/** The scope that makes an authorization request an OpenID Connect one. */
export const OPENID_SCOPE = 'openid';

/** What the host answers about a user: standard claims (OIDC Core 5.1) and any others. */
export type UserClaims = Record<string, unknown>;

/** OpenID Connect options (`options.openid`). */
export interface OpenIdOptions {
  /**
   * The claims of `subject` for a client holding `scopes` (granted scope, `openid`
   * included). Return what you know; UserInfo keeps only the claims the granted
   * scopes ask for (OIDC Core 5.4) and always answers `sub` itself.
   * @example claims: async (sub) => ({ name: 'Alice', email: 'alice@example.com', email_verified: true })
   */
  claims: (
    subject: string,
    scopes: readonly string[],
    client: Client,
  ) => Promise<UserClaims> | UserClaims;
  /** Seconds an id_token is valid (its `exp` - `iat`); default 3600. */
  idTokenLifetime?: number;
}

/** `options.openid` once checked. */
export interface ResolvedOpenId {
  readonly claims: OpenIdOptions['claims'];
  /** Seconds. */
  readonly idTokenLifetime: number;
  /** The key of pairwise subjects (./subject.ts); undefined: every client is public. */
  readonly pairwiseKey?: KeyObject | undefined;
}

/** The keys of {@link OpenIdOptions} (lib/helpers/option-keys.ts). */
export const OPENID_OPTION_KEYS = optionKeys<OpenIdOptions>({
  claims: true,
  idTokenLifetime: true,
});

/**
 * Checks `options.openid`; undefined when OpenID Connect is off.
 * @throws TypeError naming the option and the fix.
 */
export function resolveOpenIdOptions(
  options: OpenIdOptions | undefined,
): ResolvedOpenId | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null)
    throw new TypeError('options.openid must be an object: { claims(subject, scopes, client) }');
  checkOptionKeys(options, OPENID_OPTION_KEYS, 'options.openid');
  if (typeof options.claims !== 'function')
    throw new TypeError(
      'options.openid.claims must be a function (subject, scopes, client) => claims, the source of UserInfo',
    );
  const lifetime = options.idTokenLifetime ?? 3600;
  if (typeof lifetime !== 'number' || !Number.isInteger(lifetime) || lifetime <= 0)
    throw new TypeError('options.openid.idTokenLifetime must be a whole number of seconds > 0');
  return Object.freeze({ claims: options.claims, idTokenLifetime: lifetime });
}

/** The scope options with `openid` offered when OpenID Connect is on (see the rules). */
export function withOpenIdScope(
  scopes: ScopeOptions | undefined,
  openid: OpenIdOptions | undefined,
): ScopeOptions | undefined {
  if (openid === undefined) return scopes;
  const available = scopes?.available ?? [];
  if (available.includes(OPENID_SCOPE)) return scopes;
  return { ...scopes, available: [...available, OPENID_SCOPE] };
}

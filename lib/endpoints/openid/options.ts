/**
 * `options.openid`: OpenID Connect Core 1.0 on top of the authorization code flow.
 * Absent, the server is OAuth-only (no `openid` scope, no id_token, no UserInfo,
 * no `/.well-known/openid-configuration`).
 *
 * Rules:
 * - `claims` is required: the host's source of a user's standard claims
 *   (OIDC Core 5.1), asked by UserInfo with the granted scopes.
 * - `idTokenLifetime` is a whole number of seconds > 0; default 3600.
 * - `requireNonce` is true or false; default false (../authorization/nonce.ts).
 * - `pairwiseKey` is a secret of at least 32 bytes (./pairwise-key.ts), kept as
 *   a key object; without it no client may be pairwise (./subject.ts).
 * - `acrValues` and `claimsLocales` are what the host offers, for discovery
 *   (./offered-values.ts).
 * - With `openid` on, the scope `openid` is offered even when the host did not
 *   list it in `scopes.available` (OIDC Core 3.1.2.1: it is what makes a request
 *   an OpenID Connect request).
 */
import type { KeyObject } from 'node:crypto';
import { checkOptionKeys, optionKeys } from '../../helpers/option-keys.js';
import type { ScopeOptions } from '../../helpers/scope.js';
import type { Client } from '../../types.js';
import { resolveAcrValues, resolveClaimsLocales } from './offered-values.js';
import { resolvePairwiseKey } from './pairwise-key.js';

/** The scope that makes an authorization request an OpenID Connect one. */
export const OPENID_SCOPE = 'openid';

/** What the host answers about a user: standard claims (OIDC Core 5.1) and any others. */
export type UserClaims = Record<string, unknown>;

/** What UserInfo knows of the request for claims besides the user, scope and client. */
export interface ClaimsRequest {
  /** The grant's `claims_locales` (OIDC Core 5.2), BCP 47 tags, most wanted first; `[]` when none. */
  readonly locales: readonly string[];
}

/** OpenID Connect options (`options.openid`). */
export interface OpenIdOptions {
  /**
   * The claims of `subject` for a client holding `scopes` (granted scope, `openid`
   * included). Return what you know; UserInfo keeps only the claims the granted
   * scopes ask for (OIDC Core 5.4) and always answers `sub` itself.
   * `request.locales` are the authorization request's `claims_locales` (OIDC
   * Core 5.2: BCP 47 tags, most wanted first; `[]` when none): answer a claim in
   * one of them as is, or also add language-tagged forms (`name#de`), which
   * UserInfo keeps beside the claim they tag.
   * @example
   * claims: async (sub, scopes, client, { locales }) =>
   *   locales[0] === 'de'
   *     ? { name: 'Alice', 'name#de': 'Alicia', email: 'alice@example.com', email_verified: true }
   *     : { name: 'Alice', email: 'alice@example.com', email_verified: true }
   */
  claims: (
    subject: string,
    scopes: readonly string[],
    client: Client,
    request: ClaimsRequest,
  ) => Promise<UserClaims> | UserClaims;
  /** Seconds an id_token is valid (its `exp` - `iat`); default 3600. */
  idTokenLifetime?: number;
  /**
   * Refuse an OpenID Connect authorization request without `nonce`
   * (`invalid_request` "nonce is required", redirected), so every id_token is
   * bound to the client's session (OIDC Core 3.1.2.1, 15.5.2). Default false:
   * the code flow's `nonce` is optional.
   * @example requireNonce: true
   */
  requireNonce?: boolean;
  /**
   * The secret of pairwise subjects (OIDC Core 8): a string, Buffer/Uint8Array
   * or secret KeyObject of at least 32 bytes. With it, `subject_types_supported`
   * is `['public', 'pairwise']` and clients may be `subjectType: 'pairwise'` (a
   * `sub` of their own per redirect host). Keep it as long as the users'
   * accounts: rotating it changes every pairwise `sub`, and relying parties then
   * see strangers. Default none: every client is public.
   * @example pairwiseKey: process.env.PAIRWISE_KEY // e.g. crypto.randomBytes(32).toString('base64url')
   */
  pairwiseKey?: string | Uint8Array | KeyObject;
  /**
   * The Authentication Context Class References the site adapter may report
   * (`acr`, OIDC Core 2), listed as `acr_values_supported` in discovery. The
   * request parameter `acr_values` is not acted on (the site adapter says how
   * the user signed in). Default none: the member is left out.
   * @example acrValues: ['urn:example:loa:1', 'urn:example:loa:2']
   */
  acrValues?: readonly string[];
  /**
   * The languages the host can answer claims in (BCP 47 tags), listed as
   * `claims_locales_supported` in discovery; a request's `claims_locales` keeps
   * only these (a tag's language when only that is offered: `de-CH` → `de`).
   * Default none: the member is left out, and every well-formed tag is kept.
   * @example claimsLocales: ['en', 'de', 'ja-Kana-JP']
   */
  claimsLocales?: readonly string[];
}

/** `options.openid` once checked. */
export interface ResolvedOpenId {
  readonly claims: OpenIdOptions['claims'];
  /** Seconds. */
  readonly idTokenLifetime: number;
  /** Whether an `openid` request must carry `nonce`; default false. */
  readonly requireNonce: boolean;
  /** The key of pairwise subjects (./subject.ts); undefined: every client is public. */
  readonly pairwiseKey?: KeyObject | undefined;
  /** The declared acr values (./offered-values.ts); undefined: none declared. */
  readonly acrValues?: readonly string[] | undefined;
  /** The offered claims locales, written form (./offered-values.ts); undefined: any. */
  readonly claimsLocales?: readonly string[] | undefined;
}

/** The keys of {@link OpenIdOptions} (lib/helpers/option-keys.ts). */
export const OPENID_OPTION_KEYS = optionKeys<OpenIdOptions>({
  claims: true,
  idTokenLifetime: true,
  requireNonce: true,
  pairwiseKey: true,
  acrValues: true,
  claimsLocales: true,
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
  const requireNonce = options.requireNonce === undefined ? false : options.requireNonce;
  if (typeof requireNonce !== 'boolean')
    throw new TypeError('options.openid.requireNonce must be true or false (default false)');
  return Object.freeze({
    claims: options.claims,
    idTokenLifetime: lifetime,
    requireNonce,
    pairwiseKey: resolvePairwiseKey(options.pairwiseKey),
    acrValues: resolveAcrValues(options.acrValues),
    claimsLocales: resolveClaimsLocales(options.claimsLocales),
  });
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

/**
 * The provider's `registration` option (RFC 7591 dynamic client registration):
 * its type, defaults and checks.
 *
 *     createAuthorizationServer({ issuer, registration: { policy: 'open' } });
 *
 * Rules:
 * - `policy` is `closed` (default: no registration endpoint, none in metadata),
 *   `open` (anyone may register) or `initial-access-token` (RFC 7591 3: a Bearer
 *   token the operator handed out is required);
 * - `initialAccessToken` is required with `initial-access-token` and refused with
 *   any other policy; a list of tokens is compared by SHA-256 in constant time,
 *   each against every listed one; a listed token has at least 16 characters;
 * - every other value is checked here, once, with a TypeError naming the option.
 */
import { sha256, safeEqual } from '../../helpers/secrets.js';
import { checkOptionKeys, optionKeys } from '../../helpers/option-keys.js';
import type { RegisteredMetadata } from '../../helpers/client-metadata.js';

/** What the `inspect` hook of {@link RegistrationOptions} is shown. */
export interface RegistrationInspection {
  /** `register` (POST, RFC 7591) or `update` (PUT, RFC 7592 2.2). */
  readonly operation: 'register' | 'update';
  /** The client id the registration has (or will have once saved). */
  readonly clientId: string;
  /** The metadata as checked, what would be registered and echoed. */
  readonly metadata: RegisteredMetadata;
  /** The client's address (the request context's `meta.ip`). */
  readonly ip: string | undefined;
  /** The request id (`X-Request-Id`), if any. */
  readonly requestId: string | undefined;
}

/** The `registration` option of the provider. */
export interface RegistrationOptions {
  /**
   * Who may register: `closed` (default; no endpoint), `open` (anyone: consent still
   * protects users, but keep the rate limit, the scope limits and `inspect`), or
   * `initial-access-token` (a Bearer token from `initialAccessToken`).
   */
  policy?: 'closed' | 'open' | 'initial-access-token';
  /**
   * With `initial-access-token`: the tokens accepted (each at least 16 characters,
   * compared in constant time), or a function that says whether a presented token
   * is valid (it may look it up, count uses, …).
   */
  initialAccessToken?: readonly string[] | ((token: string) => boolean | Promise<boolean>);
  /**
   * Sees each checked registration and update before it is saved: return nothing
   * to accept it, return changed metadata to register that instead (checked again
   * by the same rules), or throw `InvalidClientMetadataError` to refuse it.
   */
  inspect?(
    request: RegistrationInspection,
  ): RegisteredMetadata | undefined | void | Promise<RegisteredMetadata | undefined | void>;
  /**
   * Seconds a registered client's secret lives (`client_secret_expires_at`); an
   * expired secret no longer authenticates. Default 0: never expires.
   */
  secretLifetime?: number;
  /**
   * Whether registered clients may read, update and delete their registration
   * (RFC 7592) with the `registration_access_token` they were given. Default true.
   */
  management?: boolean;
}

/** The keys of {@link RegistrationOptions} (lib/helpers/option-keys.ts). */
export const REGISTRATION_KEYS = optionKeys<RegistrationOptions>({
  policy: true,
  initialAccessToken: true,
  inspect: true,
  secretLifetime: true,
  management: true,
});

/** The checked `registration` option. */
export interface ResolvedRegistration {
  readonly policy: 'closed' | 'open' | 'initial-access-token';
  /** Whether a presented initial access token is valid; undefined unless the policy needs one. */
  readonly initialAccessToken: ((token: string) => Promise<boolean>) | undefined;
  readonly inspect: RegistrationOptions['inspect'];
  /** Seconds; 0: never. */
  readonly secretLifetime: number;
  readonly management: boolean;
}

const PATH = 'options.registration';

/** A constant-time check of a presented token against a list. */
function tokenList(tokens: readonly unknown[]): (token: string) => Promise<boolean> {
  if (tokens.length === 0) throw new TypeError(`${PATH}.initialAccessToken must not be empty`);
  const hashes = tokens.map((token, i) => {
    if (typeof token !== 'string' || token.length < 16)
      throw new TypeError(
        `${PATH}.initialAccessToken[${i}] must be a string of at least 16 characters`,
      );
    return Buffer.from(sha256(token));
  });
  return async (token) => {
    const presented = Buffer.from(sha256(token));
    let found = false;
    for (const hash of hashes) found = safeEqual(presented, hash) || found;
    return found;
  };
}

function initialAccessToken(
  policy: ResolvedRegistration['policy'],
  value: RegistrationOptions['initialAccessToken'],
): ResolvedRegistration['initialAccessToken'] {
  if (policy !== 'initial-access-token') {
    if (value !== undefined)
      throw new TypeError(`${PATH}.initialAccessToken is only for policy 'initial-access-token'`);
    return undefined;
  }
  if (typeof value === 'function') return async (token) => (await value(token)) === true;
  if (Array.isArray(value)) return tokenList(value);
  throw new TypeError(
    `${PATH}.initialAccessToken is required with policy 'initial-access-token': a list of tokens or a function (token) => boolean`,
  );
}

/** Checks the `registration` option and fills in every default. */
export function resolveRegistration(value: RegistrationOptions | undefined): ResolvedRegistration {
  const given = value ?? {};
  if (typeof given !== 'object' || given === null) throw new TypeError(`${PATH} must be an object`);
  checkOptionKeys(given, REGISTRATION_KEYS, PATH);
  const policy = given.policy ?? 'closed';
  if (policy !== 'closed' && policy !== 'open' && policy !== 'initial-access-token')
    throw new TypeError(`${PATH}.policy must be 'closed', 'open' or 'initial-access-token'`);
  if (given.inspect !== undefined && typeof given.inspect !== 'function')
    throw new TypeError(`${PATH}.inspect must be a function`);
  const lifetime = given.secretLifetime ?? 0;
  if (typeof lifetime !== 'number' || !Number.isInteger(lifetime) || lifetime < 0)
    throw new TypeError(`${PATH}.secretLifetime must be a whole number of seconds >= 0`);
  if (given.management !== undefined && typeof given.management !== 'boolean')
    throw new TypeError(`${PATH}.management must be a boolean`);
  return Object.freeze({
    policy,
    initialAccessToken: initialAccessToken(policy, given.initialAccessToken),
    inspect: given.inspect,
    secretLifetime: lifetime,
    management: given.management ?? true,
  });
}

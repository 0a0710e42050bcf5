/**
 * Access token verification and revocation, for `protect()`, introspection and
 * revocation: the one place that knows whether access tokens have records.
 *
 * - A token shaped like a JWT is verified locally and synchronously
 *   (./jwt-verify.ts); verified claims are kept in a bounded cache, so a token
 *   seen before costs no signature check. The cache honours `exp`; revocation is
 *   checked after it, every time (unless the caller opts out).
 * - Stateless JWTs (`accessToken.revocation: 'deny-list'`, the default for JWTs):
 *   a JWT is live unless its `jti` or its grant (`grant_ref`) is on the deny-list
 *   (./deny-list.ts, in memory); a JWT without `grant_ref` (issued before this
 *   version) is refused, since its grant could not be denied.
 * - Allow-list (`'allow-list'`, and every opaque token): a token is live while
 *   the access token store holds its record (by `jti`, or the SHA-256 of an opaque
 *   token). A store that lost the record refuses the token: fail-closed.
 *
 * Rules:
 * - Revoking a JWT in deny-list mode denies its `jti` for as long as it could
 *   still be accepted (until `exp`, plus {@link DENY_MARGIN}); revoking a grant
 *   denies its reference for the longest access token lifetime plus the margin,
 *   and also writes the access token store's grant marker (records of tokens
 *   issued before a switch of mode).
 * - The margin covers clock skew between processes and a token of the grant
 *   still being minted when the grant was revoked (a replayed code racing the
 *   first redemption).
 * - Audience (RFC 8707, RFC 9068 4): `verify` refuses a token whose audience is
 *   not the expected one (default the provider's), JWT `aud` and opaque record
 *   alike, with `invalid_token`. `find` (introspection, revocation) accepts any
 *   audience the server issues for. The verified-claims cache is keyed by the
 *   audience checked, so a hit never skips an audience check.
 * - A delegated token's `act` (RFC 8693 4.1: the JWT claim, or the opaque
 *   record's) is given as `actor`, so `req.oauth2.token.actor` says who acts.
 * - A DPoP-bound token's key thumbprint (RFC 9449 6: the JWT's `cnf.jkt`, the
 *   opaque record's `jkt`) is given as `jkt`; the checker does not ask for the
 *   proof itself (protected resources do: lib/http/).
 * - OpenID Connect's `claims_locales` (the JWT claim, or the record's) is given
 *   as `claimsLocales`; malformed, the token is `invalid_token`. The grant type
 *   is given as `grantType` where the token tells it (the record; a JWT's `gty`).
 */
import { InvalidTokenError } from '../errors.js';
import { sha256 } from '../helpers/secrets.js';
import type { AccessTokenStore } from '../stores/types.js';
import type { DenyList } from './deny-list.js';
import { grantReference, looksLikeJwt, type AccessTokenClaims } from './jwt.js';
import { verifyAccessToken } from './jwt-verify.js';
import type { KeySet } from './keys.js';
import { isLocaleList } from '../i18n/locale-list.js';
import type { AccessTokenRecord, ActorClaim, Clock, GrantType } from '../types.js';

/** What a verified access token tells; `req.oauth2` in Express. */
export interface AccessTokenInfo {
  /** `jti` of a JWT, or the SHA-256 of an opaque token. */
  readonly id: string;
  readonly format: 'opaque' | 'jwt';
  readonly clientId: string;
  /** The resource owner, or the client id for client_credentials tokens. */
  readonly subject: string;
  readonly scope: readonly string[];
  readonly audience: string;
  /** Epoch seconds. */
  readonly issuedAt: number;
  /** Epoch seconds. */
  readonly expiresAt: number;
  /**
   * Who acts for the subject (RFC 8693 4.1 `act`): set on tokens made by token
   * exchange, where `actor.sub` is the party acting (the client that exchanged,
   * or the actor token's subject) and a nested `actor.act` the one before it.
   */
  readonly actor?: ActorClaim | undefined;
  /**
   * RFC 9449 6: the thumbprint of the DPoP key the token is bound to (a JWT's
   * `cnf.jkt`, an opaque token's record); absent for a Bearer token. A resource
   * must then ask for a DPoP proof of that key.
   */
  readonly jkt?: string | undefined;
  /**
   * The grant that issued the token, as far as the token tells: an opaque
   * token's record always; a JWT only for `client_credentials` (its `gty`),
   * the grant whose tokens speak for a client rather than a user. Absent: a
   * JWT of another grant.
   */
  readonly grantType?: GrantType | 'implicit' | undefined;
  /**
   * OpenID Connect: the authorization's `claims_locales` (OIDC Core 5.2), BCP 47
   * tags, most wanted first (a JWT's `claims_locales`, an opaque token's record);
   * absent when none were asked for.
   */
  readonly claimsLocales?: readonly string[] | undefined;
}

export interface CheckerOptions {
  issuer: string;
  /** The default audience (`accessToken.audience`). */
  audience: string;
  /** Every audience the server issues tokens for (the default and each resource). Default: `audience`. */
  audiences?: ReadonlySet<string> | undefined;
  keys: KeySet;
  store: AccessTokenStore;
  clock: Clock;
  /** The deny-list of stateless JWTs; undefined when every access token has a record. */
  denyList?: DenyList | undefined;
  /** The longest access token lifetime of any grant, in seconds: how long a denied grant stays denied. */
  accessTokenLifetime: number;
  /** Verified JWTs kept; default 10000. */
  cacheSize?: number;
}

export interface VerifyOptions {
  /**
   * Check that the token was not revoked: the deny-list for stateless JWTs (in
   * memory), the store otherwise. Default true. Opaque tokens always need the store.
   */
  checkRevocation?: boolean;
  /**
   * The audience the token must be for (a resource indicator, RFC 8707): the
   * JWT's `aud`, or the opaque token's recorded audience. Default: the
   * provider's audience (`accessToken.audience`).
   */
  audience?: string;
}

/** Seconds a deny-list entry outlives what it covers (clock skew, tokens still being minted). */
export const DENY_MARGIN = 60;

/** A verified JWT as cached. */
interface Verified {
  readonly info: AccessTokenInfo;
  readonly grantRef: string | undefined;
}

function fromRecord(record: AccessTokenRecord): AccessTokenInfo {
  const locales = record.claimsLocales;
  if (locales !== undefined && !isLocaleList(locales))
    throw new InvalidTokenError(INVALID, { detail: 'the record has malformed claimsLocales' });
  return {
    id: record.id,
    format: record.format,
    clientId: record.clientId,
    subject: record.subject,
    scope: record.scope,
    audience: record.audience,
    issuedAt: record.issuedAt,
    expiresAt: record.expiresAt,
    ...(record.act === undefined ? {} : { actor: record.act }),
    ...(record.jkt === undefined ? {} : { jkt: record.jkt }),
    grantType: record.grantType,
    ...(locales === undefined ? {} : { claimsLocales: locales }),
  };
}

function fromClaims(claims: AccessTokenClaims): Verified {
  return {
    info: {
      id: claims.jti,
      format: 'jwt',
      clientId: claims.client_id,
      subject: claims.sub,
      scope: claims.scope === '' ? [] : claims.scope.split(' '),
      audience: claims.aud,
      issuedAt: claims.iat,
      expiresAt: claims.exp,
      ...(claims.act === undefined ? {} : { actor: claims.act }),
      ...(claims.cnf === undefined ? {} : { jkt: claims.cnf.jkt }),
      ...(claims.gty === undefined ? {} : { grantType: claims.gty }),
      ...(claims.claims_locales === undefined
        ? {}
        : { claimsLocales: Object.freeze(claims.claims_locales.split(' ')) }),
    },
    grantRef: claims.grant_ref,
  };
}

const INVALID = 'the access token is invalid, expired or revoked';

/** The cache's name for "any audience the server issues for" (no audience holds a NUL). */
const ANY_AUDIENCE = '\u0000';

/** Whether `audience` is the expected one, or one of the expected set. */
function named(expected: string | ReadonlySet<string>, audience: string): boolean {
  return typeof expected === 'string' ? audience === expected : expected.has(audience);
}

export class AccessTokenChecker {
  readonly #o: CheckerOptions;
  readonly #cache = new Map<string, Verified>();
  readonly #cacheSize: number;

  constructor(options: CheckerOptions) {
    this.#o = options;
    this.#cacheSize = options.cacheSize ?? 10_000;
  }

  /** Verifies a bearer token for an audience (default the provider's); throws `invalid_token`. */
  verify(token: string, options: VerifyOptions = {}): Promise<AccessTokenInfo> {
    return this.#check(token, options.audience ?? this.#o.audience, options.checkRevocation);
  }

  /** Verifies a bearer token for `audience`: one, or any of a set. */
  async #check(
    token: string,
    audience: string | ReadonlySet<string>,
    checkRevocation: boolean | undefined,
  ): Promise<AccessTokenInfo> {
    if (!looksLikeJwt(token)) {
      const record = await this.#record(sha256(token));
      if (record === undefined || !named(audience, record.audience))
        throw new InvalidTokenError(INVALID);
      return fromRecord(record);
    }
    const verified = this.#verified(token, audience);
    if (checkRevocation !== false && !(await this.#live(verified)))
      throw new InvalidTokenError(INVALID);
    return verified.info;
  }

  /**
   * A live (verified, unexpired, unrevoked) access token's data, for
   * introspection and revocation; undefined for anything else. Never throws for
   * a bad token.
   */
  async find(token: string): Promise<AccessTokenInfo | undefined> {
    try {
      return await this.#check(token, this.#o.audiences ?? this.#o.audience, true);
    } catch (err) {
      if (err instanceof InvalidTokenError) return undefined;
      throw err;
    }
  }

  /** Revokes one live access token (`info` from {@link find}). */
  async revoke(token: string, info: AccessTokenInfo): Promise<void> {
    const denyList = this.#o.denyList;
    if (denyList !== undefined && info.format === 'jwt') {
      const ttl = info.expiresAt - Math.floor(this.#o.clock() / 1000) + DENY_MARGIN;
      await denyList.deny('token', info.id, ttl);
    } else {
      await this.#o.store.revoke(info.id);
    }
    this.#cache.delete(token);
  }

  /**
   * Revokes every access token of a grant: denies its reference (stateless JWTs)
   * and writes the store's grant marker for `ttl` seconds (records).
   */
  async revokeGrant(grantId: string, ttl: number): Promise<void> {
    const denyList = this.#o.denyList;
    await Promise.all([
      this.#o.store.revokeGrant(grantId, ttl),
      denyList?.deny('grant', grantReference(grantId), this.#o.accessTokenLifetime + DENY_MARGIN),
    ]);
  }

  /** The verified claims of a JWT, from the cache or checked now (throws `invalid_token`). */
  #verified(token: string, audience: string | ReadonlySet<string>): Verified {
    const o = this.#o;
    const now = o.clock();
    // One entry per audience checked: a hit never stands for another audience's check.
    const scope = typeof audience === 'string' ? audience : ANY_AUDIENCE;
    const key = audience === o.audience ? token : `${scope}\n${token}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined && cached.info.expiresAt * 1000 > now) return cached;
    if (cached !== undefined) this.#cache.delete(key);
    const verified = fromClaims(
      verifyAccessToken(o.keys, token, { issuer: o.issuer, audience, now }),
    );
    if (this.#cache.size >= this.#cacheSize)
      this.#cache.delete(this.#cache.keys().next().value as string);
    this.#cache.set(key, verified);
    return verified;
  }

  /** Whether a verified JWT is still live: not denied, or its record still held. */
  async #live(verified: Verified): Promise<boolean> {
    const denyList = this.#o.denyList;
    if (denyList === undefined) return (await this.#record(verified.info.id)) !== undefined;
    if (verified.grantRef === undefined) return false;
    return !(await denyList.check(verified.info.id, verified.grantRef));
  }

  /** The record of a live token, if the store holds one. */
  async #record(id: string): Promise<AccessTokenRecord | undefined> {
    const record = await this.#o.store.find(id);
    return record === undefined || record.expiresAt * 1000 <= this.#o.clock() ? undefined : record;
  }
}

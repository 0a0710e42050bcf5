/**
 * Access token verification, for `protect()`, introspection and revocation.
 *
 * - A token shaped like a JWT is verified locally (see tokens/jwt.ts); verified
 *   claims are kept in a bounded cache so a token seen before costs no signature
 *   check. The cache honours `exp`, and revocation because the store is still
 *   asked (unless the caller opts out of revocation checks).
 * - Any other token is opaque: its SHA-256 is looked up in the access token store.
 */
import { InvalidTokenError } from '../errors.js';
import { sha256 } from '../helpers/secrets.js';
import type { AccessTokenStore } from '../stores/types.js';
import { looksLikeJwt, verifyAccessToken, type AccessTokenClaims } from './jwt.js';
import type { KeySet } from './keys.js';
import type { AccessTokenRecord, Clock } from '../types.js';

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
}

export interface CheckerOptions {
  issuer: string;
  audience: string;
  keys: KeySet;
  store: AccessTokenStore;
  clock: Clock;
  /** Verified JWTs kept; default 10000. */
  cacheSize?: number;
}

export interface VerifyOptions {
  /** Ask the store whether a JWT was revoked. Default true. Opaque tokens always need the store. */
  checkRevocation?: boolean;
  /** Expected `aud`; default the provider's audience. */
  audience?: string;
}

function fromRecord(record: AccessTokenRecord): AccessTokenInfo {
  return {
    id: record.id,
    format: record.format,
    clientId: record.clientId,
    subject: record.subject,
    scope: record.scope,
    audience: record.audience,
    issuedAt: record.issuedAt,
    expiresAt: record.expiresAt,
  };
}

function fromClaims(claims: AccessTokenClaims): AccessTokenInfo {
  return {
    id: claims.jti,
    format: 'jwt',
    clientId: claims.client_id,
    subject: claims.sub,
    scope: claims.scope === '' ? [] : claims.scope.split(' '),
    audience: claims.aud,
    issuedAt: claims.iat,
    expiresAt: claims.exp,
  };
}

const INVALID = 'the access token is invalid, expired or revoked';

export class AccessTokenChecker {
  readonly #o: CheckerOptions;
  readonly #cache = new Map<string, AccessTokenInfo>();
  readonly #cacheSize: number;

  constructor(options: CheckerOptions) {
    this.#o = options;
    this.#cacheSize = options.cacheSize ?? 10_000;
  }

  /** Verifies a bearer token; throws `invalid_token`. */
  async verify(token: string, options: VerifyOptions = {}): Promise<AccessTokenInfo> {
    const o = this.#o;
    const now = o.clock();
    if (!looksLikeJwt(token)) {
      const record = await o.store.find(sha256(token));
      if (record === undefined || record.expiresAt * 1000 <= now)
        throw new InvalidTokenError(INVALID);
      if (options.audience !== undefined && record.audience !== options.audience)
        throw new InvalidTokenError(INVALID);
      return fromRecord(record);
    }
    const audience = options.audience ?? o.audience;
    const key = audience === o.audience ? token : `${audience}\n${token}`;
    let info = this.#cache.get(key);
    if (info !== undefined && info.expiresAt * 1000 <= now) {
      this.#cache.delete(key);
      info = undefined;
    }
    if (info === undefined) {
      info = fromClaims(
        await verifyAccessToken(o.keys, token, { issuer: o.issuer, audience, now }),
      );
      if (this.#cache.size >= this.#cacheSize)
        this.#cache.delete(this.#cache.keys().next().value as string);
      this.#cache.set(key, info);
    }
    if (options.checkRevocation !== false && (await o.store.find(info.id)) === undefined) {
      throw new InvalidTokenError(INVALID);
    }
    return info;
  }

  /**
   * The stored record of an access token, if it is live: for introspection and
   * revocation. Never throws for a bad token.
   */
  async find(token: string): Promise<AccessTokenRecord | undefined> {
    const o = this.#o;
    let id: string;
    if (looksLikeJwt(token)) {
      try {
        id = (await this.verify(token, { checkRevocation: false })).id;
      } catch (err) {
        if (err instanceof InvalidTokenError) return undefined;
        throw err;
      }
    } else {
      id = sha256(token);
    }
    const record = await o.store.find(id);
    return record === undefined || record.expiresAt * 1000 <= o.clock() ? undefined : record;
  }

  /** Forgets a cached JWT (after it was revoked). */
  forget(token: string): void {
    this.#cache.delete(token);
  }
}

/**
 * Token issuance: makes an access token (opaque or JWT) and optionally a refresh
 * token, saves what has to be saved, and only then returns the RFC 6749 5.1
 * response body. A token whose save failed is never returned.
 *
 * Rules:
 * - Stateless JWTs (`stateless`: format `jwt` with the deny-list) write nothing
 *   per access token: the JWT carries everything, `grant_ref` included (see
 *   ./checker.ts). Opaque tokens, and JWTs in allow-list mode, are saved.
 * - Unique access tokens (the seed's `unique_token`): when a grant asks for them,
 *   a live token with the same client, subject, grant type, scope and grant is
 *   handed out again instead of a new one; no new refresh token comes with it.
 *   The grant is part of the key so that a token is never handed to another
 *   authorization (whose code replay must revoke what it got). Requests of
 *   client_credentials, password and implicit each start a grant that holds
 *   nothing else (no code; no refresh token when a token is handed out again),
 *   so for them the key leaves the grant out, or they would never meet again.
 * - Unique tokens need a record per token: asked for with stateless JWTs, they
 *   are a TypeError (the provider refuses such options at construction).
 * - A stateless JWT may not outlive `maxLifetime` (the longest configured
 *   lifetime, for which a denied grant stays denied): an extension grant asking
 *   for longer is a TypeError.
 * - A token for a resource (RFC 8707, `request.resource`) has the resource as its
 *   audience (the JWT's `aud`, a string; the record's `audience`), and the
 *   resource's format and lifetime when it sets them; without one, the server's
 *   audience and format and the grant's lifetime. The unique-token key holds the
 *   audience, so a token for one resource is never handed out for another.
 * - A refresh token records the resources of its grant (`refreshToken.resources`),
 *   so a refresh can narrow to one of them and never reach another.
 * - A token request with a DPoP proof (RFC 9449 5, 6) gets a token of type
 *   `DPoP` bound to the proof's key: the JWT's `cnf.jkt`, the record's `jkt`; a
 *   public client's refresh token is bound too (../dpop/binding.ts). A unique
 *   token is found again only for the same key (the key is in its unique key).
 * - A delegated token (token exchange, RFC 8693 4.1) carries its actor as the
 *   JWT's `act` and the record's `act`; `notAfter` caps its expiry (a token
 *   made from another never outlives it).
 * - OpenID Connect (OIDC Core 3.1.3.3, 12.2): with `idTokenLifetime` set (the
 *   server's `openid` option) and a request carrying `openid` (the grant's scope
 *   holds `openid`), the body has an `id_token` for the access token (./id-token.ts),
 *   whose `sub` is the one the client knows the user by (`idTokenSubject`: public
 *   or pairwise; the access token keeps the local subject),
 *   and the refresh token keeps the `auth_time`, `acr` and `amr` for the
 *   id_tokens of its refreshes. The authorization's `claims_locales` ride on
 *   the access token of an OpenID Connect request (record, or the JWT's
 *   space-separated `claims_locales`, only when some were asked for) and on the
 *   refresh token, so UserInfo and later refreshes know them.
 * - A `client_credentials` JWT says so in `gty` (the record says it in
 *   `grantType`): its subject is the client, not a user, which UserInfo must
 *   know without comparing `sub` with `client_id` (a user may bear a client's id).
 */
import { randomUUID } from 'node:crypto';
import { refreshTokenJkt } from '../dpop/binding.js';
import type { VerifiedProof } from '../dpop/proof.js';
import type { OAuthEventBus } from '../engine/events.js';
import { sha256 } from '../helpers/secrets.js';
import type { ResolvedResource } from '../helpers/resources.js';
import type { ScopePolicy } from '../helpers/scope.js';
import type { Stores } from '../stores/types.js';
import { signIdToken, type IdTokenContext } from './id-token.js';
import { grantReference, signAccessToken } from './jwt.js';
import type { KeySet } from './keys.js';
import type { TokenGenerator } from './opaque.js';
import type {
  AccessTokenRecord,
  ActorClaim,
  Client,
  Clock,
  GrantType,
  RefreshTokenRecord,
} from '../types.js';

/** The JSON body of a successful token response (RFC 6749 5.1). */
export interface TokenResponseBody {
  access_token: string;
  /** `DPoP` when the access token is bound to a DPoP key (RFC 9449 5), else `Bearer`. */
  token_type: 'Bearer' | 'DPoP';
  /** Seconds until the access token expires. */
  expires_in: number;
  refresh_token?: string;
  scope?: string;
  /** RFC 8693 2.2.1: the type of the issued token, in token exchange answers only. */
  issued_token_type?: string;
  /** OIDC Core 3.1.3.3: the id_token, when the grant's scope has `openid`. */
  id_token?: string;
}

export interface IssueRequest {
  client: Client;
  subject: string;
  scope: readonly string[];
  grantType: GrantType | 'implicit';
  /** The token family: every token made from one authorization shares it. */
  grantId: string;
  /** Seconds. */
  accessTokenLifetime: number;
  /**
   * Issue a refresh token with this lifetime (seconds) and scope, for the grant's
   * resources (RFC 8707; none: the default audience only). `login` is what it
   * keeps of the user's login for later id_tokens (`auth_time`, `acr`, `amr`);
   * default: `openid`'s (a refresh that narrowed `openid` away passes the old one).
   */
  refreshToken?:
    | {
        lifetime: number;
        scope: readonly string[];
        resources?: readonly string[] | undefined;
        login?: IdTokenContext | undefined;
      }
    | undefined;
  /**
   * The configured resource the access token is for (RFC 8707; `provider.config.resources`):
   * its indicator is the token's audience, its format and lifetime win over the
   * server's and the grant's. Default: the server's audience.
   */
  resource?: ResolvedResource | undefined;
  /** Hand out a live token with the same client, subject, grant type, scope and grant again. */
  unique?: boolean | undefined;
  /** Who acts for the subject (RFC 8693 4.1 `act`): the JWT's `act` and the record's. Default none. */
  actor?: ActorClaim | undefined;
  /** Epoch seconds the access token may not outlive (its lifetime is cut to it). Default none. */
  notAfter?: number | undefined;
  /**
   * The token request's verified DPoP proof (RFC 9449 5): the access token is
   * bound to its key, and a public client's refresh token too. Default none (Bearer).
   */
  dpop?: VerifiedProof | undefined;
  /**
   * OpenID Connect: the grant's scope has `openid`, so the body gets an id_token
   * (when the server's `openid` option is on) with this `nonce` and `auth_time`.
   * Default none: no id_token.
   */
  openid?: IdTokenContext | undefined;
  /**
   * OpenID Connect: the authorization's `claims_locales` (BCP 47 tags), for
   * UserInfo: on the access token when `openid` is set (the record's
   * `claimsLocales`, the JWT's `claims_locales`), and on the refresh token. Default none.
   */
  claimsLocales?: readonly string[] | undefined;
}

/** The access token's `claims_locales`: only for an OpenID Connect request that sent some. */
function tokenLocales(request: IssueRequest): readonly string[] | undefined {
  const locales = request.openid === undefined ? undefined : request.claimsLocales;
  return locales === undefined || locales.length === 0 ? undefined : locales;
}

/** What a refresh token keeps for the id_tokens and access tokens of its refreshes. */
function refreshOpenId(request: IssueRequest): Partial<RefreshTokenRecord> {
  const { authTime, acr, amr } = request.refreshToken?.login ?? request.openid ?? {};
  const locales = request.claimsLocales;
  return {
    ...(authTime === undefined ? {} : { authTime }),
    ...(acr === undefined ? {} : { acr }),
    ...(amr === undefined ? {} : { amr: [...amr] }),
    ...(locales === undefined || locales.length === 0 ? {} : { claimsLocales: [...locales] }),
  };
}

/** Grant types whose every request starts a grant of its own (see the header). */
const NEW_GRANT_PER_REQUEST: ReadonlySet<string> = new Set([
  'client_credentials',
  'password',
  'implicit',
]);

/** The key under which a unique token is found again (see the header). */
function uniqueKeyOf(request: IssueRequest): string {
  const grant = NEW_GRANT_PER_REQUEST.has(request.grantType) ? '' : request.grantId;
  const scope = [...request.scope].sort().join(' ');
  const parts = [request.grantType, request.client.id, request.subject, scope, grant];
  // The audience of a token for a resource (the default audience keeps the key it always had).
  if (request.resource !== undefined) parts.push(request.resource.resource);
  // A bound token is handed out again only for a proof of the same key (RFC 9449 5).
  if (request.dpop !== undefined) parts.push(`dpop:${request.dpop.jkt}`);
  return sha256(parts.join('\n'));
}

export interface TokenMinterOptions {
  /** Hears `token.issued` after both saves succeeded. */
  events: OAuthEventBus;
  issuer: string;
  audience: string;
  format: 'opaque' | 'jwt';
  /** JWTs without a record per token (the deny-list revokes them). Default false. */
  stateless?: boolean;
  /**
   * With `stateless`: the longest access token lifetime allowed, in seconds (a
   * denied grant stays denied that long). Longer is a TypeError. Default no limit.
   */
  maxLifetime?: number;
  keys: KeySet;
  generator: TokenGenerator;
  stores: Stores;
  scopes: ScopePolicy;
  clock: Clock;
  /** Seconds an id_token lives; undefined: OpenID Connect is off, no id_token is made. */
  idTokenLifetime?: number | undefined;
  /**
   * The `sub` a client knows a user by, for its id_tokens (OIDC Core 8: public or
   * pairwise, lib/endpoints/openid/subject.ts). Default: the local subject.
   * Access tokens and refresh tokens always keep the local subject.
   */
  idTokenSubject?: ((client: Client, subject: string) => string) | undefined;
}

/** Makes, saves and returns tokens. */
export class TokenMinter {
  readonly #o: TokenMinterOptions;

  constructor(options: TokenMinterOptions) {
    this.#o = options;
  }

  /** A new grant (token family) id. */
  newGrantId(): string {
    return randomUUID();
  }

  async issue(request: IssueRequest): Promise<TokenResponseBody> {
    const o = this.#o;
    const now = Math.floor(o.clock() / 1000);
    const scopeText = o.scopes.format(request.scope);
    const resource = request.resource;
    const format = resource?.accessTokenFormat ?? o.format;
    const audience = resource?.resource ?? o.audience;
    const saved = !(o.stateless === true && format === 'jwt');
    let uniqueKey: string | undefined;
    if (request.unique === true) {
      if (!saved)
        throw new TypeError(
          `${request.grantType}: unique tokens need a record per access token; stateless JWTs have none (set accessToken.revocation to 'allow-list')`,
        );
      uniqueKey = uniqueKeyOf(request);
      const existing = await o.stores.accessTokens.findByUniqueKey(uniqueKey);
      if (existing?.token !== undefined && existing.expiresAt > now) {
        return {
          access_token: existing.token,
          token_type: existing.jkt === undefined ? 'Bearer' : 'DPoP',
          expires_in: existing.expiresAt - now,
          scope: scopeText,
        };
      }
    }

    const lifetime = Math.min(
      resource?.accessTokenLifetime ?? request.accessTokenLifetime,
      (request.notAfter ?? Infinity) - now,
    );
    if (!saved && lifetime > (o.maxLifetime ?? Infinity))
      throw new TypeError(
        `${request.grantType}: a stateless JWT may live at most ${o.maxLifetime} s, the longest configured lifetime (a denied grant stays denied that long); raise accessToken.lifetime`,
      );
    const expiresAt = now + lifetime;
    const jkt = request.dpop?.jkt;
    const locales = tokenLocales(request);
    let token: string;
    let id: string;
    if (format === 'jwt') {
      id = randomUUID();
      token = signAccessToken(o.keys, {
        iss: o.issuer,
        sub: request.subject,
        aud: audience,
        client_id: request.client.id,
        scope: request.scope.join(' '),
        jti: id,
        iat: now,
        exp: expiresAt,
        grant_ref: grantReference(request.grantId),
        ...(request.actor === undefined ? {} : { act: request.actor }),
        ...(jkt === undefined ? {} : { cnf: { jkt } }),
        ...(locales === undefined ? {} : { claims_locales: locales.join(' ') }),
        ...(request.grantType === 'client_credentials' ? { gty: 'client_credentials' } : {}),
      });
    } else {
      token = o.generator.generate();
      id = sha256(token);
    }
    const record: AccessTokenRecord = {
      id,
      format,
      clientId: request.client.id,
      subject: request.subject,
      scope: request.scope,
      audience,
      grantType: request.grantType,
      grantId: request.grantId,
      issuedAt: now,
      expiresAt,
      ...(uniqueKey === undefined ? {} : { uniqueKey, token }),
      ...(request.actor === undefined ? {} : { act: request.actor }),
      ...(jkt === undefined ? {} : { jkt }),
      ...(locales === undefined ? {} : { claimsLocales: [...locales] }),
    };
    const body: TokenResponseBody = {
      access_token: token,
      token_type: jkt === undefined ? 'Bearer' : 'DPoP',
      expires_in: lifetime,
      scope: scopeText,
    };
    if (request.openid !== undefined && o.idTokenLifetime !== undefined)
      body.id_token = signIdToken(o.keys, {
        issuer: o.issuer,
        subject: o.idTokenSubject?.(request.client, request.subject) ?? request.subject,
        clientId: request.client.id,
        accessToken: token,
        now,
        lifetime: o.idTokenLifetime,
        context: request.openid,
      });
    const access = saved ? o.stores.accessTokens.save(record, lifetime) : undefined;
    if (request.refreshToken === undefined) {
      if (access !== undefined) await access;
      this.#issued(request, id, false);
      return body;
    }
    const refresh = o.generator.generate();
    const refreshLifetime = request.refreshToken.lifetime;
    const refreshJkt = refreshTokenJkt(request.client, request.dpop);
    const refreshSave = o.stores.refreshTokens.save(
      {
        id: sha256(refresh),
        clientId: request.client.id,
        subject: request.subject,
        scope: request.refreshToken.scope,
        ...(request.refreshToken.resources?.length
          ? { resources: [...request.refreshToken.resources] }
          : {}),
        grantId: request.grantId,
        issuedAt: now,
        expiresAt: now + refreshLifetime,
        ...(refreshJkt === undefined ? {} : { jkt: refreshJkt }),
        ...refreshOpenId(request),
      },
      refreshLifetime,
    );
    // Both saves must succeed before any token is handed out.
    await Promise.all([access, refreshSave]);
    body.refresh_token = refresh;
    this.#issued(request, id, true);
    return body;
  }

  /** `token.issued`, built only when someone listens. */
  #issued(request: IssueRequest, tokenId: string, refreshToken: boolean): void {
    const events = this.#o.events;
    if (!events.wants('token.issued')) return;
    events.emit('token.issued', {
      time: this.#o.clock(),
      grantType: request.grantType,
      clientId: request.client.id,
      subject: request.subject,
      scope: request.scope,
      tokenId,
      grantId: request.grantId,
      refreshToken,
      ...(request.resource === undefined ? {} : { resource: request.resource.resource }),
      ...(request.actor === undefined ? {} : { actor: request.actor.sub }),
      ...(request.dpop === undefined ? {} : { dpopJkt: request.dpop.jkt }),
    });
  }
}

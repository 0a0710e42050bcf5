/**
 * The engine (the seed's `oauth2.Provider`): holds the configuration, the stores,
 * the grants and the token machinery, and answers token, revocation and
 * introspection requests given as plain data. It never imports a web framework.
 *
 * The token endpoint is a short pipeline:
 *   grant_type present → grant known (a Map lookup) → client authenticated →
 *   client allowed this grant → the grant's handler → 200 with no-store headers.
 * Anything thrown on the way becomes an RFC 6749 5.2 error response.
 */
import {
  authorizationResponseLocation,
  deniedLocation,
  errorLocation,
  matchRedirectUri,
  validateAuthorizationRequest,
  type AuthorizationContext,
  type AuthorizationOutcome,
  type AuthorizationQuery,
  type AuthorizationRequest,
  type ResponseType,
} from '../endpoints/authorization.js';
import { authenticateClient } from '../client-auth/authenticate.js';
import {
  InvalidClientError,
  InvalidRequestError,
  quoteValue,
  toOAuthError,
  UnauthorizedClientError,
  UnsupportedGrantTypeError,
} from '../errors.js';
import { authorizationCodeGrant } from '../grants/authorization-code.js';
import { clientCredentialsGrant } from '../grants/client-credentials.js';
import type { GrantContext, TokenGrant } from '../grants/grant.js';
import { passwordGrant } from '../grants/password.js';
import { refreshTokenGrant } from '../grants/refresh-token.js';
import { introspect } from '../endpoints/introspection.js';
import { TokenMinter } from '../tokens/minter.js';
import { buildMetadata, type ServerMetadata } from '../endpoints/metadata.js';
import { silentLogger } from './logger.js';
import { resolveOptions, type ProviderOptions, type ResolvedConfig } from './options.js';
import { isPkceValue, type CodeChallengeMethod } from '../helpers/pkce.js';
import { revoke } from '../endpoints/revocation.js';
import { ScopePolicy } from '../helpers/scope.js';
import { sha256 } from '../helpers/secrets.js';
import {
  MemoryAccessTokenStore,
  MemoryAuthorizationCodeStore,
  MemoryConsentStore,
  MemoryRefreshTokenStore,
} from '../stores/memory.js';
import type { Stores } from '../stores/types.js';
import type { Client, EngineRequest, EngineResponse, GrantType } from '../types.js';
import { AccessTokenChecker, type AccessTokenInfo, type VerifyOptions } from '../tokens/checker.js';

/** Headers on every token, revocation and introspection response (RFC 6749 5.1). */
export const NO_STORE: Readonly<Record<string, string>> = Object.freeze({
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
});

/** What the authorization endpoint passes to {@link Provider.issueAuthorizationCode}. */
export interface AuthorizationCodeInput {
  client: Client;
  /** The resource owner's stable identifier. */
  subject: string;
  /** The granted scope, already checked (see `provider.scopes.resolve`). */
  scope: readonly string[];
  /** A redirect URI registered for the client. */
  redirectUri: string;
  /** Whether the request carried `redirect_uri`; then the token request must repeat it. Default true. */
  redirectUriSent?: boolean;
  codeChallenge?: string | undefined;
  /** Default `S256`. */
  codeChallengeMethod?: CodeChallengeMethod | undefined;
  /** Kept with the code, JSON-serialisable. */
  extra?: Record<string, unknown>;
}

export class Provider {
  /** The checked configuration. */
  readonly config: ResolvedConfig;
  readonly stores: Stores;
  readonly scopes: ScopePolicy;
  readonly #grants = new Map<string, TokenGrant>();
  readonly #minter: TokenMinter;
  readonly #checker: AccessTokenChecker;
  readonly #context: GrantContext;
  readonly #authorization: AuthorizationContext;
  readonly #grantRevocationTtl: number;
  /** False for the silent default logger: then nothing is even built to be logged on the hot path. */
  readonly #logs: boolean;

  /** @throws TypeError naming the option, when an option is wrong. */
  constructor(options: ProviderOptions) {
    const config = resolveOptions(options);
    this.config = config;
    this.#logs = config.logger !== silentLogger;
    this.scopes = new ScopePolicy(options.scopes);
    const storeOptions = { clock: config.clock };
    this.stores = Object.freeze({
      clients: config.clients,
      authorizationCodes:
        options.stores?.authorizationCodes ?? new MemoryAuthorizationCodeStore(storeOptions),
      accessTokens: options.stores?.accessTokens ?? new MemoryAccessTokenStore(storeOptions),
      refreshTokens: options.stores?.refreshTokens ?? new MemoryRefreshTokenStore(storeOptions),
      consents: options.stores?.consents ?? new MemoryConsentStore(storeOptions),
    });
    this.#minter = new TokenMinter({
      issuer: config.issuer,
      audience: config.audience,
      format: config.format,
      keys: config.keys,
      generator: config.generator,
      stores: this.stores,
      scopes: this.scopes,
      clock: config.clock,
    });
    this.#checker = new AccessTokenChecker({
      issuer: config.issuer,
      audience: config.audience,
      keys: config.keys,
      store: this.stores.accessTokens,
      clock: config.clock,
    });
    const g = config.grants;
    if (g.authorizationCode)
      this.#grants.set('authorization_code', authorizationCodeGrant(g.authorizationCode));
    if (g.clientCredentials)
      this.#grants.set('client_credentials', clientCredentialsGrant(g.clientCredentials));
    if (g.refreshToken) this.#grants.set('refresh_token', refreshTokenGrant(g.refreshToken));
    if (g.password) this.#grants.set('password', passwordGrant(g.password));
    const lifetimes = [
      config.refreshTokenLifetime,
      config.accessTokenLifetime,
      ...Object.values(g).map((o) => o?.accessTokenLifetime ?? 0),
    ];
    this.#grantRevocationTtl = Math.max(...lifetimes);
    this.#authorization = Object.freeze({
      issuer: config.issuer,
      clients: config.clients,
      scopes: this.scopes,
      responseTypes: new Set(this.responseTypes),
      allowPlainPkce: config.allowPlainPkce,
    });
    this.#context = Object.freeze({
      stores: this.stores,
      scopes: this.scopes,
      tokens: this.#minter,
      logger: config.logger,
      refreshTokens: {
        enabled: g.refreshToken !== undefined,
        lifetime: config.refreshTokenLifetime,
      },
      revokeGrant: (grantId: string) => this.revokeGrant(grantId),
      now: () => Math.floor(config.clock() / 1000),
    });
  }

  /** The grant types the token endpoint offers. */
  get grantTypes(): GrantType[] {
    return [...this.#grants.keys()] as GrantType[];
  }

  /** The response types the authorization endpoint offers. */
  get responseTypes(): ResponseType[] {
    const types: ResponseType[] = [];
    if (this.config.grants.authorizationCode) types.push('code');
    if (this.config.grants.implicit) types.push('token');
    return types;
  }

  /**
   * Checks an authorization request (see lib/authorization.ts for the order).
   * Never throws: a store failure comes back as an error to show.
   */
  async validateAuthorization(query: AuthorizationQuery): Promise<AuthorizationOutcome> {
    try {
      return await validateAuthorizationRequest(query, this.#authorization);
    } catch (err) {
      const error = toOAuthError(err);
      this.errorResponse(error);
      return { kind: 'show', error };
    }
  }

  /**
   * Whether the user must be asked: false for a first-party client when
   * `consent.skipForFirstParty` is on, or when a remembered consent covers the scope.
   */
  async consentRequired(request: AuthorizationRequest, subject: string): Promise<boolean> {
    const { consent } = this.config;
    if (consent.skipForFirstParty && request.client.firstParty === true) return false;
    if (consent.rememberLifetime === undefined) return true;
    const granted = await this.stores.consents.find(subject, request.client.id);
    return granted === undefined || !request.scope.every((s) => granted.includes(s));
  }

  /** Whether consent may be remembered (`consent.remember` is on). */
  get remembersConsent(): boolean {
    return this.config.consent.rememberLifetime !== undefined;
  }

  /** Remembers that `subject` granted the request's scope (and what was granted before) to its client. */
  async rememberConsent(request: AuthorizationRequest, subject: string): Promise<void> {
    const lifetime = this.config.consent.rememberLifetime;
    if (lifetime === undefined) return;
    const before = (await this.stores.consents.find(subject, request.client.id)) ?? [];
    await this.stores.consents.save(
      subject,
      request.client.id,
      [...new Set([...before, ...request.scope])],
      lifetime,
    );
  }

  /**
   * Finishes an approved request: issues a code (query) or, for the implicit
   * grant, an access token (fragment). Returns the Location to redirect to; a
   * failure (a store that is down) is redirected as an error.
   */
  async approveAuthorization(request: AuthorizationRequest, subject: string): Promise<string> {
    const issuer = this.config.issuer;
    try {
      if (request.responseType === 'token') {
        const implicit = this.config.grants.implicit;
        if (implicit === undefined)
          throw new TypeError('approveAuthorization: the implicit grant is not enabled');
        const body = await this.#minter.issue({
          client: request.client,
          subject,
          scope: request.scope,
          grantType: 'implicit',
          grantId: this.#minter.newGrantId(),
          accessTokenLifetime: implicit.accessTokenLifetime,
          unique: implicit.uniqueTokens,
        });
        return authorizationResponseLocation(
          request,
          {
            access_token: body.access_token,
            token_type: body.token_type,
            expires_in: String(body.expires_in),
            scope: body.scope,
          },
          issuer,
        );
      }
      const { code } = await this.issueAuthorizationCode({
        client: request.client,
        subject,
        scope: request.scope,
        redirectUri: request.redirectUri,
        redirectUriSent: request.redirectUriSent,
        codeChallenge: request.codeChallenge,
        codeChallengeMethod: request.codeChallengeMethod,
      });
      this.config.logger.info({ clientId: request.client.id }, 'authorization code issued');
      return authorizationResponseLocation(request, { code }, issuer);
    } catch (err) {
      const error = toOAuthError(err);
      this.errorResponse(error);
      return errorLocation(request, error, issuer);
    }
  }

  /** The Location that tells the client the user said no (`access_denied`). */
  denyAuthorization(request: AuthorizationRequest): string {
    return deniedLocation(request, this.config.issuer);
  }

  /** Answers a token request (RFC 6749 3.2). Never throws: errors become RFC 6749 5.2 responses. */
  async token(request: EngineRequest): Promise<EngineResponse> {
    try {
      const grantType = request.params['grant_type'];
      if (grantType === undefined) throw new InvalidRequestError('grant_type is required');
      const grant = this.#grants.get(grantType);
      if (grant === undefined)
        throw new UnsupportedGrantTypeError(
          `the grant type ${quoteValue(grantType)} is not supported`,
        );
      const { client } = await authenticateClient(request, this.config.clients);
      if (!client.grantTypes.includes(grant.grantType)) {
        throw new UnauthorizedClientError(`the client may not use the ${grant.grantType} grant`);
      }
      const body = await grant.handle({ params: request.params, client }, this.#context);
      if (this.#logs) this.config.logger.info({ clientId: client.id, grantType }, 'token issued');
      return { status: 200, headers: NO_STORE, body };
    } catch (err) {
      return this.errorResponse(err, NO_STORE);
    }
  }

  /** Answers a revocation request (RFC 7009). Never throws. */
  async revoke(request: EngineRequest): Promise<EngineResponse> {
    try {
      const { client } = await authenticateClient(request, this.config.clients);
      await revoke(request.params, client, {
        checker: this.#checker,
        stores: this.stores,
        revokeGrant: (grantId) => this.revokeGrant(grantId),
      });
      return { status: 200, headers: NO_STORE, body: {} };
    } catch (err) {
      return this.errorResponse(err, NO_STORE);
    }
  }

  /** Answers an introspection request (RFC 7662). Never throws. */
  async introspect(request: EngineRequest): Promise<EngineResponse> {
    try {
      const { client, method } = await authenticateClient(request, this.config.clients);
      if (method === 'none')
        throw new InvalidClientError('introspection needs an authenticated confidential client');
      const body = await introspect(request.params, client, {
        checker: this.#checker,
        stores: this.stores,
        issuer: this.config.issuer,
        scopes: this.scopes,
        now: Math.floor(this.config.clock() / 1000),
      });
      return { status: 200, headers: NO_STORE, body };
    } catch (err) {
      return this.errorResponse(err, NO_STORE);
    }
  }

  /** Authorization server metadata (RFC 8414). */
  metadata(): ServerMetadata {
    const { issuer, endpoints, allowPlainPkce } = this.config;
    return buildMetadata({
      issuer,
      endpoints,
      allowPlainPkce,
      grantTypes: this.grantTypes,
      responseTypes: this.responseTypes,
      scopes: [...this.scopes.available],
    });
  }

  /** The public JWK Set. */
  jwks(): { keys: object[] } {
    return this.config.keys.jwks();
  }

  /** Verifies a bearer access token for a resource; throws `invalid_token` (an {@link OAuthError}). */
  verifyAccessToken(token: string, options?: VerifyOptions): Promise<AccessTokenInfo> {
    return this.#checker.verify(token, options);
  }

  /**
   * Makes and saves an authorization code; the authorization endpoint calls this
   * once the resource owner has agreed. Checks the redirect URI and PKCE rules.
   * @returns the code, to send to the client, and the grant id of the new token family.
   */
  async issueAuthorizationCode(
    input: AuthorizationCodeInput,
  ): Promise<{ code: string; grantId: string; expiresIn: number }> {
    const { client } = input;
    if (!matchRedirectUri(client, input.redirectUri))
      throw new TypeError('issueAuthorizationCode: redirectUri is not registered for the client');
    const method = input.codeChallengeMethod ?? 'S256';
    if (input.codeChallenge === undefined) {
      if (client.requirePkce !== false)
        throw new InvalidRequestError('code_challenge is required (PKCE)');
    } else {
      if (method !== 'S256' && !(method === 'plain' && this.config.allowPlainPkce)) {
        throw new InvalidRequestError('code_challenge_method must be S256');
      }
      if (!isPkceValue(input.codeChallenge))
        throw new InvalidRequestError(
          'code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~]',
        );
    }
    const code = this.config.generator.generate();
    const now = Math.floor(this.config.clock() / 1000);
    const grantId = this.#minter.newGrantId();
    const ttl = this.config.codeLifetime;
    await this.stores.authorizationCodes.save(
      {
        id: sha256(code),
        clientId: client.id,
        subject: input.subject,
        scope: [...input.scope],
        redirectUri: input.redirectUri,
        redirectUriSent: input.redirectUriSent ?? true,
        codeChallenge: input.codeChallenge,
        codeChallengeMethod: input.codeChallenge === undefined ? undefined : method,
        grantId,
        issuedAt: now,
        expiresAt: now + ttl,
        extra: input.extra,
      },
      ttl,
    );
    return { code, grantId, expiresIn: ttl };
  }

  /** Revokes every access and refresh token of a grant (token family). */
  async revokeGrant(grantId: string): Promise<void> {
    const ttl = this.#grantRevocationTtl;
    await Promise.all([
      this.stores.accessTokens.revokeGrant(grantId, ttl),
      this.stores.refreshTokens.revokeGrant(grantId, ttl),
    ]);
  }

  /** Turns anything thrown into an error response and logs it (private detail only in the log). */
  errorResponse(err: unknown, headers: Readonly<Record<string, string>> = {}): EngineResponse {
    const error = toOAuthError(err);
    const log = this.config.logger;
    if (error.status >= 500)
      log.error({ err: error.cause ?? error, error: error.error }, 'request failed');
    else log.debug({ error: error.error, description: error.description }, 'request refused');
    return {
      status: error.status,
      headers: { ...headers, ...error.headers },
      body: error.toJSON(),
    };
  }
}

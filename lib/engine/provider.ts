/**
 * The engine (the seed's `oauth2.Provider`): holds the configuration, the stores,
 * the registries (grants, client-authentication methods, endpoints), the events
 * and the token machinery, and answers requests given as plain data. It never
 * imports a web framework, and its request methods never throw: every failure
 * becomes an RFC-shaped error response.
 *
 * Each endpoint is a module of its own under lib/endpoints/ (token.ts is the
 * token endpoint's pipeline); the provider builds the request context
 * (lib/engine/request.ts) and turns what they throw into responses
 * (./error-response.ts). What it is built from is wired in ./assembly.ts, from
 * modules of their own: the token machinery and the grants' context
 * (./token-machinery.ts), what `options.grants` turns on (the built-in grants,
 * the authorization endpoint's and the device flow's engines: ./flows.ts), the
 * client authenticator and its methods (./client-authentication.ts), the
 * registration endpoint and Client ID Metadata Documents (./client-sources.ts),
 * the registries (./registries.ts).
 */
import type { AuthorizationEndpoint } from '../endpoints/authorization/endpoint.js';
import type { AuthorizationCodeInput, IssuedCode } from '../endpoints/authorization/issue.js';
import type { ResponseType } from '../endpoints/authorization/request.js';
import type { ClientAuthenticationMethod } from '../client-auth/method.js';
import { introspect } from '../endpoints/introspection.js';
import { buildMetadata, type ServerMetadata } from '../endpoints/metadata.js';
import type { OfferedToClients } from '../helpers/client-metadata-rules.js';
import { builtInEndpoints, type BuiltInHandlers } from '../endpoints/built-in.js';
import type { EndpointDefinition, JsonEngineRequest } from '../endpoints/registry.js';
import { handleRegistration } from '../endpoints/registration/endpoint.js';
import { revoke } from '../endpoints/revocation.js';
import { token } from '../endpoints/token.js';
import type { GrantRevocationReason, TokenGrant } from '../grants/grant.js';
import type { DeviceFlow } from '../endpoints/device/flow.js';
import type { ScopePolicy } from '../helpers/scope.js';
import type { UserClaims } from '../endpoints/openid/options.js';
import { openIdMetadata } from '../endpoints/openid/metadata.js';
import { subjectTypesSupported } from '../endpoints/openid/pairwise-key.js';
import { userInfo, type UserInfoToken } from '../endpoints/openid/userinfo.js';
import type { Stores } from '../stores/types.js';
import type { AuthorizedApps } from './authorized-apps.js';
import type { AccessTokenInfo, VerifyOptions } from '../tokens/checker.js';
import type { EngineRequest, EngineResponse, GrantType, RequestContext } from '../types.js';
import { assembleProvider, type ProviderParts } from './assembly.js';
import { clientAuthMethodsOf } from './client-authentication.js';
import { checkConfiguredClients } from './client-sources.js';
import { errorResponse } from './error-response.js';
import type { OAuthEventBus } from './events.js';
import { builtInGrants, responseTypesOf } from './flows.js';
import { Registries } from './registries.js';
import type { ProviderOptions, ResolvedConfig } from './options.js';
import { requestContext } from './request.js';
import { dpopNonceHeader, type DpopVerification } from '../dpop/verification.js';

/** Headers on every token, revocation and introspection response (RFC 6749 5.1). */
export const NO_STORE: Readonly<Record<string, string>> = Object.freeze({
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
});

export type { AuthorizationCodeInput } from '../endpoints/authorization/issue.js';

export class Provider {
  /** The checked configuration. */
  readonly config: ResolvedConfig;
  readonly stores: Stores;
  readonly scopes: ScopePolicy;
  /**
   * What happened, for audit trails and metrics (lib/engine/events.ts):
   * `provider.events.on('token.issued', listener)`.
   */
  readonly events: OAuthEventBus;
  readonly #registries = new Registries();
  /** What the provider is built from (./assembly.ts). */
  readonly #parts: ProviderParts;
  /**
   * The authorization endpoint's engine (lib/endpoints/authorization/endpoint.ts):
   * `start(query, user)` and `decide(pending, user, answer)`, for HTTP adapters.
   */
  readonly authorization: AuthorizationEndpoint;
  /**
   * The device authorization grant's engine (RFC 8628, lib/endpoints/device/):
   * the device authorization endpoint and the verification page's rules, for
   * HTTP adapters. Undefined unless `grants.deviceCode` is on.
   */
  readonly device: DeviceFlow | undefined;
  /**
   * DPoP (RFC 9449) verification: the proof context (replay cache on the record
   * store, `alg` allow-list, `iat` window) and the server nonces, if on; shared
   * by the token endpoint and protected resources (lib/dpop/verification.ts).
   */
  readonly dpop: DpopVerification;
  /**
   * The apps a user authorized (lib/engine/authorized-apps.ts):
   * `list(subject)` and `revoke(subject, clientId)`, for account pages.
   */
  readonly authorizedApps: AuthorizedApps;

  /** @throws TypeError naming the option, when an option is wrong. */
  constructor(options: ProviderOptions) {
    const parts = assembleProvider(options, {
      offered: () => this.#offered(),
      clientAuthMethods: () => this.#registries.clientAuthMethods,
      endpointUrl: (name) => this.endpointUrl(name),
      revokeGrant: (grantId, reason) => this.revokeGrant(grantId, reason),
      report: (error) => {
        this.errorResponse(error);
      },
    });
    this.#parts = parts;
    this.config = parts.config;
    this.events = parts.events;
    this.scopes = parts.scopes;
    this.stores = parts.stores;
    this.dpop = parts.dpop;
    this.authorization = parts.authorization;
    this.authorizedApps = parts.authorizedApps;
    this.device = parts.device;
    for (const method of clientAuthMethodsOf(this.config)) this.registerClientAuthMethod(method);
    for (const grant of builtInGrants(this.config, parts.limits)) this.registerGrant(grant);
    for (const endpoint of builtInEndpoints(this.#handlers())) this.registerEndpoint(endpoint);
    checkConfiguredClients(this.config, this.clientAuthMethods);
    this.#registries.checkEndpointNames(this.config.endpoints);
  }

  /** What the server offers clients, from the registries (lib/helpers/client-metadata-rules.ts). */
  #offered(): OfferedToClients {
    return {
      grantTypes: this.grantTypes,
      responseTypes: this.responseTypes,
      authMethods: this.clientAuthMethods,
      scopes: this.scopes.available,
      openid:
        this.config.openid === undefined
          ? undefined
          : {
              idTokenSigningAlg: this.config.keys.active.alg,
              subjectTypes: subjectTypesSupported(this.config.openid.pairwiseKey),
            },
    };
  }

  /**
   * Adds a grant type to the token endpoint: the door the built-in grants use too.
   * Metadata lists it at once.
   * @throws TypeError for a malformed grant or a grant type already registered.
   */
  registerGrant(grant: TokenGrant): void {
    this.#registries.addGrant(grant);
  }

  /**
   * Adds a client-authentication method (e.g. `private_key_jwt`) after the
   * built-in ones; metadata lists it at once.
   * @throws TypeError for a malformed method or a name already registered.
   */
  registerClientAuthMethod(method: ClientAuthenticationMethod): void {
    this.#registries.addClientAuthMethod(method);
  }

  /**
   * Adds an endpoint to the table that `router()`, `fetchHandler()` and the
   * metadata read. Its path may be overridden by `options.endpoints[name]`.
   * @throws TypeError for a malformed endpoint or a name or path already taken.
   */
  registerEndpoint(endpoint: EndpointDefinition): void {
    this.#registries.addEndpoint(endpoint, this.config.endpoints[endpoint.name] ?? endpoint.path);
  }

  /** The endpoints, in the order they were registered, with their resolved paths. */
  get endpoints(): readonly EndpointDefinition[] {
    return [...this.#registries.endpoints.values()].filter((e) => e.enabled?.() !== false);
  }

  /** The URL of an endpoint: the issuer and its path. */
  endpointUrl(name: string): string {
    const endpoint = this.#registries.endpoints.get(name);
    if (endpoint === undefined) throw new TypeError(`endpointUrl(): no endpoint named ${name}`);
    return this.config.issuer + endpoint.path;
  }

  /** The client-authentication methods, in the order their credentials are looked for. */
  get clientAuthMethods(): readonly string[] {
    return this.#registries.clientAuthMethods.map((m) => m.name);
  }

  /**
   * Parameters that may repeat at an endpoint: those it declares, and at the token
   * endpoint those of every registered grant. Read per request, so a grant
   * registered later is honoured by handlers made earlier.
   */
  repeatableAt(name: string): ReadonlySet<string> {
    return this.#registries.repeatableAt(name);
  }

  /** The grant types the token endpoint offers. */
  get grantTypes(): GrantType[] {
    return [...this.#registries.grants.keys()] as GrantType[];
  }

  /** The response types the authorization endpoint offers. */
  get responseTypes(): ResponseType[] {
    return responseTypesOf(this.config);
  }

  /** Answers a token request (RFC 6749 3.2). Never throws: errors become RFC 6749 5.2 responses. */
  async token(request: EngineRequest): Promise<EngineResponse> {
    try {
      const context = this.#request(request, 'token');
      const body = await token(context, {
        grants: this.#registries.grants,
        authenticate: this.#parts.authenticate,
        grantContext: this.#parts.grantContext,
        dpop: this.dpop,
      });
      return { status: 200, headers: { ...NO_STORE, ...dpopNonceHeader(this.dpop) }, body };
    } catch (err) {
      return this.errorResponse(err, NO_STORE);
    }
  }

  /** Answers a revocation request (RFC 7009). Never throws. */
  async revoke(request: EngineRequest): Promise<EngineResponse> {
    try {
      const context = this.#request(request, 'revocation');
      const { client } = await this.#parts.authenticate(context);
      await revoke(context.params, client, {
        checker: this.#parts.checker,
        stores: this.stores,
        revokeGrant: (grantId) => this.revokeGrant(grantId, 'revocation'),
        events: this.events,
        clock: this.config.clock,
      });
      return { status: 200, headers: NO_STORE, body: {} };
    } catch (err) {
      return this.errorResponse(err, NO_STORE);
    }
  }

  /** Answers an introspection request (RFC 7662). Never throws. */
  async introspect(request: EngineRequest): Promise<EngineResponse> {
    try {
      const context = this.#request(request, 'introspection');
      // RFC 7662 2.1: the caller must authenticate; a public client cannot.
      const { client } = await this.#parts.authenticate(context, { confidentialOnly: true });
      const body = await introspect(context.params, client, {
        checker: this.#parts.checker,
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

  /**
   * Answers a device authorization request (RFC 8628 3.1, lib/endpoints/device/).
   * Never throws.
   */
  async deviceAuthorization(request: EngineRequest): Promise<EngineResponse> {
    try {
      const device = this.device;
      if (device === undefined)
        throw new TypeError('deviceAuthorization(): grants.deviceCode is off');
      const context = this.#request(request, 'device_authorization');
      const { client } = await this.#parts.authenticate(context);
      return { status: 200, headers: NO_STORE, body: await device.authorize(context, client) };
    } catch (err) {
      return this.errorResponse(err, NO_STORE);
    }
  }

  /**
   * Answers a pushed authorization request (RFC 9126 2): the client authenticated
   * as at the token endpoint, the request checked by the authorization endpoint's
   * steps (lib/endpoints/par/push.ts). 201 with `request_uri` and `expires_in`;
   * never throws.
   */
  async pushAuthorizationRequest(request: EngineRequest): Promise<EngineResponse> {
    try {
      const context = this.#request(request, 'pushed_authorization_request');
      const { client } = await this.#parts.authenticate(context);
      const body = await this.authorization.push(context, client);
      return { status: 201, headers: NO_STORE, body };
    } catch (err) {
      return this.errorResponse(err, NO_STORE);
    }
  }

  /**
   * Answers a request to the registration endpoint (RFC 7591 registration, RFC
   * 7592 management; lib/endpoints/registration/). Never throws.
   */
  async register(request: JsonEngineRequest): Promise<EngineResponse> {
    try {
      const context = this.#parts.registration;
      if (context === undefined) throw new TypeError('register(): registration is closed');
      const url = this.endpointUrl('registration');
      const id = request.id;
      const target = id === undefined ? url : `${url}/${encodeURIComponent(id)}`;
      return await handleRegistration(requestContext(request, target), id, request.body, {
        ...context,
        url,
      });
    } catch (err) {
      return this.errorResponse(err, NO_STORE);
    }
  }

  /** Authorization server metadata (RFC 8414), from the registries. */
  metadata(): ServerMetadata {
    const { issuer, allowPlainPkce } = this.config;
    return buildMetadata({
      issuer,
      endpoints: this.endpoints,
      allowPlainPkce,
      grantTypes: this.grantTypes,
      responseTypes: this.responseTypes,
      scopes: [...this.scopes.available],
      clientAuthMethods: this.#registries.clientAuthMethods,
      clientIdMetadataDocuments: this.config.clientIdMetadataDocuments !== undefined,
      dpopAlgorithms: this.config.dpop.algorithms,
      parRequired: this.config.par.required,
    });
  }

  /** The public JWK Set. */
  jwks(): { keys: object[] } {
    return this.config.keys.jwks();
  }

  /** Verifies a bearer access token for a resource; throws `invalid_token` (an {@link OAuthError}). */
  verifyAccessToken(token: string, options?: VerifyOptions): Promise<AccessTokenInfo> {
    return this.#parts.checker.verify(token, options);
  }

  /**
   * The UserInfo claims (OIDC Core 5.3) for an access token already checked
   * (lib/http/userinfo.ts). Rejects with `invalid_token` for a deleted client,
   * a TypeError when OpenID Connect is off, or the host callback's failure.
   */
  userInfo(token: UserInfoToken): Promise<UserClaims> {
    const openid = this.config.openid;
    if (openid === undefined)
      return Promise.reject(new TypeError('userInfo(): options.openid is off'));
    return userInfo(token, openid, this.stores.clients);
  }

  /** The request context of `request` at the endpoint `name`. */
  #request(request: EngineRequest, name: string): RequestContext {
    return requestContext(request, this.endpointUrl(name));
  }

  /** What the built-in endpoints call (lib/endpoints/built-in.ts). */
  #handlers(): BuiltInHandlers {
    return {
      authorizationEnabled: () => this.responseTypes.length > 0,
      token: (request) => this.token(request),
      revoke: (request) => this.revoke(request),
      introspect: (request) => this.introspect(request),
      registrationEnabled: () => this.#parts.registration !== undefined,
      register: (request) => this.register(request),
      deviceEnabled: () => this.device !== undefined,
      deviceAuthorization: (request) => this.deviceAuthorization(request),
      parEnabled: () => this.responseTypes.length > 0 && this.config.par.enabled,
      pushAuthorizationRequest: (request) => this.pushAuthorizationRequest(request),
      jwks: () => this.jwks(),
      metadata: () => this.metadata(),
      openIdEnabled: () => this.config.openid !== undefined,
      openIdMetadata: () =>
        openIdMetadata(
          this.metadata(),
          this.config.keys.active.alg,
          subjectTypesSupported(this.config.openid?.pairwiseKey),
          this.config.locales.supported,
          this.config.openid,
        ),
    };
  }

  /**
   * Makes and saves an authorization code, as the authorization endpoint does once
   * the resource owner has agreed (for hosts with their own consent flow, and
   * tests). Checks the redirect URI (TypeError) and the PKCE rules
   * (`invalid_request`); emits `code.issued`.
   * @returns the code, to send to the client, the grant id of the new token
   *   family, and the code's lifetime in seconds.
   */
  issueAuthorizationCode(input: AuthorizationCodeInput): Promise<IssuedCode> {
    return this.authorization.issueCode(input);
  }

  /** Revokes every access and refresh token of a grant (token family). */
  async revokeGrant(grantId: string, reason: GrantRevocationReason = 'revocation'): Promise<void> {
    const ttl = this.#parts.grantRevocationTtl;
    await Promise.all([
      this.#parts.checker.revokeGrant(grantId, ttl),
      this.stores.refreshTokens.revokeGrant(grantId, ttl),
    ]);
    if (this.events.wants('grant.revoked')) {
      this.events.emit('grant.revoked', { time: this.config.clock(), grantId, reason });
    }
  }

  /**
   * Turns anything thrown into an error response and logs it: the private detail
   * and cause go to the log only.
   */
  errorResponse(err: unknown, headers: Readonly<Record<string, string>> = {}): EngineResponse {
    return errorResponse(this.config.logger, err, headers);
  }
}

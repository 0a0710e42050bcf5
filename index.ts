/**
 * oauth2-stateless: an OAuth 2.0 authorization server toolkit for Express.
 * The public API; re-exports only, each name listed (test/exports.test.ts pins
 * the list). Other entries: 'oauth2-stateless/fetch' (no Express), and the
 * stores whose types name their driver's: '/stores/redis', '/stores/sql',
 * '/stores/memcache', '/stores/dynamodb', '/stores/mongodb'.
 */

// Express/Connect toolkit.
export {
  createAuthorizationServer,
  METADATA_PATH,
  type AuthorizationServer,
  type RouterOptions,
} from './lib/http/server.js';
export type { AuthorizeOptions } from './lib/http/authorize.js';
export type { DeviceOptions } from './lib/http/device.js';
export type { EndSessionOptions } from './lib/http/end-session.js';
export {
  passportSiteAdapter,
  type SiteAdapter,
  type SiteUser,
  type SiteRequest,
  type PassportSiteAdapterOptions,
  type LoginHints,
} from './lib/http/site-adapter.js';
export type {
  ViewName,
  ViewLocals,
  ConsentLocals,
  ErrorLocals,
  DeviceLocals,
  DeviceDoneLocals,
  LogoutLocals,
  LoggedOutLocals,
  RenderFunction,
  LocalizedViewLocals,
} from './lib/http/views.js';
export type { LanguageLocals } from './lib/http/page-language.js';
export type { LocaleOptions, CatalogInput } from './lib/i18n/options.js';
export type { AuthorizedApp } from './lib/engine/authorized-apps.js';
export type { AuthorizedAppsOptions } from './lib/http/authorized-apps.js';
export type { ClaimsRequest, OpenIdOptions, UserClaims } from './lib/endpoints/openid/options.js';
export type { MessageKey, Messages } from './lib/i18n/catalogs/en.js';
export type { MessageValues } from './lib/i18n/translate.js';
export type { ScopeDescription } from './lib/helpers/scope.js';
export type { FormEndpointOptions, Handler } from './lib/http/endpoints.js';
export type {
  ProtectArgument,
  ProtectOptions,
  ProtectedTokenInfo,
  DpopMode,
} from './lib/http/protect.js';
export {
  fetchHandler,
  fetchProtectedResource,
  verifyBearer,
  type FetchHandler,
  type FetchHandlerOptions,
  type FetchRequestInfo,
  type VerifyBearerOptions,
} from './lib/http/fetch.js';
export type {
  ProtectedResourceOptions,
  ProtectedResourceMetadata,
} from './lib/http/resource-metadata.js';
export type { CorsOptions, CorsOrigins } from './lib/engine/cors-policy.js';

// The engine, its registries and events.
export { Provider, type AuthorizationCodeInput } from './lib/engine/provider.js';
export type { ProviderOptions, EndpointPaths } from './lib/engine/options.js';
export type { DpopOptions, DpopNonceOptions } from './lib/dpop/options.js';
export type { ParOptions } from './lib/endpoints/par/options.js';
export type {
  OAuthEvents,
  OAuthEvent,
  OAuthEventType,
  OAuthEventListener,
  OAuthEventBus,
} from './lib/engine/events.js';
export type { EndpointDefinition, EndpointKind } from './lib/endpoints/registry.js';
export type { ServerMetadata } from './lib/endpoints/metadata.js';
export type { IntrospectionResponse } from './lib/endpoints/introspection.js';
export { matchRedirectUri } from './lib/endpoints/authorization/redirect-uri.js';
export type {
  AuthorizationRequest,
  PendingAuthorization,
  ResponseType,
  ResponseMode,
} from './lib/endpoints/authorization/request.js';
export type {
  AuthorizationEndpoint,
  AuthorizationUser,
  AuthorizationAnswer,
  AuthorizationResult,
  AuthorizationOutcome,
  ConsentPrompt,
} from './lib/endpoints/authorization/endpoint.js';
export type { IssuedCode } from './lib/endpoints/authorization/issue.js';
export type { TokenResponseBody, IssueRequest, TokenMinter } from './lib/tokens/minter.js';
export type { AccessTokenInfo, VerifyOptions } from './lib/tokens/checker.js';

// Grants and client authentication: what an extension plugs in.
export type {
  TokenGrant,
  GrantContext,
  GrantOptions,
  GrantRevocationReason,
  GrantAccessTokens,
  TokenGrantRequest,
} from './lib/grants/grant.js';
export type { PasswordGrantOptions, PasswordCredentials } from './lib/grants/password.js';
export type { RefreshTokenGrantOptions } from './lib/grants/refresh-token.js';
export { DEVICE_CODE_GRANT_TYPE } from './lib/grants/device-code.js';
export type { DeviceCodeGrantOptions } from './lib/endpoints/device/options.js';
export type { UserCodeOptions } from './lib/endpoints/device/user-code.js';
export type { DeviceFlow } from './lib/endpoints/device/flow.js';
export { TOKEN_EXCHANGE_GRANT_TYPE, ACCESS_TOKEN_TYPE } from './lib/grants/token-exchange.js';
export type {
  TokenExchangeOptions,
  TokenExchangeInput,
  TokenExchangeDecision,
  TokenExchangePolicy,
} from './lib/grants/token-exchange-options.js';
export type {
  ClientAuthenticationMethod,
  ClientAuthContext,
  PresentedCredentials,
} from './lib/client-auth/method.js';

// Clients, secrets, scopes, PKCE.
export { defineClient, type ClientConfig } from './lib/helpers/clients.js';
export type { ClientMetadata } from './lib/helpers/stored-client.js';
export {
  generateClientSecret,
  hashClientSecret,
  verifyClientSecret,
} from './lib/helpers/secrets.js';
export { ScopePolicy, hasScopes, type ScopeOptions } from './lib/helpers/scope.js';
export type { ResourceConfig, ResolvedResource } from './lib/helpers/resources.js';
export type {
  RegistrationInspection,
  RegistrationOptions,
} from './lib/endpoints/registration/options.js';
export type { RegisteredMetadata } from './lib/helpers/client-metadata.js';
export type {
  ClientAssertionOptions,
  JwksUriOptions,
} from './lib/client-auth/assertion-options.js';
export {
  s256Challenge,
  verifyCodeChallenge,
  type CodeChallengeMethod,
} from './lib/helpers/pkce.js';

// Tokens and keys.
export {
  uuid4TokenGenerator,
  randomTokenGenerator,
  type TokenGenerator,
} from './lib/tokens/opaque.js';
export {
  generateSigningKey,
  importSigningKey,
  KeySet,
  jwkThumbprint,
  type SigningKey,
  type SigningKeyInput,
  type SigningAlgorithm,
} from './lib/tokens/keys.js';
export type { AccessTokenClaims } from './lib/tokens/jwt.js';
export {
  loadSigningKeys,
  parseSigningKeys,
  generateSigningKeySet,
  type KeySource,
} from './lib/tokens/key-config.js';

// Stores: the persistence primitive, the typed stores over it, memory.
export type {
  RecordStore,
  StoredRecord,
  RecordValue,
  RecordLookups,
} from './lib/stores/records.js';
export {
  recordStores,
  RecordAuthorizationCodeStore,
  RecordAccessTokenStore,
  RecordRefreshTokenStore,
  RecordConsentStore,
  RecordClientStore,
  type RecordStores,
  type RecordStoresOptions,
} from './lib/stores/typed-stores.js';
export {
  RecordDeviceCodeStore,
  type DeviceCodeStore,
  type DeviceCodeRecord,
  type DeviceCodeStatus,
  type DeviceCodeAnswer,
  type StoredDeviceCode,
} from './lib/stores/device-codes.js';
export type {
  ClientStore,
  AuthorizationCodeStore,
  AccessTokenStore,
  RefreshTokenStore,
  ConsentStore,
  RememberedConsent,
  Stores,
} from './lib/stores/types.js';
export { MemoryRecordStore, memoryStores, type MemoryStoreOptions } from './lib/stores/memory.js';

// Logging and errors.
export { consoleLogger, silentLogger } from './lib/engine/logger.js';
export {
  OAuthError,
  InvalidRequestError,
  InvalidClientError,
  InvalidGrantError,
  UnauthorizedClientError,
  UnsupportedGrantTypeError,
  UnsupportedResponseTypeError,
  InvalidScopeError,
  AccessDeniedError,
  UnsupportedTokenTypeError,
  ServerError,
  TemporarilyUnavailableError,
  InvalidTokenError,
  InsufficientScopeError,
  InvalidRedirectUriError,
  InvalidClientMetadataError,
  InvalidTargetError,
  InvalidRequestUriError,
  InvalidDpopProofError,
  UseDpopNonceError,
  LoginRequiredError,
  ConsentRequiredError,
  StoreUnavailableError,
  SetupError,
  TooManyFailuresError,
  AuthorizationPendingError,
  SlowDownError,
  ExpiredTokenError,
  CLIENT_AUTHENTICATION_FAILED,
  INVALID_GRANT,
  type OAuthErrorCode,
  type OAuthErrorBody,
  type OAuthErrorOptions,
} from './lib/errors.js';

// Plain data types.
export type {
  Client,
  ClientAuthMethod,
  GrantType,
  AuthorizationCodeRecord,
  AccessTokenRecord,
  ActorClaim,
  RefreshTokenRecord,
  Logger,
  Clock,
  EngineRequest,
  EngineResponse,
  RequestContext,
  RequestMeta,
} from './lib/types.js';
export { isPublicClient } from './lib/types.js';

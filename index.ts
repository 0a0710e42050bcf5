/**
 * oauth2-stateless: an OAuth 2.0 authorization server toolkit for Express.
 * The public API; re-exports only.
 */
export {
  createAuthorizationServer,
  METADATA_PATH,
  type AuthorizationServer,
  type RouterOptions,
} from './lib/http/server.js';
export type { AuthorizeOptions } from './lib/http/authorize.js';
export {
  passportSiteAdapter,
  SetupError,
  type SiteAdapter,
  type SiteUser,
  type SiteRequest,
  type PassportSiteAdapterOptions,
} from './lib/http/site-adapter.js';
export type {
  ViewName,
  ViewLocals,
  ConsentLocals,
  ErrorLocals,
  RenderFunction,
} from './lib/http/views.js';
export {
  parseAuthorizationQuery,
  matchRedirectUri,
  type AuthorizationRequest,
  type AuthorizationOutcome,
  type AuthorizationQuery,
  type ResponseType,
} from './lib/endpoints/authorization.js';
export type { FormEndpointOptions, Handler } from './lib/http/endpoints.js';
export type { ProtectOptions } from './lib/http/protect.js';
export {
  fetchHandler,
  verifyBearer,
  type FetchHandler,
  type FetchHandlerOptions,
  type VerifyBearerOptions,
} from './lib/http/fetch.js';
export { readForm, parseForm, type FormParams } from './lib/http/form.js';

export { Provider, NO_STORE, type AuthorizationCodeInput } from './lib/engine/provider.js';
export type { ProviderOptions, EndpointPaths, ResolvedConfig } from './lib/engine/options.js';
export type { ServerMetadata } from './lib/endpoints/metadata.js';
export type { IntrospectionResponse } from './lib/endpoints/introspection.js';
export type { TokenResponseBody } from './lib/tokens/minter.js';
export type { AccessTokenInfo, VerifyOptions } from './lib/tokens/checker.js';

export type {
  TokenGrant,
  GrantContext,
  GrantOptions,
  TokenGrantRequest,
} from './lib/grants/grant.js';
export type { PasswordGrantOptions, PasswordCredentials } from './lib/grants/password.js';
export type { RefreshTokenGrantOptions } from './lib/grants/refresh-token.js';

export { ScopePolicy, hasScopes, type ScopeOptions } from './lib/helpers/scope.js';
export { defineClient, type ClientConfig } from './lib/helpers/clients.js';
export {
  authenticateClient,
  type ClientAuthInput,
  type AuthenticatedClient,
} from './lib/client-auth/authenticate.js';
export {
  generateClientSecret,
  hashClientSecret,
  verifyClientSecret,
} from './lib/helpers/secrets.js';
export {
  s256Challenge,
  verifyCodeChallenge,
  type CodeChallengeMethod,
} from './lib/helpers/pkce.js';

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

export type {
  ClientStore,
  AuthorizationCodeStore,
  AccessTokenStore,
  RefreshTokenStore,
  ConsentStore,
  Stores,
} from './lib/stores/types.js';
export {
  MemoryClientStore,
  MemoryAuthorizationCodeStore,
  MemoryAccessTokenStore,
  MemoryRefreshTokenStore,
  MemoryConsentStore,
  memoryStores,
  type MemoryStoreOptions,
} from './lib/stores/memory.js';

export {
  sqlStores,
  type SqlStores,
  type SqlStoresOptions,
  type SqlConnection,
  type SqlDialect,
} from './lib/stores/sql/sql-store.js';
export { createSchema, schemaStatements } from './lib/stores/sql/schema.js';
export { sqlTableNames, type TableNames } from './lib/stores/sql/queries.js';
export type { MysqlPool, MysqlCallbackPool, PostgresPool } from './lib/stores/sql/connect.js';
// The stores whose types name their driver's are subpath exports:
// 'oauth2-stateless/stores/redis', '/stores/memcache', '/stores/dynamodb', '/stores/mongodb'.

export { consoleLogger, silentLogger } from './lib/engine/logger.js';
export * from './lib/errors.js';
export type * from './lib/types.js';
export { isPublicClient } from './lib/types.js';

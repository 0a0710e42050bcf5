/**
 * `oauth2-stateless/fetch`: the engine behind the Fetch API (Deno, Bun, workers,
 * Node's global `Request`), without Express, EJS or Passport. Re-exports only.
 *
 * ```ts
 * import { Provider, fetchHandler, verifyBearer } from 'oauth2-stateless/fetch';
 * const provider = new Provider({ issuer: 'https://auth.example.com', clients });
 * const handle = fetchHandler(provider);
 * ```
 */
export {
  fetchHandler,
  fetchProtectedResource,
  verifyBearer,
  type FetchHandler,
  type FetchHandlerOptions,
  type FetchRequestInfo,
  type VerifyBearerOptions,
} from './http/fetch.js';
export type {
  ProtectedResourceOptions,
  ProtectedResourceMetadata,
} from './http/resource-metadata.js';
export type { CorsOptions, CorsOrigins } from './engine/cors-policy.js';
export { Provider } from './engine/provider.js';
export type { ProviderOptions, EndpointPaths } from './engine/options.js';
export type { AccessTokenInfo } from './tokens/checker.js';
export type { ProtectedTokenInfo, DpopMode } from './http/bearer.js';
export { defineClient, type ClientConfig } from './helpers/clients.js';
export { generateClientSecret, hashClientSecret } from './helpers/secrets.js';
export { loadSigningKeys, parseSigningKeys, type KeySource } from './tokens/key-config.js';
export { memoryStores, MemoryRecordStore } from './stores/memory.js';
export {
  OAuthError,
  InvalidRequestError,
  InvalidClientError,
  InvalidGrantError,
  StoreUnavailableError,
} from './errors.js';

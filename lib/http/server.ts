/**
 * The Express toolkit: `createAuthorizationServer(options)` makes the engine and
 * returns middleware factories bound to it. Each factory checks its options when
 * called (a TypeError names the bad one) and returns a named handler.
 *
 * ```ts
 * const oauth = createAuthorizationServer({ issuer: 'https://auth.example.com', clients, scopes });
 * app.post('/token', oauth.token());
 * app.get('/api/me', oauth.protect({ scope: 'profile' }), handler);
 * app.use(oauth.router()); // token, revoke, introspect, jwks, metadata
 * ```
 */
import express, { type RequestHandler, type Router } from 'express';
import { Provider } from '../engine/provider.js';
import type { ProviderOptions } from '../engine/options.js';
import { authorizeHandler, type AuthorizeOptions } from './authorize.js';
import {
  formEndpoint,
  JWKS_MAX_AGE,
  jsonDocument,
  METADATA_MAX_AGE,
  METADATA_PATH,
  type FormEndpointOptions,
} from './endpoints.js';
import { protectHandler, type ProtectOptions } from './protect.js';

export { METADATA_PATH };

export interface RouterOptions extends FormEndpointOptions {
  /** Options of the authorization endpoint (e.g. `{ loginUrl: '/login' }`); `false` leaves it out. */
  authorize?: AuthorizeOptions | false;
}

export interface AuthorizationServer {
  /** The engine, for code that needs it directly. */
  readonly provider: Provider;
  /**
   * The authorization endpoint (RFC 6749 3.1): mount it for GET (login check and
   * consent page) and POST (the decision). Needs express-session and, with the
   * default site adapter, Passport before it.
   */
  authorize(options?: AuthorizeOptions): RequestHandler;
  /** The token endpoint (RFC 6749 3.2): every enabled grant. POST, form body. */
  token(options?: FormEndpointOptions): RequestHandler;
  /** The revocation endpoint (RFC 7009). */
  revoke(options?: FormEndpointOptions): RequestHandler;
  /** The introspection endpoint (RFC 7662). */
  introspect(options?: FormEndpointOptions): RequestHandler;
  /** Bearer token check for API routes (RFC 6750); sets `req.oauth2`. */
  protect(options?: ProtectOptions): RequestHandler;
  /** The metadata document (RFC 8414). */
  metadata(): RequestHandler;
  /**
   * Where RFC 8414 3 puts the metadata document, from the host's root:
   * `/.well-known/oauth-authorization-server` followed by the issuer's path, if any.
   * For an issuer with a path, mount `oauth.metadata()` there yourself:
   * `app.get(oauth.metadataPath, oauth.metadata())`.
   */
  readonly metadataPath: string;
  /** The public keys that verify JWT access tokens (RFC 7517). */
  jwks(): RequestHandler;
  /**
   * All endpoints at their configured paths (the authorization endpoint when a
   * response type is enabled), plus the metadata document at
   * `/.well-known/oauth-authorization-server`. Mount it at the issuer's path; for
   * an issuer with a path, also mount `metadata()` at {@link metadataPath}.
   */
  router(options?: RouterOptions): Router;
}

/** Makes the engine from `options` (or takes a ready {@link Provider}) and returns the toolkit. */
export function createAuthorizationServer(
  options: ProviderOptions | Provider,
): AuthorizationServer {
  const provider = options instanceof Provider ? options : new Provider(options);
  const handlers = {
    authorize: (o?: AuthorizeOptions) => authorizeHandler(provider, o) as unknown as RequestHandler,
    token: (o?: FormEndpointOptions) =>
      formEndpoint(provider, (r) => provider.token(r), o) as RequestHandler,
    revoke: (o?: FormEndpointOptions) =>
      formEndpoint(provider, (r) => provider.revoke(r), o) as RequestHandler,
    introspect: (o?: FormEndpointOptions) =>
      formEndpoint(provider, (r) => provider.introspect(r), o) as RequestHandler,
    protect: (o?: ProtectOptions) => protectHandler(provider, o) as RequestHandler,
    metadata: () => jsonDocument(() => provider.metadata(), METADATA_MAX_AGE) as RequestHandler,
    jwks: () => jsonDocument(() => provider.jwks(), JWKS_MAX_AGE) as RequestHandler,
  };
  const issuerPath = new URL(provider.config.issuer).pathname.replace(/\/$/, '');
  return Object.freeze({
    provider,
    metadataPath: METADATA_PATH + issuerPath,
    ...handlers,
    router(o?: RouterOptions): Router {
      const paths = provider.config.endpoints;
      const router = express.Router();
      if (o?.authorize !== false && provider.responseTypes.length > 0) {
        const authorize = handlers.authorize(o?.authorize === undefined ? {} : o.authorize);
        router.get(paths.authorization, authorize);
        router.post(paths.authorization, authorize);
      }
      router.all(paths.token, handlers.token(o));
      router.all(paths.revocation, handlers.revoke(o));
      router.all(paths.introspection, handlers.introspect(o));
      router.all(paths.jwks, handlers.jwks());
      router.all(METADATA_PATH, handlers.metadata());
      return router;
    },
  });
}

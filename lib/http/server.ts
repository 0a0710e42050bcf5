/**
 * The Express toolkit: `createAuthorizationServer(options)` makes the engine and
 * returns middleware factories bound to it. Each factory checks its options when
 * called (a TypeError names the bad one, and a misspelled key with the nearest
 * known one: lib/helpers/option-keys.ts) and returns a named handler.
 *
 * ```ts
 * const oauth = createAuthorizationServer({ issuer: 'https://auth.example.com', clients, scopes });
 * app.post('/token', oauth.token());
 * app.get('/api/me', oauth.protect({ scope: 'profile' }), handler);
 * app.use(oauth.router()); // every endpoint of the endpoint table, at its configured path
 * ```
 */
import express, { type RequestHandler, type Router } from 'express';
import { Provider } from '../engine/provider.js';
import type { ProviderOptions } from '../engine/options.js';
import { authorizeHandler, type AuthorizeOptions } from './authorize.js';
import { authorizedAppsHandler, type AuthorizedAppsOptions } from './authorized-apps.js';
import { deviceHandler, type DeviceOptions } from './device.js';
import { endSessionHandler, type EndSessionOptions } from './end-session.js';
import {
  endpointHandler,
  FORM_ENDPOINT_KEYS,
  METADATA_PATH,
  type FormEndpointOptions,
} from './endpoints.js';
import { checkOptionKeys, optionKeys } from '../helpers/option-keys.js';
import { protectHandler, type ProtectArgument } from './protect.js';
import { userInfoEndpoint } from './userinfo.js';
import { protectedResourceHandler, type ProtectedResourceOptions } from './protected-resource.js';

export { METADATA_PATH };

export interface RouterOptions extends FormEndpointOptions {
  /** Options of the authorization endpoint (e.g. `{ loginUrl: '/login' }`); `false` leaves it out. */
  authorize?: AuthorizeOptions | false;
  /**
   * Options of the device verification page (RFC 8628), mounted when
   * `grants.deviceCode` is on; default: those of `authorize` (its `loginUrl`
   * serves both); `false` leaves it out.
   */
  device?: DeviceOptions | false;
  /**
   * Options of the end-session endpoint (OpenID Connect RP-Initiated Logout),
   * mounted when `options.openid` is on; default: those of `authorize`;
   * `false` leaves it out.
   */
  endSession?: EndSessionOptions | false;
}

/** The keys of each options type the factories take (the compiler checks them against the types). */
const ROUTER_KEYS = optionKeys<RouterOptions>({
  bodyLimit: true,
  bodyTimeout: true,
  authorize: true,
  device: true,
  endSession: true,
});
const AUTHORIZE_KEYS = optionKeys<AuthorizeOptions>({
  loginUrl: true,
  subject: true,
  name: true,
  acr: true,
  amr: true,
  siteAdapter: true,
  views: true,
  render: true,
  transactionLifetime: true,
});

export interface AuthorizationServer {
  /** The engine, for code that needs it directly. */
  readonly provider: Provider;
  /**
   * The authorization endpoint (RFC 6749 3.1): mount it for GET (login check and
   * consent page) and POST (the decision). Needs express-session and, with the
   * default site adapter, Passport before it.
   */
  authorize(options?: AuthorizeOptions): RequestHandler;
  /**
   * The device verification page (RFC 8628 3.3) at `ISSUER/device`: mount it for
   * GET (the user-code form; `?user_code=` pre-fills it) and POST (a code, then
   * the consent answer). Needs express-session and, with the default site
   * adapter, Passport before it, like `authorize()`.
   * @throws TypeError when `grants.deviceCode` is off, or for a bad option.
   * @example
   * app.get('/device', oauth.device({ loginUrl: '/login' }));
   * app.post('/device', oauth.device({ loginUrl: '/login' }));
   */
  device(options?: DeviceOptions): RequestHandler;
  /**
   * The end-session endpoint (OpenID Connect RP-Initiated Logout 1.0) at
   * `ISSUER/end_session`: mount it for GET and POST. It ends the host's login
   * session through the site adapter's `logout` (the Passport adapter calls
   * `req.logout()`), asking the user first unless a valid `id_token_hint`
   * names them, then sends them to a registered `post_logout_redirect_uri`.
   * Needs express-session and, with the default site adapter, Passport before it.
   * @throws TypeError when `options.openid` is off, or for a bad option.
   * @example
   * app.get('/end_session', oauth.endSession());
   * app.post('/end_session', oauth.endSession());
   */
  endSession(options?: EndSessionOptions): RequestHandler;
  /** The token endpoint (RFC 6749 3.2): every enabled grant. POST, form body. */
  token(options?: FormEndpointOptions): RequestHandler;
  /** The revocation endpoint (RFC 7009). */
  revoke(options?: FormEndpointOptions): RequestHandler;
  /** The introspection endpoint (RFC 7662). */
  introspect(options?: FormEndpointOptions): RequestHandler;
  /**
   * The registration endpoint (RFC 7591) and its management API (RFC 7592), when
   * `options.registration.policy` is not `closed`. Mount it at both paths:
   * `app.all(['/register', '/register/:id'], oauth.register())` (`router()` does).
   * @throws TypeError when registration is closed.
   */
  register(options?: FormEndpointOptions): RequestHandler;
  /**
   * Bearer token check for API routes (RFC 6750); sets `req.oauth2`. Takes the
   * options or the scope alone: `protect('write')` is `protect({ scope: 'write' })`.
   * @throws TypeError for a misspelled option, a scope the provider does not offer
   *   or a scope naming nothing: a route is never silently left unscoped.
   */
  protect(options?: ProtectArgument): RequestHandler;
  /**
   * Serves the protected resource metadata of `options.resource` (RFC 9728) at
   * `/.well-known/oauth-protected-resource` + the resource's path; other requests
   * go to `next()`. Mount it at the root: `app.use(oauth.protectedResource({ resource }))`,
   * beside `protect({ resource })` on the resource's routes.
   * @throws TypeError for a bad or misspelled option.
   * @example
   * app.use(oauth.protectedResource({ resource: 'https://api.example.com/mcp' }));
   * // GET /.well-known/oauth-protected-resource/mcp → { resource, authorization_servers, … }
   */
  protectedResource(options: ProtectedResourceOptions): RequestHandler;
  /**
   * The page where a signed-in user lists the apps they authorized and revokes
   * one (`views/oauth2/apps.ejs`; CSRF-protected; lib/http/authorized-apps.ts).
   * Needs express-session and the site adapter, Passport before it, like `authorize()`.
   *
   * ```ts
   * app.use('/account/apps', oauth.authorizedApps({ loginUrl: '/login' }));
   * ```
   */
  authorizedApps(options?: AuthorizedAppsOptions): RequestHandler;
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
   * The handler of any form, JSON or document endpoint of the endpoint table by name,
   * including ones registered with `provider.registerEndpoint()`.
   * @throws TypeError for an unknown name.
   */
  endpoint(name: string, options?: FormEndpointOptions): RequestHandler;
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
  const endpoint = (name: string, o?: FormEndpointOptions): RequestHandler => {
    checkOptionKeys(o, FORM_ENDPOINT_KEYS, `${name} endpoint: options`);
    const found = provider.endpoints.find((e) => e.name === name);
    if (found === undefined || found.kind === 'authorization' || found.kind === 'page') {
      throw new TypeError(
        `endpoint(): no form, JSON or document endpoint named ${JSON.stringify(name)}`,
      );
    }
    if (found.kind === 'protected') return userInfoEndpoint(provider, found) as RequestHandler;
    return endpointHandler(provider, found, o) as RequestHandler;
  };
  const authorize = (o?: AuthorizeOptions): RequestHandler => {
    checkOptionKeys(o, AUTHORIZE_KEYS, 'authorize(): options');
    return authorizeHandler(provider, o) as unknown as RequestHandler;
  };
  const device = (o?: DeviceOptions): RequestHandler => {
    checkOptionKeys(o, AUTHORIZE_KEYS, 'device(): options');
    return deviceHandler(provider, o) as unknown as RequestHandler;
  };
  const endSession = (o?: EndSessionOptions): RequestHandler => {
    checkOptionKeys(o, AUTHORIZE_KEYS, 'endSession(): options');
    return endSessionHandler(provider, o) as unknown as RequestHandler;
  };
  const pages = new Map<string, (o: AuthorizeOptions) => RequestHandler>([
    ['device', device],
    ['end_session', endSession],
  ]);
  const issuerPath = new URL(provider.config.issuer).pathname.replace(/\/$/, '');
  return Object.freeze({
    provider,
    metadataPath: METADATA_PATH + issuerPath,
    authorize,
    device,
    endSession,
    token: (o?: FormEndpointOptions) => endpoint('token', o),
    revoke: (o?: FormEndpointOptions) => endpoint('revocation', o),
    introspect: (o?: FormEndpointOptions) => endpoint('introspection', o),
    register: (o?: FormEndpointOptions) => {
      if (provider.config.registration.policy === 'closed')
        throw new TypeError(
          "register(): registration is closed; set options.registration.policy to 'open' or 'initial-access-token'",
        );
      return endpoint('registration', o);
    },
    protect: (o?: ProtectArgument) => protectHandler(provider, o) as RequestHandler,
    protectedResource: (o: ProtectedResourceOptions) =>
      protectedResourceHandler(provider, o) as RequestHandler,
    authorizedApps: (o?: AuthorizedAppsOptions) =>
      authorizedAppsHandler(provider, o) as unknown as RequestHandler,
    metadata: () => endpoint('metadata'),
    jwks: () => endpoint('jwks'),
    endpoint,
    router(o?: RouterOptions): Router {
      checkOptionKeys(o, ROUTER_KEYS, 'router(): options');
      const router = express.Router();
      for (const e of provider.endpoints) {
        if (e.kind === 'json') {
          router.all([e.path, `${e.path}/:id`], endpointHandler(provider, e, o) as RequestHandler);
        } else if (e.kind === 'page') {
          const make = pages.get(e.name);
          if (make === undefined) continue;
          const given = (e.name === 'device' ? o?.device : o?.endSession) ?? o?.authorize;
          if (given === false) continue;
          const handler = make(given === undefined ? {} : given);
          router.get(e.path, handler);
          router.post(e.path, handler);
        } else if (e.kind === 'protected') {
          router.all(e.path, userInfoEndpoint(provider, e) as RequestHandler);
        } else if (e.kind !== 'authorization') {
          router.all(e.path, endpointHandler(provider, e, o) as RequestHandler);
        } else if (o?.authorize !== false) {
          const handler = authorize(o?.authorize === undefined ? {} : o.authorize);
          router.get(e.path, handler);
          router.post(e.path, handler);
        }
      }
      return router;
    },
  });
}

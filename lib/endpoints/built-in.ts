/**
 * The built-in rows of the endpoint table (./registry.ts): names, kinds, default
 * paths, metadata members (RFC 8414 2) and handler names. The provider registers
 * them through the same door as any later endpoint.
 */
import type { EngineRequest, EngineResponse } from '../types.js';
import type { EndpointDefinition, JsonEngineRequest } from './registry.js';

/** How long clients may cache the metadata document and the JWKS, in seconds. */
const METADATA_MAX_AGE = 3600;
const JWKS_MAX_AGE = 300;

/** What the built-in endpoints call on the engine. */
export interface BuiltInHandlers {
  authorizationEnabled(): boolean;
  token(request: EngineRequest): Promise<EngineResponse>;
  revoke(request: EngineRequest): Promise<EngineResponse>;
  introspect(request: EngineRequest): Promise<EngineResponse>;
  /** Whether dynamic registration is offered (`options.registration.policy` is not `closed`). */
  registrationEnabled(): boolean;
  register(request: JsonEngineRequest): Promise<EngineResponse>;
  /** Whether the device authorization grant is on (`options.grants.deviceCode`). */
  deviceEnabled(): boolean;
  deviceAuthorization(request: EngineRequest): Promise<EngineResponse>;
  /** Whether pushed authorization requests are offered (the authorization endpoint is, and `options.par` is not false). */
  parEnabled(): boolean;
  pushAuthorizationRequest(request: EngineRequest): Promise<EngineResponse>;
  jwks(): unknown;
  metadata(): unknown;
  /** Whether OpenID Connect is on (`options.openid`). */
  openIdEnabled(): boolean;
  /** OpenID Provider metadata (OIDC Discovery 3). */
  openIdMetadata(): unknown;
}

export function builtInEndpoints(engine: BuiltInHandlers): EndpointDefinition[] {
  return [
    {
      name: 'authorization',
      handlerName: 'authorize',
      kind: 'authorization',
      path: '/authorize',
      metadataKey: 'authorization_endpoint',
      enabled: () => engine.authorizationEnabled(),
    },
    {
      name: 'token',
      handlerName: 'token',
      kind: 'form',
      path: '/token',
      metadataKey: 'token_endpoint',
      handle: (request) => engine.token(request),
      cors: true,
    },
    {
      name: 'revocation',
      handlerName: 'revoke',
      kind: 'form',
      path: '/revoke',
      metadataKey: 'revocation_endpoint',
      handle: (request) => engine.revoke(request),
      cors: true,
    },
    {
      name: 'introspection',
      handlerName: 'introspect',
      kind: 'form',
      path: '/introspect',
      metadataKey: 'introspection_endpoint',
      handle: (request) => engine.introspect(request),
    },
    {
      name: 'registration',
      handlerName: 'register',
      kind: 'json',
      path: '/register',
      metadataKey: 'registration_endpoint',
      enabled: () => engine.registrationEnabled(),
      handleJson: (request) => engine.register(request),
      cors: true,
    },
    {
      name: 'device_authorization',
      handlerName: 'deviceAuthorization',
      kind: 'form',
      path: '/device_authorization',
      metadataKey: 'device_authorization_endpoint',
      repeatable: ['resource'],
      enabled: () => engine.deviceEnabled(),
      handle: (request) => engine.deviceAuthorization(request),
      cors: true,
    },
    {
      // RFC 8628 3.3's verification URI: the user's page (lib/http/device.ts).
      name: 'device',
      handlerName: 'device',
      kind: 'page',
      path: '/device',
      enabled: () => engine.deviceEnabled(),
    },
    {
      // RFC 9126 2: pushed authorization requests.
      name: 'pushed_authorization_request',
      handlerName: 'pushAuthorizationRequest',
      kind: 'form',
      path: '/par',
      metadataKey: 'pushed_authorization_request_endpoint',
      repeatable: ['resource'],
      enabled: () => engine.parEnabled(),
      handle: (request) => engine.pushAuthorizationRequest(request),
      cors: true,
    },
    {
      name: 'jwks',
      handlerName: 'jwks',
      kind: 'document',
      path: '/jwks',
      metadataKey: 'jwks_uri',
      document: () => engine.jwks(),
      maxAge: JWKS_MAX_AGE,
      cors: true,
    },
    {
      name: 'metadata',
      handlerName: 'metadata',
      kind: 'document',
      path: '/.well-known/oauth-authorization-server',
      document: () => engine.metadata(),
      maxAge: METADATA_MAX_AGE,
      cors: true,
    },
    {
      // OIDC Core 5.3: served by the HTTP layer's bearer check (lib/http/userinfo.ts).
      name: 'userinfo',
      handlerName: 'userinfo',
      kind: 'protected',
      path: '/userinfo',
      metadataKey: 'userinfo_endpoint',
      enabled: () => engine.openIdEnabled(),
      cors: true,
    },
    {
      // OpenID Connect RP-Initiated Logout 1.0 2: the user's page (lib/http/end-session.ts).
      name: 'end_session',
      handlerName: 'endSession',
      kind: 'page',
      path: '/end_session',
      metadataKey: 'end_session_endpoint',
      enabled: () => engine.openIdEnabled(),
    },
    {
      // OpenID Connect Discovery 1.0 4.
      name: 'openid_configuration',
      handlerName: 'openidConfiguration',
      kind: 'document',
      path: '/.well-known/openid-configuration',
      enabled: () => engine.openIdEnabled(),
      document: () => engine.openIdMetadata(),
      maxAge: METADATA_MAX_AGE,
      cors: true,
    },
  ];
}

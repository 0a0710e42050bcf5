/**
 * What `options.grants` turns on, built from the checked configuration: the
 * built-in grants of the token endpoint, the response types and the engine of
 * the authorization endpoint (lib/endpoints/authorization/), and the device
 * flow's engine (RFC 8628, lib/endpoints/device/).
 *
 * Rules:
 * - a built-in grant is built only when its `grants.*` option is on; they are
 *   registered (through `registerGrant`, the door an extension grant uses) in
 *   the order authorization_code, client_credentials, refresh_token, password,
 *   device_code, token exchange, then `options.extensionGrants` in their order,
 *   the order metadata lists them in;
 * - the password grant gets the `password` rate limit, the device flow the
 *   `device_user_code` one, the PAR endpoint and the device authorization
 *   endpoint the `public_client_writes` one;
 * - the authorization endpoint offers `code` with the authorization_code grant
 *   and `token` with the implicit one;
 * - the device flow exists only with `grants.deviceCode`; its verification URI
 *   is read from the endpoint table when first needed, and its approvals get
 *   their grant ids from the minter.
 */
import { AuthorizationEndpoint } from '../endpoints/authorization/endpoint.js';
import type { ResponseType } from '../endpoints/authorization/request.js';
import { DeviceFlow } from '../endpoints/device/flow.js';
import { authorizationCodeGrant } from '../grants/authorization-code.js';
import { clientCredentialsGrant } from '../grants/client-credentials.js';
import { deviceCodeGrant } from '../grants/device-code.js';
import type { TokenGrant } from '../grants/grant.js';
import { passwordGrant } from '../grants/password.js';
import { refreshTokenGrant } from '../grants/refresh-token.js';
import { tokenExchangeGrant } from '../grants/token-exchange.js';
import type { OAuthError } from '../errors.js';
import type { ScopePolicy } from '../helpers/scope.js';
import type { Stores } from '../stores/types.js';
import type { UserGrantRecorder } from '../stores/user-grants.js';
import type { TokenMinter } from '../tokens/minter.js';
import type { OAuthEventBus } from './events.js';
import type { ResolvedConfig } from './options.js';
import type { RateLimiters } from './rate-limits.js';

/** What the provider lends the flows (the grants get the same, ./token-machinery.ts). */
export interface FlowParts {
  readonly stores: Stores;
  readonly scopes: ScopePolicy;
  readonly events: OAuthEventBus;
  /** Issues the implicit grant's tokens and the device approvals' grant ids. */
  readonly tokens: TokenMinter;
  /** Records users' grants and their use, for `provider.authorizedApps`. */
  readonly userGrants?: UserGrantRecorder | undefined;
}

/** The built-in grants the options turn on, then the extension grants, in order (rules above). */
export function builtInGrants(
  config: ResolvedConfig,
  limits: RateLimiters['limits'],
): TokenGrant[] {
  const g = config.grants;
  const grants: (TokenGrant | undefined)[] = [
    g.authorizationCode && authorizationCodeGrant(g.authorizationCode),
    g.clientCredentials && clientCredentialsGrant(g.clientCredentials),
    g.refreshToken && refreshTokenGrant(g.refreshToken),
    g.password && passwordGrant(g.password, limits.password),
    g.deviceCode && deviceCodeGrant(g.deviceCode),
    g.tokenExchange && tokenExchangeGrant(g.tokenExchange),
  ];
  return [...grants.filter((grant) => grant !== undefined), ...config.extensionGrants];
}

/** The response types the authorization endpoint offers. */
export function responseTypesOf(config: ResolvedConfig): ResponseType[] {
  const types: ResponseType[] = [];
  if (config.grants.authorizationCode) types.push('code');
  if (config.grants.implicit) types.push('token');
  return types;
}

/** The claims locales the host offers (`openid.claimsLocales`); undefined: any. */
function offeredLocales(config: ResolvedConfig): ReadonlySet<string> | undefined {
  const locales = config.openid?.claimsLocales;
  return locales === undefined ? undefined : new Set(locales);
}

/** The authorization endpoint's engine; `report` logs a failure before it is answered. */
export function authorizationEndpoint(
  config: ResolvedConfig,
  parts: FlowParts,
  limits: RateLimiters['limits'],
  report: (error: OAuthError) => void,
): AuthorizationEndpoint {
  const { stores, events } = parts;
  return new AuthorizationEndpoint({
    issuer: config.issuer,
    clients: stores.clients,
    scopes: parts.scopes,
    responseTypes: responseTypesOf(config),
    allowPlainPkce: config.allowPlainPkce,
    resources: config.resources,
    claimsLocales: offeredLocales(config),
    keys: config.keys,
    openid: config.openid,
    consent: { ...config.consent, store: stores.consents },
    records: stores.records,
    issue: {
      codes: stores.authorizationCodes,
      codeLifetime: config.codeLifetime,
      generator: config.generator,
      tokens: parts.tokens,
      implicit: config.grants.implicit,
      userGrants: parts.userGrants,
    },
    events,
    clock: config.clock,
    report,
    par: { ...config.par, limit: limits.publicClientWrites },
  });
}

/** The device flow's engine, or undefined when `grants.deviceCode` is off. */
export function deviceFlow(
  config: ResolvedConfig,
  parts: FlowParts,
  limits: RateLimiters['limits'],
  verificationUri: () => string,
): DeviceFlow | undefined {
  const options = config.grants.deviceCode;
  if (options === undefined) return undefined;
  return new DeviceFlow({
    options,
    stores: parts.stores,
    scopes: parts.scopes,
    resources: config.resources,
    events: parts.events,
    clock: config.clock,
    limit: limits.deviceUserCode,
    writeLimit: limits.publicClientWrites,
    newGrantId: () => parts.tokens.newGrantId(),
    userGrants: parts.userGrants,
    verificationUri,
  });
}

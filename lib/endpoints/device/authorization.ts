/**
 * The device authorization endpoint (RFC 8628 3.1, 3.2): a device asks for a
 * device code and a user code, and learns where its user enters the code.
 *
 * Rules:
 * - the client authenticates as at the token endpoint (a public client names
 *   itself with `client_id`; the provider authenticates before this runs);
 * - a public client's request counts against the `public_client_writes` limit
 *   of its source address before anything is checked or written (anyone who
 *   knows a public `client_id` can ask); over it, 429 `temporarily_unavailable`
 *   with `Retry-After` and a `rate_limited` event (../../engine/attempt-limit.ts).
 *   A confidential client authenticated, and is never counted;
 * - the client must be registered for the device_code grant → else
 *   `unauthorized_client` (RFC 8628 3.2 points to RFC 6749 5.2's codes);
 * - `scope` is checked as at the authorization endpoint (RFC 6749 3.3:
 *   offered, allowed to the client, else the default) → `invalid_scope`;
 * - `resource` (RFC 8707 2) may repeat; each must be configured and accept a
 *   requested scope → `invalid_target` (../../helpers/resources.ts);
 * - the answer (RFC 8628 3.2): `device_code` (32 random bytes, stored only as
 *   its SHA-256), `user_code` (./user-code.ts, unique among live codes: a
 *   collision makes another, at most {@link ATTEMPTS} times), `verification_uri`
 *   (the issuer and the device page's path), `verification_uri_complete` (with
 *   `user_code`), `expires_in` and `interval`, with no-store headers;
 * - `device.authorization_started` names the client and scope, never a code.
 */
import { countPublicClientWrite } from '../../engine/attempt-limit.js';
import type { OAuthEventBus } from '../../engine/events.js';
import { TemporarilyUnavailableError, UnauthorizedClientError } from '../../errors.js';
import { DEVICE_CODE_GRANT_TYPE } from '../../grants/device-code.js';
import type { FailureLimit } from '../../helpers/failure-limit.js';
import { namedResources, scopeForResources, type Resources } from '../../helpers/resources.js';
import type { ScopePolicy } from '../../helpers/scope.js';
import { sha256 } from '../../helpers/secrets.js';
import type { DeviceCodeRecord, DeviceCodeStore } from '../../stores/device-codes.js';
import type { Client, Clock, RequestContext } from '../../types.js';
import type { ResolvedDeviceCodeOptions } from './options.js';
import { displayUserCode, newDeviceCode, newUserCode, userCodeHash } from './user-code.js';

/** How many user codes are tried before giving up (each collision makes another). */
export const ATTEMPTS = 5;

/** The RFC 8628 3.2 answer. */
export interface DeviceAuthorizationBody {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  /** Seconds. */
  expires_in: number;
  /** Seconds between polls. */
  interval: number;
}

/** What the device flow needs from the provider. */
export interface DeviceContext {
  readonly options: ResolvedDeviceCodeOptions;
  readonly store: DeviceCodeStore;
  readonly scopes: ScopePolicy;
  readonly resources: Resources;
  /** The `public_client_writes` limit; undefined: off. */
  readonly limit: FailureLimit | undefined;
  readonly events: OAuthEventBus;
  readonly clock: Clock;
  /** The device page's URL: the issuer and its path. */
  readonly verificationUri: string;
}

/** The scope and resources of the request (rules above). */
function target(
  request: RequestContext,
  client: Client,
  context: DeviceContext,
): { scope: string[]; resources: string[] } {
  const requested = context.scopes.parse(request.params['scope']);
  const scope = context.scopes.resolve(client, requested);
  const named = namedResources(context.resources, request.all('resource'));
  return {
    scope: scopeForResources(named, scope, requested.length > 0),
    resources: named.map((r) => r.resource),
  };
}

/** Answers a device authorization request of an authenticated client (rules above). */
export async function authorizeDevice(
  request: RequestContext,
  client: Client,
  context: DeviceContext,
): Promise<DeviceAuthorizationBody> {
  await countPublicClientWrite(request, client, context, 'device authorization requests');
  if (!client.grantTypes.includes(DEVICE_CODE_GRANT_TYPE))
    throw new UnauthorizedClientError('the client may not use the device_code grant');
  const { scope, resources } = target(request, client, context);
  const { lifetime, interval, userCode: rules } = context.options;
  const deviceCode = newDeviceCode();
  const issuedAt = Math.floor(context.clock() / 1000);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const userCode = newUserCode(rules);
    const record: DeviceCodeRecord = {
      id: sha256(deviceCode),
      userCodeHash: userCodeHash(userCode),
      clientId: client.id,
      scope,
      resources,
      status: 'pending',
      interval,
      issuedAt,
      expiresAt: issuedAt + lifetime,
    };
    if (!(await context.store.add(record, lifetime))) continue;
    if (context.events.wants('device.authorization_started'))
      context.events.emit('device.authorization_started', {
        time: context.clock(),
        requestId: request.meta.requestId,
        clientId: client.id,
        scope: [...scope],
      });
    const shown = displayUserCode(userCode);
    return {
      device_code: deviceCode,
      user_code: shown,
      verification_uri: context.verificationUri,
      verification_uri_complete: `${context.verificationUri}?${new URLSearchParams({ user_code: shown }).toString()}`,
      expires_in: lifetime,
      interval,
    };
  }
  throw new TemporarilyUnavailableError(undefined, {
    detail: `no free user code after ${ATTEMPTS} attempts`,
  });
}

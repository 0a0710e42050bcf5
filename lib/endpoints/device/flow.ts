/**
 * The device authorization grant's engine (RFC 8628), built once by the
 * provider when `grants.deviceCode` is on: the device authorization endpoint
 * (./authorization.ts) and the verification page's engine (./verification.ts),
 * over one device code store. The token endpoint's half is the grant,
 * lib/grants/device-code.ts.
 *
 * Rules:
 * - the verification URI is the issuer and the `device` endpoint's path, read
 *   when first needed (the endpoint table is complete by then);
 * - nothing here imports HTTP.
 */
import type { OAuthEventBus } from '../../engine/events.js';
import type { FailureLimit } from '../../helpers/failure-limit.js';
import type { Resources } from '../../helpers/resources.js';
import type { ScopePolicy } from '../../helpers/scope.js';
import type { UserGrantRecorder } from '../../stores/user-grants.js';
import type { Stores } from '../../stores/types.js';
import type { Client, Clock, RequestContext } from '../../types.js';
import { authorizeDevice, type DeviceAuthorizationBody } from './authorization.js';
import type { ResolvedDeviceCodeOptions } from './options.js';
import { DeviceVerification } from './verification.js';

/** What the provider lends the device flow. */
export interface DeviceFlowParts {
  readonly options: ResolvedDeviceCodeOptions;
  readonly stores: Stores;
  readonly scopes: ScopePolicy;
  readonly resources: Resources;
  readonly events: OAuthEventBus;
  readonly clock: Clock;
  /** The `device_user_code` limit; undefined: off. */
  readonly limit: FailureLimit | undefined;
  /** The `public_client_writes` limit of the device authorization endpoint; undefined: off. */
  readonly writeLimit: FailureLimit | undefined;
  readonly newGrantId: () => string;
  /** Records users' grants, for `provider.authorizedApps`. */
  readonly userGrants?: UserGrantRecorder | undefined;
  /** The device page's URL. */
  readonly verificationUri: () => string;
}

/** The device flow (rules above): `provider.device`. */
export class DeviceFlow {
  /** The verification page's engine, for HTTP adapters. */
  readonly verification: DeviceVerification;
  /** The checked `grants.deviceCode` options. */
  readonly options: ResolvedDeviceCodeOptions;
  readonly #parts: DeviceFlowParts;

  constructor(parts: DeviceFlowParts) {
    this.#parts = parts;
    this.options = parts.options;
    this.verification = new DeviceVerification({
      store: parts.stores.deviceCodes,
      clients: parts.stores.clients,
      scopes: parts.scopes,
      rules: parts.options.userCode,
      limit: parts.limit,
      newGrantId: parts.newGrantId,
      userGrants: parts.userGrants,
      events: parts.events,
      clock: parts.clock,
    });
  }

  /** Answers a device authorization request of an authenticated client (./authorization.ts). */
  authorize(request: RequestContext, client: Client): Promise<DeviceAuthorizationBody> {
    const p = this.#parts;
    return authorizeDevice(request, client, {
      options: p.options,
      store: p.stores.deviceCodes,
      scopes: p.scopes,
      resources: p.resources,
      limit: p.writeLimit,
      events: p.events,
      clock: p.clock,
      verificationUri: p.verificationUri(),
    });
  }
}

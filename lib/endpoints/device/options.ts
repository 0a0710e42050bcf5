/**
 * `grants.deviceCode`: the device authorization grant's options (RFC 8628),
 * their defaults and checks. Off unless given (`true` for the defaults).
 *
 * Rules:
 * - `lifetime` (device and user code, seconds) and `interval` (seconds between
 *   polls) are whole positive numbers; the interval is shorter than the lifetime;
 * - the user code's alphabet and length are checked by ./user-code.ts;
 * - unknown keys are refused by the provider's key lists (lib/engine/provider-options.ts).
 */
import type { GrantOptions } from '../../grants/grant.js';
import { resolveUserCodeRules, type UserCodeOptions, type UserCodeRules } from './user-code.js';

/** Options of the device authorization grant (`grants.deviceCode`). */
export interface DeviceCodeGrantOptions extends GrantOptions {
  /** Seconds a device code and its user code live (`expires_in`). Default 600. */
  lifetime?: number;
  /** Seconds a client waits between polls (`interval`, RFC 8628 3.2). Default 5. */
  interval?: number;
  /** How user codes are made. Default 8 characters of `BCDFGHJKLMNPQRSTVWXZ`. */
  userCode?: UserCodeOptions;
}

/** The checked options. */
export interface ResolvedDeviceCodeOptions extends Required<GrantOptions> {
  readonly lifetime: number;
  readonly interval: number;
  readonly userCode: UserCodeRules;
}

function whole(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)
    throw new TypeError(
      `options.grants.deviceCode.${name} must be a positive whole number of seconds`,
    );
  return value;
}

/**
 * Checks `grants.deviceCode` given as an options object (the caller has made
 * `true` `{}` and filled in the grant options).
 */
export function resolveDeviceCodeOptions(
  given: DeviceCodeGrantOptions & Required<GrantOptions>,
): ResolvedDeviceCodeOptions {
  const lifetime = whole('lifetime', given.lifetime, 600);
  const interval = whole('interval', given.interval, 5);
  if (interval >= lifetime)
    throw new TypeError('options.grants.deviceCode.interval must be shorter than its lifetime');
  return Object.freeze({
    accessTokenLifetime: given.accessTokenLifetime,
    uniqueTokens: given.uniqueTokens,
    lifetime,
    interval,
    userCode: resolveUserCodeRules(given.userCode),
  });
}

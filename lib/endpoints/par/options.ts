/**
 * The provider's `par` option (pushed authorization requests, RFC 9126): its
 * type, known keys, defaults and checks (a TypeError naming the option and the fix).
 *
 * Rules:
 * - the PAR endpoint is on whenever the authorization endpoint is (a response type
 *   is offered), unless `par: false`;
 * - `lifetime` is a whole number of seconds from 1 to 600 (RFC 9126 2.2: "typically
 *   relatively short (e.g., between 5 and 600 seconds)"); default 60;
 * - `required: true` makes PAR the only way to send an authorization request, for
 *   every client (RFC 9126 4; metadata `require_pushed_authorization_requests`);
 *   default false (a client may still be required to, by its own
 *   `requirePushedAuthorizationRequests`);
 * - `required` with `par: false` cannot be: the option is an object or false.
 */
import { checkOptionKeys, optionKeys } from '../../helpers/option-keys.js';

/** Options of pushed authorization requests (README, "Pushed authorization requests (RFC 9126)"). */
export interface ParOptions {
  /**
   * Accept authorization requests only when pushed (RFC 9126 4), from every
   * client. Default false.
   */
  required?: boolean;
  /** How long a `request_uri` may be used (`expires_in`). Seconds, 1 to 600; default 60. */
  lifetime?: number;
}

/** The checked `par` option. */
export interface ResolvedParOptions {
  /** Whether the PAR endpoint is offered (with the authorization endpoint). */
  readonly enabled: boolean;
  readonly required: boolean;
  /** Seconds. */
  readonly lifetime: number;
}

/** The longest `lifetime` accepted, in seconds. */
export const MAX_PAR_LIFETIME = 600;

const KEYS = optionKeys<ParOptions>({ required: true, lifetime: true });
const WHERE = 'options.par';

function lifetimeOf(value: unknown): number {
  if (value === undefined) return 60;
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < 1 ||
    value > MAX_PAR_LIFETIME
  )
    throw new TypeError(
      `${WHERE}.lifetime must be a whole number of seconds from 1 to ${MAX_PAR_LIFETIME} (RFC 9126 2.2)`,
    );
  return value;
}

/** The checked option, with every default. */
export function resolveParOptions(value: ParOptions | false | undefined): ResolvedParOptions {
  if (value === false) return Object.freeze({ enabled: false, required: false, lifetime: 60 });
  const given = value ?? {};
  if (typeof given !== 'object' || given === null || Array.isArray(given))
    throw new TypeError(`${WHERE} must be an options object, or false to turn PAR off`);
  checkOptionKeys(given, KEYS, WHERE);
  if (given.required !== undefined && typeof given.required !== 'boolean')
    throw new TypeError(`${WHERE}.required must be true or false`);
  return Object.freeze({
    enabled: true,
    required: given.required === true,
    lifetime: lifetimeOf(given.lifetime),
  });
}

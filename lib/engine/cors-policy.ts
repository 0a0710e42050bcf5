/**
 * The CORS policy (`options.cors`): which web origins may read the answers of
 * the endpoints browsers call cross-origin (token, revocation, registration,
 * metadata, JWKS; never introspection or authorization). It only decides whether
 * an `Origin` is allowed; the headers are written by lib/http/cors.ts.
 *
 * Rules:
 * - default `'*'`: any origin, answered `Access-Control-Allow-Origin: *`. Safe
 *   because these endpoints never read cookies or other ambient credentials: a
 *   client authenticates explicitly (Basic header or body), and credentials are
 *   never allowed (no `Access-Control-Allow-Credentials`, ever);
 * - a list holds serialized origins (`https://app.example.com`: scheme, host,
 *   port; no path, no trailing slash, no `null`), checked when the provider is
 *   made; a request's `Origin` is allowed only when equal to one of them, byte
 *   for byte (`https://example.com.evil.com` is not `https://example.com`);
 * - a function is asked only about a well-formed origin (never `null`, never one
 *   with a path, spaces or control characters), and one that throws allows
 *   nothing;
 * - `false` turns CORS off: no CORS header, and OPTIONS is answered as any other
 *   method the endpoint does not take (405).
 */

/** Which origins may call: `'*'` (any), a list of origins, or a predicate. */
export type CorsOrigins = '*' | readonly string[] | ((origin: string) => boolean);

/** `options.cors`. */
export interface CorsOptions {
  /**
   * The origins whose pages may read the answers: `'*'` (default), a list of
   * serialized origins (`['https://app.example.com']`), or a function given a
   * well-formed `Origin` and answering whether it may.
   */
  origins?: CorsOrigins;
}

/** The checked policy. */
export interface CorsPolicy {
  /** True for `'*'`: answers carry `Access-Control-Allow-Origin: *` and do not vary by origin. */
  readonly anyOrigin: boolean;
  /** Whether the request's `Origin` (as sent, possibly missing) may read the answer. */
  allows(origin: string | undefined): boolean;
}

/** A serialized origin (RFC 6454 6.2): scheme, host (a name, IPv4 or [IPv6]) and optional port. */
const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/;

/** Whether `value` is a well-formed serialized origin (lower case, as browsers send it). */
export function isOrigin(value: string | undefined): value is string {
  return value !== undefined && value.length <= 2048 && ORIGIN.test(value);
}

function listed(value: readonly string[]): CorsPolicy {
  value.forEach((origin, i) => {
    if (typeof origin !== 'string' || !isOrigin(origin) || new URL(origin).origin !== origin)
      throw new TypeError(
        `options.cors.origins[${i}] ${JSON.stringify(origin)} is not an origin: give scheme, host and port only, in lower case, e.g. "https://app.example.com" (no path, no trailing slash); for any origin give origins: '*'`,
      );
  });
  const origins = new Set(value);
  return { anyOrigin: false, allows: (origin) => origin !== undefined && origins.has(origin) };
}

function asked(predicate: (origin: string) => boolean): CorsPolicy {
  const allows = (origin: string | undefined): boolean => {
    if (!isOrigin(origin)) return false;
    try {
      return predicate(origin) === true;
    } catch {
      return false;
    }
  };
  return { anyOrigin: false, allows };
}

const ANY: CorsPolicy = Object.freeze({ anyOrigin: true, allows: () => true });

/**
 * Checks `options.cors`: the policy, or `undefined` when CORS is off.
 * @throws TypeError naming the bad value.
 */
export function resolveCors(value: CorsOptions | false | undefined): CorsPolicy | undefined {
  if (value === false) return undefined;
  if (value === undefined) return ANY;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError('options.cors must be false or { origins }');
  const origins = value.origins ?? '*';
  if (origins === '*') return ANY;
  if (Array.isArray(origins)) return Object.freeze(listed(origins as readonly string[]));
  if (typeof origins === 'function') return Object.freeze(asked(origins));
  throw new TypeError(
    "options.cors.origins must be '*', a list of origins or a function (origin) => boolean",
  );
}

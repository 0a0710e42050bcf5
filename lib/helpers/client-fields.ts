/**
 * The small checks every field of a client configuration goes through
 * (./clients.ts and the files of its field groups): each throws a TypeError
 * that names the client and the field.
 *
 * Rules:
 * - a list is an array of non-empty strings, kept once each in order, from an
 *   allowed set when there is one; absent, the fallback;
 * - a redirect URI (and a post-logout one) is an absolute URI without a
 *   fragment (RFC 6749 3.1.2);
 * - an optional string is non-empty; an optional time whole epoch seconds >= 0.
 */

/** Throws the TypeError of client `id`'s bad `field`. */
export function fail(id: string, field: string, message: string): never {
  throw new TypeError(`client ${JSON.stringify(id)}: ${field} ${message}`);
}

/** `value` checked as a list of strings (rules above), frozen; `fallback` when absent. */
export function list<T extends string>(
  id: string,
  field: string,
  value: readonly T[] | undefined,
  allowed: readonly string[] | null,
  fallback: readonly T[],
): readonly T[] {
  if (value === undefined) return Object.freeze([...fallback]);
  if (!Array.isArray(value)) fail(id, field, 'must be an array');
  for (const item of value) {
    if (typeof item !== 'string' || item === '') fail(id, field, 'must hold non-empty strings');
    if (allowed !== null && !allowed.includes(item))
      fail(
        id,
        field,
        `has an unknown value ${JSON.stringify(item)}; allowed: ${allowed.join(', ')}`,
      );
  }
  return Object.freeze([...new Set(value)]);
}

/** Checks one redirect URI of `field` (rules above). */
export function checkRedirectUri(id: string, uri: string, field = 'redirectUris'): void {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    fail(id, field, `has ${JSON.stringify(uri)}, which is not an absolute URI`);
  }
  if (url.hash !== '' || uri.includes('#'))
    fail(id, field, `has ${JSON.stringify(uri)}, which has a fragment (RFC 6749 3.1.2)`);
}

/** Checks an optional non-empty string. */
export function optionalString(id: string, field: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'string' || value === ''))
    fail(id, field, 'must be a non-empty string');
}

/** Checks optional whole epoch seconds >= 0. */
export function optionalTime(id: string, field: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 0))
    fail(id, field, 'must be a whole number of epoch seconds >= 0');
}

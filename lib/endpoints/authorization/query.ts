/**
 * The authorization request's query string, read as the endpoint needs it.
 *
 * Rules:
 * - Parameters are read from the raw query string, never from a parser that
 *   builds arrays or objects (`client_id[]=x` is a parameter named `client_id[]`).
 * - An empty value counts as absent (RFC 6749 3.1: "Parameters sent without a
 *   value MUST be treated as if they were omitted from the request").
 * - A name seen more than once is recorded in `repeated`, so that a step can
 *   refuse it (RFC 6749 3.1: "Request and response parameters MUST NOT be
 *   included more than once").
 */

/** Query parameters, with the names that appeared more than once. */
export interface AuthorizationQuery {
  readonly params: Readonly<Record<string, string>>;
  readonly repeated: ReadonlySet<string>;
}

/**
 * Parses a query string (with or without the leading `?`).
 *
 * @example
 * parseAuthorizationQuery('?client_id=spa&scope=a&scope=b')
 * // → { params: { client_id: 'spa', scope: 'b' }, repeated: Set { 'scope' } }
 */
export function parseAuthorizationQuery(search: string): AuthorizationQuery {
  const params: Record<string, string> = Object.create(null);
  const repeated = new Set<string>();
  const seen = new Set<string>();
  for (const [name, value] of new URLSearchParams(
    search.startsWith('?') ? search.slice(1) : search,
  )) {
    if (seen.has(name)) repeated.add(name);
    seen.add(name);
    if (value !== '') params[name] = value;
  }
  return { params, repeated };
}

/**
 * The comparison of a DPoP proof's `htu` with the URL the server expects
 * (RFC 9449 4.3 step 11: "the htu claim matches the HTTP URI value for the HTTP
 * request in which the JWT was received, ignoring any query and fragment parts";
 * 4.3: "the server MUST use syntax-based normalization (Section 6.2.2 of RFC3986)
 * and scheme-based normalization (Section 6.2.3 of RFC3986)").
 *
 * Rules:
 * - both URLs are parsed (WHATWG URL: scheme and host lower-cased, the default
 *   port dropped, an empty path made `/`, dot segments removed, percent-encoding
 *   of unreserved characters kept as sent); query and fragment are dropped;
 * - only `http:` and `https:` URLs compare; user information is refused;
 * - what is left (scheme, host, port, path) must be equal: another path (a
 *   trailing slash too), host, port or scheme is refused.
 */

/** The scheme, authority and path of an http(s) URL, normalized; undefined if it is not one. */
export function normalizedHtu(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  return `${url.origin}${url.pathname}`;
}

/** Whether the proof's `htu` names the expected URL (see the module rules). */
export function htuMatches(htu: string, expected: string): boolean {
  const given = normalizedHtu(htu);
  return given !== undefined && given === normalizedHtu(expected);
}

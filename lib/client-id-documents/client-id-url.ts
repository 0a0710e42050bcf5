/**
 * Which `client_id` values name a Client ID Metadata Document
 * (draft-ietf-oauth-client-id-metadata-document, "Client Identifier URL").
 *
 * Rules:
 * - a `client_id` that starts with `https://` (any case) is a document
 *   candidate when documents are on: it is looked up as a document, never in the
 *   client registry (and may not be saved there);
 * - a candidate is fetched only when it is a URL with the `https` scheme, a
 *   path other than `/`, no single-dot or double-dot path segments, no
 *   fragment, no username or password, at most 2048 characters — and written in
 *   the URL's canonical form (lower-case scheme and host, no default port, no
 *   needless escapes), since the document's `client_id` must equal it as a
 *   string and the URL fetched must be the one given;
 * - a query string and a port are allowed (the draft says a client SHOULD NOT
 *   use a query; it does not forbid it).
 */

/** Longest `client_id` URL fetched (characters). */
export const MAX_CLIENT_ID_URL_LENGTH = 2048;

/** Whether `clientId` is meant as a document URL (see the rules above). */
export function isClientIdUrlCandidate(clientId: string): boolean {
  return /^https:\/\//i.test(clientId);
}

const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

function rawPath(clientId: string): string {
  const afterScheme = clientId.slice('https://'.length);
  const slash = afterScheme.indexOf('/');
  if (slash === -1) return '';
  return afterScheme.slice(slash).split(/[?#]/)[0] ?? '';
}

function parse(clientId: string): URL | string {
  try {
    return new URL(clientId);
  } catch {
    return 'is not a URL';
  }
}

/**
 * Why `clientId` cannot be a document URL, or undefined when it can (see the
 * rules above). The reason is for logs: `client_id is not https`, …
 */
export function clientIdUrlProblem(clientId: string): string | undefined {
  if (clientId.length > MAX_CLIENT_ID_URL_LENGTH)
    return `is longer than ${MAX_CLIENT_ID_URL_LENGTH} characters`;
  const url = parse(clientId);
  if (typeof url === 'string') return url;
  if (url.protocol !== 'https:') return 'is not an https URL';
  if (url.username !== '' || url.password !== '') return 'has a username or password';
  if (clientId.includes('#')) return 'has a fragment';
  const path = rawPath(clientId);
  if (path === '' || path === '/') return 'has no path';
  if (path.split('/').some((segment) => DOT_SEGMENT.test(segment)))
    return 'has a dot segment in its path';
  if (url.href !== clientId) return `is not in canonical form (${url.href})`;
  return undefined;
}

/**
 * The URI rules of RFC 7591 client metadata: redirect URIs by application type,
 * and the https-only informational URIs. Used by ./client-metadata.ts only.
 *
 * Rules:
 * - every URI is a string of at most {@link MAX_URI_LENGTH} visible ASCII
 *   characters (RFC 3986 2: no spaces, no controls, nothing a header or a page
 *   could be injected with), absolute, without a fragment (RFC 6749 3.1.2) and
 *   without user information (`https://user:pass@host`);
 * - web redirect URIs are https (RFC 7591 2, OAuth 2.1 2.3.1);
 * - native redirect URIs (RFC 8252 7) are loopback http on 127.0.0.1, [::1] or
 *   localhost with any port, a private-use scheme (`com.example.app:/cb`), or https
 *   (a claimed URL); never http on another host, and never a scheme that runs
 *   code or reads local data (javascript:, data:, file:, vbscript:, about:, blob:, …);
 * - `client_uri`, `logo_uri`, `tos_uri` and `policy_uri` are https;
 * - OpenID Connect's `post_logout_redirect_uris` take the redirect URI rules
 *   (./client-metadata-oidc.ts), `initiate_login_uri` the https rule.
 */
import { InvalidClientMetadataError, InvalidRedirectUriError, quoteValue } from '../errors.js';

/** The longest URI accepted, in characters. */
export const MAX_URI_LENGTH = 2048;

/** Schemes no redirect URI may have: they run code, read local data, or are no web callback. */
const FORBIDDEN_SCHEMES: ReadonlySet<string> = new Set([
  'javascript:',
  'data:',
  'file:',
  'vbscript:',
  'about:',
  'blob:',
  'filesystem:',
  'intent:',
  'jar:',
  'view-source:',
  'ws:',
  'wss:',
  'ftp:',
  'mailto:',
  'tel:',
  'sms:',
]);

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', '[::1]', 'localhost']);

const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

type MetadataError = typeof InvalidClientMetadataError | typeof InvalidRedirectUriError;

/** Parses `uri` by the common rules (header); `member` names it in the error. */
function parseUri(member: string, uri: unknown, Err: MetadataError): URL {
  if (typeof uri !== 'string' || uri === '')
    throw new Err(`${member} has a value that is not a URI string`);
  if (uri.length > MAX_URI_LENGTH)
    throw new Err(`${member} has a URI longer than ${MAX_URI_LENGTH} characters`);
  if (!VISIBLE_ASCII.test(uri))
    throw new Err(`${member} has ${quoteValue(uri)}, which has characters a URI cannot have`);
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new Err(`${member} has ${quoteValue(uri)}, which is not an absolute URI`);
  }
  if (uri.includes('#'))
    throw new Err(`${member} has ${quoteValue(uri)}, which has a fragment (RFC 6749 3.1.2)`);
  if (url.username !== '' || url.password !== '' || /^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(uri))
    throw new Err(`${member} has ${quoteValue(uri)}, which has user information`);
  return url;
}

/** Whether `url` is http on a loopback host (any port). */
function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

/** Whether `url` has a private-use scheme (RFC 8252 7.1): neither http(s) nor a forbidden one. */
function isPrivateUse(url: URL): boolean {
  return (
    url.protocol !== 'http:' && url.protocol !== 'https:' && !FORBIDDEN_SCHEMES.has(url.protocol)
  );
}

/**
 * The application type of a registration that did not say: `native` when it has
 * redirect URIs and every one is loopback http or a private-use scheme (how
 * today's MCP clients register), else `web`.
 */
export function inferApplicationType(uris: readonly string[]): 'web' | 'native' {
  if (uris.length === 0) return 'web';
  const native = uris.every((uri) => {
    try {
      const url = new URL(uri);
      return isLoopbackHttp(url) || isPrivateUse(url);
    } catch {
      return false;
    }
  });
  return native ? 'native' : 'web';
}

/**
 * Checks one redirect URI for an application type. `member` and `Err` name the
 * member and the error (`post_logout_redirect_uris` takes the same rules but
 * answers `invalid_client_metadata`).
 * @throws InvalidRedirectUriError (or `Err`)
 */
export function checkRedirectUri(
  uri: unknown,
  type: 'web' | 'native',
  member = 'redirect_uris',
  Err: MetadataError = InvalidRedirectUriError,
): string {
  const url = parseUri(member, uri, Err);
  const text = uri as string;
  if (FORBIDDEN_SCHEMES.has(url.protocol))
    throw new Err(`${member} has ${quoteValue(text)}, whose scheme is not allowed`);
  if (url.protocol === 'https:') return text;
  if (type === 'web')
    throw new Err(`${member} has ${quoteValue(text)}: a web client's redirect URIs must be https`);
  if (isLoopbackHttp(url) || isPrivateUse(url)) return text;
  throw new Err(
    `${member} has ${quoteValue(text)}: a native client's http redirect URIs must be on a loopback host (RFC 8252 7.3)`,
  );
}

/** Checks an informational URI (`client_uri`, `logo_uri`, …): https. @throws InvalidClientMetadataError */
export function checkHttpsUri(member: string, uri: unknown): string {
  const url = parseUri(member, uri, InvalidClientMetadataError);
  if (url.protocol !== 'https:')
    throw new InvalidClientMetadataError(`${member} must be an https URI`);
  return uri as string;
}

/**
 * The Location of an authorization response, success or error.
 *
 * Rules:
 * - Every answer carries `iss` (RFC 9207 2) and, when the request had one, the
 *   exact `state` (RFC 6749 4.1.2).
 * - `code` answers in the query (RFC 6749 4.1.2), `token` in the fragment
 *   (RFC 6749 4.2.2); a registered query of the redirect URI is kept (3.1.2).
 * - Locations are built with URLSearchParams, so no value can inject a parameter.
 */
import type { OAuthError } from '../../errors.js';
import type { RedirectTarget } from './request.js';

/**
 * The Location of an authorization response: `params` (with `state` and `iss`
 * added; `undefined` values left out) in the query or the fragment.
 */
export function authorizationResponseLocation(
  target: RedirectTarget,
  params: Readonly<Record<string, string | undefined>>,
  issuer: string,
): string {
  const out = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) out.append(name, value);
  if (target.state !== undefined) out.append('state', target.state);
  out.append('iss', issuer);
  const uri = target.redirectUri;
  if (target.responseMode === 'fragment') return `${uri}#${out.toString()}`;
  return `${uri}${uri.includes('?') ? '&' : '?'}${out.toString()}`;
}

/** The Location that sends an error back to the client (RFC 6749 4.1.2.1, 4.2.2.1). */
export function errorLocation(target: RedirectTarget, error: OAuthError, issuer: string): string {
  return authorizationResponseLocation(
    target,
    { error: error.error, error_description: error.description, error_uri: error.uri },
    issuer,
  );
}

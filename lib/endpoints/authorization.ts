/**
 * The authorization endpoint's rules, framework-free (RFC 6749 3.1, 4.1.1, 4.2.1;
 * RFC 7636; RFC 9207; RFC 9700). The HTTP layer asks this module whether a
 * request is valid, and how to answer it; the login and consent steps are the
 * site adapter's.
 *
 * Validation order — errors about the client or the redirect URI are shown to the
 * user and never redirected (RFC 6749 4.1.2.1); once both are trusted, every
 * other error is redirected to the client with `state` and `iss`:
 *   1. `client_id` present once and known                    → else shown
 *   2. `redirect_uri` present at most once and registered     → else shown
 *      (exact string match; for a public client registered on http://127.0.0.1
 *      or http://[::1], any port — RFC 8252 7.3); absent only when the client has
 *      exactly one registered redirect URI
 *   3. no other parameter repeated                           → invalid_request
 *   4. `response_type` present, offered, and allowed to the client
 *                                        → invalid_request / unsupported_response_type / unauthorized_client
 *   5. `scope` known and allowed                              → invalid_scope
 *   6. PKCE for `code`: `code_challenge` required unless the client opted out; only
 *      S256 unless `plain` is enabled (a missing method means plain, RFC 7636 4.3)
 *                                                             → invalid_request
 * Responses carry `iss` (RFC 9207); `code` answers in the query, `token` (implicit)
 * in the fragment. Locations are built with URLSearchParams, so no value can
 * inject a parameter.
 */
import {
  AccessDeniedError,
  InvalidClientError,
  InvalidRequestError,
  OAuthError,
  quoteValue,
  UnauthorizedClientError,
  UnsupportedResponseTypeError,
} from '../errors.js';
import { isPkceValue, type CodeChallengeMethod } from '../helpers/pkce.js';
import type { ScopePolicy } from '../helpers/scope.js';
import type { ClientStore } from '../stores/types.js';
import { isPublicClient, type Client } from '../types.js';

/** Response types of the authorization endpoint. */
export type ResponseType = 'code' | 'token';

/** A checked authorization request. */
export interface AuthorizationRequest {
  readonly client: Client;
  readonly responseType: ResponseType;
  /** The redirect URI to answer at: the one sent, or the client's only one. */
  readonly redirectUri: string;
  /** Whether `redirect_uri` was in the request (then the token request must repeat it). */
  readonly redirectUriSent: boolean;
  readonly responseMode: 'query' | 'fragment';
  readonly scope: readonly string[];
  readonly state: string | undefined;
  readonly codeChallenge: string | undefined;
  readonly codeChallengeMethod: CodeChallengeMethod | undefined;
}

/** What to do with an authorization request. */
export type AuthorizationOutcome =
  | { readonly kind: 'valid'; readonly request: AuthorizationRequest }
  /** Show an error page: the client or redirect URI cannot be trusted. */
  | { readonly kind: 'show'; readonly error: OAuthError }
  /** Redirect the error to the client. */
  | { readonly kind: 'redirect'; readonly location: string; readonly error: OAuthError };

/** Query parameters, with the names that appeared more than once. */
export interface AuthorizationQuery {
  readonly params: Readonly<Record<string, string>>;
  readonly repeated: ReadonlySet<string>;
}

export interface AuthorizationContext {
  readonly issuer: string;
  readonly clients: ClientStore;
  readonly scopes: ScopePolicy;
  readonly responseTypes: ReadonlySet<ResponseType>;
  readonly allowPlainPkce: boolean;
}

/** Parses a query string (with or without `?`); empty values count as absent (RFC 6749 3.1). */
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

const LOOPBACK = /^http:\/\/(127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?([/?].*)?$/;

/** Whether `requested` is one of the client's redirect URIs (see rule 2 above). */
export function matchRedirectUri(client: Client, requested: string): boolean {
  if (client.redirectUris.includes(requested)) return true;
  if (!isPublicClient(client)) return false;
  const req = LOOPBACK.exec(requested);
  if (req === null) return false;
  const port = req[2] === undefined ? 80 : Number(req[2]);
  if (port < 1 || port > 65535) return false;
  return client.redirectUris.some((registered) => {
    const reg = LOOPBACK.exec(registered);
    return reg !== null && reg[1] === req[1] && (reg[3] ?? '') === (req[3] ?? '');
  });
}

/**
 * The Location of an authorization response: `params` (with `state` and `iss`
 * added) in the query for `code`, in the fragment for `token`.
 */
export function authorizationResponseLocation(
  target: { redirectUri: string; responseMode: 'query' | 'fragment'; state: string | undefined },
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

/** The Location that sends an error back to the client. */
export function errorLocation(
  target: { redirectUri: string; responseMode: 'query' | 'fragment'; state: string | undefined },
  error: OAuthError,
  issuer: string,
): string {
  return authorizationResponseLocation(
    target,
    { error: error.error, error_description: error.description, error_uri: error.uri },
    issuer,
  );
}

/** The Location of a denial (`access_denied`). */
export function deniedLocation(request: AuthorizationRequest, issuer: string): string {
  return errorLocation(
    request,
    new AccessDeniedError('the resource owner denied the request'),
    issuer,
  );
}

/** Checks an authorization request in the order above. Store failures reject. */
export async function validateAuthorizationRequest(
  query: AuthorizationQuery,
  context: AuthorizationContext,
): Promise<AuthorizationOutcome> {
  const { params, repeated } = query;
  const show = (error: OAuthError): AuthorizationOutcome => ({ kind: 'show', error });

  const clientId = params['client_id'];
  if (repeated.has('client_id'))
    return show(new InvalidRequestError('client_id must not be repeated'));
  if (clientId === undefined) return show(new InvalidRequestError('client_id is required'));
  const client = await context.clients.find(clientId);
  if (client === undefined) return show(new InvalidClientError('the client_id is unknown'));

  if (repeated.has('redirect_uri'))
    return show(new InvalidRequestError('redirect_uri must not be repeated'));
  const sent = params['redirect_uri'];
  let redirectUri: string;
  if (sent !== undefined) {
    if (!matchRedirectUri(client, sent))
      return show(new InvalidRequestError('the redirect_uri is not registered for this client'));
    redirectUri = sent;
  } else if (client.redirectUris.length === 1) {
    redirectUri = client.redirectUris[0] as string;
  } else {
    return show(
      new InvalidRequestError('redirect_uri is required: the client has more than one registered'),
    );
  }

  const responseTypeParam = params['response_type'];
  const responseMode = responseTypeParam === 'token' ? 'fragment' : 'query';
  const state = repeated.has('state') ? undefined : params['state'];
  const target = { redirectUri, responseMode, state } as const;
  const redirect = (error: OAuthError): AuthorizationOutcome => ({
    kind: 'redirect',
    location: errorLocation(target, error, context.issuer),
    error,
  });

  for (const name of repeated)
    return redirect(
      new InvalidRequestError(`the parameter ${quoteValue(name)} must not be repeated`),
    );
  if (responseTypeParam === undefined)
    return redirect(new InvalidRequestError('response_type is required'));
  if (responseTypeParam !== 'code' && responseTypeParam !== 'token') {
    return redirect(
      new UnsupportedResponseTypeError(
        `the response type ${quoteValue(responseTypeParam)} is not supported`,
      ),
    );
  }
  const responseType: ResponseType = responseTypeParam;
  if (!context.responseTypes.has(responseType)) {
    return redirect(
      new UnsupportedResponseTypeError(
        `the response type ${quoteValue(responseType)} is not enabled on this server`,
      ),
    );
  }
  if (!client.responseTypes.includes(responseType)) {
    return redirect(
      new UnauthorizedClientError(
        `the client may not use the response type ${quoteValue(responseType)}`,
      ),
    );
  }

  let scope: string[];
  try {
    scope = context.scopes.resolve(client, context.scopes.parse(params['scope']));
  } catch (err) {
    if (err instanceof OAuthError) return redirect(err);
    throw err;
  }

  let codeChallenge: string | undefined;
  let codeChallengeMethod: CodeChallengeMethod | undefined;
  if (responseType === 'code') {
    codeChallenge = params['code_challenge'];
    const method = params['code_challenge_method'];
    if (codeChallenge === undefined) {
      if (method !== undefined)
        return redirect(
          new InvalidRequestError('code_challenge_method was sent without code_challenge'),
        );
      if (client.requirePkce !== false)
        return redirect(new InvalidRequestError('code_challenge is required (PKCE, RFC 7636)'));
    } else {
      const m = method ?? 'plain';
      if (m !== 'S256' && !(m === 'plain' && context.allowPlainPkce)) {
        return redirect(
          new InvalidRequestError(
            method === undefined
              ? 'code_challenge_method is required: use S256'
              : 'code_challenge_method must be S256',
          ),
        );
      }
      if (!isPkceValue(codeChallenge))
        return redirect(
          new InvalidRequestError('code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~]'),
        );
      codeChallengeMethod = m;
    }
  }

  return {
    kind: 'valid',
    request: Object.freeze({
      client,
      responseType,
      redirectUri,
      redirectUriSent: sent !== undefined,
      responseMode,
      scope,
      state,
      codeChallenge,
      codeChallengeMethod,
    }),
  };
}

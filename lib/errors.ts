/**
 * The one error hierarchy of the library.
 *
 * Every error a client can see is an {@link OAuthError}: `error` is the RFC code,
 * `status` the HTTP status, `description` the public text sent as
 * `error_description`. Anything private (a store's exception, a failed signature)
 * goes in `cause`, which is logged and never sent.
 *
 * This module is a leaf: it imports nothing of the project.
 */

/**
 * Error codes of RFC 6749 (5.2, 4.1.2.1), RFC 6750 (3.1), RFC 7009 (2.2.1),
 * RFC 7591 (3.2.2), RFC 8707 (2), RFC 8628 (3.5), RFC 9101 (7), RFC 9449 (5, 7.1, 8, 9)
 * and OpenID Connect Core 1.0 (3.1.2.6).
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'unsupported_token_type'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'invalid_target'
  | 'authorization_pending'
  | 'slow_down'
  | 'expired_token'
  | 'invalid_request_uri'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'login_required'
  | 'consent_required';

/** The JSON body of an error response (RFC 6749 5.2). */
export interface OAuthErrorBody {
  error: OAuthErrorCode;
  error_description?: string;
  error_uri?: string;
}

export interface OAuthErrorOptions {
  /** A private exception behind the error: logged, never sent to the client. */
  cause?: unknown;
  /**
   * The specific reason, in words: logged and given to events, never sent. Used
   * where the public text is fixed so that it tells an attacker nothing
   * (`invalid_client`, `invalid_grant`).
   */
  detail?: string;
  /** Extra response headers, e.g. `WWW-Authenticate`. */
  headers?: Record<string, string>;
  /** A URI of a page about the error, sent as `error_uri`. */
  uri?: string;
}

const DESCRIPTION_CHAR = /[^\x20\x21\x23-\x5b\x5d-\x7e]/g;

/**
 * Quotes a request value for an error description: at most 40 characters, in
 * single quotes, every character outside RFC 6749's error_description set
 * (%x20-21 / %x23-5B / %x5D-7E) replaced by '?'.
 */
export function quoteValue(value: string): string {
  const cut = value.length > 40 ? `${value.slice(0, 40)}...` : value;
  return `'${cut.replace(DESCRIPTION_CHAR, '?')}'`;
}

/** Base class of every error the library sends to a client. */
export class OAuthError extends Error {
  /** The RFC error code sent as `error`. */
  readonly error: OAuthErrorCode;
  /** The HTTP status of the response. */
  readonly status: number;
  /** Public text sent as `error_description`. */
  readonly description: string;
  /** The private reason (logs and events only); the public description when none was given. */
  readonly detail: string;
  /** Sent as `error_uri` when set. */
  readonly uri: string | undefined;
  /** Extra response headers. */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * Whether the authorization endpoint may send this error back to the client's
   * redirect URI. Errors about the client or the redirect URI itself never are
   * (RFC 6749 4.1.2.1).
   */
  readonly redirectable: boolean;

  constructor(
    error: OAuthErrorCode,
    description: string,
    status: number,
    redirectable: boolean,
    options: OAuthErrorOptions = {},
  ) {
    super(description, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OAuthError';
    this.error = error;
    this.status = status;
    // RFC 6749 5.2: error_description "MUST NOT include characters outside the set
    // %x20-21 / %x23-5B / %x5D-7E".
    this.description = description.replace(DESCRIPTION_CHAR, '?');
    this.detail = options.detail ?? this.description;
    this.uri = options.uri;
    this.headers = Object.freeze({ ...options.headers });
    this.redirectable = redirectable;
  }

  /** The RFC 6749 5.2 body: `error`, `error_description`, and `error_uri` if set. */
  toJSON(): OAuthErrorBody {
    const body: OAuthErrorBody = { error: this.error, error_description: this.description };
    if (this.uri !== undefined) body.error_uri = this.uri;
    return body;
  }
}

/** A missing, repeated or malformed parameter (RFC 6749 5.2). Status 400. */
export class InvalidRequestError extends OAuthError {
  constructor(description: string, options?: OAuthErrorOptions) {
    super('invalid_request', description, 400, true, options);
    this.name = 'InvalidRequestError';
  }
}

/** The public text of every failed client authentication: the same for an unknown client, a wrong secret and a wrong method. */
export const CLIENT_AUTHENTICATION_FAILED = 'client authentication failed';

/**
 * Client authentication failed (RFC 6749 5.2). Status 401 with a `Basic`
 * challenge when the client used the Authorization header, else 400. The public
 * text is fixed ({@link CLIENT_AUTHENTICATION_FAILED}) unless `description` is
 * given for a case that reveals nothing (a malformed request); `detail` is the
 * private reason.
 */
export class InvalidClientError extends OAuthError {
  constructor(
    detail: string,
    options: OAuthErrorOptions & { basicRealm?: string; description?: string } = {},
  ) {
    const { basicRealm, description, ...rest } = options;
    const headers =
      basicRealm === undefined
        ? rest.headers
        : { ...rest.headers, 'WWW-Authenticate': `Basic realm="${basicRealm}", charset="UTF-8"` };
    super(
      'invalid_client',
      description ?? CLIENT_AUTHENTICATION_FAILED,
      basicRealm === undefined ? 400 : 401,
      false,
      {
        ...rest,
        detail,
        headers,
      },
    );
    this.name = 'InvalidClientError';
  }
}

/** The public text of every `invalid_grant`: which check failed is private. */
export const INVALID_GRANT =
  'the grant is invalid, expired or revoked, or was issued to another client';

/**
 * A bad authorization code, refresh token or resource owner credential. Status 400.
 * The public text is fixed ({@link INVALID_GRANT}); `detail` is the private reason.
 */
export class InvalidGrantError extends OAuthError {
  constructor(detail: string, options?: OAuthErrorOptions) {
    super('invalid_grant', INVALID_GRANT, 400, false, { ...options, detail });
    this.name = 'InvalidGrantError';
  }
}

/** The client may not use this grant or response type. Status 400. */
export class UnauthorizedClientError extends OAuthError {
  constructor(description: string, options?: OAuthErrorOptions) {
    super('unauthorized_client', description, 400, true, options);
    this.name = 'UnauthorizedClientError';
  }
}

/** The server does not offer the requested grant type. Status 400. */
export class UnsupportedGrantTypeError extends OAuthError {
  constructor(description: string, options?: OAuthErrorOptions) {
    super('unsupported_grant_type', description, 400, false, options);
    this.name = 'UnsupportedGrantTypeError';
  }
}

/** The server does not offer the requested response type. Status 400. */
export class UnsupportedResponseTypeError extends OAuthError {
  constructor(description: string, options?: OAuthErrorOptions) {
    super('unsupported_response_type', description, 400, true, options);
    this.name = 'UnsupportedResponseTypeError';
  }
}

/** Unknown scope, or more scope than the client or grant allows. Status 400. */
export class InvalidScopeError extends OAuthError {
  constructor(description: string, options?: OAuthErrorOptions) {
    super('invalid_scope', description, 400, true, options);
    this.name = 'InvalidScopeError';
  }
}

/** The resource owner or the server denied the request. Status 400 (or redirected). */
export class AccessDeniedError extends OAuthError {
  constructor(description: string, options?: OAuthErrorOptions) {
    super('access_denied', description, 400, true, options);
    this.name = 'AccessDeniedError';
  }
}

/** RFC 7009 2.2.1: the server cannot revoke this type of token. Status 400. */
export class UnsupportedTokenTypeError extends OAuthError {
  constructor(description: string, options?: OAuthErrorOptions) {
    super('unsupported_token_type', description, 400, false, options);
    this.name = 'UnsupportedTokenTypeError';
  }
}

/** RFC 7591 3.2.2: a redirect URI of a registration request is not acceptable. Status 400. */
export class InvalidRedirectUriError extends OAuthError {
  constructor(description: string, options?: OAuthErrorOptions) {
    super('invalid_redirect_uri', description, 400, false, options);
    this.name = 'InvalidRedirectUriError';
  }
}

/** RFC 7591 3.2.2: a client metadata member is invalid or not allowed. Status 400. */
export class InvalidClientMetadataError extends OAuthError {
  constructor(description: string, options?: OAuthErrorOptions) {
    super('invalid_client_metadata', description, 400, false, options);
    this.name = 'InvalidClientMetadataError';
  }
}

/**
 * RFC 8707 2: a `resource` is unknown, malformed, or not one this client or grant
 * may have a token for. Status 400 (redirected at the authorization endpoint).
 */
export class InvalidTargetError extends OAuthError {
  constructor(description: string, options?: OAuthErrorOptions) {
    super('invalid_target', description, 400, true, options);
    this.name = 'InvalidTargetError';
  }
}

/**
 * OpenID Connect Core 3.1.2.6: `prompt=none` and the user would have to sign in
 * (nobody is, or the login is older than `max_age` allows), or a forced login
 * did not happen. Status 400, redirected to the client.
 */
export class LoginRequiredError extends OAuthError {
  constructor(description: string, options?: OAuthErrorOptions) {
    super('login_required', description, 400, true, options);
    this.name = 'LoginRequiredError';
  }
}

/**
 * OpenID Connect Core 3.1.2.6: `prompt=none` and the user would have to be
 * asked for consent. Status 400, redirected to the client.
 */
export class ConsentRequiredError extends OAuthError {
  constructor(description: string, options?: OAuthErrorOptions) {
    super('consent_required', description, 400, true, options);
    this.name = 'ConsentRequiredError';
  }
}

/**
 * RFC 8628 3.5: the user has not yet answered the device authorization request;
 * the client keeps polling. Status 400.
 */
export class AuthorizationPendingError extends OAuthError {
  constructor(description = 'the user has not yet answered', options?: OAuthErrorOptions) {
    super('authorization_pending', description, 400, false, options);
    this.name = 'AuthorizationPendingError';
  }
}

/**
 * RFC 8628 3.5: still pending, and the client polled sooner than its interval
 * allows; the interval grows by 5 seconds. Status 400.
 */
export class SlowDownError extends OAuthError {
  constructor(
    description = 'polling too fast: wait longer between requests',
    options?: OAuthErrorOptions,
  ) {
    super('slow_down', description, 400, false, options);
    this.name = 'SlowDownError';
  }
}

/** RFC 8628 3.5: the device code expired; the client may start a new device authorization. Status 400. */
export class ExpiredTokenError extends OAuthError {
  constructor(description = 'the device code has expired', options?: OAuthErrorOptions) {
    super('expired_token', description, 400, false, options);
    this.name = 'ExpiredTokenError';
  }
}

/**
 * RFC 9101 7 (JAR), for RFC 9126 4: the `request_uri` of an authorization
 * request is unknown, expired, already used or another client's. Status 400;
 * shown to the user, never redirected (the redirect URI is in the request that
 * could not be found).
 */
export class InvalidRequestUriError extends OAuthError {
  constructor(description: string, options?: OAuthErrorOptions) {
    super('invalid_request_uri', description, 400, false, options);
    this.name = 'InvalidRequestUriError';
  }
}

/**
 * RFC 9449 5 and 7.1: the DPoP proof is missing, malformed, or does not match the
 * request. Status 400 (the token endpoint, RFC 9449 5); a protected resource
 * answers 401 with a `DPoP` challenge instead (lib/http/ maps it).
 */
export class InvalidDpopProofError extends OAuthError {
  constructor(description: string, options?: OAuthErrorOptions) {
    super('invalid_dpop_proof', description, 400, false, options);
    this.name = 'InvalidDpopProofError';
  }
}

/**
 * The headers of an answer that hands out a DPoP server nonce (RFC 9449 8.1,
 * 8.2): `DPoP-Nonce`, and `Access-Control-Expose-Headers: DPoP-Nonce` so that a
 * cross-origin page may read it (Fetch standard: a response header a page reads
 * must be exposed; the header is inert outside CORS).
 */
export function dpopNonceHeaders(nonce: string): Record<string, string> {
  return { 'DPoP-Nonce': nonce, 'Access-Control-Expose-Headers': 'DPoP-Nonce' };
}

/**
 * RFC 9449 8 and 9: the server wants a proof carrying the nonce it sends in the
 * `DPoP-Nonce` header (the proof had none, or a stale one). Status 400 (the token
 * endpoint); a protected resource answers 401 with a `DPoP` challenge instead.
 */
export class UseDpopNonceError extends OAuthError {
  /** The fresh nonce, also in the `DPoP-Nonce` header. */
  readonly nonce: string;

  constructor(nonce: string, options?: OAuthErrorOptions) {
    super('use_dpop_nonce', 'the DPoP proof must carry the nonce the server provides', 400, false, {
      ...options,
      headers: { ...options?.headers, ...dpopNonceHeaders(nonce) },
    });
    this.name = 'UseDpopNonceError';
    this.nonce = nonce;
  }
}

/** An unexpected failure. Status 500 with a generic description. */
export class ServerError extends OAuthError {
  constructor(
    description = 'the server encountered an unexpected error',
    options?: OAuthErrorOptions,
  ) {
    super('server_error', description, 500, true, options);
    this.name = 'ServerError';
  }
}

/** A dependency (usually a store) is down or overloaded. Status 503. */
export class TemporarilyUnavailableError extends OAuthError {
  constructor(
    description = 'the server is temporarily unable to handle the request',
    options?: OAuthErrorOptions,
  ) {
    super('temporarily_unavailable', description, 503, true, {
      ...options,
      headers: { 'Retry-After': '5', ...options?.headers },
    });
    this.name = 'TemporarilyUnavailableError';
  }
}

/** The public text of every rate-limit refusal: which limit, and for whom, is private. */
export const TOO_MANY_FAILURES = 'too many failed attempts: try again later';

/**
 * Too many failed attempts (client authentication, password grants, …) for one key:
 * refused unchecked. Status 429 (RFC 6585 4) with `Retry-After` in seconds. The code
 * is `temporarily_unavailable`, the RFC 6749 code nearest in meaning (5.2 has none
 * for this); the README's "Decisions" table says why. The text is fixed
 * ({@link TOO_MANY_FAILURES}).
 */
export class TooManyFailuresError extends OAuthError {
  /** Whole seconds (at least 1) until the key may be tried again: the `Retry-After` value. */
  readonly retryAfter: number;

  constructor(retryAfter: number, options?: OAuthErrorOptions) {
    const seconds = Math.max(1, Math.ceil(retryAfter));
    super('temporarily_unavailable', TOO_MANY_FAILURES, 429, false, {
      ...options,
      headers: { ...options?.headers, 'Retry-After': String(seconds) },
    });
    this.name = 'TooManyFailuresError';
    this.retryAfter = seconds;
  }
}

/** RFC 6750 3.1: the access token is malformed, expired, revoked or unknown. Status 401. */
export class InvalidTokenError extends OAuthError {
  constructor(description: string, options?: OAuthErrorOptions) {
    super('invalid_token', description, 401, false, options);
    this.name = 'InvalidTokenError';
  }
}

/** RFC 6750 3.1: the access token lacks a scope the resource needs. Status 403. */
export class InsufficientScopeError extends OAuthError {
  /** The scopes the resource needs, sent in the `scope` attribute of the challenge. */
  readonly requiredScope: readonly string[];

  constructor(requiredScope: readonly string[], options?: OAuthErrorOptions) {
    super(
      'insufficient_scope',
      'the access token does not carry the scope this resource needs',
      403,
      false,
      options,
    );
    this.name = 'InsufficientScopeError';
    this.requiredScope = requiredScope;
  }
}

/**
 * Thrown by a store whose backend cannot be reached or timed out. The engine turns
 * it into `temporarily_unavailable` (503); any other store exception becomes
 * `server_error` (500). `code` is `'OAUTH2_STORE_UNAVAILABLE'`.
 */
export class StoreUnavailableError extends Error {
  readonly code = 'OAUTH2_STORE_UNAVAILABLE';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * The host app is wired wrongly (no session, no Passport, …): passed to `next(err)`
 * with a message that names the fix, never shown to the client as an OAuth error.
 * `code` is `'OAUTH2_SETUP'`.
 */
export class SetupError extends Error {
  readonly code = 'OAUTH2_SETUP';

  constructor(message: string) {
    super(`oauth2-stateless: ${message}`);
    this.name = 'SetupError';
  }
}

/**
 * Turns anything thrown into an {@link OAuthError}: OAuth errors pass through, a
 * {@link StoreUnavailableError} becomes 503, everything else a generic 500 whose
 * cause keeps the original for the log.
 */
export function toOAuthError(err: unknown): OAuthError {
  if (err instanceof OAuthError) return err;
  if (err instanceof StoreUnavailableError)
    return new TemporarilyUnavailableError(undefined, { cause: err });
  return new ServerError(undefined, { cause: err });
}

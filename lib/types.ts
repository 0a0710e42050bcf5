/**
 * Plain data types shared by every layer. A leaf: imports nothing of the project.
 *
 * Times are Unix epoch seconds unless a name says otherwise.
 */

import type { JsonWebKey, KeyObject } from 'node:crypto';

/** Grant types of RFC 6749 that the engine implements. */
export type GrantType =
  | 'authorization_code'
  | 'client_credentials'
  | 'password'
  | 'refresh_token'
  // An extension grant's absolute URI (RFC 6749 4.5), registered with the provider.
  | (string & {});

/** Client authentication methods at the token endpoint (RFC 7591 2). */
export type ClientAuthMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'none'
  // A method registered with the provider (e.g. `private_key_jwt`).
  | (string & {});

/** A registered client (the seed's `Client`). */
export interface Client {
  /** The `client_id`. */
  readonly id: string;
  /**
   * The hashed client secret, as made by `hashClientSecret()` or
   * `generateClientSecret()`. Absent for public clients. The plain secret is never stored.
   */
  readonly secretHash?: string | undefined;
  /** Registered redirect URIs, compared as exact strings. */
  readonly redirectUris: readonly string[];
  /** Grant types this client may use at the token endpoint. */
  readonly grantTypes: readonly GrantType[];
  /** Response types this client may use at the authorization endpoint (`code`, `token`). */
  readonly responseTypes: readonly string[];
  /** Scopes this client may ask for. Absent: every scope the server offers. */
  readonly scopes?: readonly string[] | undefined;
  /** Scopes granted when a request names none. Absent: the server's default. */
  readonly defaultScopes?: readonly string[] | undefined;
  /**
   * How the client authenticates at the token endpoint. `['none']` makes it a
   * public client. Default for confidential clients: both secret methods.
   */
  readonly tokenEndpointAuthMethods: readonly ClientAuthMethod[];
  /** Human-readable name, shown on the consent page. */
  readonly name?: string | undefined;
  /**
   * Whether PKCE is required for this client's authorization code requests.
   * Always true for public clients; confidential clients may opt out. Default true.
   */
  readonly requirePkce?: boolean | undefined;
  /** A resource server may introspect every client's tokens (RFC 7662). Default false. */
  readonly resourceServer?: boolean | undefined;
  /**
   * A client of the server's own operator; with `consent.skipForFirstParty` its
   * users are not asked to consent. Default false.
   */
  readonly firstParty?: boolean | undefined;
  /**
   * How a client the operator did not configure came to be: `registration` (it
   * registered itself, RFC 7591) or `metadata-document` (its `client_id` is the
   * URL of its metadata, fetched on use). Absent for configured clients and those
   * the host saved itself. The consent page tells the user such a client is not
   * pre-registered.
   */
  readonly source?: 'registration' | 'metadata-document' | undefined;
  /** RFC 7591 2 `application_type`: `web` (https redirect URIs) or `native`. Absent: `web`. */
  readonly applicationType?: 'web' | 'native' | undefined;
  /** RFC 7591 2 `client_uri`: the client's home page (https). */
  readonly clientUri?: string | undefined;
  /** RFC 7591 2 `logo_uri` (https). */
  readonly logoUri?: string | undefined;
  /** RFC 7591 2 `tos_uri` (https). */
  readonly tosUri?: string | undefined;
  /** RFC 7591 2 `policy_uri` (https). */
  readonly policyUri?: string | undefined;
  /** RFC 7591 2 `contacts`: ways to reach the people responsible (usually e-mail addresses). */
  readonly contacts?: readonly string[] | undefined;
  /** RFC 7591 2 `software_id`. */
  readonly softwareId?: string | undefined;
  /** RFC 7591 2 `software_version`. */
  readonly softwareVersion?: string | undefined;
  /** A registered client's management credential (RFC 7592): the SHA-256 of its registration access token. */
  readonly registrationTokenHash?: string | undefined;
  /** RFC 7591 3.2.1 `client_id_issued_at`, epoch seconds (registered clients). */
  readonly clientIdIssuedAt?: number | undefined;
  /** RFC 7591 3.2.1 `client_secret_expires_at`, epoch seconds; 0 or absent: never. */
  readonly clientSecretExpiresAt?: number | undefined;
  /**
   * RFC 7591 2 `jwks`: the client's public keys, a JWK Set (its JSON form), for
   * `private_key_jwt`. Exclusive with `jwksUri`.
   */
  readonly jwks?: { readonly keys: readonly JsonWebKey[] } | undefined;
  /** RFC 7591 2 `jwks_uri`: an https URL of the client's public JWK Set, for `private_key_jwt`. */
  readonly jwksUri?: string | undefined;
  /**
   * The secret of `client_secret_jwt`'s HMAC, kept readable (a hash cannot verify
   * an HMAC) and as a key object, so it never shows in JSON or logs.
   */
  readonly jwtSecret?: KeyObject | undefined;
  /**
   * RFC 9449 5.2 `dpop_bound_access_tokens`: the client always sends a DPoP proof
   * at the token endpoint; a token request without one is refused. Default false.
   */
  readonly dpopBoundAccessTokens?: boolean | undefined;
  /**
   * RFC 9126 6 `require_pushed_authorization_requests`: the authorization
   * endpoint accepts only this client's pushed requests (`request_uri`). Default false.
   */
  readonly requirePushedAuthorizationRequests?: boolean | undefined;
  /**
   * OpenID Connect RP-Initiated Logout 1.0 3.1 `post_logout_redirect_uris`: where
   * the end-session endpoint may send the user back after logout, each compared
   * exactly. Default none (no redirect after logout).
   */
  readonly postLogoutRedirectUris?: readonly string[] | undefined;
  /**
   * OpenID Connect Core 8 `subject_type`: `public` (the user's one subject for
   * every client, the default) or `pairwise` (a subject of its own per sector,
   * lib/endpoints/openid/subject.ts).
   */
  readonly subjectType?: 'public' | 'pairwise' | undefined;
  /**
   * OpenID Connect Dynamic Client Registration 1.0 2 `default_max_age`: seconds
   * after which the user must sign in again, applied to an authorization request
   * without `max_age` of its own (as if it had sent it). Default none.
   */
  readonly defaultMaxAge?: number | undefined;
  /**
   * OpenID Connect Dynamic Client Registration 1.0 2 `require_auth_time`: the
   * client needs `auth_time` in its id_tokens. Kept and echoed only: the server
   * puts `auth_time` in every id_token whenever the login time is known.
   * Default false.
   */
  readonly requireAuthTime?: boolean | undefined;
  /**
   * OpenID Connect Dynamic Client Registration 1.0 2
   * `id_token_signed_response_alg`, as registered: always the algorithm of the
   * server's active key (a registration asking for another is refused; the
   * server never signs with another). Default absent.
   */
  readonly idTokenSignedResponseAlg?: string | undefined;
  /**
   * OpenID Connect Core 1.0 4 / Dynamic Client Registration 1.0 2
   * `initiate_login_uri`: the https URI where a third party may start a login at
   * the client. Kept and echoed. Default absent.
   */
  readonly initiateLoginUri?: string | undefined;
}

/** Whether a client is public (it has no secret and authenticates with `none`). */
export function isPublicClient(client: Client): boolean {
  return client.tokenEndpointAuthMethods.includes('none');
}

/**
 * An authorization code as stored. `id` is the SHA-256 of the code, never the code.
 */
export interface AuthorizationCodeRecord {
  readonly id: string;
  readonly clientId: string;
  /** The resource owner's identifier. */
  readonly subject: string;
  readonly scope: readonly string[];
  /** The redirect URI the code was sent to. */
  readonly redirectUri: string;
  /** Whether `redirect_uri` was in the authorization request (then it is required at the token endpoint). */
  readonly redirectUriSent: boolean;
  readonly codeChallenge?: string | undefined;
  readonly codeChallengeMethod?: 'S256' | 'plain' | undefined;
  /** The grant (token family) every token made from this code belongs to. */
  readonly grantId: string;
  /**
   * The resources (RFC 8707 indicators) the authorization was granted for; a
   * token from this code is for one of them. Absent: the default audience only.
   */
  readonly resources?: readonly string[] | undefined;
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** Set once the code was redeemed; a consumed code is kept until it expires so replays are seen. */
  readonly consumed?: boolean | undefined;
  /**
   * RFC 9449 10 `dpop_jkt`: the thumbprint of the key the code is bound to; its
   * redemption needs a DPoP proof of that key.
   */
  readonly dpopJkt?: string | undefined;
  /** OpenID Connect: the authorization request's `nonce`, echoed in the id_token. */
  readonly nonce?: string | undefined;
  /** OpenID Connect: when the user authenticated (epoch seconds), the id_token's `auth_time`. */
  readonly authTime?: number | undefined;
  /** OpenID Connect: how the user authenticated (OIDC Core 2 `acr`), as the site adapter said. */
  readonly acr?: string | undefined;
  /** OpenID Connect: the authentication methods (OIDC Core 2 `amr`, RFC 8176), as the site adapter said. */
  readonly amr?: readonly string[] | undefined;
  /** OpenID Connect: the request's `claims_locales` (OIDC Core 5.2), BCP 47 tags, for UserInfo. */
  readonly claimsLocales?: readonly string[] | undefined;
  /** Anything the host app wants to keep with the authorization (JSON-serialisable). */
  readonly extra?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * An access token as stored. `id` is the JWT's `jti` for JWT tokens, or the SHA-256
 * of the token for opaque ones.
 */
export interface AccessTokenRecord {
  readonly id: string;
  readonly format: 'opaque' | 'jwt';
  readonly clientId: string;
  /** The resource owner, or the client id for client_credentials. */
  readonly subject: string;
  readonly scope: readonly string[];
  readonly audience: string;
  /** The grant that issued it; `implicit` for tokens from the authorization endpoint. */
  readonly grantType: GrantType | 'implicit';
  readonly grantId: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
  /**
   * For unique tokens only: the key under which the store finds this token again
   * (see `AccessTokenStore.findByUniqueKey`).
   */
  readonly uniqueKey?: string | undefined;
  /**
   * For unique tokens only: the token itself, so the same token can be handed out
   * again. Absent otherwise: the store never holds a usable token.
   */
  readonly token?: string | undefined;
  /** Who acts for the subject (RFC 8693 4.1 `act`), for tokens made by token exchange. */
  readonly act?: ActorClaim | undefined;
  /** RFC 9449 6: the thumbprint of the DPoP key the token is bound to (JWTs carry it as `cnf.jkt`). */
  readonly jkt?: string | undefined;
  /**
   * OpenID Connect: the authorization's `claims_locales` (OIDC Core 5.2), BCP 47
   * tags for UserInfo (JWTs carry them as the space-separated claim `claims_locales`).
   */
  readonly claimsLocales?: readonly string[] | undefined;
}

/**
 * The actor of a delegated token (RFC 8693 4.1 `act`): `sub` names the party
 * acting for the token's subject; a nested `act` names the one that acted before
 * it ("the outermost act claim represents the current actor").
 */
export interface ActorClaim {
  readonly sub: string;
  readonly act?: ActorClaim | undefined;
}

/** A refresh token as stored. `id` is the SHA-256 of the token. */
export interface RefreshTokenRecord {
  readonly id: string;
  readonly clientId: string;
  readonly subject: string;
  /** The scope of the original grant; a refresh may narrow the access token's scope, never this. */
  readonly scope: readonly string[];
  readonly grantId: string;
  /**
   * The resources (RFC 8707 indicators) of the grant, kept across rotation; a
   * refresh may ask for one of them, never another. Absent: the default audience only.
   */
  readonly resources?: readonly string[] | undefined;
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** Set once the token was rotated out; kept until expiry so reuse is detected. */
  readonly consumed?: boolean | undefined;
  /** When it was rotated out (epoch seconds). */
  readonly consumedAt?: number | undefined;
  /**
   * RFC 9449 5: the thumbprint of the DPoP key a public client's refresh token is
   * bound to; a refresh must prove that key.
   */
  readonly jkt?: string | undefined;
  /** OpenID Connect: when the user authenticated (epoch seconds), for refreshed id_tokens. */
  readonly authTime?: number | undefined;
  /** OpenID Connect: the login's `acr` (OIDC Core 2), for refreshed id_tokens. */
  readonly acr?: string | undefined;
  /** OpenID Connect: the login's `amr` (OIDC Core 2, RFC 8176), for refreshed id_tokens. */
  readonly amr?: readonly string[] | undefined;
  /** OpenID Connect: the authorization's `claims_locales` (OIDC Core 5.2), for the refreshed access tokens. */
  readonly claimsLocales?: readonly string[] | undefined;
}

/**
 * A pino-compatible logger: each method takes a context object and a message.
 * The default logger is silent.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** The current time in milliseconds since the epoch; replaceable for tests. */
export type Clock = () => number;

/** What an adapter knows about a request beyond its parameters. */
export interface RequestMeta {
  /** The client's address: the socket's, or the one a trusted-proxy rule chose. */
  readonly ip?: string | undefined;
  /** An id for logs and events (e.g. the `X-Request-Id` the host set). */
  readonly requestId?: string | undefined;
  /** The user's preferred language tag, when the adapter knows it (`Accept-Language`). */
  readonly locale?: string | undefined;
}

/**
 * A request as an adapter hands it to the engine (Express, node:http and Fetch
 * alike). Only `params` is required; the engine fills in the rest.
 */
export interface EngineRequest {
  /** Form parameters, each a single non-empty string (the HTTP layer checks that). */
  readonly params: Readonly<Record<string, string>>;
  /**
   * Every value of the parameters an endpoint or grant declares repeatable (e.g.
   * `resource`, RFC 8707); `params` holds their first value. Other parameters are
   * refused when repeated.
   */
  readonly lists?: Readonly<Record<string, readonly string[]>> | undefined;
  /** The raw `Authorization` header, if any (shorthand for `headers.authorization`). */
  readonly authorization?: string | undefined;
  /** Request headers by lower-case name. */
  readonly headers?: Readonly<Record<string, string | undefined>> | undefined;
  /** The HTTP method. Default `POST`. */
  readonly method?: string | undefined;
  readonly meta?: RequestMeta | undefined;
}

/**
 * The request context every endpoint, grant and client-authentication method
 * reads: immutable, built by the engine from an {@link EngineRequest}. Nothing
 * reaches for the framework's request.
 */
export interface RequestContext {
  readonly method: string;
  /**
   * The endpoint's URL, built from the issuer and the configured path, never from
   * the Host header (DPoP's `htu`, client assertions' `aud`).
   */
  readonly url: string;
  /** A header by name (case-insensitive). */
  header(name: string): string | undefined;
  /** Single-valued form parameters. */
  readonly params: Readonly<Record<string, string>>;
  /** Every value of a declared-repeatable parameter; `[]` when absent. */
  all(name: string): readonly string[];
  readonly meta: RequestMeta;
}

/** A response as the engine makes it; an HTTP adapter writes it out as JSON. */
export interface EngineResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/**
 * The shape of a client-authentication method (RFC 7591 2
 * `token_endpoint_auth_method`). Authentication runs in two phases:
 *
 * 1. every registered method looks at the request's shape (`present`): does it
 *    carry this method's credentials? Exactly one method may answer (RFC 6749 2.3);
 * 2. the client named by those credentials must be registered for that method,
 *    and the method then checks the credentials against the client (`verify`).
 *
 * New methods (private_key_jwt and client_secret_jwt are built in this way;
 * DPoP-bound public clients next) join by implementing this interface and being
 * registered with the provider.
 */
import type { AssertionReplayCache } from '../stores/assertion-replay.js';
import type { Client, RequestContext } from '../types.js';
import type { ClientKeySource } from './client-key-source.js';
import type { SecretChecker } from './secret-checker.js';

/** What a request presented for one method. */
export interface PresentedCredentials {
  /** The client id the credentials name. */
  readonly clientId: string;
  /** A shared secret (`client_secret_basic`, `client_secret_post`); never logged. */
  readonly secret?: string | undefined;
  /** A client assertion (`private_key_jwt`, `client_secret_jwt`); never logged. */
  readonly assertion?: string | undefined;
}

/** What JWT client assertions need from the provider (./assertion.ts). */
export interface ClientAssertionContext {
  /** The issuer identifier: an assertion's `aud` may name it. */
  readonly issuer: string;
  /** The token endpoint's URL, which an assertion's `aud` may name at every endpoint. */
  tokenEndpoint(): string;
  /** How far ahead an assertion's `exp` may be, in seconds. */
  readonly maxLifetime: number;
  /** Used `jti`s, in the shared store. */
  readonly replay: AssertionReplayCache;
  /** Clients' public keys, inline or fetched. */
  readonly keys: ClientKeySource;
}

/** What a method's `verify` may use besides the request and the client. */
export interface ClientAuthContext {
  /** The provider's clock, in epoch milliseconds. */
  now(): number;
  /** The request being authenticated (its headers, parameters and meta). */
  readonly request?: RequestContext | undefined;
  /**
   * The provider's check of shared secrets: exact, cached, capped and limited per
   * client id + address (./secret-checker.ts). A method that checks a shared secret
   * uses it rather than comparing hashes itself.
   */
  readonly secrets?: SecretChecker | undefined;
  /** What client assertions need; without it, every assertion is refused. */
  readonly assertions?: ClientAssertionContext | undefined;
}

/** One client-authentication method. */
export interface ClientAuthenticationMethod {
  /** The `token_endpoint_auth_method` value, e.g. `client_secret_basic`. */
  readonly name: string;
  /** Whether the method proves possession of a secret or key (`none` does not). */
  readonly confidential: boolean;
  /**
   * The JWS algorithms of the method's assertions, for metadata's
   * `*_auth_signing_alg_values_supported` (RFC 8414 2). Default none.
   */
  readonly signingAlgorithms?: readonly string[] | undefined;
  /**
   * Phase 1: the credentials of this method in the request, or undefined when it
   * carries none. Throws `invalid_request` / `invalid_client` for malformed ones.
   */
  present(request: RequestContext): PresentedCredentials | undefined;
  /**
   * Phase 2: whether the credentials prove the client's identity. A method may
   * throw `InvalidClientError` instead of answering false, to give the private
   * reason (its `detail`) to the events.
   */
  verify(
    presented: PresentedCredentials,
    client: Client,
    context: ClientAuthContext,
  ): boolean | Promise<boolean>;
}

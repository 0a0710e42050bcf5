/**
 * The shape of a client-authentication method (RFC 7591 2
 * `token_endpoint_auth_method`). Authentication runs in two phases:
 *
 * 1. every registered method looks at the request's shape (`present`): does it
 *    carry this method's credentials? Exactly one method may answer (RFC 6749 2.3);
 * 2. the client named by those credentials must be registered for that method,
 *    and the method then checks the credentials against the client (`verify`).
 *
 * New methods (private_key_jwt, client_secret_jwt, DPoP-bound public clients)
 * join by implementing this interface and being registered with the provider.
 */
import type { Client, RequestContext } from '../types.js';
import type { SecretChecker } from './secret-checker.js';

/** What a request presented for one method. */
export interface PresentedCredentials {
  /** The client id the credentials name. */
  readonly clientId: string;
  /** The method's own data (a secret, an assertion); never logged. */
  readonly secret?: string | undefined;
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
}

/** One client-authentication method. */
export interface ClientAuthenticationMethod {
  /** The `token_endpoint_auth_method` value, e.g. `client_secret_basic`. */
  readonly name: string;
  /** Whether the method proves possession of a secret or key (`none` does not). */
  readonly confidential: boolean;
  /**
   * Phase 1: the credentials of this method in the request, or undefined when it
   * carries none. Throws `invalid_request` / `invalid_client` for malformed ones.
   */
  present(request: RequestContext): PresentedCredentials | undefined;
  /** Phase 2: whether the credentials prove the client's identity. */
  verify(
    presented: PresentedCredentials,
    client: Client,
    context: ClientAuthContext,
  ): boolean | Promise<boolean>;
}

/**
 * Client authentication at the token, revocation and introspection endpoints
 * (the seed's `http_basic_auth` and `request_body`), over the registered methods
 * (./method.ts explains the two phases; ./basic.ts, ./post.ts, ./none.ts are the
 * built-in ones).
 *
 * Rules:
 * - more than one method in one request is `invalid_request` (RFC 6749 2.3), as is
 *   a `client_secret` without a `client_id`;
 * - a request with no credentials at all is `invalid_client` with a `Basic`
 *   challenge (401);
 * - an unknown client, a client not registered for the method used and a wrong
 *   secret are the same `invalid_client` from outside: same status, same body
 *   (401 with a challenge after an Authorization header, else 400, RFC 6749 5.2);
 *   which one it was is the error's private `detail`, seen by logs and events only;
 * - a shared secret sent for an unknown client, or by a method the client is not
 *   registered for, still costs a secret check (the secret checker's decoy: the
 *   same failure limit, cap and scrypt cost as a wrong secret), so neither timing
 *   nor a 429 tells whether the client exists;
 * - a malformed credential (a Basic header, a client assertion) is reported to
 *   the events like any other failure;
 * - a client assertion sent for an unknown client, or by a method the client is
 *   not registered for, counts against the same failure limit as a wrong one;
 * - methods verify with the request, the provider's secret checker and what
 *   client assertions need in their context (./method.ts); a method's
 *   `invalid_client` carries its private reason to the events;
 * - an endpoint may accept confidential methods only (introspection): a public
 *   client there is the same `invalid_client`.
 */
import { InvalidClientError, InvalidRequestError } from '../errors.js';
import type { ClientStore } from '../stores/types.js';
import type { Client, RequestContext } from '../types.js';
import type {
  ClientAuthContext,
  ClientAuthenticationMethod,
  PresentedCredentials,
} from './method.js';
import { BASIC_REALM } from './secret.js';

/** The result of a successful authentication. */
export interface AuthenticatedClient {
  client: Client;
  /** The name of the method that authenticated it. */
  method: string;
}

/** Why authentication failed, for events (never sent). */
export interface AuthenticationFailure {
  clientId: string | undefined;
  method: string | undefined;
  reason: string;
}

function presented(
  request: RequestContext,
  methods: readonly ClientAuthenticationMethod[],
): { method: ClientAuthenticationMethod; credentials: PresentedCredentials } | undefined {
  const header = request.header('authorization');
  const secret = request.params['client_secret'];
  if (secret !== undefined && header !== undefined && header !== '') {
    throw new InvalidRequestError(
      'the client used more than one authentication method (Authorization header and client_secret)',
    );
  }
  if (secret !== undefined && request.params['client_id'] === undefined) {
    throw new InvalidRequestError('client_secret was sent without client_id');
  }
  let found: { method: ClientAuthenticationMethod; credentials: PresentedCredentials } | undefined;
  for (const method of methods) {
    const credentials = method.present(request);
    if (credentials === undefined) continue;
    if (found !== undefined) {
      throw new InvalidRequestError(
        `the client used more than one authentication method (${found.method.name} and ${method.name})`,
      );
    }
    found = { method, credentials };
  }
  return found;
}

/** {@link presented}, with a malformed credential (`invalid_client`) reported to `onFailure`. */
function presentedOrReported(
  request: RequestContext,
  methods: readonly ClientAuthenticationMethod[],
  onFailure: ((failure: AuthenticationFailure) => void) | undefined,
): ReturnType<typeof presented> {
  try {
    return presented(request, methods);
  } catch (err) {
    if (err instanceof InvalidClientError)
      onFailure?.({ clientId: undefined, method: undefined, reason: err.detail });
    throw err;
  }
}

/**
 * Authenticates the client of a request with one of `methods`, or throws
 * `invalid_client` / `invalid_request`. `onFailure` hears why (for events).
 */
export async function authenticateClient(
  request: RequestContext,
  clients: ClientStore,
  methods: readonly ClientAuthenticationMethod[],
  context: ClientAuthContext,
  onFailure?: (failure: AuthenticationFailure) => void,
  confidentialOnly = false,
): Promise<AuthenticatedClient> {
  const found = presentedOrReported(request, methods, onFailure);
  const realm = (name: string | undefined) =>
    name === 'client_secret_basic' || name === undefined ? { basicRealm: BASIC_REALM } : {};
  const fail = (clientId: string | undefined, method: string | undefined, reason: string) => {
    onFailure?.({ clientId, method, reason });
    return new InvalidClientError(reason, realm(method));
  };
  if (found === undefined) throw fail(undefined, undefined, 'no client credentials');
  const { method, credentials } = found;
  const checking: ClientAuthContext = { ...context, request };
  /** A secret or assertion that cannot be checked costs what a wrong one does. */
  const decoy = async (): Promise<void> => {
    const { clientId, secret, assertion } = credentials;
    if (secret !== undefined) await context.secrets?.decoy({ clientId, secret, request });
    else if (assertion !== undefined) await context.secrets?.countFailure({ clientId, request });
  };
  const client = await clients.find(credentials.clientId);
  if (client === undefined) {
    await decoy();
    throw fail(credentials.clientId, method.name, 'unknown client');
  }
  if (confidentialOnly && !method.confidential) {
    throw fail(client.id, method.name, 'this endpoint needs a confidential client');
  }
  if (!client.tokenEndpointAuthMethods.includes(method.name as never)) {
    const reason =
      method.name === 'none'
        ? 'the client must authenticate'
        : `the client is not registered for ${method.name}`;
    await decoy();
    throw fail(client.id, method.name, reason);
  }
  let verified: boolean;
  try {
    verified = await method.verify(credentials, client, checking);
  } catch (err) {
    if (err instanceof InvalidClientError) throw fail(client.id, method.name, err.detail);
    throw err;
  }
  if (!verified) throw fail(client.id, method.name, 'wrong credentials');
  return { client, method: method.name };
}

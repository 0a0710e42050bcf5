/**
 * `GET`, `PUT` and `DELETE <registration endpoint>/<client id>`: a registered
 * client reads, updates or deletes its registration (RFC 7592 2).
 *
 * Rules:
 * - only with `Authorization: Bearer <registration_access_token>`, compared by
 *   hash in constant time; a wrong or missing token, an unknown client id, and a
 *   client that did not register itself (configured, saved by the host, or a
 *   metadata document) all get the same 401 `invalid_token` (2.1: no enumeration);
 * - read (2.1): 200 with the client information response, without the secret
 *   (it is stored hashed) and with the token the request presented;
 * - update (2.2): the body is the full new metadata, checked as a registration
 *   is; its `client_id` must be the client's; a `client_secret` in it must be the
 *   current one (it can never set a secret of its choosing); the registration
 *   fields (`registration_access_token`, `registration_client_uri`,
 *   `client_id_issued_at`, `client_secret_expires_at`) in it are ignored; a client
 *   moving to a secret method, or whose secret expired, gets a new secret; a client
 *   moving to `none` loses its secret; 200 with the client information response;
 * - delete (2.3): 204; the registration access token dies with the client, and
 *   the client can no longer authenticate, so its codes and refresh tokens are of
 *   no more use (access tokens it holds live until they expire);
 * - `client.updated` / `client.deleted` are emitted once, by the client registry.
 */
import { InvalidClientMetadataError } from '../../errors.js';
import { issuesSecret } from '../../helpers/client-metadata.js';
import { verifyClientSecret } from '../../helpers/secrets.js';
import type { Client, EngineResponse, RequestContext } from '../../types.js';
import { bearerToken, holdsRegistration, invalidToken } from './bearer.js';
import { checkedConfig, newSecret, registeredClient } from './build.js';
import { NO_STORE, nowOf, type RegistrationContext } from './context.js';
import { clientInformation } from './response.js';

/** The client the request may manage, with its token; else the one 401. */
async function authorizedClient(
  request: RequestContext,
  clientId: string,
  context: RegistrationContext,
): Promise<{ client: Client; token: string }> {
  const token = bearerToken(request);
  const client = context.options.management ? await context.clients.find(clientId) : undefined;
  if (!holdsRegistration(client, token) || client === undefined || token === undefined)
    throw invalidToken('registration', `no registration ${clientId} with this token`);
  return { client, token };
}

function member(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null && Object.hasOwn(body, name)
    ? (body as Record<string, unknown>)[name]
    : undefined;
}

/** RFC 7592 2.2: the body names the client, and any secret in it is the current one. */
async function checkIdentity(body: unknown, client: Client): Promise<void> {
  if (member(body, 'client_id') !== client.id)
    throw new InvalidClientMetadataError('client_id must be the registered client id');
  const secret = member(body, 'client_secret');
  if (secret === undefined || secret === null) return;
  const matches =
    typeof secret === 'string' &&
    client.secretHash !== undefined &&
    (await verifyClientSecret(secret, client.secretHash));
  if (!matches)
    throw new InvalidClientMetadataError('client_secret is not the current client secret');
}

/** The secret of the updated client: kept, made anew, or dropped. */
function updatedSecret(client: Client, method: string, context: RegistrationContext) {
  if (!issuesSecret(method))
    return { secretHash: undefined, expiresAt: undefined, secret: undefined };
  const expiresAt = client.clientSecretExpiresAt ?? 0;
  const expired = expiresAt !== 0 && nowOf(context) >= expiresAt;
  if (client.secretHash !== undefined && !expired)
    return { secretHash: client.secretHash, expiresAt, secret: undefined };
  return newSecret(context);
}

async function update(
  request: RequestContext,
  body: unknown,
  client: Client,
  token: string,
  context: RegistrationContext,
): Promise<EngineResponse> {
  await checkIdentity(body, client);
  const config = await checkedConfig(body, client.id, 'update', request, context);
  const method = config.tokenEndpointAuthMethods?.[0] ?? 'client_secret_basic';
  const secret = updatedSecret(client, method, context);
  const updated = registeredClient(config, {
    secretHash: secret.secretHash,
    clientSecretExpiresAt: secret.expiresAt,
    registrationTokenHash: client.registrationTokenHash,
    clientIdIssuedAt: client.clientIdIssuedAt ?? nowOf(context),
  });
  await context.clients.save(updated);
  const credentials = { secret: secret.secret, registrationToken: token };
  return {
    status: 200,
    headers: NO_STORE,
    body: clientInformation(updated, credentials, context.url),
  };
}

/** Answers a management request for `clientId` (the method is GET, PUT or DELETE). */
export async function manage(
  request: RequestContext,
  clientId: string,
  body: unknown,
  context: RegistrationContext,
): Promise<EngineResponse> {
  const { client, token } = await authorizedClient(request, clientId, context);
  if (request.method === 'PUT') return update(request, body, client, token, context);
  if (request.method === 'DELETE') {
    await context.clients.delete(client.id);
    return { status: 204, headers: NO_STORE, body: undefined };
  }
  const info = clientInformation(client, { registrationToken: token }, context.url);
  return { status: 200, headers: NO_STORE, body: info };
}

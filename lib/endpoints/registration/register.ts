/**
 * `POST <registration endpoint>`: a client registers itself (RFC 7591 3.1).
 *
 * Rules:
 * - every attempt counts against the `registration` rate limit of its source
 *   address, before anything else is looked at; over it, 429
 *   `temporarily_unavailable` with `Retry-After` (and a `rate_limited` event;
 *   ../../engine/attempt-limit.ts);
 * - with the `initial-access-token` policy, the request needs a valid
 *   `Authorization: Bearer` initial access token, else 401 `invalid_token`;
 * - the client id is random (128 bits), never taken from the request; the
 *   registration access token is 256 random bits, stored as its SHA-256;
 * - nothing is saved unless every check passed (no partial registration); the
 *   answer is 201 with the client information response (./response.ts);
 * - `client.registered` is emitted once, by the client registry, after the save.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { countAttempt } from '../../engine/attempt-limit.js';
import { issuesSecret } from '../../helpers/client-metadata.js';
import { sha256 } from '../../helpers/secrets.js';
import type { EngineResponse, RequestContext } from '../../types.js';
import { bearerToken, invalidToken } from './bearer.js';
import { checkedConfig, newSecret, registeredClient } from './build.js';
import { NO_STORE, nowOf, type RegistrationContext } from './context.js';
import { clientInformation } from './response.js';

/** With the initial-access-token policy: the request's token must be valid. */
async function checkInitialAccessToken(
  request: RequestContext,
  context: RegistrationContext,
): Promise<void> {
  const valid = context.options.initialAccessToken;
  if (valid === undefined) return;
  const token = bearerToken(request);
  if (token === undefined) throw invalidToken('initial', 'no initial access token');
  if (!(await valid(token))) throw invalidToken('initial', 'unknown initial access token');
}

/** Answers a registration request whose JSON body is `body`. */
export async function register(
  request: RequestContext,
  body: unknown,
  context: RegistrationContext,
): Promise<EngineResponse> {
  await countAttempt(request, context, 'registrations');
  await checkInitialAccessToken(request, context);
  const clientId = randomUUID();
  const config = await checkedConfig(body, clientId, 'register', request, context);
  const method = config.tokenEndpointAuthMethods?.[0] ?? 'client_secret_basic';
  const secret = issuesSecret(method) ? newSecret(context) : undefined;
  const registrationToken = context.options.management
    ? randomBytes(32).toString('base64url')
    : undefined;
  const client = registeredClient(config, {
    secretHash: secret?.secretHash,
    clientSecretExpiresAt: secret?.expiresAt,
    registrationTokenHash: registrationToken === undefined ? undefined : sha256(registrationToken),
    clientIdIssuedAt: nowOf(context),
  });
  await context.clients.save(client);
  const credentials = { secret: secret?.secret, registrationToken };
  return {
    status: 201,
    headers: NO_STORE,
    body: clientInformation(client, credentials, context.url),
  };
}

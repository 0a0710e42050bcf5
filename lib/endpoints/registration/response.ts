/**
 * The client information response (RFC 7591 3.2.1, RFC 7592 3): what a
 * registration, a read and an update answer.
 *
 * Rules:
 * - it holds every registered metadata member as registered (`redirect_uris`
 *   byte for byte: clients compare the echo), `client_id` and
 *   `client_id_issued_at`;
 * - `client_secret` only when one was just made (it is stored hashed, so it can
 *   be given once); `client_secret_expires_at` whenever the client has a secret
 *   (0: never);
 * - with management on, `registration_access_token` (the one just made, or the
 *   one the request presented) and `registration_client_uri`, the registration
 *   endpoint's URL with the percent-encoded client id.
 */
import { registeredMetadata } from '../../helpers/client-metadata.js';
import type { Client } from '../../types.js';

/** What the answer adds to the client's record. */
export interface IssuedCredentials {
  /** A client secret made by this request. */
  readonly secret?: string | undefined;
  /** The registration access token; undefined when management is off. */
  readonly registrationToken?: string | undefined;
}

/** The client information response body of `client`. */
export function clientInformation(
  client: Client,
  credentials: IssuedCredentials,
  endpointUrl: string,
): Record<string, unknown> {
  const body: Record<string, unknown> = { client_id: client.id };
  if (client.clientIdIssuedAt !== undefined) body['client_id_issued_at'] = client.clientIdIssuedAt;
  if (credentials.secret !== undefined) body['client_secret'] = credentials.secret;
  if (client.secretHash !== undefined)
    body['client_secret_expires_at'] = client.clientSecretExpiresAt ?? 0;
  for (const [key, value] of Object.entries(registeredMetadata(client))) body[key] = value;
  if (credentials.registrationToken !== undefined) {
    body['registration_access_token'] = credentials.registrationToken;
    body['registration_client_uri'] = `${endpointUrl}/${encodeURIComponent(client.id)}`;
  }
  return body;
}

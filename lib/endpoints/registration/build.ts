/**
 * The steps registration and update share: checking the metadata (then letting
 * the host's `inspect` hook see, amend or refuse it), the client secret, and
 * the client record that is saved.
 *
 * Rules:
 * - metadata is checked by the one validator (lib/helpers/client-metadata.ts);
 *   metadata the hook returns is checked again by the same rules, so a hook
 *   cannot register what a client could not;
 * - a client whose method uses a shared secret gets one made by the server
 *   (256 random bits; never one the client chose), stored only as its hash and
 *   answered once; it expires after `secretLifetime` seconds (0: never);
 * - a registered client is `source: 'registration'`, never first-party, never a
 *   resource server, and needs PKCE; the id, issue time and the registration
 *   access token's hash are the server's, never the request's.
 */
import { checkClientMetadata } from '../../helpers/client-metadata.js';
import { defineClient, type ClientConfig } from '../../helpers/clients.js';
import { generateClientSecret } from '../../helpers/secrets.js';
import type { Client, RequestContext } from '../../types.js';
import { nowOf, type RegistrationContext } from './context.js';

/** The checked (and inspected) configuration of a registration or update. */
export async function checkedConfig(
  body: unknown,
  clientId: string,
  operation: 'register' | 'update',
  request: RequestContext,
  context: RegistrationContext,
): Promise<ClientConfig> {
  const checked = checkClientMetadata(body, context.rules(), clientId);
  const inspect = context.options.inspect;
  if (inspect === undefined) return checked.config;
  const amended = await inspect({
    operation,
    clientId,
    metadata: checked.metadata,
    ip: request.meta.ip,
    requestId: request.meta.requestId,
  });
  return amended === undefined || amended === null
    ? checked.config
    : checkClientMetadata(amended, context.rules(), clientId).config;
}

/** A new secret, as its hash and expiry for the record and the secret to answer once. */
export function newSecret(context: RegistrationContext): {
  secret: string;
  secretHash: string;
  expiresAt: number;
} {
  const { secret, secretHash } = generateClientSecret();
  const lifetime = context.options.secretLifetime;
  return { secret, secretHash, expiresAt: lifetime === 0 ? 0 : nowOf(context) + lifetime };
}

/** The server fields of a registered client. */
export interface RegistrationFields {
  readonly secretHash: string | undefined;
  readonly clientSecretExpiresAt: number | undefined;
  readonly registrationTokenHash: string | undefined;
  readonly clientIdIssuedAt: number;
}

/** The client record: the checked configuration and the server's fields. */
export function registeredClient(config: ClientConfig, fields: RegistrationFields): Client {
  const record: ClientConfig = {
    ...config,
    source: 'registration',
    clientIdIssuedAt: fields.clientIdIssuedAt,
  };
  if (fields.secretHash !== undefined) {
    record.secretHash = fields.secretHash;
    record.clientSecretExpiresAt = fields.clientSecretExpiresAt ?? 0;
  }
  if (fields.registrationTokenHash !== undefined)
    record.registrationTokenHash = fields.registrationTokenHash;
  return defineClient(record);
}

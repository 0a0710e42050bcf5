/**
 * A fetched Client ID Metadata Document turned into a {@link Client}
 * (draft-ietf-oauth-client-id-metadata-document, "Client ID Metadata Document",
 * as the MCP authorization spec profiles it).
 *
 * Rules:
 * - the document's `client_id` equals the URL it was fetched from, compared as
 *   strings (no trailing-slash or case folding);
 * - `client_name` (a non-empty string) and `redirect_uris` (a non-empty array)
 *   are required;
 * - the client holds no shared secret: `client_secret` and
 *   `client_secret_expires_at` are refused ("MUST NOT" in the draft), and so is
 *   every `token_endpoint_auth_method` but `none` (a public client) and
 *   `private_key_jwt` with a `jwks_uri` (keys the client can rotate where it
 *   publishes its document; an inline `jwks` is refused);
 * - every other member is checked as RFC 7591 client metadata by the one
 *   validator of the library (lib/helpers/client-metadata.ts, given as
 *   `check`), with the server's own rules; unknown members are ignored there;
 * - the client is made by `defineClient` with `source: 'metadata-document'`, so
 *   the consent page says it was not registered by the operator.
 * A refusal is a {@link DocumentRefusedError}, whose message is for logs only.
 */
import { defineClient, type ClientConfig } from '../helpers/clients.js';
import type { Client } from '../types.js';

/**
 * Checks RFC 7591 client metadata with the server's rules and returns the
 * client configuration (the registration validator, bound by the provider).
 * Throws when a member is wrong.
 */
export type MetadataCheck = (
  metadata: Readonly<Record<string, unknown>>,
  clientId: string,
) => ClientConfig;

/** Why a fetched document is not a client; the message is for logs only. */
export class DocumentRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DocumentRefusedError';
  }
}

const SECRET_MEMBERS = ['client_secret', 'client_secret_expires_at'];

function refuse(message: string): never {
  throw new DocumentRefusedError(message);
}

/** The document's own rules, before the RFC 7591 ones. */
function checkDocument(url: string, document: Readonly<Record<string, unknown>>): void {
  const id = document['client_id'];
  if (id !== url) refuse(`its client_id ${JSON.stringify(id)} is not the URL it was fetched from`);
  const name = document['client_name'];
  if (typeof name !== 'string' || name.trim() === '') refuse('client_name is missing');
  const uris = document['redirect_uris'];
  if (!Array.isArray(uris) || uris.length === 0) refuse('redirect_uris is missing');
  const secret = SECRET_MEMBERS.find((m) => Object.hasOwn(document, m));
  if (secret !== undefined) refuse(`it has ${secret}, which a document client cannot have`);
  const method = document['token_endpoint_auth_method'];
  if (method === undefined || method === 'none') return;
  if (method === 'private_key_jwt') {
    if (Object.hasOwn(document, 'jwks')) refuse('private_key_jwt here needs jwks_uri, not jwks');
    return;
  }
  refuse(
    `token_endpoint_auth_method ${JSON.stringify(method)} is refused: a document client holds no shared secret (none, or private_key_jwt with jwks_uri)`,
  );
}

/** The client a fetched document describes (see the rules above). */
export function clientFromDocument(
  url: string,
  document: Readonly<Record<string, unknown>>,
  check: MetadataCheck,
): Client {
  checkDocument(url, document);
  const { client_id: _id, ...metadata } = document;
  const method =
    metadata['token_endpoint_auth_method'] === 'private_key_jwt' ? 'private_key_jwt' : 'none';
  try {
    const config = check({ ...metadata, token_endpoint_auth_method: method }, url);
    return defineClient({
      ...config,
      id: url,
      tokenEndpointAuthMethods: [method],
      source: 'metadata-document',
    });
  } catch (err) {
    refuse(err instanceof Error ? err.message : String(err));
  }
}

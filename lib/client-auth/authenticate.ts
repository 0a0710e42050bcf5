/**
 * Client authentication at the token, revocation and introspection endpoints
 * (the seed's `http_basic_auth` and `request_body`).
 *
 * Rules:
 * - `client_secret_basic`: `Authorization: Basic base64(id:secret)`, where id and
 *   secret are form-urlencoded first (RFC 6749 2.3.1), so they are decoded here.
 * - `client_secret_post`: `client_id` and `client_secret` in the body.
 * - `none`: a public client sends only `client_id`.
 * - More than one method in one request is `invalid_request` (RFC 6749 2.3).
 * - A failure after an Authorization header is 401 with a `Basic` challenge; a
 *   request with no credentials at all gets the same challenge; a failed body
 *   method is 400 (RFC 6749 5.2).
 * - Secrets are checked in constant time against the stored hash.
 */
import { InvalidClientError, InvalidRequestError } from '../errors.js';
import { verifyClientSecret, verifySha256Secret } from '../helpers/secrets.js';
import type { ClientStore } from '../stores/types.js';
import type { Client, ClientAuthMethod } from '../types.js';

/** The parts of a request client authentication reads. */
export interface ClientAuthInput {
  /** The raw `Authorization` header, if any. */
  authorization?: string | undefined;
  /** The request's form parameters. */
  params: Readonly<Record<string, string>>;
}

export interface AuthenticatedClient {
  client: Client;
  method: ClientAuthMethod;
}

const REALM = 'oauth2';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function formDecode(value: string): string {
  if (value.indexOf('%') === -1 && value.indexOf('+') === -1) return value;
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

/** Parses `Basic <credentials>`; throws `invalid_client` (401) when malformed. */
function parseBasic(header: string): { id: string; secret: string } {
  const space = header.indexOf(' ');
  const scheme = space === -1 ? header : header.slice(0, space);
  if (scheme.toLowerCase() !== 'basic') {
    throw new InvalidClientError(
      'the Authorization header must use the Basic scheme at this endpoint',
      { basicRealm: REALM },
    );
  }
  const encoded = header.slice(space + 1).trim();
  const decoded = BASE64.test(encoded) ? Buffer.from(encoded, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (colon <= 0)
    throw new InvalidClientError('malformed Basic credentials', { basicRealm: REALM });
  try {
    return {
      id: formDecode(decoded.slice(0, colon)),
      secret: formDecode(decoded.slice(colon + 1)),
    };
  } catch {
    throw new InvalidClientError('malformed percent-encoding in Basic credentials', {
      basicRealm: REALM,
    });
  }
}

/** Authenticates the client of a request, or throws `invalid_client` / `invalid_request`. */
export async function authenticateClient(
  input: ClientAuthInput,
  clients: ClientStore,
): Promise<AuthenticatedClient> {
  const { params } = input;
  const header = input.authorization;
  let id: string;
  let secret: string | undefined;
  let method: ClientAuthMethod;
  if (header !== undefined && header !== '') {
    if (params['client_secret'] !== undefined) {
      throw new InvalidRequestError(
        'the client used more than one authentication method (Authorization header and client_secret)',
      );
    }
    ({ id, secret } = parseBasic(header));
    if (params['client_id'] !== undefined && params['client_id'] !== id) {
      throw new InvalidRequestError(
        'client_id in the body differs from the client in the Authorization header',
      );
    }
    method = 'client_secret_basic';
  } else if (params['client_id'] !== undefined) {
    id = params['client_id'];
    secret = params['client_secret'];
    method = secret === undefined ? 'none' : 'client_secret_post';
  } else {
    if (params['client_secret'] !== undefined)
      throw new InvalidRequestError('client_secret was sent without client_id');
    throw new InvalidClientError('client authentication is required', { basicRealm: REALM });
  }

  const realm = method === 'client_secret_basic' ? { basicRealm: REALM } : {};
  const client = await clients.find(id);
  if (client === undefined) throw new InvalidClientError('client authentication failed', realm);
  if (!client.tokenEndpointAuthMethods.includes(method)) {
    const detail =
      method === 'none'
        ? 'the client must authenticate'
        : `the client is not registered for ${method}`;
    throw new InvalidClientError(`client authentication failed: ${detail}`, realm);
  }
  if (method !== 'none') {
    const hash = client.secretHash;
    // A SHA-256 hash (generated secrets) is checked without a promise; scrypt needs one.
    const ok =
      hash !== undefined &&
      (hash.startsWith('sha256:')
        ? verifySha256Secret(secret ?? '', hash)
        : await verifyClientSecret(secret ?? '', hash));
    if (!ok) throw new InvalidClientError('client authentication failed', realm);
  }
  return { client, method };
}

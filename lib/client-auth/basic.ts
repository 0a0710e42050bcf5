/**
 * `client_secret_basic`: `Authorization: Basic base64(id:secret)`.
 *
 * Rules:
 * - id and secret are form-urlencoded before base64 (RFC 6749 2.3.1), so both are
 *   decoded here;
 * - another scheme, bad base64, no colon, an empty id or bad percent-encoding is
 *   `invalid_client` with a `Basic` challenge (401);
 * - a `client_id` in the body must name the same client (else `invalid_request`);
 * - the secret is checked by ./secret.ts (exact, cached, capped, limited).
 */
import { InvalidClientError, InvalidRequestError } from '../errors.js';
import type { ClientAuthenticationMethod } from './method.js';
import { BASIC_REALM, verifySecret } from './secret.js';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function formDecode(value: string): string {
  if (value.indexOf('%') === -1 && value.indexOf('+') === -1) return value;
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

function malformed(detail: string): InvalidClientError {
  return new InvalidClientError(detail, { basicRealm: BASIC_REALM, description: detail });
}

/** Parses `Basic <credentials>`; throws `invalid_client` (401) when malformed. */
export function parseBasic(header: string): { id: string; secret: string } {
  const space = header.indexOf(' ');
  const scheme = space === -1 ? header : header.slice(0, space);
  if (scheme.toLowerCase() !== 'basic') {
    throw malformed('the Authorization header must use the Basic scheme at this endpoint');
  }
  const encoded = header.slice(space + 1).trim();
  const decoded = BASE64.test(encoded) ? Buffer.from(encoded, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (colon <= 0) throw malformed('malformed Basic credentials');
  try {
    return {
      id: formDecode(decoded.slice(0, colon)),
      secret: formDecode(decoded.slice(colon + 1)),
    };
  } catch {
    throw malformed('malformed percent-encoding in Basic credentials');
  }
}

export const clientSecretBasic: ClientAuthenticationMethod = {
  name: 'client_secret_basic',
  confidential: true,
  present(request) {
    const header = request.header('authorization');
    if (header === undefined || header === '') return undefined;
    const { id, secret } = parseBasic(header);
    const bodyId = request.params['client_id'];
    if (bodyId !== undefined && bodyId !== id) {
      throw new InvalidRequestError(
        'client_id in the body differs from the client in the Authorization header',
      );
    }
    return { clientId: id, secret };
  },
  verify: verifySecret,
};

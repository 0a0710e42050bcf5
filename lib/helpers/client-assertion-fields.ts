/**
 * The fields of a client that authenticates with a signed JWT (RFC 7523 2.2):
 * `private_key_jwt` needs `jwks` (public keys only, ../client-auth/client-jwks.ts)
 * xor `jwksUri` (https); `client_secret_jwt` a `jwtSecret` of at least 32 bytes
 * (RFC 7518 3.2), kept as a key object so it never shows in JSON or logs; a
 * `jwtSecret` without that method is refused. Part of `defineClient`
 * (./clients.ts).
 */
import { createSecretKey, KeyObject } from 'node:crypto';
import { frozenJwks, jwksProblem } from '../client-auth/client-jwks.js';
import type { Client } from '../types.js';
import { fail } from './client-fields.js';
import type { ClientConfig } from './clients.js';

/** `jwks`, `jwksUri` and `jwtSecret`, checked; absent ones left out. */
export function assertionFields(
  id: string,
  config: ClientConfig,
  methods: readonly string[],
): Partial<Client> {
  const { jwks, jwksUri, jwtSecret } = config;
  const fields: { -readonly [K in 'jwks' | 'jwksUri' | 'jwtSecret']?: Client[K] } = {};
  if (jwks !== undefined && jwksUri !== undefined) fail(id, 'jwks', 'and jwksUri are exclusive');
  if (jwks !== undefined) {
    const problem = jwksProblem(jwks);
    if (problem !== undefined) fail(id, 'jwks', problem);
    fields.jwks = frozenJwks(jwks);
  }
  if (jwksUri !== undefined) {
    if (typeof jwksUri !== 'string' || !URL.canParse(jwksUri) || !jwksUri.startsWith('https://'))
      fail(id, 'jwksUri', 'must be an https URL');
    fields.jwksUri = jwksUri;
  }
  if (methods.includes('private_key_jwt') && jwks === undefined && jwksUri === undefined)
    fail(id, 'jwks', 'or jwksUri is required for private_key_jwt');
  if (jwtSecret !== undefined) {
    if (!methods.includes('client_secret_jwt'))
      fail(id, 'jwtSecret', 'is only for client_secret_jwt; add it to tokenEndpointAuthMethods');
    fields.jwtSecret = jwtSecretKey(id, jwtSecret);
  } else if (methods.includes('client_secret_jwt'))
    fail(id, 'jwtSecret', 'is required for client_secret_jwt');
  return fields;
}

function jwtSecretKey(id: string, value: unknown): KeyObject {
  const key =
    value instanceof KeyObject
      ? value
      : typeof value === 'string'
        ? createSecretKey(Buffer.from(value, 'utf8'))
        : undefined;
  if (key?.type !== 'secret' || (key.symmetricKeySize ?? 0) < 32)
    fail(id, 'jwtSecret', 'must be a string of at least 32 bytes (RFC 7518 3.2)');
  return key;
}

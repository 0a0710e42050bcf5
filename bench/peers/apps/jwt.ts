/**
 * ES256 access tokens with jose, for the apps that make their own JWTs (the jose
 * route, and express-oauth-server and oauth2orize in their JWT variant).
 *
 * Rules:
 * - a fresh P-256 key pair per app; RFC 9068 claims (`iss`, `aud`, `sub`, `client_id`,
 *   `scope`, `iat`, `exp`, `jti`) and header `typ: at+jwt`;
 * - verification accepts ES256 only and checks issuer, audience, typ and expiry.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, generateKeyPair, jwtVerify, type JWTPayload } from 'jose';
import { AUDIENCE, ISSUER, TOKEN_TTL } from './common.js';

export interface JwtCodec {
  /** Signs an access token for `clientId` with `scope` (space-separated), valid TOKEN_TTL s. */
  sign(clientId: string, scope: string): Promise<string>;
  /** The payload of a valid token; rejects on any failure. */
  verify(token: string): Promise<JWTPayload>;
}

export async function jwtCodec(): Promise<JwtCodec> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return {
    sign: (clientId, scope) =>
      new SignJWT({ scope, client_id: clientId })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(clientId)
        .setIssuedAt()
        .setExpirationTime(`${TOKEN_TTL}s`)
        .setJti(randomUUID())
        .sign(privateKey),
    verify: async (token) =>
      (
        await jwtVerify(token, publicKey, {
          algorithms: ['ES256'],
          issuer: ISSUER,
          audience: AUDIENCE,
          typ: 'at+jwt',
        })
      ).payload,
  };
}

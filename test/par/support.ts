/**
 * The fixture of the PAR tests (RFC 9126): the authorization endpoint tests'
 * Express app (express-session, Passport, `router({ authorize: { loginUrl } })`)
 * with clients of their own beside the usual ones, and helpers that push a
 * request and use its `request_uri`.
 */
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import type { ClientConfig } from '../../index.js';
import { basic } from '../support/engine.js';
import {
  authorizeApp,
  CB,
  CHALLENGE,
  CLIENTS,
  ISSUER,
  webSecret,
  type AuthorizeApp,
  type AuthorizeAppOptions,
} from '../support/authorize-app.js';

export { basic, CB, CHALLENGE, ISSUER, webSecret };

/** The key pair of the `private_key_jwt` client. */
export const jwtClientKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });

/** The PAR tests' own clients. */
export const PAR_CLIENTS: readonly ClientConfig[] = [
  {
    id: 'pushy',
    name: 'Must Push',
    secretHash: webSecret.secretHash,
    redirectUris: [CB],
    requirePushedAuthorizationRequests: true,
  },
  {
    id: 'signer',
    name: 'Key Holder',
    tokenEndpointAuthMethods: ['private_key_jwt'],
    jwks: {
      keys: [{ ...jwtClientKey.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256' }],
    },
    redirectUris: [CB],
  },
];

export interface ParAppOptions extends AuthorizeAppOptions {}

/** The app, with {@link PAR_CLIENTS} beside the usual clients. */
export function parApp(options: ParAppOptions = {}): AuthorizeApp {
  return authorizeApp({
    ...options,
    provider: { clients: [...CLIENTS, ...PAR_CLIENTS], ...options.provider },
  });
}

/** A valid code request of `web` (confidential, PKCE S256), with `extra` merged in. */
export function webRequest(extra: Record<string, string> = {}): Record<string, string> {
  return {
    response_type: 'code',
    client_id: 'web',
    redirect_uri: CB,
    scope: 'profile read',
    state: 'st-123',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    ...extra,
  };
}

/** POSTs `params` to /par, with Basic credentials when `auth` is given. */
export function push(
  app: AuthorizeApp['app'],
  params: Record<string, string>,
  auth?: readonly [string, string],
): request.Test {
  const req = request(app).post('/par').type('form');
  if (auth !== undefined) req.set('Authorization', basic(auth[0], auth[1]));
  return req.send(params);
}

/** Pushes `params` as `web` and returns the `request_uri` (expects 201). */
export async function pushed(
  app: AuthorizeApp['app'],
  params: Record<string, string> = webRequest(),
  auth: readonly [string, string] = ['web', webSecret.secret],
): Promise<string> {
  const res = await push(app, params, auth);
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return res.body.request_uri as string;
}

/** `/authorize?client_id=…&request_uri=…`. */
export function usePath(requestUri: string, clientId = 'web'): string {
  return `/authorize?${new URLSearchParams({ client_id: clientId, request_uri: requestUri }).toString()}`;
}

/**
 * A `private_key_jwt` client assertion of `signer` (RFC 7523), `aud` the issuer.
 * @param nowMs the provider's clock, in epoch milliseconds.
 */
export function assertion(nowMs: number, overrides: Record<string, unknown> = {}): string {
  const now = Math.floor(nowMs / 1000);
  const header = { alg: 'ES256', kid: 'k1', typ: 'JWT' };
  const payload = {
    iss: 'signer',
    sub: 'signer',
    aud: ISSUER,
    jti: randomUUID(),
    iat: now,
    exp: now + 60,
    ...overrides,
  };
  const part = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${part(header)}.${part(payload)}`;
  const signature = sign('sha256', Buffer.from(input), {
    key: jwtClientKey.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${input}.${signature.toString('base64url')}`;
}

/** Asserts a JSON OAuth error with exactly `error` and `error_description`. */
export function expectJsonError(
  res: request.Response,
  status: number,
  error: string,
  description: string,
): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expect(res.headers['content-type']).to.match(/^application\/json/);
  expect(res.headers['cache-control']).to.equal('no-store');
  expect(res.headers['location']).to.equal(undefined);
  expect(res.body).to.deep.equal({ error, error_description: description });
}

/**
 * What the protected-resource DPoP tests share: proof keys and proofs signed
 * with jose, a provider app with DPoP routes, and DPoP-bound tokens minted
 * through the token endpoint with a proof (RFC 9449 5).
 */
import { createHash, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type express from 'express';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose';
import request from 'supertest';
import type { AuthorizationServer, ProviderOptions } from '../../index.js';
import { frozenClock, ISSUER, secrets, testApp, type FrozenClock } from '../support/fixtures.js';

/** The default proof algorithms, as the `DPoP` challenge's `algs` lists them. */
export const ALGS = 'ES256 ES384 ES512 EdDSA Ed25519 PS256 RS256';
/** The resource of the `/mcp` route. */
export const MCP = 'https://api.example.test/mcp';
export const MCP_METADATA = 'https://api.example.test/.well-known/oauth-protected-resource/mcp';
/** The configured origin of the `/api/origin` route. */
export const ORIGIN = 'https://api.example.com';
/** The token endpoint's URL (the `htu` of token requests). */
export const TOKEN_URL = `${ISSUER}/token`;

/** A client's DPoP key: the private key signs, the public JWK goes in each proof. */
export interface ProofKey {
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
  readonly jkt: string;
  readonly alg: string;
}

export async function proofKey(alg = 'ES256'): Promise<ProofKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk), alg };
}

/** base64url(SHA-256(token)): the `ath` of a proof for `token` (RFC 9449 4.2). */
export function ath(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** What a proof says; anything left out gets the right value for a GET of `htu`. */
export interface ProofInput {
  htm?: string;
  htu: string;
  /** The access token whose hash is `ath`; `ath` overrides it. */
  token?: string;
  ath?: string;
  /** Epoch seconds; default the clock's now. */
  iat?: number;
  jti?: string;
  nonce?: string;
  /** Header members to add or override (`typ`, `jwk`, `alg`). */
  header?: Record<string, unknown>;
}

/** A DPoP proof signed with `key` (jose), at `clock`'s time. */
export async function proof(
  key: ProofKey,
  clock: () => number,
  input: ProofInput,
): Promise<string> {
  const claims: Record<string, unknown> = {
    htm: input.htm ?? 'GET',
    htu: input.htu,
    ...(input.token === undefined && input.ath === undefined
      ? {}
      : { ath: input.ath ?? ath(input.token as string) }),
    ...(input.nonce === undefined ? {} : { nonce: input.nonce }),
  };
  return new SignJWT(claims)
    .setProtectedHeader({ typ: 'dpop+jwt', alg: key.alg, jwk: key.jwk, ...input.header } as never)
    .setIssuedAt(input.iat ?? Math.floor(clock() / 1000))
    .setJti(input.jti ?? randomUUID())
    .sign(key.privateKey);
}

/** A compact JWS made by hand (for `alg: none` and other things jose refuses to sign). */
export function unsignedJws(header: object, claims: object, signature = ''): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(claims)}.${signature}`;
}

export interface DpopSetup {
  clock: FrozenClock;
  oauth: AuthorizationServer;
  app: express.Express;
}

/**
 * The fixtures' app (`/api/read`: scope read, `/api/write`) plus DPoP routes:
 * `/api/dpop-only` (`dpop: 'required'`), `/api/origin` (`origin: ORIGIN`), `/mcp`
 * (`resource: MCP`). Each answers the token's data.
 */
export function dpopApp(overrides: Partial<ProviderOptions> = {}): DpopSetup {
  const clock = frozenClock();
  const { oauth, app } = testApp({
    clock,
    resources: [{ resource: MCP, scopes: ['read', 'write'] }],
    ...overrides,
  });
  const answer = (req: express.Request, res: express.Response) => {
    res.json(req.oauth2?.token);
  };
  app.get('/api/token', oauth.protect({ scope: 'read' }), answer);
  app.post('/api/token', oauth.protect({ scope: 'read' }), answer);
  app.get('/api/dpop-only', oauth.protect({ scope: 'read', dpop: 'required' }), answer);
  app.get('/api/origin', oauth.protect({ origin: ORIGIN }), answer);
  app.get('/mcp', oauth.protect({ resource: MCP }), answer);
  return { clock, oauth, app };
}

/**
 * A client_credentials token of `service` (scope read), bound to `key` when
 * given (a proof at the token endpoint; with server nonces the first answer's
 * `DPoP-Nonce` is used), else a bearer token.
 */
export async function serviceToken(
  setup: DpopSetup,
  key?: ProofKey,
  form: Record<string, string> = {},
): Promise<string> {
  const send = async (nonce?: string) => {
    const req = request(setup.app).post('/token').auth('service', secrets.service.secret);
    if (key !== undefined)
      req.set('DPoP', await proof(key, setup.clock, { htm: 'POST', htu: TOKEN_URL, nonce }));
    return req.type('form').send({ grant_type: 'client_credentials', scope: 'read', ...form });
  };
  let res = await send();
  if (res.status === 400 && res.body.error === 'use_dpop_nonce')
    res = await send(res.headers['dpop-nonce'] as string);
  expect(res.status, res.text).to.equal(200);
  expect(res.body.token_type).to.equal(key === undefined ? 'Bearer' : 'DPoP');
  return res.body.access_token as string;
}

/** A GET of `path` with `Authorization: DPoP <token>` and, when given, the proof. */
export function dpopGet(app: express.Express, path: string, token: string, dpop?: string) {
  const req = request(app).get(path).set('Authorization', `DPoP ${token}`);
  return dpop === undefined ? req : req.set('DPoP', dpop);
}

/** The `DPoP` challenge of a route whose challenges start with `params`, with an error. */
export function dpopChallenge(params: string, error?: string, description?: string): string {
  const extra =
    error === undefined
      ? ''
      : `, error="${error}"${description === undefined ? '' : `, error_description="${description}"`}`;
  return `DPoP ${params}${extra}, algs="${ALGS}"`;
}

/**
 * The whole `WWW-Authenticate` of a refused DPoP request at a route taking both
 * schemes: the bare Bearer challenge, then the DPoP one with the error.
 */
export function dpopRefusal(error: string, description: string, params = 'realm="api"'): string {
  return dpopChallenge(params, error, description);
}

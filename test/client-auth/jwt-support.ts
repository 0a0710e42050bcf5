/**
 * The fixture of the JWT client authentication tests (RFC 7523 2.2): keys made
 * with jose, assertions signed with jose (the library verifies with
 * node:crypto alone), and an app whose clients use `private_key_jwt` (inline
 * `jwks`, RSA without `kid`, a `jwks_uri`) and `client_secret_jwt`, on a frozen
 * clock, with every `client.authentication_failed` and `rate_limited` event kept.
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import request from 'supertest';
import {
  createAuthorizationServer,
  type AuthorizationServer,
  type OAuthEvents,
  type ProviderOptions,
} from '../../index.js';
import { frozenClock, ISSUER, providerOptions, type FrozenClock } from '../support/fixtures.js';
import express from 'express';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const TOKEN_URL = `${ISSUER}/token`;
/** A `client_secret_jwt` secret of 64 bytes (enough for HS512). */
export const HMAC_SECRET = 'an HMAC secret of sixty-four bytes, for HS256, HS384 and HS512 !!';
/** A `client_secret_jwt` secret of 32 bytes: enough for HS256 only. */
export const SHORT_SECRET = 'thirty-two bytes, for HS256 only';

export interface KeyPair {
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

/** A key pair made with jose; the public JWK with `kid` unless `kid` is undefined. */
export async function keyPair(
  alg: string,
  kid: string | undefined = randomUUID(),
): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return { privateKey, publicJwk: kid === undefined ? publicJwk : { ...publicJwk, kid } };
}

export interface AssertionOptions {
  clientId: string;
  key: CryptoKey | Uint8Array;
  alg: string;
  kid?: string | undefined;
  /** Claims to set or, with `undefined`, to leave out. */
  claims?: Record<string, unknown>;
  /** Header members besides alg and kid. */
  header?: Record<string, unknown>;
  /** Now, in epoch ms (the provider's frozen clock). */
  now: number;
}

/** A client assertion signed with jose: iss = sub = client id, aud the issuer, exp 60 s ahead, a fresh jti. */
export function signAssertion(options: AssertionOptions): Promise<string> {
  const now = Math.floor(options.now / 1000);
  const claims: Record<string, unknown> = {
    iss: options.clientId,
    sub: options.clientId,
    aud: ISSUER,
    exp: now + 60,
    iat: now,
    jti: randomUUID(),
    ...options.claims,
  };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  const header = { alg: options.alg, ...(options.kid === undefined ? {} : { kid: options.kid }) };
  return new SignJWT(claims).setProtectedHeader({ ...header, ...options.header }).sign(options.key);
}

type Failure = OAuthEvents['client.authentication_failed'];
type Limited = OAuthEvents['rate_limited'];

export interface JwtHarness {
  readonly oauth: AuthorizationServer;
  readonly app: express.Express;
  readonly clock: FrozenClock;
  /** The ES256 key of `jwt-es` (kid `es-1`, inline jwks). */
  readonly es: KeyPair;
  /** The RS256 key of `jwt-rs` (inline jwks, no kid). */
  readonly rs: KeyPair;
  readonly failures: Failure[];
  readonly limited: Limited[];
  /** POSTs a form to the token endpoint (`grant_type=client_credentials` by default). */
  token(params: Record<string, string>): request.Test;
  /** An assertion for `jwt-es` unless told otherwise. */
  assertion(options?: Partial<AssertionOptions>): Promise<string>;
  /** Waits for events emitted in microtasks. */
  settle(): Promise<void>;
}

/** The app: the fixture clients plus `jwt-es`, `jwt-rs`, `jwt-hs`, `jwt-hs-short`. */
export async function jwtHarness(overrides: Partial<ProviderOptions> = {}): Promise<JwtHarness> {
  const clock = frozenClock();
  const es = await keyPair('ES256', 'es-1');
  const rs = await keyPair('RS256', undefined);
  const base = providerOptions();
  const oauth = createAuthorizationServer({
    ...base,
    clock,
    clients: [
      ...(base.clients as object[]),
      {
        id: 'jwt-es',
        tokenEndpointAuthMethods: ['private_key_jwt'],
        jwks: { keys: [es.publicJwk] },
        grantTypes: ['client_credentials'],
        scopes: ['read'],
      },
      {
        id: 'jwt-rs',
        tokenEndpointAuthMethods: ['private_key_jwt'],
        jwks: { keys: [rs.publicJwk] },
        grantTypes: ['client_credentials'],
      },
      {
        id: 'jwt-hs',
        tokenEndpointAuthMethods: ['client_secret_jwt'],
        jwtSecret: HMAC_SECRET,
        grantTypes: ['client_credentials'],
      },
      {
        id: 'jwt-hs-short',
        tokenEndpointAuthMethods: ['client_secret_jwt'],
        jwtSecret: SHORT_SECRET,
        grantTypes: ['client_credentials'],
      },
    ] as ProviderOptions['clients'] & object[],
    ...overrides,
  });
  const app = express();
  app.use(oauth.router());
  const failures: Failure[] = [];
  const limited: Limited[] = [];
  oauth.provider.events.on('client.authentication_failed', (e) => void failures.push(e));
  oauth.provider.events.on('rate_limited', (e) => void limited.push(e));
  return {
    oauth,
    app,
    clock,
    es,
    rs,
    failures,
    limited,
    token: (params) =>
      request(app)
        .post('/token')
        .type('form')
        .send({ grant_type: 'client_credentials', ...params }),
    assertion: (options = {}) =>
      signAssertion({
        clientId: 'jwt-es',
        key: es.privateKey,
        alg: 'ES256',
        kid: 'es-1',
        now: clock(),
        ...options,
      }),
    settle: () => new Promise((resolve) => setImmediate(resolve)),
  };
}

/** The form parameters of an assertion. */
export function assertionParams(assertion: string, extra: Record<string, string> = {}) {
  return { client_assertion_type: JWT_BEARER, client_assertion: assertion, ...extra };
}

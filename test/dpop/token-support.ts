/**
 * What the token-endpoint DPoP tests share: proof keys and proofs signed with
 * jose (and hand-made ones for what jose will not sign), a verification context
 * over a memory record store, and a provider app whose clock stands still.
 */
import { randomUUID } from 'node:crypto';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose';
import type express from 'express';
import type { AuthorizationServer, ProviderOptions } from '../../index.js';
import { DpopReplayCache } from '../../lib/stores/dpop-replay.js';
import { MemoryRecordStore } from '../../lib/stores/memory.js';
import type { RecordStore } from '../../lib/stores/records.js';
import type { DpopContext } from '../../lib/dpop/proof.js';
import { frozenClock, ISSUER, testApp, type FrozenClock } from '../support/fixtures.js';

/** The token endpoint's URL: the `htu` of token requests. */
export const TOKEN_URL = `${ISSUER}/token`;

/** A client's DPoP key pair and its public JWK and thumbprint. */
export interface Key {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly jwk: JWK;
  readonly jkt: string;
  readonly alg: string;
}

export async function newKey(
  alg = 'ES256',
  options: { modulusLength?: number } = {},
): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...options });
  const jwk = await exportJWK(publicKey);
  return { privateKey, publicKey, jwk, jkt: await calculateJwkThumbprint(jwk), alg };
}

/** The claims and header changes of a proof; the rest is right for POST /token now. */
export interface ProofInput {
  htm?: string;
  htu?: string;
  iat?: number;
  jti?: string;
  nonce?: string;
  ath?: string;
  /** Claims to drop. */
  omit?: readonly string[];
  /** Header members to add or override (`undefined` drops one). */
  header?: Record<string, unknown>;
}

/** A proof signed with jose by `key`, at `clock`'s time. */
export async function signProof(key: Key, clock: () => number, input: ProofInput = {}) {
  const claims: Record<string, unknown> = {
    jti: input.jti ?? randomUUID(),
    htm: input.htm ?? 'POST',
    htu: input.htu ?? TOKEN_URL,
    iat: input.iat ?? Math.floor(clock() / 1000),
    ...(input.nonce === undefined ? {} : { nonce: input.nonce }),
    ...(input.ath === undefined ? {} : { ath: input.ath }),
  };
  for (const name of input.omit ?? []) delete claims[name];
  const header: Record<string, unknown> = {
    typ: 'dpop+jwt',
    alg: key.alg,
    jwk: key.jwk,
    ...input.header,
  };
  for (const [name, value] of Object.entries(header)) if (value === undefined) delete header[name];
  return new SignJWT(claims).setProtectedHeader(header as never).sign(key.privateKey);
}

/** A compact JWS made by hand (for `alg: none`, HS256 and other things jose refuses). */
export function handMadeJws(header: object, claims: object, signature = ''): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(claims)}.${signature}`;
}

/** A verification context over `records` (default a fresh memory store), at `clock`. */
export function proofContext(
  clock: () => number,
  records: RecordStore = new MemoryRecordStore({ clock }),
  overrides: Partial<DpopContext> = {},
): DpopContext {
  return {
    clock,
    replay: new DpopReplayCache(records),
    algorithms: ['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'PS256', 'RS256'],
    iatWindow: 60,
    ...overrides,
  };
}

export interface Setup {
  clock: FrozenClock;
  oauth: AuthorizationServer;
  app: express.Express;
}

/** The fixtures' app with a frozen clock (and more options). */
export function setup(overrides: Partial<ProviderOptions> = {}): Setup {
  const clock = frozenClock();
  const { oauth, app } = testApp({ clock, ...overrides });
  return { clock, oauth, app };
}

/** Decodes a JWT's claims without checking it. */
export function jwtClaims(jwt: string): Record<string, unknown> {
  const payload = jwt.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/**
 * Verification of DPoP proofs (RFC 9449 4.3), with `node:crypto` alone (the JWS
 * pieces are shared with access tokens and client assertions: ../tokens/jws.ts).
 * The token endpoint and protected resources both call {@link verifyDpopProof}.
 *
 * Rules, in the order they are checked (RFC 9449 4.3 steps 1-12):
 * - exactly one `DPoP` header: a value holding a comma is several headers joined
 *   (a compact JWS has none) and is refused (step 1);
 * - at most 8 KiB, a compact JWS: three base64url parts, the signature canonically
 *   encoded; header and payload JSON objects (steps 2-3);
 * - header `typ` is `dpop+jwt` exactly (step 4); `alg` is asymmetric and on the
 *   allow-list of the context: never `none`, never HS* (step 5); a `crit` header
 *   is refused;
 * - header `jwk` is a public EC, RSA or OKP key: a private member (`d`, `p`, `q`,
 *   `dp`, `dq`, `qi`, `oth`) or a symmetric key (`k`, kty `oct`) is refused (step 7);
 *   it fits `alg` (RSA at least 2048 bits, the curve of ES*, Ed25519/Ed448 for EdDSA);
 * - the signature verifies with that key (step 6);
 * - claims: `jti` a string of 1 to {@link MAX_JTI_LENGTH} characters; `htm` equals
 *   the request method (step 10); `htu` matches the expected URL (./htu.ts, step
 *   11); `iat` a number within ± `iatWindow` seconds of now (step 9);
 * - with an access token (protected resources): `ath` equals base64url(SHA-256 of
 *   the token's ASCII bytes) (RFC 9449 4.3 step 12 and 7.1);
 * - with server nonces: a missing or stale `nonce` is {@link UseDpopNonceError}
 *   with a fresh nonce (RFC 9449 8, 9);
 * - last, the `jti` is marked used on the replay cache for twice the window: a
 *   second use of one proof, in any process, is refused (RFC 9449 11.1; 4.3 step 12).
 * Every refusal is an {@link InvalidDpopProofError} with a public text that names
 * the failed check (nothing in it is secret); the private reason is its detail.
 */
import { createHash, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { InvalidDpopProofError, UseDpopNonceError } from '../errors.js';
import type { DpopReplayCache } from '../stores/dpop-replay.js';
import {
  ASYMMETRIC_ALGORITHMS,
  decodeJsonObject,
  decodeSignature,
  JwsRefusal,
  keyFitsAlgorithm,
  signingInput,
  splitCompactJws,
  verifyJwsSignature,
  type JwsAlgorithm,
} from '../tokens/jws.js';
import { jwkThumbprint } from '../tokens/keys.js';
import { htuMatches } from './htu.js';
import type { DpopNonces } from './nonce.js';

export type { DpopNonces } from './nonce.js';

/** What the request a proof comes with must be. */
export interface DpopExpectations {
  /** The request's method, e.g. `POST`. */
  htm: string;
  /** The URL the proof's `htu` must name, built by the caller from configuration (never Host). */
  htu: string;
  /** At a protected resource: the access token, whose base64url SHA-256 `ath` must be. */
  accessToken?: string;
  /** When server nonces are on: the nonces a proof must carry one of. */
  nonce?: DpopNonces;
}

/** A proof that passed every check. */
export interface VerifiedProof {
  /** The RFC 7638 thumbprint of the proof's key (base64url SHA-256): `cnf.jkt`. */
  jkt: string;
  /** The proof's public key, with its required members only. */
  jwk: JsonWebKey;
  /** The proof's `jti`. */
  jti: string;
  /** The proof's `iat`, in epoch seconds. */
  iat: number;
}

/** What the verifier needs from the provider. */
export interface DpopContext {
  /** The current time, in epoch milliseconds. */
  clock(): number;
  /** Used proof ids, in the shared store. */
  replay: DpopReplayCache;
  /** The accepted `alg` values; asymmetric ones only (others are never accepted). */
  algorithms: readonly string[];
  /** How far `iat` may be from now, either way, in seconds; default 60. */
  iatWindow: number;
}

/** Longest proof verified, in characters. */
export const MAX_PROOF_LENGTH = 8 * 1024;
/** Longest `jti` accepted, in characters. */
export const MAX_JTI_LENGTH = 256;
/** Members of a JWK that only a private or symmetric key has. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const KEY_TYPES = ['EC', 'RSA', 'OKP'];

function refuse(description: string, detail = description): never {
  throw new InvalidDpopProofError(description, { detail });
}

function checkHeader(header: Record<string, unknown>, allowed: readonly string[]): JwsAlgorithm {
  if (header['typ'] !== 'dpop+jwt') refuse('the DPoP proof typ must be dpop+jwt');
  const alg = header['alg'];
  if (
    typeof alg !== 'string' ||
    !(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg) ||
    !allowed.includes(alg)
  )
    refuse('the DPoP proof alg is not supported', `alg ${String(alg)} is not allowed`);
  if (header['crit'] !== undefined) refuse('the DPoP proof has a crit header');
  return alg as JwsAlgorithm;
}

/** The members that make a public key of each type (RFC 7638 3.2): all a key is. */
const KEY_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'x', 'y'],
  RSA: ['e', 'n'],
  OKP: ['crv', 'x'],
};

/** Imported proof keys by their members: a client signs many proofs with one key. */
const importedKeys = new Map<string, KeyObject>();
const IMPORTED_KEYS_MAX = 1000;

function publicKey(jwk: unknown, alg: JwsAlgorithm): KeyObject {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk))
    refuse('the DPoP proof jwk header must be a public JWK');
  const members = jwk as Record<string, unknown>;
  if (PRIVATE_MEMBERS.some((name) => Object.hasOwn(members, name)))
    refuse('the DPoP proof jwk must not contain a private key');
  if (!KEY_TYPES.includes(String(members['kty'])))
    refuse('the DPoP proof jwk header must be a public JWK', `kty ${String(members['kty'])}`);
  const key = importKey(members);
  if (!keyFitsAlgorithm(alg, key)) refuse('the DPoP proof jwk does not fit its alg');
  return key;
}

/**
 * The key a public JWK describes, from the bounded cache when its members were
 * seen before (only the members that make the key name the entry, so a JWK with
 * other members added is the same key); importing costs ~150 µs, a look-up ~1.
 */
function importKey(members: Record<string, unknown>): KeyObject {
  const kty = String(members['kty']);
  const parts = (KEY_MEMBERS[kty] ?? []).map((name) => members[name]);
  const id = parts.every((part) => typeof part === 'string') ? JSON.stringify([kty, ...parts]) : '';
  const cached = id === '' ? undefined : importedKeys.get(id);
  if (cached !== undefined) return cached;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: members as JsonWebKey, format: 'jwk' });
  } catch (error) {
    refuse('the DPoP proof jwk header must be a public JWK', String(error));
  }
  if (id !== '') {
    if (importedKeys.size >= IMPORTED_KEYS_MAX)
      importedKeys.delete(importedKeys.keys().next().value!);
    importedKeys.set(id, key);
  }
  return key;
}

function checkClaims(claims: Record<string, unknown>, expect: DpopExpectations, ctx: DpopContext) {
  const { jti, htm, htu, iat } = claims;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH)
    refuse('the DPoP proof jti is missing or invalid');
  if (htm !== expect.htm) refuse('the DPoP proof htm does not match the request method');
  if (typeof htu !== 'string' || !htuMatches(htu, expect.htu))
    refuse('the DPoP proof htu does not match the request URL', `htu ${String(htu)}`);
  if (typeof iat !== 'number' || !Number.isFinite(iat))
    refuse('the DPoP proof iat is missing or invalid');
  const skew = iat - ctx.clock() / 1000;
  if (Math.abs(skew) > ctx.iatWindow)
    refuse('the DPoP proof iat is not recent', `iat is ${Math.round(skew)} s from now`);
  return { jti, iat };
}

function checkAth(claims: Record<string, unknown>, accessToken: string | undefined): void {
  if (accessToken === undefined) return;
  const expected = createHash('sha256').update(accessToken, 'ascii').digest('base64url');
  if (claims['ath'] !== expected) refuse('the DPoP proof ath does not match the access token');
}

function checkNonce(claims: Record<string, unknown>, nonces: DpopNonces | undefined): void {
  if (nonces === undefined) return;
  const nonce = claims['nonce'];
  if (typeof nonce !== 'string' || !nonces.accepts(nonce))
    throw new UseDpopNonceError(nonces.current(), {
      detail: nonce === undefined ? 'the proof has no nonce' : 'the proof nonce is stale',
    });
}

function parse(proof: string) {
  try {
    const [header, payload, signature] = splitCompactJws(proof, MAX_PROOF_LENGTH);
    return {
      header: decodeJsonObject(header, 'header'),
      claims: decodeJsonObject(payload, 'payload'),
      input: signingInput(header, payload),
      signature: decodeSignature(signature),
    };
  } catch (error) {
    if (error instanceof JwsRefusal) refuse('the DPoP proof is not a valid JWS', error.message);
    throw error;
  }
}

/**
 * Verifies the `DPoP` header value `proof` of a request (see the module rules).
 * Throws {@link InvalidDpopProofError} (`invalid_dpop_proof`) or
 * {@link UseDpopNonceError} (`use_dpop_nonce`, with the nonce for the `DPoP-Nonce`
 * header); the replay cache's store errors pass through.
 *
 * @example
 * const proof = await verifyDpopProof(request.header('dpop'),
 *   { htm: 'POST', htu: request.url }, context);
 * // bind the token to proof.jkt
 */
export async function verifyDpopProof(
  proof: string | undefined,
  expect: DpopExpectations,
  context: DpopContext,
): Promise<VerifiedProof> {
  if (proof === undefined || proof === '') refuse('the request has no DPoP proof');
  if (proof.includes(',')) refuse('the request must carry exactly one DPoP header');
  const { header, claims, input, signature } = parse(proof);
  const alg = checkHeader(header, context.algorithms);
  const key = publicKey(header['jwk'], alg);
  if (!verifyJwsSignature(alg, key, input, signature))
    refuse('the DPoP proof signature is invalid');
  const { jti, iat } = checkClaims(claims, expect, context);
  checkAth(claims, expect.accessToken);
  checkNonce(claims, expect.nonce);
  const jwk = key.export({ format: 'jwk' });
  const jkt = jwkThumbprint(jwk);
  if (!(await context.replay.useOnce(jkt, jti, context.iatWindow * 2)))
    refuse('the DPoP proof was used before', `jti ${jti} replayed`);
  return { jkt, jwk, jti, iat };
}

/**
 * A client's public keys (RFC 7517 JWK Set; RFC 7591 2 `jwks`, `jwks_uri`): the
 * one check of a configured, registered or fetched set, and the keys it gives
 * `private_key_jwt` (./private-key-jwt.ts).
 *
 * Rules:
 * - a JWK Set is a JSON object with a `keys` array of 1 to {@link MAX_CLIENT_KEYS}
 *   objects, at most {@link MAX_JWKS_LENGTH} characters as JSON;
 * - a key is public: a private member (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`,
 *   `k`) or a symmetric key (`kty: oct`) is refused, never ignored (whoever sent
 *   it leaked a secret);
 * - `kty` is RSA, EC or OKP, and Node must import it; RSA keys have at least
 *   2048 bits, EC keys are P-256, P-384 or P-521, OKP keys Ed25519 or Ed448;
 * - `use`, when present, is `sig`; `key_ops`, when present, holds `verify`;
 *   `alg`, when present, is an asymmetric algorithm of the allow-list that fits
 *   the key; `kid`, when present, is a non-empty string, and no two keys share one;
 * - in a fetched set (`lenient`), a key for encryption (`use: enc`) or of a type
 *   this server does not know is skipped rather than refusing the set; a private
 *   member still refuses it.
 * Keys are found by `kid` in a Map, so a `kid` such as `__proto__` names nothing
 * but a key of that name.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { ASYMMETRIC_ALGORITHMS, keyFitsAlgorithm, type JwsAlgorithm } from '../tokens/jws.js';

/** The most keys a client's JWK Set may hold. */
export const MAX_CLIENT_KEYS = 10;
/** The longest a client's JWK Set may be, in characters of JSON. */
export const MAX_JWKS_LENGTH = 16384;

/** A client's JWK Set as configured or registered (public keys only). */
export interface ClientJwks {
  readonly keys: readonly JsonWebKey[];
}

/** One usable key of a client. */
export interface ClientKey {
  readonly kid: string | undefined;
  /** The `alg` the key is pinned to, if its JWK says. */
  readonly alg: JwsAlgorithm | undefined;
  readonly key: KeyObject;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const KEY_TYPES = ['RSA', 'EC', 'OKP'];

/** A key this server cannot use, in a fetched set: skipped, not fatal. */
class Skipped extends Error {}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function importKey(jwk: Record<string, unknown>): KeyObject {
  try {
    return createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch {
    throw new Error('has a key Node cannot import');
  }
}

function checkedAlg(jwk: Record<string, unknown>, key: KeyObject): JwsAlgorithm | undefined {
  const alg = jwk['alg'];
  if (alg === undefined) return undefined;
  if (!(ASYMMETRIC_ALGORITHMS as readonly unknown[]).includes(alg))
    throw new Error(`has a key with alg '${String(alg)}', which is not allowed`);
  if (!keyFitsAlgorithm(alg as JwsAlgorithm, key))
    throw new Error(`has a key that does not fit its alg ${String(alg)}`);
  return alg as JwsAlgorithm;
}

function fitsSomeAlgorithm(key: KeyObject): boolean {
  return ASYMMETRIC_ALGORITHMS.some((alg) => keyFitsAlgorithm(alg, key));
}

function checkedKey(jwk: unknown): ClientKey {
  if (!isObject(jwk)) throw new Error('has a key that is not a JSON object');
  const secret = PRIVATE_MEMBERS.find((m) => Object.hasOwn(jwk, m));
  if (secret !== undefined) throw new Error(`has a private or symmetric key (member '${secret}')`);
  if (jwk['use'] !== undefined && jwk['use'] !== 'sig')
    throw new Skipped('has a key whose use is not sig');
  if (!KEY_TYPES.includes(jwk['kty'] as string))
    throw new Skipped(`has a key of type '${String(jwk['kty'])}'; allowed: RSA, EC, OKP`);
  const ops = jwk['key_ops'];
  if (ops !== undefined && !(Array.isArray(ops) && ops.includes('verify')))
    throw new Error('has a key whose key_ops lack verify');
  const kid = jwk['kid'];
  if (kid !== undefined && (typeof kid !== 'string' || kid === ''))
    throw new Error('has a kid that is not a non-empty string');
  const key = importKey(jwk);
  if (!fitsSomeAlgorithm(key))
    throw new Error(
      'has a key too weak or of a curve not allowed (RSA >= 2048 bits, P-256/384/521, Ed25519/Ed448)',
    );
  return { kid, alg: checkedAlg(jwk, key), key };
}

/**
 * The usable keys of a JWK Set (rules in the header).
 * @throws Error whose message says what is wrong ("has …", "must …"), for a refusal.
 */
export function clientKeys(value: unknown, lenient = false): readonly ClientKey[] {
  if (!isObject(value) || !Array.isArray(value['keys']))
    throw new Error('must be a JSON object with a keys array');
  const list = value['keys'] as unknown[];
  if (list.length === 0) throw new Error('must hold at least one key');
  if (list.length > MAX_CLIENT_KEYS) throw new Error(`may hold at most ${MAX_CLIENT_KEYS} keys`);
  if (JSON.stringify(value).length > MAX_JWKS_LENGTH)
    throw new Error(`must be at most ${MAX_JWKS_LENGTH} characters`);
  const keys: ClientKey[] = [];
  for (const jwk of list) {
    try {
      keys.push(checkedKey(jwk));
    } catch (err) {
      if (!(err instanceof Skipped && lenient)) throw err;
    }
  }
  const kids = keys.flatMap((k) => (k.kid === undefined ? [] : [k.kid]));
  if (new Set(kids).size !== kids.length) throw new Error('has two keys with one kid');
  if (keys.length === 0) throw new Error('has no key usable for signatures');
  return Object.freeze(keys);
}

/** What is wrong with a JWK Set given as configuration or registration, or undefined. */
export function jwksProblem(value: unknown): string | undefined {
  try {
    clientKeys(value);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** A deep, frozen copy of a checked JWK Set (its JSON form), for a client record. */
export function frozenJwks(value: unknown): ClientJwks {
  const copy = JSON.parse(JSON.stringify(value)) as { keys: JsonWebKey[] };
  return Object.freeze({ keys: Object.freeze(copy.keys.map((k) => Object.freeze(k))) });
}

/**
 * Signing keys for JWT access tokens: several may be published (for rotation), one
 * signs. Asymmetric keys (ES256 by default, or EdDSA, ES384, RS256, PS256) are
 * published at the JWKS endpoint without their private parts; an HS256 shared
 * secret (the seed's `StatelessTokenGenerator(secret_key)`) is never published.
 *
 * `kid` defaults to the key's RFC 7638 JWK thumbprint.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';

/** JWS algorithms accepted for access tokens; `none` and anything else are refused. */
export type SigningAlgorithm = 'ES256' | 'ES384' | 'EdDSA' | 'RS256' | 'PS256' | 'HS256';

/** A key as configured: a private JWK, a PKCS#8 PEM, or an HS256 shared secret. */
export type SigningKeyInput =
  | { jwk: JsonWebKey & { kid?: string; alg?: string }; alg?: SigningAlgorithm; kid?: string }
  | { pem: string; alg?: SigningAlgorithm; kid?: string }
  | { secret: string | Uint8Array; kid?: string };

/** A key ready to use. */
export interface SigningKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  /** The private key (or the shared secret). */
  readonly privateKey: KeyObject;
  /** The key that verifies: the public key, or the shared secret. */
  readonly verifyKey: KeyObject;
  /** The public JWK to publish; undefined for shared secrets. */
  readonly publicJwk: (JsonWebKey & { kid: string; alg: string; use: 'sig' }) | undefined;
}

const ALGORITHMS: readonly SigningAlgorithm[] = [
  'ES256',
  'ES384',
  'EdDSA',
  'RS256',
  'PS256',
  'HS256',
];

/** RFC 7638 thumbprint of a public JWK (or of an oct key). */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const members: Record<string, readonly string[]> = {
    EC: ['crv', 'kty', 'x', 'y'],
    OKP: ['crv', 'kty', 'x'],
    RSA: ['e', 'kty', 'n'],
    oct: ['k', 'kty'],
  };
  const names = members[jwk.kty ?? ''];
  if (names === undefined) throw new TypeError(`unsupported key type ${String(jwk.kty)}`);
  const canonical = `{${names.map((n) => `${JSON.stringify(n)}:${JSON.stringify((jwk as Record<string, unknown>)[n])}`).join(',')}}`;
  return createHash('sha256').update(canonical).digest('base64url');
}

function inferAlg(key: KeyObject): SigningAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ES256';
    if (curve === 'secp384r1') return 'ES384';
    throw new TypeError(`unsupported EC curve ${String(curve)}; use P-256 or P-384`);
  }
  if (type === 'ed25519') return 'EdDSA';
  if (type === 'rsa') return 'RS256';
  throw new TypeError(`unsupported key type ${String(type)}`);
}

function checkAlg(alg: string, key: KeyObject): SigningAlgorithm {
  if (!(ALGORITHMS as readonly string[]).includes(alg))
    throw new TypeError(`unsupported signing algorithm ${alg}; allowed: ${ALGORITHMS.join(', ')}`);
  const inferred = inferAlg(key);
  if (alg !== inferred && !(inferred === 'RS256' && alg === 'PS256'))
    throw new TypeError(`algorithm ${alg} does not fit this ${String(key.asymmetricKeyType)} key`);
  return alg as SigningAlgorithm;
}

/** Turns a configured key into a {@link SigningKey}; TypeErrors say what is wrong. */
export function importSigningKey(input: SigningKeyInput): SigningKey {
  if ('secret' in input) {
    const bytes =
      typeof input.secret === 'string'
        ? Buffer.from(input.secret, 'utf8')
        : Buffer.from(input.secret);
    if (bytes.length < 32)
      throw new TypeError('an HS256 secret must be at least 32 bytes (RFC 7518 3.2)');
    const key = createSecretKey(bytes);
    const kid = input.kid ?? jwkThumbprint(key.export({ format: 'jwk' })).slice(0, 16);
    return Object.freeze({
      kid,
      alg: 'HS256',
      privateKey: key,
      verifyKey: key,
      publicJwk: undefined,
    });
  }
  let privateKey: KeyObject;
  let alg: string | undefined = input.alg;
  let kid: string | undefined = input.kid;
  if ('jwk' in input) {
    if (input.jwk.d === undefined)
      throw new TypeError('a signing key JWK must be a private key (it has no "d")');
    privateKey = createPrivateKey({ key: input.jwk, format: 'jwk' });
    alg ??= input.jwk.alg;
    kid ??= input.jwk.kid;
  } else {
    privateKey = createPrivateKey(input.pem);
  }
  const resolvedAlg = alg === undefined ? inferAlg(privateKey) : checkAlg(alg, privateKey);
  const bits = privateKey.asymmetricKeyDetails?.modulusLength;
  if (privateKey.asymmetricKeyType === 'rsa' && (bits === undefined || bits < 2048)) {
    throw new TypeError(
      `an RSA signing key must have at least 2048 bits (RFC 7518 3.3); this one has ${String(bits)}`,
    );
  }
  const verifyKey = createPublicKey(privateKey);
  const exported = verifyKey.export({ format: 'jwk' });
  const resolvedKid = kid ?? jwkThumbprint(exported);
  return Object.freeze({
    kid: resolvedKid,
    alg: resolvedAlg,
    privateKey,
    verifyKey,
    publicJwk: Object.freeze({
      ...exported,
      kid: resolvedKid,
      alg: resolvedAlg,
      use: 'sig' as const,
    }),
  });
}

/** A new key pair in memory (ES256 by default): the zero-configuration, one-process default. */
export function generateSigningKey(alg: 'ES256' | 'ES384' | 'EdDSA' = 'ES256'): SigningKey {
  const pair =
    alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: alg === 'ES256' ? 'P-256' : 'P-384' });
  return importSigningKey({
    pem: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    alg,
  });
}

/** The keys a provider signs with: one active, all published. */
export class KeySet {
  readonly keys: readonly SigningKey[];
  readonly active: SigningKey;
  readonly algorithms: readonly SigningAlgorithm[];
  readonly #byKid: ReadonlyMap<string, SigningKey>;

  /**
   * @param keys the keys; the first signs unless `activeKid` names another.
   * @param activeKid the `kid` of the key that signs new tokens.
   */
  constructor(keys: readonly SigningKey[], activeKid?: string) {
    if (keys.length === 0) throw new TypeError('a key set needs at least one key');
    const byKid = new Map<string, SigningKey>();
    for (const key of keys) {
      if (byKid.has(key.kid))
        throw new TypeError(`two signing keys share the kid ${JSON.stringify(key.kid)}`);
      byKid.set(key.kid, key);
    }
    const active = activeKid === undefined ? keys[0] : byKid.get(activeKid);
    if (active === undefined)
      throw new TypeError(`no signing key has the kid ${JSON.stringify(activeKid)}`);
    this.keys = Object.freeze([...keys]);
    this.active = active;
    this.algorithms = Object.freeze([...new Set(keys.map((k) => k.alg))]);
    this.#byKid = byKid;
  }

  /** The key with this `kid`, if any. */
  get(kid: string | undefined): SigningKey | undefined {
    return kid === undefined ? undefined : this.#byKid.get(kid);
  }

  /** The public JWK Set (RFC 7517 5): asymmetric keys only, no private members. */
  jwks(): { keys: JsonWebKey[] } {
    return { keys: this.keys.flatMap((k) => (k.publicJwk === undefined ? [] : [k.publicJwk])) };
  }
}

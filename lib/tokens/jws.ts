/**
 * The pieces of compact JWS verification (RFC 7515 3.1, 5.2; RFC 7518 3), with
 * `node:crypto` alone and synchronously: shared by the access-token verifier
 * (./jwt-verify.ts) and the client assertions of `private_key_jwt` and
 * `client_secret_jwt` (lib/client-auth/assertion.ts), so there is one verifier.
 *
 * Rules:
 * - a compact JWS is at most `maxLength` characters, three non-empty base64url
 *   parts without padding;
 * - the header and payload are JSON objects (an array, `null` or a string is not);
 * - the signature part is canonically encoded: no second spelling of one signature;
 * - only the algorithms of {@link JwsAlgorithm} exist here (`none` never does);
 *   ECDSA signatures are the fixed-size IEEE P1363 form of RFC 7518 3.4 (64, 96
 *   or 132 bytes), RSASSA-PSS salts are as long as the hash (RFC 7518 3.5), HMACs
 *   are compared in constant time;
 * - a key fits an algorithm only by its type and curve: RS and PS want RSA of at
 *   least 2048 bits (RFC 7518 3.3), ES256/384/512 want P-256/384/521, EdDSA an
 *   Ed25519 or Ed448 key (RFC 8037), Ed25519 (RFC 9864) an Ed25519 key, HS a
 *   secret key.
 * Every refusal is a {@link JwsRefusal}, whose message is for logs only.
 */
import { constants, createHmac, timingSafeEqual, verify, type KeyObject } from 'node:crypto';

/** Every JWS algorithm this library can verify. */
export type JwsAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'
  // RFC 9864's fully-specified name for EdDSA over Ed25519 (openid-client's DPoP keys).
  | 'Ed25519'
  | 'HS256'
  | 'HS384'
  | 'HS512';

/** The asymmetric algorithms (signatures a public key verifies). */
export const ASYMMETRIC_ALGORITHMS: readonly JwsAlgorithm[] = Object.freeze([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);

/** The HMAC algorithms (a shared secret verifies). */
export const HMAC_ALGORITHMS: readonly JwsAlgorithm[] = Object.freeze(['HS256', 'HS384', 'HS512']);

/** Why a JWS is refused; the message is for logs only. */
export class JwsRefusal extends Error {
  constructor(
    message: string,
    readonly expired = false,
  ) {
    super(message);
    this.name = 'JwsRefusal';
  }
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The three parts of a compact JWS, checked for shape only. */
export function splitCompactJws(token: string, maxLength: number): [string, string, string] {
  if (token.length > maxLength) throw new JwsRefusal('the token is too long');
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part)))
    throw new JwsRefusal('not a compact JWS');
  return parts as [string, string, string];
}

/** A base64url part decoded as a JSON object (`what` names it in the refusal). */
export function decodeJsonObject(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new JwsRefusal(`the ${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new JwsRefusal(`the ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** The signature's bytes; refused unless the part is their one canonical spelling. */
export function decodeSignature(part: string): Buffer {
  const signature = Buffer.from(part, 'base64url');
  if (signature.toString('base64url') !== part)
    throw new JwsRefusal('the signature is not canonically encoded');
  return signature;
}

/** The signing input of a compact JWS (RFC 7515 5.2 step 8). */
export function signingInput(header: string, payload: string): Buffer {
  return Buffer.from(`${header}.${payload}`, 'latin1');
}

const HASH: Readonly<Record<string, string>> = {
  '256': 'sha256',
  '384': 'sha384',
  '512': 'sha512',
};
const EC_SIZE: Readonly<Record<string, number>> = { ES256: 64, ES384: 96, ES512: 132 };
const EC_CURVE: Readonly<Record<string, string>> = {
  ES256: 'prime256v1',
  ES384: 'secp384r1',
  ES512: 'secp521r1',
};

/** Whether `key` is the kind of key `alg` needs (rules in the header). */
export function keyFitsAlgorithm(alg: JwsAlgorithm, key: KeyObject): boolean {
  const family = alg.slice(0, 2);
  if (family === 'HS') return key.type === 'secret';
  if (key.type !== 'public') return false;
  const type = key.asymmetricKeyType;
  if (family === 'RS' || family === 'PS')
    return type === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048;
  if (family === 'ES')
    return type === 'ec' && key.asymmetricKeyDetails?.namedCurve === EC_CURVE[alg];
  if (alg === 'Ed25519') return type === 'ed25519';
  return type === 'ed25519' || type === 'ed448';
}

/**
 * Whether `signature` over `input` verifies with `key` under `alg` (RFC 7515
 * 5.2, RFC 7518 3). The caller has made sure that the key fits the algorithm.
 */
export function verifyJwsSignature(
  alg: JwsAlgorithm,
  key: KeyObject,
  input: Buffer,
  signature: Buffer,
): boolean {
  const hash = HASH[alg.slice(2)] ?? 'sha256';
  switch (alg.slice(0, 2)) {
    case 'ES':
      return (
        signature.length === EC_SIZE[alg] &&
        verify(hash, input, { key, dsaEncoding: 'ieee-p1363' }, signature)
      );
    case 'RS':
      return verify(hash, input, key, signature);
    case 'PS':
      return verify(
        hash,
        input,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 },
        signature,
      );
    case 'HS': {
      const expected = createHmac(hash, key).update(input).digest();
      return signature.length === expected.length && timingSafeEqual(signature, expected);
    }
    default:
      return verify(null, input, key, signature);
  }
}

/**
 * The provider's `dpop` option (RFC 9449): its type, known keys, defaults and
 * checks (a TypeError naming the option and the fix). DPoP proofs are always
 * accepted at the token endpoint (RFC 9449 is opt-in per request); the option
 * only tunes how.
 *
 * Rules:
 * - `algorithms` are asymmetric JWS algorithms this library verifies (RS*, PS*,
 *   ES*, EdDSA; never `none` or HS*, RFC 9449 4.3 step 5), at least one;
 *   default ES256, ES384, ES512, EdDSA, Ed25519, PS256, RS256;
 * - `iatWindow` is a whole number of seconds > 0 (default 60): how far a proof's
 *   `iat` may be from now either way, and half of how long its `jti` is kept;
 * - `nonces` (default off): `true` or `{ secret?, window? }`. The secret (at
 *   least 32 bytes) is the one every process must share; without it, it is
 *   derived from the active signing key when `signingKeys` were given (then every
 *   process that shares the keys agrees), else it is random per process (the
 *   provider warns when its stores are shared: ./nonce-warning.ts). `window` is
 *   a whole number of seconds > 0 (default 300).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { checkOptionKeys, optionKeys } from '../helpers/option-keys.js';
import { ASYMMETRIC_ALGORITHMS } from '../tokens/jws.js';
import type { KeySet } from '../tokens/keys.js';
import { MIN_NONCE_SECRET_BYTES } from './nonce.js';

/** Server nonces (RFC 9449 8): stateless, rotating every `window` seconds. */
export interface DpopNonceOptions {
  /**
   * The HMAC key of the nonces, at least 32 bytes (a string counts its UTF-8
   * bytes); the same in every process. Default: derived from the active signing
   * key when `signingKeys` is given, else random per process.
   */
  secret?: string | Uint8Array;
  /** How long one nonce is current (the previous one is still accepted). Seconds; default 300. */
  window?: number;
}

/** Options of DPoP (README, "DPoP (RFC 9449)"). */
export interface DpopOptions {
  /** The `alg` values a proof may use; asymmetric only. Default ES256, ES384, ES512, EdDSA, Ed25519, PS256, RS256. */
  algorithms?: readonly string[];
  /** How far a proof's `iat` may be from now, either way. Seconds; default 60. */
  iatWindow?: number;
  /** Require server nonces in proofs (`use_dpop_nonce`). Default false. */
  nonces?: boolean | DpopNonceOptions;
}

/** The checked nonce options. */
export interface ResolvedDpopNonces {
  readonly secret: Buffer;
  /** Seconds. */
  readonly window: number;
  /** Whether the secret is this process's own (random): other processes will not agree. */
  readonly processOwn: boolean;
}

/** The checked `dpop` option. */
export interface ResolvedDpopOptions {
  readonly algorithms: readonly string[];
  /** Seconds. */
  readonly iatWindow: number;
  readonly nonces: ResolvedDpopNonces | undefined;
}

/** The default `alg` allow-list of proofs. */
export const DEFAULT_DPOP_ALGORITHMS: readonly string[] = Object.freeze([
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'PS256',
  'RS256',
]);

const KEYS = optionKeys<DpopOptions>({ algorithms: true, iatWindow: true, nonces: true });
const NONCE_KEYS = optionKeys<DpopNonceOptions>({ secret: true, window: true });
const WHERE = 'options.dpop';
/** Domain separation of a nonce secret derived from a signing key. */
const DERIVE_LABEL = 'oauth2-stateless dpop nonce secret v1';

function seconds(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)
    throw new TypeError(`${WHERE}.${name} must be a whole number of seconds > 0`);
  return value;
}

function objectOf<T extends object>(value: unknown, where: string): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError(`${where} must be an options object`);
  return value as T;
}

function algorithmsOf(value: unknown): readonly string[] {
  if (value === undefined) return DEFAULT_DPOP_ALGORITHMS;
  const allowed = ASYMMETRIC_ALGORITHMS as readonly string[];
  if (!Array.isArray(value) || value.length === 0)
    throw new TypeError(`${WHERE}.algorithms must be a non-empty array of JWS algorithms`);
  for (const alg of value as unknown[]) {
    if (typeof alg !== 'string' || !allowed.includes(alg))
      throw new TypeError(
        `${WHERE}.algorithms: ${JSON.stringify(alg)} is not an asymmetric JWS algorithm; use some of ${allowed.join(', ')}`,
      );
  }
  return Object.freeze([...new Set(value as string[])]);
}

/** A secret shared by every process that has the same signing keys. */
function derivedSecret(keys: KeySet): Buffer {
  const key = keys.active.privateKey;
  const material =
    key.type === 'secret' ? key.export() : key.export({ format: 'der', type: 'pkcs8' });
  return createHmac('sha256', material).update(DERIVE_LABEL).digest();
}

function secretOf(value: unknown, keys: KeySet, keysGiven: boolean) {
  if (value === undefined)
    return keysGiven
      ? { secret: derivedSecret(keys), processOwn: false }
      : { secret: randomBytes(32), processOwn: true };
  const secret = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  if (!(secret instanceof Uint8Array) || secret.byteLength < MIN_NONCE_SECRET_BYTES)
    throw new TypeError(
      `${WHERE}.nonces.secret must be a string or bytes of at least ${MIN_NONCE_SECRET_BYTES} bytes, e.g. crypto.randomBytes(32).toString('base64url')`,
    );
  return { secret: Buffer.from(secret), processOwn: false };
}

function noncesOf(value: unknown, keys: KeySet, keysGiven: boolean) {
  if (value === undefined || value === false) return undefined;
  const given = value === true ? {} : objectOf<DpopNonceOptions>(value, `${WHERE}.nonces`);
  checkOptionKeys(given, NONCE_KEYS, `${WHERE}.nonces`);
  return Object.freeze({
    ...secretOf(given.secret, keys, keysGiven),
    window: seconds('nonces.window', given.window, 300),
  });
}

/**
 * The checked option, with every default.
 * @param keys the provider's signing keys (a nonce secret may be derived from them).
 * @param keysGiven whether the `signingKeys` option was given (shared by the processes).
 */
export function resolveDpopOptions(
  value: DpopOptions | undefined,
  keys: KeySet,
  keysGiven: boolean,
): ResolvedDpopOptions {
  const given = value === undefined ? {} : objectOf<DpopOptions>(value, WHERE);
  checkOptionKeys(given, KEYS, WHERE);
  return Object.freeze({
    algorithms: algorithmsOf(given.algorithms),
    iatWindow: seconds('iatWindow', given.iatWindow, 60),
    nonces: noncesOf(given.nonces, keys, keysGiven),
  });
}

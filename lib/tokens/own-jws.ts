/**
 * A compact JWS that this server signed: the one check, before any claim is
 * read, of the tokens it takes back — access tokens (./jwt-verify.ts) and
 * id_token hints (./id-token-hint.ts). Synchronous, `node:crypto` only (the
 * JWS pieces of ./jws.ts).
 *
 * Rules:
 * - at most `maxLength` characters, three non-empty base64url parts;
 * - the header is a JSON object with a string `kid` naming a key of the key
 *   set, and `alg` equal to that key's algorithm (an allow-list: never `none`,
 *   never a key with another algorithm, so no algorithm confusion);
 * - its `typ` is the one expected (compared by the caller's rule: media types
 *   are case-insensitive and may carry `application/`);
 * - a `crit` header is refused (no extension is understood);
 * - the signature verifies (HMAC compared in constant time).
 * Every refusal is a {@link JwsRefusal}, whose message is for logs only.
 */
import {
  decodeJsonObject,
  decodeSignature,
  JwsRefusal as Refusal,
  signingInput,
  splitCompactJws,
  verifyJwsSignature,
} from './jws.js';
import type { KeySet, SigningKey } from './keys.js';

/** What {@link verifyOwnJws} expects of a token. */
export interface OwnJwsExpectation {
  /** Longest token read, in characters. */
  readonly maxLength: number;
  /** The `typ` expected, e.g. `at+jwt`, for the log line of a refusal. */
  readonly typ: string;
  /** Whether the header's `typ` is the one expected. */
  readonly typMatches: (typ: unknown) => boolean;
}

function headerKey(
  keys: KeySet,
  header: Record<string, unknown>,
  expected: OwnJwsExpectation,
): SigningKey {
  const { kid, alg, typ } = header;
  const key = typeof kid === 'string' ? keys.get(kid) : undefined;
  if (key === undefined) throw new Refusal('no key has this kid');
  if (alg !== key.alg) throw new Refusal(`alg ${String(alg)} is not the key's ${key.alg}`);
  if (!expected.typMatches(typ)) throw new Refusal(`typ ${String(typ)} is not ${expected.typ}`);
  if (header['crit'] !== undefined) throw new Refusal('crit is not understood');
  return key;
}

/**
 * The payload of `token` once its header and signature passed (rules above).
 * @throws JwsRefusal
 */
export function verifyOwnJws(
  keys: KeySet,
  token: string,
  expected: OwnJwsExpectation,
): Record<string, unknown> {
  const [header, payload, encodedSignature] = splitCompactJws(token, expected.maxLength);
  const key = headerKey(keys, decodeJsonObject(header, 'header'), expected);
  const signature = decodeSignature(encodedSignature);
  if (!verifyJwsSignature(key.alg, key.verifyKey, signingInput(header, payload), signature))
    throw new Refusal('the signature does not verify');
  return decodeJsonObject(payload, 'payload');
}

/**
 * The claim `name` of `payload`, a finite number.
 * @throws JwsRefusal
 */
export function numericClaim(payload: Record<string, unknown>, name: string): number {
  const value = payload[name];
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new Refusal(`${name} must be a number`);
  return value;
}

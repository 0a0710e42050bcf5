/**
 * Signing keys from configuration, so that every process of a deployment signs
 * with the same keys and publishes the same JWKS (the ephemeral key made at
 * start-up only suits one process).
 *
 * Accepted text, in a file or an environment variable:
 * - a private JWK Set: `{"keys":[{ "kty":"EC", "crv":"P-256", "d":…, "kid":…, "alg":"ES256" }, …]}`
 *   (the first key signs unless `activeKeyId` says otherwise);
 * - one or more PKCS#8 PEM blocks (`-----BEGIN PRIVATE KEY-----`).
 *
 * `generateSigningKeySet()` makes such a JWK Set (e.g. `npm run keys`).
 */
import { readFileSync } from 'node:fs';
import { generateSigningKey, importSigningKey, type SigningKey } from './keys.js';

const PEM_BLOCK = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/g;

/** Parses a private JWK Set or PEM text into signing keys; TypeErrors say what is wrong. */
export function parseSigningKeys(text: string, origin = 'signing keys'): SigningKey[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new TypeError(`${origin}: empty`);
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new TypeError(`${origin}: not valid JSON`);
    }
    const keys = (parsed as { keys?: unknown }).keys;
    if (!Array.isArray(keys) || keys.length === 0)
      throw new TypeError(`${origin}: a JWK Set needs a non-empty "keys" array`);
    return keys.map((jwk, i) => {
      try {
        return importSigningKey({ jwk });
      } catch (err) {
        throw new TypeError(`${origin}: key ${i}: ${(err as Error).message}`);
      }
    });
  }
  const blocks = trimmed.match(PEM_BLOCK);
  if (blocks === null)
    throw new TypeError(
      `${origin}: neither a JWK Set nor PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----")`,
    );
  return blocks.map((pem, i) => {
    try {
      return importSigningKey({ pem });
    } catch (err) {
      throw new TypeError(`${origin}: PEM block ${i}: ${(err as Error).message}`);
    }
  });
}

export interface KeySource {
  /** A file holding a private JWK Set or PEM. */
  file?: string | undefined;
  /** The text itself (e.g. `process.env.OAUTH2_SIGNING_KEYS`). */
  text?: string | undefined;
}

/**
 * Signing keys from a file or text; `undefined` when neither is given (then the
 * provider makes its ephemeral key).
 */
export function loadSigningKeys(source: KeySource): SigningKey[] | undefined {
  if (source.text !== undefined && source.text.trim() !== '')
    return parseSigningKeys(source.text, 'signing keys (text)');
  if (source.file !== undefined && source.file !== '') {
    let text: string;
    try {
      text = readFileSync(source.file, 'utf8');
    } catch (err) {
      throw new TypeError(`signing keys: cannot read ${source.file}: ${(err as Error).message}`);
    }
    return parseSigningKeys(text, `signing keys (${source.file})`);
  }
  return undefined;
}

/** A new private JWK Set with one key (ES256 by default), as JSON text. Keep it secret. */
export function generateSigningKeySet(alg: 'ES256' | 'ES384' | 'EdDSA' = 'ES256'): string {
  const key = generateSigningKey(alg);
  const jwk = {
    ...key.privateKey.export({ format: 'jwk' }),
    kid: key.kid,
    alg: key.alg,
    use: 'sig',
  };
  return JSON.stringify({ keys: [jwk] }, null, 2);
}

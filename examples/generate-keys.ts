/**
 * `npm run keys [ES256|ES384|EdDSA]`: prints a new private JWK Set for
 * OAUTH2_SIGNING_KEYS or a keys file, so every process of a deployment signs
 * with the same key. Keep the output secret.
 */
import { generateSigningKeySet } from '../index.js';

const alg = process.argv[2] ?? 'ES256';
if (alg !== 'ES256' && alg !== 'ES384' && alg !== 'EdDSA') {
  console.error('usage: npm run keys [ES256|ES384|EdDSA]');
  process.exit(2);
}
process.stdout.write(`${generateSigningKeySet(alg)}\n`);

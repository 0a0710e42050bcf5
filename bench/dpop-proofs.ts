/**
 * The DPoP proofs of the `dpop` scenarios (bench/scenarios.ts), signed by the
 * runner with `node:crypto` before each run, never during the load: signing one
 * per request in the load generator would make it, not the server, the
 * bottleneck.
 *
 * Rules:
 * - one ES256 key per runner; its public JWK is in every proof's header, and the
 *   protect-dpop token is bound to it (RFC 9449 4.2, 6);
 * - every proof has its own `jti` (a counter after a random prefix), `iat` = the
 *   time it was signed, `htm` and `htu` of the scenario, and `ath` when a token is
 *   given; the pool is signed just before the run, so its proofs are all within
 *   the server's 60-second `iat` window while the run lasts (warm-up + duration
 *   must stay under it: {@link MAX_PROOF_SECONDS}).
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/** The longest warm-up + duration the proofs of one pool stay fresh for, in seconds. */
export const MAX_PROOF_SECONDS = 50;

/** What every proof of a pool says. */
export interface ProofTarget {
  readonly htm: 'GET' | 'POST';
  readonly htu: string;
  /** The access token each proof goes with (its `ath`); none at the token endpoint. */
  readonly token?: string;
}

const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A client's DPoP key, signing proofs. */
export class ProofSigner {
  readonly #key: KeyObject;
  readonly #header: string;
  readonly #prefix = randomBytes(8).toString('base64url');
  #counter = 0;

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.#key = privateKey;
    const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
    this.#header = b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } });
  }

  /** One proof, never signed before. */
  proof(target: ProofTarget): string {
    const claims = {
      jti: `${this.#prefix}.${(this.#counter++).toString(36)}`,
      htm: target.htm,
      htu: target.htu,
      iat: Math.floor(Date.now() / 1000),
      ...(target.token === undefined
        ? {}
        : { ath: createHash('sha256').update(target.token).digest('base64url') }),
    };
    const input = `${this.#header}.${b64(claims)}`;
    const signature = sign('sha256', Buffer.from(input), {
      key: this.#key,
      dsaEncoding: 'ieee-p1363',
    });
    return `${input}.${signature.toString('base64url')}`;
  }

  /** `count` proofs for `target`. */
  proofs(target: ProofTarget, count: number): string[] {
    return Array.from({ length: count }, () => this.proof(target));
  }
}

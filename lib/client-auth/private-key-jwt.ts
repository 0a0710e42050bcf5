/**
 * `private_key_jwt` (RFC 7523 2.2; OpenID Connect Core 9): the client signs an
 * assertion with its private key; the server verifies it with the client's
 * public key, from its `jwks` or `jwks_uri` (./client-key-source.ts). The
 * assertion's rules are ./assertion.ts's.
 *
 * Rules:
 * - only asymmetric algorithms (RS, PS, ES 256/384/512, EdDSA); HS* with a
 *   client's public key as the HMAC secret (the classic confusion) never reaches
 *   a public key: such an assertion is `client_secret_jwt`'s, which this client
 *   is not registered for;
 * - the key is the one whose `kid` the header names, else the only key that fits
 *   the `alg`; it must fit the `alg` by type and curve, and by its own `alg` when
 *   the JWK pins one;
 * - a `kid` the client's keys lack makes a `jwks_uri` be fetched again, at most
 *   once per `refetchInterval` per client, then the assertion is refused.
 */
import { JwsRefusal, keyFitsAlgorithm } from '../tokens/jws.js';
import type { JwsAlgorithm } from '../tokens/jws.js';
import type { Client } from '../types.js';
import { assertionMethod, type AssertionKey } from './assertion.js';
import type { ClientKey } from './client-jwks.js';
import type { ClientKeySource } from './client-key-source.js';
import type { ClientAuthenticationMethod } from './method.js';

const UNKNOWN_KID = 'no key of the client has this kid';

function fits(key: ClientKey, alg: JwsAlgorithm): boolean {
  return (key.alg === undefined || key.alg === alg) && keyFitsAlgorithm(alg, key.key);
}

/** The key of `keys` for this header, or why there is none. */
function select(keys: readonly ClientKey[], alg: JwsAlgorithm, kid: unknown): ClientKey | string {
  if (kid !== undefined) {
    if (typeof kid !== 'string') return 'kid is not a string';
    const key = keys.find((k) => k.kid === kid);
    if (key === undefined) return UNKNOWN_KID;
    return fits(key, alg) ? key : `the key with this kid does not fit alg ${alg}`;
  }
  const fitting = keys.filter((k) => fits(k, alg));
  const [only] = fitting;
  if (fitting.length === 1 && only !== undefined) return only;
  return `no kid, and ${fitting.length} keys of the client fit alg ${alg}`;
}

async function keysOf(
  source: ClientKeySource,
  client: Client,
  refresh: boolean,
): Promise<readonly ClientKey[] | undefined> {
  try {
    return await source.keys(client, refresh);
  } catch (err) {
    throw new JwsRefusal((err as Error).message);
  }
}

const keyOf: AssertionKey = async (client, { alg, header }, context) => {
  const source = (context.assertions as NonNullable<typeof context.assertions>).keys;
  let key = select((await keysOf(source, client, false)) ?? [], alg, header['kid']);
  if (key === UNKNOWN_KID) {
    const again = await keysOf(source, client, true);
    if (again !== undefined) key = select(again, alg, header['kid']);
  }
  if (typeof key === 'string') throw new JwsRefusal(key);
  return key.key;
};

export const privateKeyJwt: ClientAuthenticationMethod = assertionMethod('private_key_jwt', keyOf);

/**
 * What DPoP verification needs from a provider, built once from the checked
 * `dpop` option: the proof context (clock, replay cache on the provider's record
 * store, `alg` allow-list, `iat` window) and, when server nonces are on, the
 * stateless nonces. The token endpoint and protected resources use the same one,
 * so a proof's `jti` is seen once across both, and a nonce from one is good at
 * the other.
 */
import { dpopNonceHeaders } from '../errors.js';
import { DpopReplayCache } from '../stores/dpop-replay.js';
import type { RecordStore } from '../stores/records.js';
import type { Clock } from '../types.js';
import { StatelessDpopNonces, type DpopNonces } from './nonce.js';
import { warnOnProcessNonces } from './nonce-warning.js';
import type { ResolvedDpopOptions } from './options.js';
import type { DpopContext } from './proof.js';

/** A provider's DPoP verification (`provider.dpop`). */
export interface DpopVerification {
  /** The third argument of `verifyDpopProof`. */
  readonly context: DpopContext;
  /** The server nonces; undefined when `dpop.nonces` is off. */
  readonly nonces: DpopNonces | undefined;
}

/** Builds the verification of a provider (warns once when nonces cannot be shared). */
export function dpopVerification(
  options: ResolvedDpopOptions,
  records: RecordStore,
  clock: Clock,
): DpopVerification {
  warnOnProcessNonces(records, options);
  const nonces =
    options.nonces === undefined
      ? undefined
      : new StatelessDpopNonces(options.nonces.secret, options.nonces.window, clock);
  const context: DpopContext = Object.freeze({
    clock,
    replay: new DpopReplayCache(records),
    algorithms: options.algorithms,
    iatWindow: options.iatWindow,
  });
  return Object.freeze({ context, nonces });
}

/**
 * The `DPoP-Nonce` header of a successful token response when nonces are on
 * (RFC 9449 8.2: the server may hand out the next nonce with any answer), so a
 * client keeps a current nonce without an error round trip, exposed to
 * cross-origin pages; else none.
 */
export function dpopNonceHeader(dpop: DpopVerification): Record<string, string> {
  return dpop.nonces === undefined ? {} : dpopNonceHeaders(dpop.nonces.current());
}

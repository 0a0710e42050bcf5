/**
 * What JWT client assertions need from the provider, built once from the
 * checked options: the issuer (an `aud` it accepts), the bound on `exp`, the
 * replay cache on the provider's record store, and the clients' key source.
 */
import { AssertionReplayCache } from '../stores/assertion-replay.js';
import type { RecordStore } from '../stores/records.js';
import type { Clock } from '../types.js';
import type { ResolvedClientAssertionOptions } from './assertion-options.js';
import { ClientKeySource } from './client-key-source.js';
import type { ClientAssertionContext } from './method.js';

/** The assertion context of a provider. */
export function clientAssertionContext(
  issuer: string,
  tokenEndpoint: () => string,
  options: ResolvedClientAssertionOptions,
  records: RecordStore,
  clock: Clock,
): ClientAssertionContext {
  return Object.freeze({
    issuer,
    tokenEndpoint,
    maxLifetime: options.maxLifetime,
    replay: new AssertionReplayCache(records),
    keys: new ClientKeySource(options.jwksUri, clock),
  });
}

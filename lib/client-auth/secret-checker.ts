/**
 * The check of a shared client secret (`client_secret_basic`, `client_secret_post`):
 * exact, fast for legitimate traffic, and bounded under attack. One per provider.
 *
 * Rules:
 * - a secret is the client's only when it is, byte for byte, the string that was
 *   hashed (../helpers/secrets.ts);
 * - a fast hash (`sha256:`) is checked at once; a slow one (scrypt) first in the
 *   verified-secret cache (./verified-secrets.ts): a hit is the answer, never
 *   throttled, never queued, so nobody can lock a client out by failing on purpose;
 * - any other check runs only while the client id + source address (`meta.ip`;
 *   an IPv6 address by its /64, ../helpers/failure-limit.ts) is not refused by the
 *   `client_auth` limit (else 429 and a `rate_limited` event), and a slow one only
 *   under the cap (./slow-checks.ts: 503 past it); identical slow checks at once
 *   (same client, secret and hash: a client's burst before its secret is cached)
 *   run once and share the answer;
 * - every failure counts against the client id + address, and the failure that
 *   goes over the limit is answered 429 already; a success forgets them; a
 *   failed client assertion counts the same way (`countFailure`);
 * - a request whose secret cannot be checked (an unknown client, a method the
 *   client is not registered for, a client without a hash) costs what a wrong
 *   secret costs: the same limit, the same cap, a scrypt check against a decoy hash
 *   nothing matches. A wrong secret for a fast hash waits on a timer (no CPU) about
 *   as long as recent slow checks took, so timing does not tell the cases apart.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { OAuthEventBus } from '../engine/events.js';
import { TooManyFailuresError } from '../errors.js';
import { addressKey, limitKey, type FailureLimit } from '../helpers/failure-limit.js';
import {
  decoySecretHash,
  isFastSecretHash,
  verifyClientSecret,
  verifySha256Secret,
} from '../helpers/secrets.js';
import type { Clock, RequestContext } from '../types.js';
import { SlowCheckGate } from './slow-checks.js';
import { VerifiedSecrets } from './verified-secrets.js';

/** One attempt to authenticate as a client. */
export interface ClientAttempt {
  /** The client id the request named. */
  readonly clientId: string;
  /** The request, for its source address (`meta.ip`) and id; undefined outside a request. */
  readonly request?: RequestContext | undefined;
}

/** One presented secret. */
export interface SecretAttempt extends ClientAttempt {
  readonly secret: string;
}

export interface SecretCheckerOptions {
  /** Entries of the verified-secret cache. */
  readonly cacheSize: number;
  /** Slow checks run at once. */
  readonly concurrency: number;
  /** Slow checks that may wait for a place. */
  readonly queue: number;
  /** The `client_auth` limit; undefined: failures are not limited. */
  readonly limit: FailureLimit | undefined;
  readonly events?: OAuthEventBus | undefined;
  readonly clock: Clock;
}

/** Milliseconds a slow check is assumed to take before one was measured (scrypt N=16384). */
const FIRST_ESTIMATE_MS = 50;

export class SecretChecker {
  readonly #cache: VerifiedSecrets;
  readonly #gate: SlowCheckGate;
  readonly #limit: FailureLimit | undefined;
  readonly #events: OAuthEventBus | undefined;
  readonly #clock: Clock;
  readonly #decoy = decoySecretHash();
  /** A moving average of how long slow checks took, queueing included, in milliseconds. */
  #slowMs = FIRST_ESTIMATE_MS;
  /** Slow checks running or waiting, by cache entry (at most concurrency + queue). */
  readonly #inFlight = new Map<string, Promise<boolean>>();

  constructor(options: SecretCheckerOptions) {
    this.#cache = new VerifiedSecrets(options.cacheSize);
    this.#gate = new SlowCheckGate(options.concurrency, options.queue);
    this.#limit = options.limit;
    this.#events = options.events;
    this.#clock = options.clock;
  }

  /**
   * Whether `attempt.secret` is the secret whose stored hash is `hash` (undefined:
   * the client has none, so nothing matches).
   * @throws TooManyFailuresError (429) when the client id + address failed too often;
   *   TemporarilyUnavailableError (503) when too many slow checks wait.
   */
  async verify(attempt: SecretAttempt, hash: string | undefined): Promise<boolean> {
    if (hash === undefined) return this.decoy(attempt);
    if (isFastSecretHash(hash)) {
      if (verifySha256Secret(attempt.secret, hash)) return true;
      const key = await this.#admit(attempt);
      await sleep(this.#slowMs);
      return this.#failed(attempt, key);
    }
    const entry = this.#cache.entry(attempt.clientId, attempt.secret, hash);
    if (this.#cache.has(entry)) return true;
    const key = await this.#admit(attempt);
    if (await this.#sharedCheck(entry, attempt.secret, hash)) {
      this.#cache.add(entry);
      if (this.#limit !== undefined) await this.#limit.succeed(key);
      return true;
    }
    return this.#failed(attempt, key);
  }

  /**
   * What a wrong secret costs, for a request whose secret cannot be checked: the
   * same limit, the same cap, a slow check that never matches. Always false.
   */
  async decoy(attempt: SecretAttempt): Promise<false> {
    const key = await this.#admit(attempt);
    await this.#slowCheck(attempt.secret, this.#decoy);
    return this.#failed(attempt, key);
  }

  /**
   * Counts a failed check of another kind of credential (a client assertion)
   * against the same limit: always false.
   * @throws TooManyFailuresError (429) when the client id + address was over the
   *   limit already, or this failure went over it.
   */
  async countFailure(attempt: ClientAttempt): Promise<false> {
    return this.#failed(attempt, await this.#admit(attempt));
  }

  /** The attempt's limit key; throws 429 when it is refused now. */
  async #admit(attempt: ClientAttempt): Promise<string> {
    const key = limitKey(attempt.clientId, addressKey(attempt.request?.meta.ip));
    const wait = this.#limit === undefined ? 0 : await this.#limit.check(key);
    if (wait > 0) throw this.#refuse(attempt, wait);
    return key;
  }

  /** Counts a failure: false, or 429 when this one went over. */
  async #failed(attempt: ClientAttempt, key: string): Promise<false> {
    const wait = this.#limit === undefined ? 0 : await this.#limit.fail(key);
    if (wait > 0) throw this.#refuse(attempt, wait);
    return false;
  }

  /** The slow check of `entry`, or the one already running for it. */
  #sharedCheck(entry: string, secret: string, hash: string): Promise<boolean> {
    let check = this.#inFlight.get(entry);
    if (check === undefined) {
      check = this.#slowCheck(secret, hash).finally(() => this.#inFlight.delete(entry));
      this.#inFlight.set(entry, check);
    }
    return check;
  }

  async #slowCheck(secret: string, hash: string): Promise<boolean> {
    const started = performance.now();
    const ok = await this.#gate.run(() => verifyClientSecret(secret, hash));
    this.#slowMs = 0.8 * this.#slowMs + 0.2 * (performance.now() - started);
    return ok;
  }

  #refuse(attempt: ClientAttempt, retryAfter: number): TooManyFailuresError {
    const error = new TooManyFailuresError(retryAfter, {
      detail: 'too many failed client authentications for this client id and address',
    });
    if (this.#events?.wants('rate_limited') === true) {
      this.#events.emit('rate_limited', {
        time: this.#clock(),
        requestId: attempt.request?.meta.requestId,
        limit: 'client_auth',
        clientId: attempt.clientId,
        ip: attempt.request?.meta.ip,
        retryAfter: error.retryAfter,
      });
    }
    return error;
  }
}

/**
 * The verification page's engine (RFC 8628 3.3): the user enters a user code,
 * signs in, and approves or denies the device's request. The HTTP adapter
 * (lib/http/device.ts) keeps the CSRF token and the consent transaction in the
 * session and renders what this answers.
 *
 *     enter(typed, visitor)           → valid (with the consent prompt) | invalid | limited
 *     decide(deviceId, subject, ans)  → approved | denied | invalid
 *
 * Rules:
 * - A wrong, used (answered) or expired code, or one whose client is gone, is
 *   one and the same `invalid`: the page never tells which codes exist.
 * - Brute force of user codes is the main attack (RFC 8628 5.1): every invalid
 *   code counts as a failure of the `device_user_code` limit, per session and
 *   per source address (an IPv6 address by its /64); past it, `limited` (429
 *   with `Retry-After`, and `rate_limited`) before any code is looked up. A valid
 *   code never resets the counts, so codes of one's own cannot buy guesses.
 * - The consent prompt names the client (name and provenance), the scopes with
 *   their descriptions, the resources and the user code, so the user can compare
 *   it with the device's (RFC 8628 5.4, remote phishing); it is always shown:
 *   a remembered consent or first-party trust never answers for a device.
 * - An answer moves the code from `pending` once (the store's compare-and-set):
 *   of parallel answers exactly one wins, the others are `invalid`. `allow`
 *   approves with the subject and a new grant id, `deny` denies.
 * - Events: `device.user_code_failed` (the address, never the code),
 *   `device.approved`, `device.denied`.
 */
import type { OAuthEventBus } from '../../engine/events.js';
import { InvalidRequestError, TooManyFailuresError } from '../../errors.js';
import { addressKey, limitKey, type FailureLimit } from '../../helpers/failure-limit.js';
import type { ScopePolicy } from '../../helpers/scope.js';
import type { DeviceCodeStore } from '../../stores/device-codes.js';
import type { ClientStore } from '../../stores/types.js';
import type { UserGrantRecorder } from '../../stores/user-grants.js';
import type { Client, Clock } from '../../types.js';
import {
  displayUserCode,
  normalizeUserCode,
  userCodeHash,
  type UserCodeRules,
} from './user-code.js';

/** Who enters a code: their address and a key of their session. */
export interface DeviceVisitor {
  readonly ip: string | undefined;
  /** A stable key of the visitor's session (e.g. its id); undefined without one. */
  readonly session: string | undefined;
  readonly requestId?: string | undefined;
}

/** What the consent page shows for a device request. */
export interface DevicePrompt {
  readonly client: { readonly id: string; readonly name: string };
  readonly scopes: readonly { readonly name: string; readonly description: string }[];
  readonly resources: readonly string[];
  /** The user code as shown (`WDJB-MJHT`), to compare with the device's. */
  readonly userCode: string;
  readonly clientSource: 'registration' | 'metadata-document' | undefined;
  readonly documentHost: string | undefined;
}

/** The outcome of an entered code. */
export type UserCodeOutcome =
  | { readonly kind: 'valid'; readonly deviceId: string; readonly prompt: DevicePrompt }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'limited'; readonly error: TooManyFailuresError };

/** The outcome of an answer. */
export type DeviceDecision = 'approved' | 'denied' | 'invalid';

export interface DeviceVerificationOptions {
  readonly store: DeviceCodeStore;
  readonly clients: ClientStore;
  readonly scopes: ScopePolicy;
  readonly rules: UserCodeRules;
  /** The `device_user_code` limit; undefined: off. */
  readonly limit: FailureLimit | undefined;
  /** Makes the grant id of an approval. */
  readonly newGrantId: () => string;
  /** Records the user's grant on approval, for `provider.authorizedApps`. */
  readonly userGrants?: UserGrantRecorder | undefined;
  readonly events: OAuthEventBus;
  readonly clock: Clock;
}

/** The engine of the verification page (rules above). */
export class DeviceVerification {
  readonly #o: DeviceVerificationOptions;

  constructor(options: DeviceVerificationOptions) {
    this.#o = options;
  }

  /** Checks an entered code for `visitor` (rules above); a store failure rejects. */
  async enter(typed: string | undefined, visitor: DeviceVisitor): Promise<UserCodeOutcome> {
    const keys = this.#keys(visitor);
    const wait = await this.#wait(keys);
    if (wait > 0) return { kind: 'limited', error: this.#refuse(wait, visitor) };
    const code = typed === undefined ? undefined : normalizeUserCode(typed, this.#o.rules);
    const found =
      code === undefined ? undefined : await this.#o.store.findByUserCode(userCodeHash(code));
    const client =
      found === undefined ? undefined : await this.#o.clients.find(found.record.clientId);
    if (found === undefined || client === undefined || code === undefined)
      return this.#failed(keys, visitor);
    return {
      kind: 'valid',
      deviceId: found.record.id,
      prompt: this.#prompt(client, found.record, code),
    };
  }

  /**
   * Answers a device request the user was shown; the adapter has checked the
   * CSRF token, that the answer is the transaction's only one, and the user.
   * @throws InvalidRequestError for a decision other than `allow` or `deny`.
   */
  async decide(
    deviceId: string,
    subject: string,
    decision: string | undefined,
  ): Promise<DeviceDecision> {
    if (decision !== 'allow' && decision !== 'deny')
      throw new InvalidRequestError('decision must be allow or deny');
    const { store, events, clock } = this.#o;
    if (decision === 'deny') {
      const denied = await store.settle(deviceId, { status: 'denied', subject });
      if (denied === undefined) return 'invalid';
      if (events.wants('device.denied'))
        events.emit('device.denied', { time: clock(), clientId: denied.clientId, subject });
      return 'denied';
    }
    const grantId = this.#o.newGrantId();
    const approved = await store.settle(deviceId, { status: 'approved', subject, grantId });
    if (approved === undefined) return 'invalid';
    const { clientId, scope, resources, expiresAt } = approved;
    await this.#o.userGrants?.granted(
      { grantId, subject, clientId, scope, resources },
      Math.max(1, expiresAt - Math.floor(clock() / 1000)),
    );
    if (events.wants('device.approved'))
      events.emit('device.approved', {
        time: clock(),
        clientId: approved.clientId,
        subject,
        scope: [...approved.scope],
        grantId,
      });
    return 'approved';
  }

  #keys(visitor: DeviceVisitor): string[] {
    const keys = [limitKey('ip', addressKey(visitor.ip))];
    if (visitor.session !== undefined) keys.push(limitKey('session', visitor.session));
    return keys;
  }

  async #wait(keys: readonly string[]): Promise<number> {
    const limit = this.#o.limit;
    if (limit === undefined) return 0;
    return Math.max(...(await Promise.all(keys.map((key) => limit.check(key)))));
  }

  async #failed(keys: readonly string[], visitor: DeviceVisitor): Promise<UserCodeOutcome> {
    const { limit, events, clock } = this.#o;
    if (events.wants('device.user_code_failed'))
      events.emit('device.user_code_failed', {
        time: clock(),
        requestId: visitor.requestId,
        ip: visitor.ip,
      });
    if (limit === undefined) return { kind: 'invalid' };
    const over = Math.max(...(await Promise.all(keys.map((key) => limit.fail(key)))));
    return over > 0 ? { kind: 'limited', error: this.#refuse(over, visitor) } : { kind: 'invalid' };
  }

  #refuse(retryAfter: number, visitor: DeviceVisitor): TooManyFailuresError {
    const error = new TooManyFailuresError(retryAfter, {
      detail: 'too many wrong user codes from this session or address',
    });
    const { events, clock } = this.#o;
    if (events.wants('rate_limited'))
      events.emit('rate_limited', {
        time: clock(),
        requestId: visitor.requestId,
        limit: 'device_user_code',
        clientId: undefined,
        ip: visitor.ip,
        retryAfter: error.retryAfter,
      });
    return error;
  }

  #prompt(
    client: Client,
    record: { scope: readonly string[]; resources: readonly string[] },
    code: string,
  ): DevicePrompt {
    const descriptions = this.#o.scopes.descriptions;
    const source = client.source;
    return {
      client: { id: client.id, name: client.name ?? client.id },
      scopes: record.scope.map((name) => ({ name, description: descriptions[name] ?? name })),
      resources: [...record.resources],
      userCode: displayUserCode(code),
      clientSource: source,
      documentHost: source === 'metadata-document' ? new URL(client.id).host : undefined,
    };
  }
}

/**
 * When the user must be asked, and what is remembered of their answer.
 *
 * Rules:
 * - A first-party client skips the page when `consent.skipForFirstParty` is on.
 * - With `consent.remember` on, a remembered consent of this user for this
 *   client that covers every requested scope skips the page — unless the
 *   request names resources (RFC 8707): a remembered consent says nothing of
 *   which resource servers the tokens would open, so the user is asked.
 * - Remembering adds the request's scope to what this user granted this client
 *   before (a remembered consent grows), for `consent.remember.lifetime` seconds
 *   from now. With `consent.remember` off nothing is read or written.
 */
import type { ConsentStore } from '../../stores/types.js';
import type { AuthorizationRequest } from './request.js';

/** The consent options and where remembered consents live. */
export interface ConsentPolicy {
  /** Seconds a remembered consent lasts; undefined: consent is never remembered. */
  readonly rememberLifetime: number | undefined;
  /** Whether clients marked `firstParty` skip the page. */
  readonly skipForFirstParty: boolean;
  readonly store: ConsentStore;
}

/** Why the page is skipped, or `undefined` when the user must be asked. Store failures reject. */
export async function consentSkipped(
  policy: ConsentPolicy,
  request: AuthorizationRequest,
  subject: string,
): Promise<'first-party' | 'remembered' | undefined> {
  if (policy.skipForFirstParty && request.client.firstParty === true) return 'first-party';
  if (policy.rememberLifetime === undefined || request.resources.length > 0) return undefined;
  const granted = await policy.store.find(subject, request.client.id);
  if (granted === undefined || !request.scope.every((s) => granted.includes(s))) return undefined;
  return 'remembered';
}

/** Remembers the request's scope for `subject`; false when remembering is off. */
export async function rememberConsent(
  policy: ConsentPolicy,
  request: AuthorizationRequest,
  subject: string,
): Promise<boolean> {
  const lifetime = policy.rememberLifetime;
  if (lifetime === undefined) return false;
  const before = (await policy.store.find(subject, request.client.id)) ?? [];
  const scope = [...new Set([...before, ...request.scope])];
  await policy.store.save(subject, request.client.id, scope, lifetime);
  return true;
}

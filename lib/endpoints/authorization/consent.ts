/**
 * When the user must be asked, and what is remembered of their answer.
 *
 * Rules:
 * - A first-party client skips the page when `consent.skipForFirstParty` is on.
 * - With `consent.remember` on, a remembered consent of this user for this
 *   client skips the page when it covers every requested scope AND every
 *   requested resource (RFC 8707 indicators, compared as exact strings): the
 *   user has seen each scope and each resource server on a page before.
 * - A request without `resource` is for the default audience. It is covered by
 *   a remembered consent given at least once without `resource` (its
 *   `resources` are empty, or `defaultAudience` is true), never by one given
 *   only for named resources: consenting to tokens for one API is not
 *   consenting to tokens for every API that takes the default audience.
 * - Remembering unions the scopes and the resources with what this user granted
 *   this client before (a remembered consent grows; `defaultAudience` is kept
 *   once set), for `consent.remember.lifetime` seconds from now. With
 *   `consent.remember` off nothing is read or written.
 * - Scopes and resources are remembered as two sets, not as pairs: after "read
 *   at X" and "write at Y", "write at X" is covered when X accepts `write`
 *   (the resource step already refuses a scope no named resource accepts).
 * - `prompt=consent` shows the page whatever is remembered (the caller,
 *   endpoint.ts, does not ask here then).
 */
import type { ConsentStore, RememberedConsent } from '../../stores/types.js';
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
  if (policy.rememberLifetime === undefined) return undefined;
  const granted = await policy.store.find(subject, request.client.id);
  return granted !== undefined && covers(granted, request) ? 'remembered' : undefined;
}

/** Remembers the request's scope and resources for `subject`; false when remembering is off. */
export async function rememberConsent(
  policy: ConsentPolicy,
  request: AuthorizationRequest,
  subject: string,
): Promise<boolean> {
  const lifetime = policy.rememberLifetime;
  if (lifetime === undefined) return false;
  const before = await policy.store.find(subject, request.client.id);
  await policy.store.save(subject, request.client.id, merged(before, request), lifetime);
  return true;
}

/** Whether `granted` covers every scope and every resource of `request` (rules above). */
function covers(granted: RememberedConsent, request: AuthorizationRequest): boolean {
  if (!request.scope.every((s) => granted.scope.includes(s))) return false;
  if (request.resources.length === 0) return coversDefaultAudience(granted);
  return request.resources.every((r) => granted.resources.includes(r));
}

/** Whether the user consented to the default audience at least once. */
function coversDefaultAudience(granted: RememberedConsent): boolean {
  return granted.resources.length === 0 || granted.defaultAudience === true;
}

/** `before` grown by the request: scopes and resources unioned, the flag kept. */
function merged(
  before: RememberedConsent | undefined,
  request: AuthorizationRequest,
): RememberedConsent {
  const resources = union(before?.resources ?? [], request.resources);
  const defaultAudience =
    request.resources.length === 0 || (before !== undefined && coversDefaultAudience(before));
  return {
    scope: union(before?.scope ?? [], request.scope),
    resources,
    ...(defaultAudience && resources.length > 0 ? { defaultAudience: true } : {}),
  };
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

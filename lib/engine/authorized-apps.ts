/**
 * `provider.authorizedApps`: the apps (clients) a user authorized, and taking
 * one back. Built on the grants recorded by the flows (lib/stores/user-grants.ts)
 * and the remembered consents.
 *
 * Rules:
 * - `list(subject)` gives one entry per client, from the user's live, unrevoked
 *   grants and remembered consents: the union of their scopes and of their
 *   resources (a remembered consent's resources included), the earliest grant
 *   time and the latest use. It names the client as the client store knows it
 *   now (its `name`, undefined for a client that is gone).
 * - `revoke(subject, clientId)` revokes every grant of that user to that client
 *   through `provider.revokeGrant` (every access and refresh token of the family,
 *   JWTs by the deny-list; `grant.revoked` with reason `user` per grant), forgets
 *   the remembered consent and the grant records, then emits `app.revoked`. It
 *   never touches another user's grants or another client's: grants are found by
 *   subject, then filtered by client id.
 */
import type { ConsentStore, ClientStore, RememberedConsent } from '../stores/types.js';
import type { UserGrant, UserGrantStore } from '../stores/user-grants.js';
import type { Clock } from '../types.js';
import type { OAuthEventBus } from './events.js';

/** One app a user authorized. Times in epoch seconds. */
export interface AuthorizedApp {
  readonly clientId: string;
  /** The client's `name` now; undefined when it has none or is gone. */
  readonly clientName: string | undefined;
  /** Every scope the user granted it (grants and remembered consent). */
  readonly scopes: readonly string[];
  /** The resources (RFC 8707) its grants' tokens may be for, and those of its remembered consent. */
  readonly resources: readonly string[];
  /** The earliest live grant; undefined when only a remembered consent is left. */
  readonly grantedAt: number | undefined;
  /** When a token of one of its grants was last issued (at most a minute stale). */
  readonly lastUsedAt: number | undefined;
}

/** What {@link AuthorizedApps} is built from. */
export interface AuthorizedAppsParts {
  readonly grants: UserGrantStore;
  readonly clients: ClientStore;
  readonly consents: ConsentStore;
  readonly events: OAuthEventBus;
  readonly clock: Clock;
  /** `provider.revokeGrant`. */
  revokeGrant(grantId: string, reason: string): Promise<void>;
}

interface Remembered extends RememberedConsent {
  readonly clientId: string;
}

/** Consent stores that can list a user's consents (the built-in one can). */
interface ListableConsents {
  list(subject: string): Promise<Remembered[]>;
}

function listable(consents: ConsentStore): consents is ConsentStore & ListableConsents {
  return typeof (consents as Partial<ListableConsents>).list === 'function';
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

function later(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}

function earlier(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

type Draft = Omit<AuthorizedApp, 'clientName'>;

function merge(draft: Draft | undefined, grant: UserGrant): Draft {
  return {
    clientId: grant.clientId,
    scopes: union(draft?.scopes ?? [], grant.scope),
    resources: union(draft?.resources ?? [], grant.resources),
    grantedAt: earlier(draft?.grantedAt, grant.grantedAt),
    lastUsedAt: later(draft?.lastUsedAt, grant.lastUsedAt),
  };
}

/** A user's authorized apps (rules above). */
export class AuthorizedApps {
  readonly #p: AuthorizedAppsParts;

  constructor(parts: AuthorizedAppsParts) {
    this.#p = parts;
  }

  /** The apps `subject` authorized, one entry per client, sorted by client id. */
  async list(subject: string): Promise<AuthorizedApp[]> {
    const drafts = new Map<string, Draft>();
    for (const grant of await this.#p.grants.list(subject))
      drafts.set(grant.clientId, merge(drafts.get(grant.clientId), grant));
    for (const { clientId, scope, resources } of await this.#remembered(subject)) {
      const draft = drafts.get(clientId);
      drafts.set(clientId, {
        clientId,
        scopes: union(draft?.scopes ?? [], scope),
        resources: union(draft?.resources ?? [], resources ?? []),
        grantedAt: draft?.grantedAt,
        lastUsedAt: draft?.lastUsedAt,
      });
    }
    const ids = [...drafts.keys()].sort();
    return Promise.all(ids.map((id) => this.#named(drafts.get(id) as Draft)));
  }

  /**
   * Takes back everything `subject` gave `clientId` (rules above).
   * @returns how many grants were revoked (0 when there was only a remembered consent, or nothing).
   */
  async revoke(subject: string, clientId: string): Promise<number> {
    const grants = (await this.#p.grants.list(subject)).filter((g) => g.clientId === clientId);
    for (const { grantId } of grants) {
      await this.#p.revokeGrant(grantId, 'user');
      await this.#p.grants.delete(grantId);
    }
    await this.#p.consents.revoke(subject, clientId);
    const { events, clock } = this.#p;
    if (events.wants('app.revoked'))
      events.emit('app.revoked', { time: clock(), subject, clientId, grants: grants.length });
    return grants.length;
  }

  async #remembered(subject: string): Promise<Remembered[]> {
    const consents = this.#p.consents;
    return listable(consents) ? consents.list(subject) : [];
  }

  async #named(draft: Draft): Promise<AuthorizedApp> {
    const client = await this.#p.clients.find(draft.clientId);
    return { ...draft, clientName: client?.name };
  }
}

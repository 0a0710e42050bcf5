/**
 * The grants a user gave clients ("authorized apps"), over the persistence
 * primitive: one record per grant (token family), found by its subject, so a
 * user's apps can be listed and each grant revoked by its id.
 *
 * | kind         | id       | value                | lookups   |
 * | ------------ | -------- | -------------------- | --------- |
 * | `user-grant` | grant id | {@link UserGrant}     | `subject` |
 *
 * Rules:
 * - A grant is recorded when its code is issued (or its device code approved)
 *   with a short TTL (the code's lifetime plus a minute): a code never redeemed
 *   leaves nothing behind for long, yet a revocation before its redemption knows
 *   its grant id and covers it.
 * - {@link UserGrantStore.used} records the grant's use (its first tokens, each
 *   refresh) and extends its life to `lifetime` seconds (as long as the family's
 *   refresh tokens or the remembered consent could live); it writes at most once
 *   per `USE_INTERVAL` seconds per grant, so a busy client costs one read per
 *   refresh. It never creates a record: a deleted (revoked) grant stays deleted.
 * - {@link UserGrantStore.list} skips a grant whose tokens were revoked (the
 *   refresh-token store's `refresh-revoked` marker, ./typed-stores.ts, which
 *   `provider.revokeGrant` always writes), so a revocation for any reason (the
 *   user, refresh reuse, a replayed code) takes the app off the list, and a use
 *   racing a revocation cannot bring it back.
 */
import type { RecordStore, RecordValue, StoredRecord } from './records.js';

/** Seconds between two writes of a grant's `lastUsedAt`. */
export const USE_INTERVAL = 60;

const KIND = 'user-grant';
/** The refresh-token store's revoked-grant marker (./typed-stores.ts). */
const REVOKED_KIND = 'refresh-revoked';

/** One grant a user gave a client. Times in epoch seconds. */
export interface UserGrant {
  readonly grantId: string;
  readonly subject: string;
  readonly clientId: string;
  /** The granted scope. */
  readonly scope: readonly string[];
  /** The resources (RFC 8707) the grant's tokens may be for; `[]`: the default audience. */
  readonly resources: readonly string[];
  readonly grantedAt: number;
  /** When a token of the grant was last issued; absent until the first one. */
  readonly lastUsedAt?: number | undefined;
}

/** What the flows need: record a grant, record its use. */
export interface UserGrantRecorder {
  /** Records a grant just made; `pendingTtl` seconds until its first use. */
  granted(grant: Omit<UserGrant, 'grantedAt' | 'lastUsedAt'>, pendingTtl: number): Promise<void>;
  /** Records a use of the grant (see the module header). */
  used(grantId: string): Promise<void>;
}

/** The typed store of users' grants (rules above). */
export class UserGrantStore implements UserGrantRecorder {
  readonly #records: RecordStore;
  readonly #lifetime: number;

  /**
   * @param records the persistence primitive.
   * @param lifetime seconds a used grant's record lives after its last recorded use.
   */
  constructor(records: RecordStore, lifetime: number) {
    this.#records = records;
    this.#lifetime = lifetime;
  }

  async granted(
    grant: Omit<UserGrant, 'grantedAt' | 'lastUsedAt'>,
    pendingTtl: number,
  ): Promise<void> {
    const value: UserGrant = {
      grantId: grant.grantId,
      subject: grant.subject,
      clientId: grant.clientId,
      scope: [...grant.scope],
      resources: [...grant.resources],
      grantedAt: this.#now(),
    };
    await this.#records.put(KIND, grant.grantId, asValue(value), pendingTtl + USE_INTERVAL, {
      subject: grant.subject,
    });
  }

  async used(grantId: string): Promise<void> {
    const stored = await this.#records.get(KIND, grantId);
    if (stored === undefined) return;
    const grant = stored.value as unknown as UserGrant;
    const now = this.#now();
    if (grant.lastUsedAt !== undefined && now - grant.lastUsedAt < USE_INTERVAL) return;
    // A put, not an update: it extends the TTL (a rotated refresh token lives anew).
    await this.#records.put(
      KIND,
      grantId,
      asValue({ ...grant, lastUsedAt: now }),
      this.#lifetime + USE_INTERVAL,
      { subject: grant.subject },
    );
  }

  /** The live, unrevoked grants of `subject`, in no particular order. */
  async list(subject: string): Promise<UserGrant[]> {
    const found = await this.#records.listBy(KIND, 'subject', subject);
    const mine = found.map(grantOf).filter((grant) => grant.subject === subject);
    const revoked = await Promise.all(
      mine.map(
        async (grant) => (await this.#records.get(REVOKED_KIND, grant.grantId)) !== undefined,
      ),
    );
    return mine.filter((_, i) => revoked[i] !== true);
  }

  /** Forgets a grant (its tokens are revoked by `provider.revokeGrant`, not here). */
  async delete(grantId: string): Promise<void> {
    await this.#records.delete(KIND, grantId);
  }

  #now(): number {
    return Math.floor(this.#records.clock() / 1000);
  }
}

function grantOf(stored: StoredRecord): UserGrant {
  return stored.value as unknown as UserGrant;
}

function asValue(grant: UserGrant): RecordValue {
  return grant as unknown as RecordValue;
}

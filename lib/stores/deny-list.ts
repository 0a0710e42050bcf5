/**
 * The deny-list of stateless JWT access tokens, a typed store over the
 * persistence primitive (./records.ts) like those of ./typed-stores.ts. Each
 * process keeps it in memory (lib/tokens/deny-list.ts); this module is what is
 * shared.
 *
 * | kind          | id                                   | value | lookups       |
 * | ------------- | ------------------------------------ | ----- | ------------- |
 * | `deny-token`  | the token's `jti`                    | `{}`  | `list`: `all` |
 * | `deny-grant`  | the grant's reference (`grant_ref`)  | `{}`  | `list`: `all` |
 *
 * Rules:
 * - An entry lives as long as the tokens it covers (the caller gives the TTL)
 *   and is never deleted: it leaves by expiring.
 * - Every entry is put with the same lookup, so `list()` reads every live entry
 *   with one `listBy()` per kind, on every backend.
 * - A store that can announce writes (./watch.ts) announces these kinds
 *   ({@link DENY_LIST_KINDS}); the Redis store does by default.
 */
import type { RecordStore } from './records.js';

/** What an entry denies: one token (by `jti`) or every token of a grant (by `grant_ref`). */
export type DenyTarget = 'token' | 'grant';

/** The record kinds of the deny-list, by target. */
export const DENY_KINDS: Readonly<Record<DenyTarget, string>> = Object.freeze({
  token: 'deny-token',
  grant: 'deny-grant',
});

/** Both record kinds of the deny-list. */
export const DENY_LIST_KINDS: readonly string[] = Object.freeze([
  DENY_KINDS.token,
  DENY_KINDS.grant,
]);

const LOOKUP = 'list';
const ALL = 'all';

/** A live entry. */
export interface DenyListEntry {
  readonly target: DenyTarget;
  readonly id: string;
  /** Epoch milliseconds, by the store's clock. */
  readonly expiresAt: number;
}

/** The target of a record kind, if it is one of the deny-list's. */
export function denyTargetOf(kind: string): DenyTarget | undefined {
  if (kind === DENY_KINDS.token) return 'token';
  if (kind === DENY_KINDS.grant) return 'grant';
  return undefined;
}

/** The deny-list over the primitive. */
export class RecordDenyListStore {
  /** The primitive underneath (the in-process copy watches it when it can). */
  readonly records: RecordStore;

  constructor(records: RecordStore) {
    this.records = records;
  }

  /** Denies a token (`id` = jti) or a grant (`id` = grant reference) for `ttl` seconds. */
  async deny(target: DenyTarget, id: string, ttl: number): Promise<void> {
    await this.records.put(DENY_KINDS[target], id, {}, ttl, { [LOOKUP]: ALL });
  }

  /** Whether the token `tokenId` or its grant `grantRef` is denied: one read each. */
  async isDenied(tokenId: string, grantRef: string | undefined): Promise<boolean> {
    const [token, grant] = await Promise.all([
      this.records.get(DENY_KINDS.token, tokenId),
      grantRef === undefined ? undefined : this.records.get(DENY_KINDS.grant, grantRef),
    ]);
    return token !== undefined || grant !== undefined;
  }

  /** Every live entry. */
  async list(): Promise<DenyListEntry[]> {
    const targets: DenyTarget[] = ['token', 'grant'];
    const found = await Promise.all(
      targets.map((t) => this.records.listBy(DENY_KINDS[t], LOOKUP, ALL)),
    );
    return targets.flatMap((target, i) =>
      (found[i] ?? []).flatMap((record) =>
        record.expiresAt === undefined
          ? []
          : [{ target, id: record.id, expiresAt: record.expiresAt }],
      ),
    );
  }
}

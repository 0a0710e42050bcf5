/**
 * The SQL stores: the typed stores (../typed-stores.ts) over one
 * {@link SqlRecordStore}, plus the sweep SQL needs because it has no TTL.
 *
 * Rules: the options are checked when the stores are built (a TypeError naming
 * the option); the pool is the host app's and is never ended here.
 */
import { RecordClientStore, recordStores, type RecordStores } from '../typed-stores.js';
import { SqlRecordStore, type SqlRecordStoreOptions } from './record-store.js';

/** Options of {@link sqlStores}. */
export type SqlStoresOptions = SqlRecordStoreOptions;

/** What {@link sqlStores} returns: every typed store, the primitive, and the sweep. */
export interface SqlStores extends RecordStores {
  readonly records: SqlRecordStore;
  /** Clients, with `save()` and `delete()` for registering them. */
  readonly clients: RecordClientStore;
  /**
   * Deletes every row past its expiry (SQL has no TTL); run it now and then.
   * Resolves to the number of records deleted.
   */
  deleteExpired(): Promise<number>;
}

/**
 * Every store, kept in SQL tables made by `createSchema()`.
 *
 * @example
 * ```ts
 * const pool = mysql.createPool({ uri: process.env.DATABASE_URL, connectTimeout: 2000 });
 * await createSchema({ dialect: 'mysql', client: pool });
 * const stores = sqlStores({ dialect: 'mysql', client: pool }); // prefix: 'oauth2_' by default
 * setInterval(() => void stores.deleteExpired().catch(console.error), 3_600_000).unref();
 * ```
 */
export function sqlStores(options: SqlStoresOptions): SqlStores {
  const records = new SqlRecordStore(options);
  const stores = recordStores(records);
  return {
    ...stores,
    records,
    clients: stores.clients ?? new RecordClientStore(records),
    deleteExpired: () => records.deleteExpired(),
  };
}

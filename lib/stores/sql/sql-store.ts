/**
 * The SQL stores: one implementation of every store interface over an executor
 * and a dialect's statements (the seed's `dbapi` idea), for MySQL/MariaDB via
 * mysql2 and PostgreSQL via pg.
 *
 * - Time is this process's clock, sent as a parameter (`live_until > now`), so
 *   expiry is enforced on every read whatever the database's clock or time zone;
 *   processes sharing a database need synchronised clocks, as they do for JWT
 *   expiry anyway. SQL has no TTL: run {@link SqlStores.deleteExpired} now and
 *   then to remove dead rows.
 * - `consume()` is one conditional UPDATE: exactly one of any number of parallel
 *   calls, over any number of pools or processes, matches the row (see mysql.ts
 *   and postgres.ts).
 * - `revokeGrant(g, ttl)` writes a row to the revoked-grants table that every
 *   read of the token tables checks, so tokens of `g` saved before or after the
 *   call stay hidden for `ttl` seconds.
 * - A database that cannot be reached gives `StoreUnavailableError` (503);
 *   any other SQL error is passed on (500).
 */
import type {
  AccessTokenRecord,
  AuthorizationCodeRecord,
  Client,
  Clock,
  RefreshTokenRecord,
} from '../../types.js';
import type {
  AccessTokenStore,
  AuthorizationCodeStore,
  ClientStore,
  ConsentStore,
  RefreshTokenStore,
  Stores,
} from '../types.js';
import {
  mysqlExecutor,
  postgresExecutor,
  type MysqlCallbackPool,
  type MysqlPool,
  type PostgresPool,
} from './connect.js';
import type { SqlExecutor, SqlRow, SqlValue } from './executor.js';
import { mysqlQueries } from './mysql.js';
import { postgresQueries } from './postgres.js';
import {
  sqlTableNames,
  type ConsumeStatement,
  type Queries,
  type RevocationKind,
} from './queries.js';
import {
  accessFromRow,
  accessParams,
  clientFromRow,
  clientParams,
  codeFromRow,
  codeParams,
  refreshFromRow,
  refreshParams,
  scopeFromRow,
} from './records.js';

export type SqlDialect = 'mysql' | 'postgres';

/** Which database, through which pool. The pool is the host app's: the stores never end it. */
export type SqlConnection =
  | {
      dialect: 'mysql';
      /** A `mysql2/promise` pool, or a callback `mysql2` pool. Give it a short `connectTimeout`. */
      pool: MysqlPool | MysqlCallbackPool;
    }
  | {
      dialect: 'postgres';
      /** A `pg` Pool. Give it a `connectionTimeoutMillis`. */
      pool: PostgresPool;
    };

export type SqlStoresOptions = SqlConnection & {
  /**
   * Prefix of every table name: lower-case letters, digits and `_`, at most 32
   * characters. Default `oauth2_`. Must match the prefix given to `createSchema()`.
   */
  tablePrefix?: string | undefined;
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  clock?: Clock | undefined;
};

/** What {@link sqlStores} returns: every store, plus the sweep SQL needs. */
export interface SqlStores extends Stores {
  /** Clients, with `save()` and `delete()` for registering them. */
  clients: Required<ClientStore>;
  /** Deletes every row past its expiry (SQL has no TTL). Resolves to the number of rows deleted. */
  deleteExpired(): Promise<number>;
}

/** What the stores share: where to send statements, which statements, and the time. */
interface SqlContext {
  readonly db: SqlExecutor;
  readonly queries: Queries;
  readonly clock: Clock;
}

/** Milliseconds since the epoch, whole. */
function nowMs(context: SqlContext): number {
  return Math.floor(context.clock());
}

/** When a record saved now with `ttl` seconds is dead: its `expiresAt` or the TTL, whichever is first. */
function liveUntil(context: SqlContext, expiresAt: number, ttl: number): number {
  return Math.floor(Math.min(expiresAt * 1000, context.clock() + ttl * 1000));
}

async function first(
  context: SqlContext,
  sql: string,
  params: readonly SqlValue[],
): Promise<SqlRow | undefined> {
  return (await context.db.query(sql, params)).rows[0];
}

/** Runs a consume statement; the row when this call won, else `undefined`. */
async function consumeRow(
  context: SqlContext,
  statement: ConsumeStatement,
  id: string,
  params: readonly SqlValue[],
): Promise<SqlRow | undefined> {
  const result = await context.db.query(statement.update, params);
  if (result.affected !== 1) return undefined;
  return statement.select === undefined ? result.rows[0] : first(context, statement.select, [id]);
}

async function revokeGrant(
  context: SqlContext,
  kind: RevocationKind,
  grantId: string,
  ttl: number,
): Promise<void> {
  await context.db.query(context.queries.revokeGrant, [
    grantId,
    kind,
    Math.floor(context.clock() + ttl * 1000),
  ]);
}

class SqlClientStore implements ClientStore {
  readonly #context: SqlContext;

  constructor(context: SqlContext) {
    this.#context = context;
  }

  async find(clientId: string): Promise<Client | undefined> {
    const row = await first(this.#context, this.#context.queries.clients.find, [clientId]);
    return row === undefined ? undefined : clientFromRow(row);
  }

  async save(client: Client): Promise<void> {
    await this.#context.db.query(this.#context.queries.clients.save, clientParams(client));
  }

  async delete(clientId: string): Promise<void> {
    await this.#context.db.query(this.#context.queries.clients.delete, [clientId]);
  }
}

class SqlAuthorizationCodeStore implements AuthorizationCodeStore {
  readonly #context: SqlContext;

  constructor(context: SqlContext) {
    this.#context = context;
  }

  async save(record: AuthorizationCodeRecord, ttl: number): Promise<void> {
    const c = this.#context;
    await c.db.query(
      c.queries.authorizationCodes.save,
      codeParams(record, liveUntil(c, record.expiresAt, ttl)),
    );
  }

  async find(id: string): Promise<AuthorizationCodeRecord | undefined> {
    const row = await first(this.#context, this.#context.queries.authorizationCodes.find, [
      id,
      nowMs(this.#context),
    ]);
    return row === undefined ? undefined : codeFromRow(row);
  }

  async consume(id: string): Promise<AuthorizationCodeRecord | undefined> {
    const c = this.#context;
    const row = await consumeRow(c, c.queries.authorizationCodes.consume, id, [id, nowMs(c)]);
    if (row === undefined) return undefined;
    // The record as it was before this call, which found it unconsumed.
    const { consumed: _consumed, ...record } = codeFromRow(row);
    return record;
  }
}

class SqlAccessTokenStore implements AccessTokenStore {
  readonly #context: SqlContext;

  constructor(context: SqlContext) {
    this.#context = context;
  }

  async save(record: AccessTokenRecord, ttl: number): Promise<void> {
    const c = this.#context;
    await c.db.query(
      c.queries.accessTokens.save,
      accessParams(record, liveUntil(c, record.expiresAt, ttl)),
    );
  }

  async find(id: string): Promise<AccessTokenRecord | undefined> {
    const now = nowMs(this.#context);
    const row = await first(this.#context, this.#context.queries.accessTokens.find, [
      id,
      now,
      'access',
      now,
    ]);
    return row === undefined ? undefined : accessFromRow(row);
  }

  async revoke(id: string): Promise<void> {
    await this.#context.db.query(this.#context.queries.accessTokens.revoke, [id]);
  }

  async revokeGrant(grantId: string, ttl: number): Promise<void> {
    await revokeGrant(this.#context, 'access', grantId, ttl);
  }

  async findByUniqueKey(uniqueKey: string): Promise<AccessTokenRecord | undefined> {
    const now = nowMs(this.#context);
    const row = await first(this.#context, this.#context.queries.accessTokens.findByUniqueKey, [
      uniqueKey,
      now,
      'access',
      now,
    ]);
    return row === undefined ? undefined : accessFromRow(row);
  }
}

class SqlRefreshTokenStore implements RefreshTokenStore {
  readonly #context: SqlContext;

  constructor(context: SqlContext) {
    this.#context = context;
  }

  async save(record: RefreshTokenRecord, ttl: number): Promise<void> {
    const c = this.#context;
    await c.db.query(
      c.queries.refreshTokens.save,
      refreshParams(record, liveUntil(c, record.expiresAt, ttl)),
    );
  }

  async find(id: string): Promise<RefreshTokenRecord | undefined> {
    const now = nowMs(this.#context);
    const row = await first(this.#context, this.#context.queries.refreshTokens.find, [
      id,
      now,
      'refresh',
      now,
    ]);
    return row === undefined ? undefined : refreshFromRow(row);
  }

  async consume(id: string): Promise<RefreshTokenRecord | undefined> {
    const c = this.#context;
    const now = nowMs(c);
    const row = await consumeRow(c, c.queries.refreshTokens.consume, id, [
      Math.floor(now / 1000),
      id,
      now,
      'refresh',
      now,
    ]);
    if (row === undefined) return undefined;
    // The record as it was before this call, which found it unconsumed.
    const { consumed: _consumed, consumedAt: _consumedAt, ...record } = refreshFromRow(row);
    return record;
  }

  async revoke(id: string): Promise<void> {
    await this.#context.db.query(this.#context.queries.refreshTokens.revoke, [id]);
  }

  async revokeGrant(grantId: string, ttl: number): Promise<void> {
    await revokeGrant(this.#context, 'refresh', grantId, ttl);
  }
}

class SqlConsentStore implements ConsentStore {
  readonly #context: SqlContext;

  constructor(context: SqlContext) {
    this.#context = context;
  }

  async find(subject: string, clientId: string): Promise<readonly string[] | undefined> {
    const row = await first(this.#context, this.#context.queries.consents.find, [
      subject,
      clientId,
      nowMs(this.#context),
    ]);
    return row === undefined ? undefined : scopeFromRow(row);
  }

  async save(
    subject: string,
    clientId: string,
    scope: readonly string[],
    ttl: number,
  ): Promise<void> {
    const c = this.#context;
    await c.db.query(c.queries.consents.save, [
      subject,
      clientId,
      JSON.stringify(scope),
      Math.floor(c.clock() + ttl * 1000),
    ]);
  }

  async revoke(subject: string, clientId: string): Promise<void> {
    await this.#context.db.query(this.#context.queries.consents.revoke, [subject, clientId]);
  }
}

/** The executor and statements for a connection; validates the options (TypeError naming the option). */
export function sqlConnection(
  options: SqlConnection & { tablePrefix?: string | undefined },
  caller: string,
): { db: SqlExecutor; queries: Queries } {
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`oauth2-stateless: ${caller}() needs an options object`);
  const tables = sqlTableNames(options.tablePrefix);
  const pool: unknown = options.pool;
  if (typeof pool !== 'object' || pool === null) {
    throw new TypeError(
      `oauth2-stateless: ${caller}(): options.pool must be a mysql2 or pg pool created by the app`,
    );
  }
  switch (options.dialect) {
    case 'mysql':
      if (
        typeof (pool as Partial<MysqlPool>).execute !== 'function' &&
        typeof (pool as Partial<MysqlCallbackPool>).promise !== 'function'
      ) {
        throw new TypeError(
          `oauth2-stateless: ${caller}(): options.pool must be a mysql2 pool (mysql2/promise createPool())`,
        );
      }
      return { db: mysqlExecutor(options.pool), queries: mysqlQueries(tables) };
    case 'postgres':
      if (typeof (pool as Partial<PostgresPool>).query !== 'function') {
        throw new TypeError(`oauth2-stateless: ${caller}(): options.pool must be a pg Pool`);
      }
      return { db: postgresExecutor(options.pool), queries: postgresQueries(tables) };
    default:
      throw new TypeError(
        `oauth2-stateless: ${caller}(): options.dialect must be 'mysql' or 'postgres'`,
      );
  }
}

/**
 * Every store, kept in SQL tables made by `createSchema()`.
 *
 *     const pool = mysql.createPool({ uri: process.env.DATABASE_URL, connectTimeout: 2000 });
 *     await createSchema({ dialect: 'mysql', pool });
 *     const stores = sqlStores({ dialect: 'mysql', pool });
 */
export function sqlStores(options: SqlStoresOptions): SqlStores {
  const { db, queries } = sqlConnection(options, 'sqlStores');
  const clock = options.clock ?? Date.now;
  if (typeof clock !== 'function')
    throw new TypeError('oauth2-stateless: sqlStores(): options.clock must be a function');
  const context: SqlContext = Object.freeze({ db, queries, clock });
  return {
    clients: new SqlClientStore(context),
    authorizationCodes: new SqlAuthorizationCodeStore(context),
    accessTokens: new SqlAccessTokenStore(context),
    refreshTokens: new SqlRefreshTokenStore(context),
    consents: new SqlConsentStore(context),
    async deleteExpired(): Promise<number> {
      const now = nowMs(context);
      let deleted = 0;
      for (const sql of queries.deleteExpired) deleted += (await db.query(sql, [now])).affected;
      return deleted;
    },
  };
}

/**
 * Executors over the pools a host app creates with mysql2 or pg, and the
 * options that name them (`{ dialect, client }`), checked when a store is built.
 *
 * Nothing is imported from the drivers, not even their types: a pool is
 * described here by the one or two methods the stores call, so this package's
 * type declarations compile for users who installed neither driver (the drivers
 * are optional peer dependencies). A `mysql2/promise` Pool, a callback-style
 * `mysql2` Pool (its `.promise()` is used), a `pg` Pool or a `pg` Client fit.
 *
 * For a fast failure when the database is down, give the pool a short connect
 * timeout: mysql2 `connectTimeout` (ms, default 10 000), pg `connectionTimeoutMillis`
 * (ms, default 0 = wait forever; it also bounds the wait for a free connection).
 */
import {
  retryDeadlocks,
  translateError,
  type SqlExecutor,
  type SqlResult,
  type SqlRow,
  type SqlValue,
} from './executor.js';

/** A mysql2 `mysql2/promise` pool (or connection), as far as the stores use it. */
export interface MysqlPool {
  execute(sql: string, values: SqlValue[]): Promise<[unknown, unknown]>;
  query(sql: string): Promise<[unknown, unknown]>;
}

/** A callback-style mysql2 pool; its `.promise()` wrapper is used. */
export interface MysqlCallbackPool {
  promise(): MysqlPool;
}

/** A pg `Pool` (or `Client`), as far as the stores use it. */
export interface PostgresPool {
  query(text: string, values: SqlValue[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
  /** pg's EventEmitter methods; see {@link postgresExecutor}. */
  on?(event: 'error', listener: (err: Error) => void): unknown;
  listenerCount?(event: 'error'): number;
}

function isRowList(result: unknown): result is SqlRow[] {
  return Array.isArray(result);
}

/**
 * An executor over a mysql2 pool. Statements with parameters go through
 * `execute()` (server-side prepared statements); the schema's DDL, which has
 * none, through `query()`.
 */
export function mysqlExecutor(pool: MysqlPool | MysqlCallbackPool): SqlExecutor {
  const promisePool: MysqlPool =
    'promise' in pool && typeof pool.promise === 'function' ? pool.promise() : (pool as MysqlPool);
  return {
    async query(sql: string, params: readonly SqlValue[]): Promise<SqlResult> {
      let result: unknown;
      try {
        const values = params.map((value) =>
          typeof value === 'boolean' ? (value ? 1 : 0) : value,
        );
        [result] = await retryDeadlocks(() =>
          values.length === 0 ? promisePool.query(sql) : promisePool.execute(sql, values),
        );
      } catch (err) {
        throw translateError(err, 'MySQL');
      }
      if (isRowList(result)) return { rows: result, affected: result.length };
      const header = result as { affectedRows?: unknown; insertId?: unknown } | undefined;
      return {
        rows: [],
        affected: typeof header?.affectedRows === 'number' ? header.affectedRows : 0,
        insertId: Number(header?.insertId ?? 0),
      };
    },
  };
}

/**
 * An executor over a pg pool.
 *
 * pg makes a Pool emit `'error'` when an idle connection drops (the database
 * restarted, a proxy timed out), and an EventEmitter with no `'error'` listener
 * crashes the process. So when the pool has no such listener, one that ignores
 * the error is added (the pool already discards the broken connection, and the
 * next statement opens a new one). A host that listens itself is left alone.
 */
export function postgresExecutor(pool: PostgresPool): SqlExecutor {
  if (
    typeof pool.on === 'function' &&
    typeof pool.listenerCount === 'function' &&
    pool.listenerCount('error') === 0
  ) {
    pool.on('error', () => undefined);
  }
  return {
    async query(sql: string, params: readonly SqlValue[]): Promise<SqlResult> {
      try {
        const result = await retryDeadlocks(() => pool.query(sql, [...params]));
        return { rows: result.rows as SqlRow[], affected: result.rowCount ?? result.rows.length };
      } catch (err) {
        throw translateError(err, 'PostgreSQL');
      }
    },
  };
}

/** Which database, through which pool. The pool is the host app's: the stores never end it. */
export type SqlClientOptions =
  | {
      dialect: 'mysql';
      /** A `mysql2/promise` pool, or a callback `mysql2` pool. Give it a short `connectTimeout`. */
      client: MysqlPool | MysqlCallbackPool;
    }
  | {
      dialect: 'postgres';
      /** A `pg` Pool (or Client). Give it a `connectionTimeoutMillis`. */
      client: PostgresPool;
    };

/** The databases the SQL stores speak. */
export type SqlDialect = SqlClientOptions['dialect'];

/**
 * The executor for `options.client`; checks `options`, `options.dialect` and
 * `options.client` (a TypeError naming the option, after `who`: `'createSchema()'`).
 */
export function sqlExecutor(options: SqlClientOptions, who: string): SqlExecutor {
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`oauth2-stateless: ${who} needs an options object`);
  const client: unknown = options.client;
  if (typeof client !== 'object' || client === null) {
    throw new TypeError(
      `oauth2-stateless: ${who}: options.client must be a mysql2 or pg pool created by the app`,
    );
  }
  switch (options.dialect) {
    case 'mysql':
      if (
        typeof (client as Partial<MysqlPool>).execute !== 'function' &&
        typeof (client as Partial<MysqlCallbackPool>).promise !== 'function'
      ) {
        throw new TypeError(
          `oauth2-stateless: ${who}: options.client must be a mysql2 pool (mysql2/promise createPool())`,
        );
      }
      return mysqlExecutor(options.client);
    case 'postgres':
      if (typeof (client as Partial<PostgresPool>).query !== 'function')
        throw new TypeError(`oauth2-stateless: ${who}: options.client must be a pg Pool`);
      return postgresExecutor(options.client);
    default:
      throw new TypeError(
        `oauth2-stateless: ${who}: options.dialect must be 'mysql' or 'postgres'`,
      );
  }
}

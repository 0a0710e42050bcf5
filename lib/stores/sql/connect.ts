/**
 * Executors over the pools a host app creates with mysql2 or pg.
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
        [result] =
          values.length === 0
            ? await promisePool.query(sql)
            : await promisePool.execute(sql, values);
      } catch (err) {
        throw translateError(err, 'MySQL');
      }
      if (isRowList(result)) return { rows: result, affected: result.length };
      const affected = (result as { affectedRows?: unknown } | undefined)?.affectedRows;
      return { rows: [], affected: typeof affected === 'number' ? affected : 0 };
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
        const result = await pool.query(sql, [...params]);
        return { rows: result.rows as SqlRow[], affected: result.rowCount ?? result.rows.length };
      } catch (err) {
        throw translateError(err, 'PostgreSQL');
      }
    },
  };
}

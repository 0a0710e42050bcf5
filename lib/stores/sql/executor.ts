/**
 * The one thing the SQL stores need from a driver: run a parameterised statement
 * and say what it returned or how many rows it changed.
 *
 * Also runs a statement again when the server chose it as a deadlock victim,
 * and decides which driver failures mean "the database cannot be reached or did
 * not answer in time" (they become `StoreUnavailableError`, i.e. 503
 * `temporarily_unavailable`); every other SQL error is passed on unchanged and
 * becomes a 500 `server_error`.
 */
import { StoreUnavailableError } from '../../errors.js';

/** A statement parameter. Booleans are sent as 1/0 to MySQL. */
export type SqlValue = string | number | boolean | null;

/** A result row, keyed by column name. */
export type SqlRow = Readonly<Record<string, unknown>>;

export interface SqlResult {
  /** Rows of a SELECT, or of a statement with `RETURNING`. */
  readonly rows: readonly SqlRow[];
  /** Rows an INSERT, UPDATE or DELETE matched (for a SELECT: the number of rows). */
  readonly affected: number;
  /** MySQL only: the insert id the server reported (set by `LAST_INSERT_ID(expr)`); 0 when none. */
  readonly insertId?: number | undefined;
}

/**
 * Runs one statement. `sql` uses the dialect's placeholders (`?` for MySQL,
 * `$1`… for PostgreSQL) and `params` fill them in order; no value is ever
 * written into `sql`. Rejects with `StoreUnavailableError` when the database
 * cannot be reached.
 */
export interface SqlExecutor {
  query(sql: string, params: readonly SqlValue[]): Promise<SqlResult>;
}

/** Socket-level failures (Node's net, dns and tls), from either driver. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ESOCKETTIMEDOUT',
]);

/** mysql2: a lost connection, a full pool queue, a server going away or overloaded. */
const MYSQL_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'ER_CON_COUNT_ERROR', // 1040 too many connections
  'ER_SERVER_SHUTDOWN', // 1053
  'ER_LOCK_WAIT_TIMEOUT', // 1205
  'ER_CLIENT_INTERACTION_TIMEOUT', // 4031, MySQL 8.0.24+
  'ER_SERVER_OFFLINE_MODE', // 3032
]);

/** PostgreSQL SQLSTATEs: class 08 (connection exception) is matched by prefix. */
const POSTGRES_STATES = new Set([
  '53300', // too_many_connections
  '55P03', // lock_not_available (lock_timeout)
  '57014', // query_canceled (statement_timeout)
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
]);

/** Errors that carry no code: pg and pg-pool, mysql2's pool. */
const MESSAGES = [
  /^Connection terminated/, // pg: "... unexpectedly", "... due to connection timeout"
  /^timeout exceeded when trying to connect$/, // pg-pool connectionTimeoutMillis
  /^Query read timeout$/, // pg query_timeout
  /^Client has encountered a connection error and is not queryable$/, // pg
  /^Cannot use a pool after calling end on the pool$/, // pg-pool
  /^Pool is closed\.$/, // mysql2
  /^Queue limit reached\.$/, // mysql2 queueLimit
  /^Can't add new command when connection is in closed state$/, // mysql2
];

/**
 * Whether a driver error means the database is down, unreachable, overloaded or
 * too slow, rather than that a statement was wrong. Looks through `cause` and
 * `AggregateError.errors` (Node reports a failed connection to a host with
 * several addresses as an AggregateError).
 */
export function isUnavailable(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 4) return false;
  const { code, message, cause, errors } = err as {
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || MYSQL_CODES.has(code) || POSTGRES_STATES.has(code)) return true;
    if (/^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  if (typeof message === 'string' && MESSAGES.some((pattern) => pattern.test(message))) return true;
  if (Array.isArray(errors) && errors.some((inner) => isUnavailable(inner, depth + 1))) return true;
  return cause !== undefined && isUnavailable(cause, depth + 1);
}

/** Whether a driver error says the server chose this statement as a deadlock victim (MySQL 1213, PostgreSQL 40P01). */
export function isDeadlock(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, errno } = err as { code?: unknown; errno?: unknown };
  return code === 'ER_LOCK_DEADLOCK' || code === '40P01' || errno === 1213;
}

/** How often a statement runs at most when the server keeps choosing it as a deadlock victim. */
const DEADLOCK_ATTEMPTS = 3;

/**
 * Runs `statement`, again when the server rolled it back as a deadlock victim.
 * Safe because every statement of the stores is its own transaction: a victim
 * changed nothing. (Parallel writes to one record's lookups can deadlock on
 * InnoDB's gap locks; no statement waits on another for long.)
 */
export async function retryDeadlocks<T>(statement: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await statement();
    } catch (err) {
      if (attempt >= DEADLOCK_ATTEMPTS || !isDeadlock(err)) throw err;
    }
  }
}

/** Whether a driver error is a duplicate primary or unique key (MySQL 1062, PostgreSQL 23505). */
export function isDuplicateKey(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, errno } = err as { code?: unknown; errno?: unknown };
  return code === 'ER_DUP_ENTRY' || code === '23505' || errno === 1062;
}

/** `err` as it should leave a store: a `StoreUnavailableError` (with `err` as cause) or `err` itself. */
export function translateError(err: unknown, database: string): unknown {
  if (err instanceof StoreUnavailableError || !isUnavailable(err)) return err;
  const code = (err as { code?: unknown }).code;
  const detail = typeof code === 'string' ? code : (err as Error).message;
  return new StoreUnavailableError(
    `oauth2-stateless: the ${database} database cannot be reached (${detail})`,
    { cause: err },
  );
}

/**
 * What a SQL dialect provides: the table names, the column lists, and every
 * statement the stores run (lib/stores/sql/mysql.ts and postgres.ts fill it in).
 *
 * Parameters are bound in the order listed for each statement, each exactly once,
 * so one parameter array serves both `?` and `$n` placeholders. Table names come
 * only from a validated prefix; values only ever travel as parameters.
 *
 * Times: `issued_at`, `expires_at`, `consumed_at` are the records' own epoch
 * seconds. `live_until` (epoch milliseconds) is when a row is dead: the earlier
 * of the record's `expiresAt` and save time + ttl. Every read asks for
 * `live_until > now`, with `now` from the stores' clock.
 */

/** The default table prefix. */
export const DEFAULT_TABLE_PREFIX = 'oauth2_';

/** Lower-case letters, digits and `_`, at most 32 characters (PostgreSQL's identifiers end at 63). */
const PREFIX = /^(?:[a-z_][a-z0-9_]{0,31})?$/;

/** The tables of the SQL stores. */
export interface TableNames {
  readonly clients: string;
  readonly authorizationCodes: string;
  readonly accessTokens: string;
  readonly refreshTokens: string;
  readonly consents: string;
  /** Grants revoked by `revokeGrant()`, one row per grant and kind (`access` or `refresh`). */
  readonly revokedGrants: string;
}

/**
 * The table names for a prefix (default `oauth2_`). Throws a TypeError when the
 * prefix is not lower-case letters, digits and `_` (at most 32, not starting
 * with a digit).
 */
export function sqlTableNames(tablePrefix: string = DEFAULT_TABLE_PREFIX): TableNames {
  if (typeof tablePrefix !== 'string' || !PREFIX.test(tablePrefix)) {
    throw new TypeError(
      `oauth2-stateless: tablePrefix must be lower-case letters, digits and "_" (at most 32, not starting with a digit); got ${JSON.stringify(tablePrefix)}`,
    );
  }
  return Object.freeze({
    clients: `${tablePrefix}clients`,
    authorizationCodes: `${tablePrefix}authorization_codes`,
    accessTokens: `${tablePrefix}access_tokens`,
    refreshTokens: `${tablePrefix}refresh_tokens`,
    consents: `${tablePrefix}consents`,
    revokedGrants: `${tablePrefix}revoked_grants`,
  });
}

export const CLIENT_COLUMNS = [
  'id',
  'secret_hash',
  'redirect_uris',
  'grant_types',
  'response_types',
  'scopes',
  'default_scopes',
  'token_endpoint_auth_methods',
  'name',
  'require_pkce',
  'resource_server',
  'first_party',
] as const;

export const CODE_COLUMNS = [
  'id',
  'client_id',
  'subject',
  'scope',
  'redirect_uri',
  'redirect_uri_sent',
  'code_challenge',
  'code_challenge_method',
  'grant_id',
  'issued_at',
  'expires_at',
  'consumed',
  'extra',
  'live_until',
] as const;

export const ACCESS_COLUMNS = [
  'id',
  'format',
  'client_id',
  'subject',
  'scope',
  'audience',
  'grant_type',
  'grant_id',
  'issued_at',
  'expires_at',
  'unique_key',
  'token',
  'live_until',
] as const;

export const REFRESH_COLUMNS = [
  'id',
  'client_id',
  'subject',
  'scope',
  'grant_id',
  'issued_at',
  'expires_at',
  'consumed',
  'consumed_at',
  'live_until',
] as const;

export const CONSENT_COLUMNS = ['subject', 'client_id', 'scope', 'live_until'] as const;

/** The `kind` of a revoked grant row: which store revoked it. */
export type RevocationKind = 'access' | 'refresh';

/**
 * A one-time consumption. `update` marks a live, unconsumed row consumed and
 * matches exactly one row for the one caller that wins. With `select` (a dialect
 * without `UPDATE ... RETURNING`), the winner reads the row afterwards;
 * without it, `update` returns the row itself.
 */
export interface ConsumeStatement {
  readonly update: string;
  /** Params: id. */
  readonly select?: string | undefined;
}

export interface Queries {
  readonly tables: TableNames;
  readonly clients: {
    /** Params: id. */
    readonly find: string;
    /** Params: CLIENT_COLUMNS. Insert or replace. */
    readonly save: string;
    /** Params: id. */
    readonly delete: string;
  };
  readonly authorizationCodes: {
    /** Params: CODE_COLUMNS. Insert or replace. */
    readonly save: string;
    /** Params: id, now (ms). */
    readonly find: string;
    /** `update` params: id, now (ms). */
    readonly consume: ConsumeStatement;
  };
  readonly accessTokens: {
    /** Params: ACCESS_COLUMNS. Insert or replace. */
    readonly save: string;
    /** Params: id, now (ms), kind, now (ms). */
    readonly find: string;
    /** Params: unique key, now (ms), kind, now (ms). The live token saved last. */
    readonly findByUniqueKey: string;
    /** Params: id. */
    readonly revoke: string;
  };
  readonly refreshTokens: {
    /** Params: REFRESH_COLUMNS. Insert or replace. */
    readonly save: string;
    /** Params: id, now (ms), kind, now (ms). */
    readonly find: string;
    /** `update` params: consumed_at (s), id, now (ms), kind, now (ms). */
    readonly consume: ConsumeStatement;
    /** Params: id. */
    readonly revoke: string;
  };
  readonly consents: {
    /** Params: subject, client id, now (ms). */
    readonly find: string;
    /** Params: CONSENT_COLUMNS. Insert or replace. */
    readonly save: string;
    /** Params: subject, client id. */
    readonly revoke: string;
  };
  /** Params: grant id, kind, live_until (ms). Insert, or extend an existing revocation (never shorten it). */
  readonly revokeGrant: string;
  /** One DELETE per table. Params: now (ms). */
  readonly deleteExpired: readonly string[];
}

/**
 * The previous schema of the SQL stores (one table per kind), as `git show
 * 1c505d5:lib/stores/sql/schema.<dialect>.sql` had it, and the rows its stores
 * wrote (the mapping of its lib/stores/sql/records.ts): what
 * test/stores/sql-migration.ts migrates. Every `oauth2_` is the table prefix.
 */
import type { SqlDialect } from '../../lib/stores/sql/connect.js';
import type { SqlValue } from '../../lib/stores/sql/executor.js';
import type {
  AccessTokenRecord,
  AuthorizationCodeRecord,
  Client,
  RefreshTokenRecord,
} from '../../lib/types.js';

const MYSQL = [
  `CREATE TABLE IF NOT EXISTS oauth2_clients (
  id VARBINARY(255) NOT NULL,
  secret_hash TEXT NULL,
  redirect_uris TEXT NOT NULL,
  grant_types TEXT NOT NULL,
  response_types TEXT NOT NULL,
  scopes TEXT NULL,
  default_scopes TEXT NULL,
  token_endpoint_auth_methods TEXT NOT NULL,
  name TEXT NULL,
  require_pkce BOOLEAN NULL,
  resource_server BOOLEAN NULL,
  first_party BOOLEAN NULL,
  PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4`,
  `CREATE TABLE IF NOT EXISTS oauth2_authorization_codes (
  id VARBINARY(255) NOT NULL,
  client_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  scope TEXT NOT NULL,
  redirect_uri TEXT NOT NULL,
  redirect_uri_sent BOOLEAN NOT NULL,
  code_challenge TEXT NULL,
  code_challenge_method VARCHAR(16) NULL,
  grant_id VARBINARY(255) NOT NULL,
  issued_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  consumed BOOLEAN NOT NULL DEFAULT FALSE,
  extra MEDIUMTEXT NULL,
  live_until BIGINT NOT NULL,
  PRIMARY KEY (id),
  INDEX oauth2_authorization_codes_live_until (live_until)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4`,
  `CREATE TABLE IF NOT EXISTS oauth2_access_tokens (
  id VARBINARY(255) NOT NULL,
  format VARCHAR(16) NOT NULL,
  client_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  scope TEXT NOT NULL,
  audience TEXT NOT NULL,
  grant_type VARCHAR(32) NOT NULL,
  grant_id VARBINARY(255) NOT NULL,
  issued_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  unique_key VARBINARY(255) NULL,
  token TEXT NULL,
  live_until BIGINT NOT NULL,
  PRIMARY KEY (id),
  INDEX oauth2_access_tokens_unique_key (unique_key),
  INDEX oauth2_access_tokens_live_until (live_until)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4`,
  `CREATE TABLE IF NOT EXISTS oauth2_refresh_tokens (
  id VARBINARY(255) NOT NULL,
  client_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  scope TEXT NOT NULL,
  grant_id VARBINARY(255) NOT NULL,
  issued_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  consumed BOOLEAN NOT NULL DEFAULT FALSE,
  consumed_at BIGINT NULL,
  live_until BIGINT NOT NULL,
  PRIMARY KEY (id),
  INDEX oauth2_refresh_tokens_live_until (live_until)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4`,
  `CREATE TABLE IF NOT EXISTS oauth2_consents (
  subject VARBINARY(255) NOT NULL,
  client_id VARBINARY(255) NOT NULL,
  scope TEXT NOT NULL,
  live_until BIGINT NOT NULL,
  PRIMARY KEY (subject, client_id),
  INDEX oauth2_consents_live_until (live_until)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4`,
  `CREATE TABLE IF NOT EXISTS oauth2_revoked_grants (
  grant_id VARBINARY(255) NOT NULL,
  kind VARCHAR(16) NOT NULL,
  live_until BIGINT NOT NULL,
  PRIMARY KEY (grant_id, kind),
  INDEX oauth2_revoked_grants_live_until (live_until)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4`,
];

const POSTGRES = [
  `CREATE TABLE IF NOT EXISTS oauth2_clients (
  id TEXT PRIMARY KEY,
  secret_hash TEXT,
  redirect_uris TEXT NOT NULL,
  grant_types TEXT NOT NULL,
  response_types TEXT NOT NULL,
  scopes TEXT,
  default_scopes TEXT,
  token_endpoint_auth_methods TEXT NOT NULL,
  name TEXT,
  require_pkce BOOLEAN,
  resource_server BOOLEAN,
  first_party BOOLEAN
)`,
  `CREATE TABLE IF NOT EXISTS oauth2_authorization_codes (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  scope TEXT NOT NULL,
  redirect_uri TEXT NOT NULL,
  redirect_uri_sent BOOLEAN NOT NULL,
  code_challenge TEXT,
  code_challenge_method TEXT,
  grant_id TEXT NOT NULL,
  issued_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  consumed BOOLEAN NOT NULL DEFAULT FALSE,
  extra TEXT,
  live_until BIGINT NOT NULL
)`,
  `CREATE INDEX IF NOT EXISTS oauth2_authorization_codes_live_until ON oauth2_authorization_codes (live_until)`,
  `CREATE TABLE IF NOT EXISTS oauth2_access_tokens (
  id TEXT PRIMARY KEY,
  format TEXT NOT NULL,
  client_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  scope TEXT NOT NULL,
  audience TEXT NOT NULL,
  grant_type TEXT NOT NULL,
  grant_id TEXT NOT NULL,
  issued_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  unique_key TEXT,
  token TEXT,
  live_until BIGINT NOT NULL
)`,
  `CREATE INDEX IF NOT EXISTS oauth2_access_tokens_unique_key ON oauth2_access_tokens (unique_key)`,
  `CREATE INDEX IF NOT EXISTS oauth2_access_tokens_live_until ON oauth2_access_tokens (live_until)`,
  `CREATE TABLE IF NOT EXISTS oauth2_refresh_tokens (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  scope TEXT NOT NULL,
  grant_id TEXT NOT NULL,
  issued_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  consumed BOOLEAN NOT NULL DEFAULT FALSE,
  consumed_at BIGINT,
  live_until BIGINT NOT NULL
)`,
  `CREATE INDEX IF NOT EXISTS oauth2_refresh_tokens_live_until ON oauth2_refresh_tokens (live_until)`,
  `CREATE TABLE IF NOT EXISTS oauth2_consents (
  subject TEXT NOT NULL,
  client_id TEXT NOT NULL,
  scope TEXT NOT NULL,
  live_until BIGINT NOT NULL,
  PRIMARY KEY (subject, client_id)
)`,
  `CREATE INDEX IF NOT EXISTS oauth2_consents_live_until ON oauth2_consents (live_until)`,
  `CREATE TABLE IF NOT EXISTS oauth2_revoked_grants (
  grant_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  live_until BIGINT NOT NULL,
  PRIMARY KEY (grant_id, kind)
)`,
  `CREATE INDEX IF NOT EXISTS oauth2_revoked_grants_live_until ON oauth2_revoked_grants (live_until)`,
];

/** The old schema's statements for `dialect`, on tables of `prefix`. */
export function legacySchema(dialect: SqlDialect, prefix: string): string[] {
  return (dialect === 'mysql' ? MYSQL : POSTGRES).map((s) => s.replace(/\boauth2_/g, prefix));
}

/** The old schema's tables on `prefix`. */
export function legacyTables(prefix: string): string[] {
  return [
    'clients',
    'authorization_codes',
    'access_tokens',
    'refresh_tokens',
    'consents',
    'revoked_grants',
  ].map((table) => `${prefix}${table}`);
}

/** A row of an old table: column → value. */
export type LegacyRow = Record<string, SqlValue>;

const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);
const jsonOrNull = (value: unknown): string | null =>
  value === undefined ? null : JSON.stringify(value);

export function clientRow(client: Client): LegacyRow {
  return {
    id: client.id,
    secret_hash: orNull(client.secretHash),
    redirect_uris: JSON.stringify(client.redirectUris),
    grant_types: JSON.stringify(client.grantTypes),
    response_types: JSON.stringify(client.responseTypes),
    scopes: jsonOrNull(client.scopes),
    default_scopes: jsonOrNull(client.defaultScopes),
    token_endpoint_auth_methods: JSON.stringify(client.tokenEndpointAuthMethods),
    name: orNull(client.name),
    require_pkce: orNull(client.requirePkce),
    resource_server: orNull(client.resourceServer),
    first_party: orNull(client.firstParty),
  };
}

export function codeRow(record: AuthorizationCodeRecord, liveUntil: number): LegacyRow {
  return {
    id: record.id,
    client_id: record.clientId,
    subject: record.subject,
    scope: JSON.stringify(record.scope),
    redirect_uri: record.redirectUri,
    redirect_uri_sent: record.redirectUriSent,
    code_challenge: orNull(record.codeChallenge),
    code_challenge_method: orNull(record.codeChallengeMethod),
    grant_id: record.grantId,
    issued_at: record.issuedAt,
    expires_at: record.expiresAt,
    consumed: record.consumed === true,
    extra: jsonOrNull(record.extra),
    live_until: liveUntil,
  };
}

export function accessRow(record: AccessTokenRecord, liveUntil: number): LegacyRow {
  return {
    id: record.id,
    format: record.format,
    client_id: record.clientId,
    subject: record.subject,
    scope: JSON.stringify(record.scope),
    audience: record.audience,
    grant_type: record.grantType,
    grant_id: record.grantId,
    issued_at: record.issuedAt,
    expires_at: record.expiresAt,
    unique_key: orNull(record.uniqueKey),
    token: orNull(record.token),
    live_until: liveUntil,
  };
}

export function refreshRow(record: RefreshTokenRecord, liveUntil: number): LegacyRow {
  return {
    id: record.id,
    client_id: record.clientId,
    subject: record.subject,
    scope: JSON.stringify(record.scope),
    grant_id: record.grantId,
    issued_at: record.issuedAt,
    expires_at: record.expiresAt,
    consumed: record.consumed === true,
    consumed_at: orNull(record.consumedAt),
    live_until: liveUntil,
  };
}

export function consentRow(
  subject: string,
  clientId: string,
  scope: readonly string[],
  liveUntil: number,
): LegacyRow {
  return { subject, client_id: clientId, scope: JSON.stringify(scope), live_until: liveUntil };
}

export function revokedGrantRow(
  grantId: string,
  kind: 'access' | 'refresh',
  liveUntil: number,
): LegacyRow {
  return { grant_id: grantId, kind, live_until: liveUntil };
}

-- oauth2-stateless: the SQL stores' schema for PostgreSQL 12+.
--
-- createSchema({ dialect: 'postgres', pool, tablePrefix }) runs this file with
-- every "oauth2_" replaced by the table prefix; it is idempotent (IF NOT EXISTS
-- only). Run it by hand for the default prefix: psql mydb -f schema.postgres.sql
--
-- Lists and `extra` are JSON text (not jsonb, which would reorder keys).
-- issued_at, expires_at and consumed_at are the records' epoch seconds;
-- live_until (epoch milliseconds) is when a row is dead, the earlier of
-- expires_at and save time + ttl. Reads ignore dead rows; the stores'
-- deleteExpired() removes them (index on live_until).

CREATE TABLE IF NOT EXISTS oauth2_clients (
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
);

CREATE TABLE IF NOT EXISTS oauth2_authorization_codes (
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
);
CREATE INDEX IF NOT EXISTS oauth2_authorization_codes_live_until ON oauth2_authorization_codes (live_until);

CREATE TABLE IF NOT EXISTS oauth2_access_tokens (
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
);
CREATE INDEX IF NOT EXISTS oauth2_access_tokens_unique_key ON oauth2_access_tokens (unique_key);
CREATE INDEX IF NOT EXISTS oauth2_access_tokens_live_until ON oauth2_access_tokens (live_until);

CREATE TABLE IF NOT EXISTS oauth2_refresh_tokens (
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
);
CREATE INDEX IF NOT EXISTS oauth2_refresh_tokens_live_until ON oauth2_refresh_tokens (live_until);

CREATE TABLE IF NOT EXISTS oauth2_consents (
  subject TEXT NOT NULL,
  client_id TEXT NOT NULL,
  scope TEXT NOT NULL,
  live_until BIGINT NOT NULL,
  PRIMARY KEY (subject, client_id)
);
CREATE INDEX IF NOT EXISTS oauth2_consents_live_until ON oauth2_consents (live_until);

-- revokeGrant(): kind is 'access' or 'refresh' (each store revokes its own tokens).
CREATE TABLE IF NOT EXISTS oauth2_revoked_grants (
  grant_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  live_until BIGINT NOT NULL,
  PRIMARY KEY (grant_id, kind)
);
CREATE INDEX IF NOT EXISTS oauth2_revoked_grants_live_until ON oauth2_revoked_grants (live_until);

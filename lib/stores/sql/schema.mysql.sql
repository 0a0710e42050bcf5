-- oauth2-stateless: the SQL stores' schema for MySQL 8+ and MariaDB 10.5+ (InnoDB).
--
-- createSchema({ dialect: 'mysql', pool, tablePrefix }) runs this file with every
-- "oauth2_" replaced by the table prefix; it is idempotent (IF NOT EXISTS only).
-- Run it by hand for the default prefix: mysql mydb < schema.mysql.sql
--
-- Key columns are VARBINARY: compared byte for byte, so ids differing only in
-- case or trailing spaces stay apart (utf8mb4_*_ci collations would merge them).
-- Lists and `extra` are JSON text. issued_at, expires_at and consumed_at are the
-- records' epoch seconds; live_until (epoch milliseconds) is when a row is dead,
-- the earlier of expires_at and save time + ttl. Reads ignore dead rows; the
-- stores' deleteExpired() removes them (index on live_until).

CREATE TABLE IF NOT EXISTS oauth2_clients (
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
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS oauth2_authorization_codes (
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
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS oauth2_access_tokens (
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
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS oauth2_refresh_tokens (
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
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS oauth2_consents (
  subject VARBINARY(255) NOT NULL,
  client_id VARBINARY(255) NOT NULL,
  scope TEXT NOT NULL,
  live_until BIGINT NOT NULL,
  PRIMARY KEY (subject, client_id),
  INDEX oauth2_consents_live_until (live_until)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- revokeGrant(): kind is 'access' or 'refresh' (each store revokes its own tokens).
CREATE TABLE IF NOT EXISTS oauth2_revoked_grants (
  grant_id VARBINARY(255) NOT NULL,
  kind VARCHAR(16) NOT NULL,
  live_until BIGINT NOT NULL,
  PRIMARY KEY (grant_id, kind),
  INDEX oauth2_revoked_grants_live_until (live_until)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

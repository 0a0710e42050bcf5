-- oauth2-stateless: the SQL record store's schema for PostgreSQL 12+.
--
-- createSchema({ dialect: 'postgres', client, prefix }) runs this file with
-- every "oauth2_" replaced by the table prefix; it is idempotent (IF NOT EXISTS
-- only). Run it by hand for the default prefix: psql mydb -f schema.postgres.sql
--
-- value is the record's JSON text (not jsonb, which cannot hold "\u0000").
-- expires_at and consumed_at are epoch milliseconds by the stores' clock
-- (expires_at NULL: no expiry); reads ignore rows with expires_at <= now, and
-- the stores' deleteExpired() removes them. put_id is a random id per put(): a
-- lookup finds its record only while the record carries the lookup's put_id.
-- seq orders lookups: getBy() returns the record put last.

CREATE TABLE IF NOT EXISTS oauth2_records (
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  value TEXT NOT NULL,
  expires_at BIGINT,
  consumed_at BIGINT,
  version BIGINT NOT NULL,
  put_id TEXT NOT NULL,
  PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS oauth2_records_expires_at ON oauth2_records (expires_at);

CREATE TABLE IF NOT EXISTS oauth2_record_lookups (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  id TEXT NOT NULL,
  put_id TEXT NOT NULL,
  expires_at BIGINT
);
CREATE INDEX IF NOT EXISTS oauth2_record_lookups_value ON oauth2_record_lookups (kind, name, value, seq);
CREATE INDEX IF NOT EXISTS oauth2_record_lookups_record ON oauth2_record_lookups (kind, id);
CREATE INDEX IF NOT EXISTS oauth2_record_lookups_expires_at ON oauth2_record_lookups (expires_at);

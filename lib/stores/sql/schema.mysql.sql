-- oauth2-stateless: the SQL record store's schema for MySQL 8+ and MariaDB 10.5+ (InnoDB).
--
-- createSchema({ dialect: 'mysql', client, prefix }) runs this file with every
-- "oauth2_" replaced by the table prefix; it is idempotent (IF NOT EXISTS only).
-- Run it by hand for the default prefix: mysql mydb < schema.mysql.sql
--
-- Key columns are VARBINARY: compared byte for byte, so ids differing only in
-- case or trailing spaces stay apart (utf8mb4_*_ci collations would merge them).
-- value is the record's JSON text. expires_at and consumed_at are epoch
-- milliseconds by the stores' clock (expires_at NULL: no expiry); reads ignore
-- rows with expires_at <= now, and the stores' deleteExpired() removes them.
-- put_id is a random id per put(): a lookup finds its record only while the
-- record carries the lookup's put_id. seq orders lookups: getBy() returns the
-- record put last.
--
-- Sizes: kinds and lookup names up to 64 bytes, ids and lookup values up to
-- 512 bytes (UTF-8); a longer one is refused by the server (a 500, not a
-- silent cut: STRICT_TRANS_TABLES, the default). Values up to 16 MB.

CREATE TABLE IF NOT EXISTS oauth2_records (
  kind VARBINARY(64) NOT NULL,
  id VARBINARY(512) NOT NULL,
  value MEDIUMTEXT NOT NULL,
  expires_at BIGINT NULL,
  consumed_at BIGINT NULL,
  version BIGINT NOT NULL,
  put_id VARBINARY(32) NOT NULL,
  PRIMARY KEY (kind, id),
  INDEX oauth2_records_expires_at (expires_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS oauth2_record_lookups (
  seq BIGINT NOT NULL AUTO_INCREMENT,
  kind VARBINARY(64) NOT NULL,
  name VARBINARY(64) NOT NULL,
  value VARBINARY(512) NOT NULL,
  id VARBINARY(512) NOT NULL,
  put_id VARBINARY(32) NOT NULL,
  expires_at BIGINT NULL,
  PRIMARY KEY (seq),
  INDEX oauth2_record_lookups_value (kind, name, value),
  INDEX oauth2_record_lookups_record (kind, id),
  INDEX oauth2_record_lookups_expires_at (expires_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

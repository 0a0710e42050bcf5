-- oauth2-stateless: copies the rows of the SQL stores' previous schema (six
-- tables: clients, authorization_codes, access_tokens, refresh_tokens, consents,
-- revoked_grants) into the record tables, for MySQL 8+ and MariaDB 10.6+
-- (JSON_TABLE).
--
-- Run schema.mysql.sql first (it creates the record tables), then this file:
--   mysql mydb < schema.mysql.sql && mysql mydb < migrate.mysql.sql
-- or call migrateSchema({ dialect: 'mysql', client, prefix }), which does both.
-- Every "oauth2_" is the table prefix (migrateSchema() replaces it).
--
-- Rules:
-- - Only live rows are copied (live_until after the database's clock: the
--   one place the stores read it), with their live_until as the record's
--   expires_at. Clients never expire.
-- - Values have exactly the JSON shape lib/stores/typed-stores.ts writes:
--   optional fields that are NULL are left out (JSON_MERGE_PATCH drops null
--   members), booleans are JSON booleans, `extra` is set as it was stored.
-- - A consumed code gets the migration time as consumed_at (the old schema kept
--   no time); a consumed refresh token its consumed_at (seconds) in milliseconds.
-- - Re-running it copies nothing twice: a record that exists is kept (ON
--   DUPLICATE KEY UPDATE changes nothing), and a lookup is added only for a
--   record this migration wrote (put_id 'migrated') that has none yet.
-- - The old tables are left as they are: drop them once the stores run on
--   the new ones.
-- - MySQL 8 cuts GROUP_CONCAT at group_concat_max_len (1024 bytes by default):
--   the SET_VAR hint raises it for the client copy (MariaDB's default is 1 MB).

-- Authorization codes: kind 'code', the record without `consumed`.
INSERT INTO oauth2_records (kind, id, value, expires_at, consumed_at, version, put_id)
SELECT 'code', c.id,
  CASE WHEN c.extra IS NULL THEN c.base
    ELSE JSON_SET(c.base, '$.extra', JSON_EXTRACT(c.extra, '$')) END,
  c.live_until,
  IF(c.consumed, CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED), NULL),
  1, 'migrated'
FROM (
  SELECT a.*, JSON_MERGE_PATCH(
    JSON_OBJECT(
      'id', CONVERT(a.id USING utf8mb4),
      'clientId', a.client_id,
      'subject', a.subject,
      'scope', JSON_EXTRACT(a.scope, '$'),
      'redirectUri', a.redirect_uri,
      'redirectUriSent', IF(a.redirect_uri_sent, JSON_EXTRACT('true', '$'), JSON_EXTRACT('false', '$')),
      'grantId', CONVERT(a.grant_id USING utf8mb4),
      'issuedAt', a.issued_at,
      'expiresAt', a.expires_at),
    JSON_OBJECT(
      'codeChallenge', a.code_challenge,
      'codeChallengeMethod', a.code_challenge_method)) AS base
  FROM oauth2_authorization_codes a
  WHERE a.live_until > CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)
) c
ON DUPLICATE KEY UPDATE put_id = oauth2_records.put_id;

-- Access tokens: kind 'access', the record as it was.
INSERT INTO oauth2_records (kind, id, value, expires_at, consumed_at, version, put_id)
SELECT 'access', a.id,
  JSON_MERGE_PATCH(
    JSON_OBJECT(
      'id', CONVERT(a.id USING utf8mb4),
      'format', a.format,
      'clientId', a.client_id,
      'subject', a.subject,
      'scope', JSON_EXTRACT(a.scope, '$'),
      'audience', a.audience,
      'grantType', a.grant_type,
      'grantId', CONVERT(a.grant_id USING utf8mb4),
      'issuedAt', a.issued_at,
      'expiresAt', a.expires_at),
    JSON_OBJECT(
      'uniqueKey', CONVERT(a.unique_key USING utf8mb4),
      'token', a.token)),
  a.live_until, NULL, 1, 'migrated'
FROM oauth2_access_tokens a
WHERE a.live_until > CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)
ON DUPLICATE KEY UPDATE put_id = oauth2_records.put_id;

-- Their unique keys: lookup 'uniqueKey', oldest first, so the token saved last is found.
INSERT INTO oauth2_record_lookups (kind, name, value, id, put_id, expires_at)
SELECT 'access', 'uniqueKey', a.unique_key, a.id, 'migrated', a.live_until
FROM oauth2_access_tokens a
WHERE a.unique_key IS NOT NULL
  AND a.live_until > CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)
  AND EXISTS (SELECT 1 FROM oauth2_records r
    WHERE r.kind = 'access' AND r.id = a.id AND r.put_id = 'migrated')
  AND NOT EXISTS (SELECT 1 FROM oauth2_record_lookups l
    WHERE l.kind = 'access' AND l.id = a.id AND l.put_id = 'migrated')
ORDER BY a.issued_at, a.live_until;

-- Refresh tokens: kind 'refresh', the record without `consumed` and `consumedAt`.
INSERT INTO oauth2_records (kind, id, value, expires_at, consumed_at, version, put_id)
SELECT 'refresh', t.id,
  JSON_OBJECT(
    'id', CONVERT(t.id USING utf8mb4),
    'clientId', t.client_id,
    'subject', t.subject,
    'scope', JSON_EXTRACT(t.scope, '$'),
    'grantId', CONVERT(t.grant_id USING utf8mb4),
    'issuedAt', t.issued_at,
    'expiresAt', t.expires_at),
  t.live_until,
  IF(t.consumed, COALESCE(t.consumed_at * 1000, CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)), NULL),
  1, 'migrated'
FROM oauth2_refresh_tokens t
WHERE t.live_until > CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)
ON DUPLICATE KEY UPDATE put_id = oauth2_records.put_id;

-- Revoked grants: kinds 'access-revoked' and 'refresh-revoked', id the grant id, value {}.
INSERT INTO oauth2_records (kind, id, value, expires_at, consumed_at, version, put_id)
SELECT CONCAT(g.kind, '-revoked'), g.grant_id, '{}', g.live_until, NULL, 1, 'migrated'
FROM oauth2_revoked_grants g
WHERE g.live_until > CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)
ON DUPLICATE KEY UPDATE put_id = oauth2_records.put_id;

-- Consents: kind 'consent', id subject + newline + client id, lookup 'subject'.
INSERT INTO oauth2_records (kind, id, value, expires_at, consumed_at, version, put_id)
SELECT 'consent', CONCAT(c.subject, CHAR(10), c.client_id),
  JSON_OBJECT(
    'subject', CONVERT(c.subject USING utf8mb4),
    'clientId', CONVERT(c.client_id USING utf8mb4),
    'scope', JSON_EXTRACT(c.scope, '$')),
  c.live_until, NULL, 1, 'migrated'
FROM oauth2_consents c
WHERE c.live_until > CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)
ON DUPLICATE KEY UPDATE put_id = oauth2_records.put_id;

INSERT INTO oauth2_record_lookups (kind, name, value, id, put_id, expires_at)
SELECT 'consent', 'subject', c.subject, CONCAT(c.subject, CHAR(10), c.client_id), 'migrated', c.live_until
FROM oauth2_consents c
WHERE c.live_until > CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)
  AND EXISTS (SELECT 1 FROM oauth2_records r
    WHERE r.kind = 'consent' AND r.id = CONCAT(c.subject, CHAR(10), c.client_id) AND r.put_id = 'migrated')
  AND NOT EXISTS (SELECT 1 FROM oauth2_record_lookups l
    WHERE l.kind = 'consent' AND l.id = CONCAT(c.subject, CHAR(10), c.client_id) AND l.put_id = 'migrated');

-- Clients: kind 'client', RFC 7591 metadata (clientToMetadata() in lib/helpers/clients.ts), no expiry.
INSERT /*+ SET_VAR(group_concat_max_len = 1048576) */
INTO oauth2_records (kind, id, value, expires_at, consumed_at, version, put_id)
SELECT 'client', c.id,
  JSON_MERGE_PATCH(
    JSON_OBJECT(
      'client_id', CONVERT(c.id USING utf8mb4),
      'redirect_uris', JSON_EXTRACT(c.redirect_uris, '$'),
      'grant_types', JSON_EXTRACT(c.grant_types, '$'),
      'response_types', JSON_EXTRACT(c.response_types, '$'),
      'token_endpoint_auth_method',
        COALESCE(JSON_UNQUOTE(JSON_EXTRACT(c.token_endpoint_auth_methods, '$[0]')), 'client_secret_basic')),
    JSON_OBJECT(
      'token_endpoint_auth_methods', IF(JSON_LENGTH(c.token_endpoint_auth_methods) > 1,
        JSON_EXTRACT(c.token_endpoint_auth_methods, '$'), NULL),
      'client_name', c.name,
      'scope', IF(c.scopes IS NULL, NULL, COALESCE((SELECT GROUP_CONCAT(j.s ORDER BY j.n SEPARATOR ' ')
        FROM JSON_TABLE(c.scopes, '$[*]' COLUMNS (n FOR ORDINALITY, s TEXT PATH '$')) j), '')),
      'default_scope', IF(c.default_scopes IS NULL, NULL, COALESCE((SELECT GROUP_CONCAT(j.s ORDER BY j.n SEPARATOR ' ')
        FROM JSON_TABLE(c.default_scopes, '$[*]' COLUMNS (n FOR ORDINALITY, s TEXT PATH '$')) j), '')),
      'client_secret_hash', c.secret_hash,
      'require_pkce', IF(c.require_pkce = 0, JSON_EXTRACT('false', '$'), NULL),
      'resource_server', IF(c.resource_server = 1, JSON_EXTRACT('true', '$'), NULL),
      'first_party', IF(c.first_party = 1, JSON_EXTRACT('true', '$'), NULL))),
  NULL, NULL, 1, 'migrated'
FROM oauth2_clients c
ON DUPLICATE KEY UPDATE put_id = oauth2_records.put_id;

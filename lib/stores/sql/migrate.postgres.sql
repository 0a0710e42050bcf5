-- oauth2-stateless: copies the rows of the SQL stores' previous schema (six
-- tables: clients, authorization_codes, access_tokens, refresh_tokens, consents,
-- revoked_grants) into the record tables, for PostgreSQL 12+.
--
-- Run schema.postgres.sql first (it creates the record tables), then this file:
--   psql mydb -f schema.postgres.sql -f migrate.postgres.sql
-- or call migrateSchema({ dialect: 'postgres', client, prefix }), which does both.
-- Every "oauth2_" is the table prefix (migrateSchema() replaces it).
--
-- Rules:
-- - Only live rows are copied (live_until after the database's clock: the
--   one place the stores read it), with their live_until as the record's
--   expires_at. Clients never expire.
-- - Values have exactly the JSON shape lib/stores/typed-stores.ts writes:
--   optional fields that are NULL are left out (json_strip_nulls), booleans
--   are JSON booleans, `extra` is appended as it was stored (json, not jsonb,
--   which cannot hold "\u0000"; json_strip_nulls would drop its null members).
-- - A consumed code gets the migration time as consumed_at (the old schema kept
--   no time); a consumed refresh token its consumed_at (seconds) in milliseconds.
-- - Re-running it copies nothing twice: a record that exists is kept (ON
--   CONFLICT DO NOTHING), and a lookup is added only for a record this
--   migration wrote (put_id 'migrated') that has none yet.
-- - The old tables are left as they are: drop them once the stores run on
--   the new ones.

-- Authorization codes: kind 'code', the record without `consumed`.
INSERT INTO oauth2_records (kind, id, value, expires_at, consumed_at, version, put_id)
SELECT 'code', c.id,
  CASE WHEN c.extra IS NULL THEN b.base
    ELSE left(b.base, -1) || ', "extra" : ' || c.extra || '}' END,
  c.live_until,
  CASE WHEN c.consumed THEN (EXTRACT(EPOCH FROM statement_timestamp()) * 1000)::BIGINT END,
  1, 'migrated'
FROM oauth2_authorization_codes c
CROSS JOIN LATERAL (SELECT json_strip_nulls(json_build_object(
  'id', c.id,
  'clientId', c.client_id,
  'subject', c.subject,
  'scope', c.scope::json,
  'redirectUri', c.redirect_uri,
  'redirectUriSent', c.redirect_uri_sent,
  'codeChallenge', c.code_challenge,
  'codeChallengeMethod', c.code_challenge_method,
  'grantId', c.grant_id,
  'issuedAt', c.issued_at,
  'expiresAt', c.expires_at))::text AS base) b
WHERE c.live_until > (EXTRACT(EPOCH FROM statement_timestamp()) * 1000)::BIGINT
ON CONFLICT (kind, id) DO NOTHING;

-- Access tokens: kind 'access', the record as it was.
INSERT INTO oauth2_records (kind, id, value, expires_at, consumed_at, version, put_id)
SELECT 'access', a.id,
  json_strip_nulls(json_build_object(
    'id', a.id,
    'format', a.format,
    'clientId', a.client_id,
    'subject', a.subject,
    'scope', a.scope::json,
    'audience', a.audience,
    'grantType', a.grant_type,
    'grantId', a.grant_id,
    'issuedAt', a.issued_at,
    'expiresAt', a.expires_at,
    'uniqueKey', a.unique_key,
    'token', a.token))::text,
  a.live_until, NULL, 1, 'migrated'
FROM oauth2_access_tokens a
WHERE a.live_until > (EXTRACT(EPOCH FROM statement_timestamp()) * 1000)::BIGINT
ON CONFLICT (kind, id) DO NOTHING;

-- Their unique keys: lookup 'uniqueKey', oldest first, so the token saved last is found.
INSERT INTO oauth2_record_lookups (kind, name, value, id, put_id, expires_at)
SELECT 'access', 'uniqueKey', a.unique_key, a.id, 'migrated', a.live_until
FROM oauth2_access_tokens a
WHERE a.unique_key IS NOT NULL
  AND a.live_until > (EXTRACT(EPOCH FROM statement_timestamp()) * 1000)::BIGINT
  AND EXISTS (SELECT 1 FROM oauth2_records r
    WHERE r.kind = 'access' AND r.id = a.id AND r.put_id = 'migrated')
  AND NOT EXISTS (SELECT 1 FROM oauth2_record_lookups l
    WHERE l.kind = 'access' AND l.id = a.id AND l.put_id = 'migrated')
ORDER BY a.issued_at, a.live_until;

-- Refresh tokens: kind 'refresh', the record without `consumed` and `consumedAt`.
INSERT INTO oauth2_records (kind, id, value, expires_at, consumed_at, version, put_id)
SELECT 'refresh', t.id,
  json_build_object(
    'id', t.id,
    'clientId', t.client_id,
    'subject', t.subject,
    'scope', t.scope::json,
    'grantId', t.grant_id,
    'issuedAt', t.issued_at,
    'expiresAt', t.expires_at)::text,
  t.live_until,
  CASE WHEN t.consumed THEN COALESCE(t.consumed_at * 1000,
    (EXTRACT(EPOCH FROM statement_timestamp()) * 1000)::BIGINT) END,
  1, 'migrated'
FROM oauth2_refresh_tokens t
WHERE t.live_until > (EXTRACT(EPOCH FROM statement_timestamp()) * 1000)::BIGINT
ON CONFLICT (kind, id) DO NOTHING;

-- Revoked grants: kinds 'access-revoked' and 'refresh-revoked', id the grant id, value {}.
INSERT INTO oauth2_records (kind, id, value, expires_at, consumed_at, version, put_id)
SELECT g.kind || '-revoked', g.grant_id, '{}', g.live_until, NULL, 1, 'migrated'
FROM oauth2_revoked_grants g
WHERE g.live_until > (EXTRACT(EPOCH FROM statement_timestamp()) * 1000)::BIGINT
ON CONFLICT (kind, id) DO NOTHING;

-- Consents: kind 'consent', id subject + newline + client id, lookup 'subject'.
INSERT INTO oauth2_records (kind, id, value, expires_at, consumed_at, version, put_id)
SELECT 'consent', c.subject || chr(10) || c.client_id,
  json_build_object('subject', c.subject, 'clientId', c.client_id, 'scope', c.scope::json)::text,
  c.live_until, NULL, 1, 'migrated'
FROM oauth2_consents c
WHERE c.live_until > (EXTRACT(EPOCH FROM statement_timestamp()) * 1000)::BIGINT
ON CONFLICT (kind, id) DO NOTHING;

INSERT INTO oauth2_record_lookups (kind, name, value, id, put_id, expires_at)
SELECT 'consent', 'subject', c.subject, c.subject || chr(10) || c.client_id, 'migrated', c.live_until
FROM oauth2_consents c
WHERE c.live_until > (EXTRACT(EPOCH FROM statement_timestamp()) * 1000)::BIGINT
  AND EXISTS (SELECT 1 FROM oauth2_records r
    WHERE r.kind = 'consent' AND r.id = c.subject || chr(10) || c.client_id AND r.put_id = 'migrated')
  AND NOT EXISTS (SELECT 1 FROM oauth2_record_lookups l
    WHERE l.kind = 'consent' AND l.id = c.subject || chr(10) || c.client_id AND l.put_id = 'migrated');

-- Clients: kind 'client', RFC 7591 metadata (clientToMetadata() in lib/helpers/clients.ts), no expiry.
INSERT INTO oauth2_records (kind, id, value, expires_at, consumed_at, version, put_id)
SELECT 'client', c.id,
  json_strip_nulls(json_build_object(
    'client_id', c.id,
    'redirect_uris', c.redirect_uris::json,
    'grant_types', c.grant_types::json,
    'response_types', c.response_types::json,
    'token_endpoint_auth_method',
      COALESCE(c.token_endpoint_auth_methods::json ->> 0, 'client_secret_basic'),
    'token_endpoint_auth_methods', CASE WHEN json_array_length(c.token_endpoint_auth_methods::json) > 1
      THEN c.token_endpoint_auth_methods::json END,
    'client_name', c.name,
    'scope', CASE WHEN c.scopes IS NOT NULL THEN COALESCE((SELECT string_agg(s.v, ' ' ORDER BY s.n)
      FROM json_array_elements_text(c.scopes::json) WITH ORDINALITY AS s(v, n)), '') END,
    'default_scope', CASE WHEN c.default_scopes IS NOT NULL THEN COALESCE((SELECT string_agg(s.v, ' ' ORDER BY s.n)
      FROM json_array_elements_text(c.default_scopes::json) WITH ORDINALITY AS s(v, n)), '') END,
    'client_secret_hash', c.secret_hash,
    'require_pkce', CASE WHEN c.require_pkce = FALSE THEN FALSE END,
    'resource_server', CASE WHEN c.resource_server THEN TRUE END,
    'first_party', CASE WHEN c.first_party THEN TRUE END))::text,
  NULL, NULL, 1, 'migrated'
FROM oauth2_clients c
ON CONFLICT (kind, id) DO NOTHING;

/**
 * Records to statement parameters and result rows back to records, the same for
 * every dialect. Lists (scopes, redirect URIs) and `extra` are stored as JSON
 * text; an optional field that was `undefined` is stored as NULL and read back
 * as an absent key (never `null`). Reading copes with what either driver
 * returns: MySQL's VARBINARY as a Buffer, BIGINT as a number or a string,
 * BOOLEAN as 0/1.
 */
import type {
  AccessTokenRecord,
  AuthorizationCodeRecord,
  Client,
  RefreshTokenRecord,
} from '../../types.js';
import type { SqlRow, SqlValue } from './executor.js';

/** The object without its `undefined`-valued keys. */
function defined<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw new TypeError(`oauth2-stateless: expected a text column, got ${typeof value}`);
}

function optionalText(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : text(value);
}

function integer(value: unknown): number {
  const number =
    typeof value === 'number' ? value : Number(typeof value === 'bigint' ? value : text(value));
  if (!Number.isFinite(number)) throw new TypeError('oauth2-stateless: expected an integer column');
  return number;
}

function flag(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 't' || value === 'true';
}

function optionalFlag(value: unknown): boolean | undefined {
  return value === null || value === undefined ? undefined : flag(value);
}

function json(value: unknown): unknown {
  return JSON.parse(text(value));
}

function list<T extends string = string>(value: unknown): T[] {
  return json(value) as T[];
}

function optionalList(value: unknown): string[] | undefined {
  return value === null || value === undefined ? undefined : list(value);
}

const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);
const jsonOrNull = (value: unknown): string | null =>
  value === undefined ? null : JSON.stringify(value);

export function clientParams(client: Client): SqlValue[] {
  return [
    client.id,
    orNull(client.secretHash),
    JSON.stringify(client.redirectUris),
    JSON.stringify(client.grantTypes),
    JSON.stringify(client.responseTypes),
    jsonOrNull(client.scopes),
    jsonOrNull(client.defaultScopes),
    JSON.stringify(client.tokenEndpointAuthMethods),
    orNull(client.name),
    orNull(client.requirePkce),
    orNull(client.resourceServer),
    orNull(client.firstParty),
  ];
}

export function clientFromRow(row: SqlRow): Client {
  return defined<Client>({
    id: text(row['id']),
    secretHash: optionalText(row['secret_hash']),
    redirectUris: list(row['redirect_uris']),
    grantTypes: list(row['grant_types']),
    responseTypes: list(row['response_types']),
    scopes: optionalList(row['scopes']),
    defaultScopes: optionalList(row['default_scopes']),
    tokenEndpointAuthMethods: list(row['token_endpoint_auth_methods']),
    name: optionalText(row['name']),
    requirePkce: optionalFlag(row['require_pkce']),
    resourceServer: optionalFlag(row['resource_server']),
    firstParty: optionalFlag(row['first_party']),
  });
}

export function codeParams(record: AuthorizationCodeRecord, liveUntil: number): SqlValue[] {
  return [
    record.id,
    record.clientId,
    record.subject,
    JSON.stringify(record.scope),
    record.redirectUri,
    record.redirectUriSent,
    orNull(record.codeChallenge),
    orNull(record.codeChallengeMethod),
    record.grantId,
    record.issuedAt,
    record.expiresAt,
    record.consumed === true,
    jsonOrNull(record.extra),
    liveUntil,
  ];
}

export function codeFromRow(row: SqlRow): AuthorizationCodeRecord {
  return defined<AuthorizationCodeRecord>({
    id: text(row['id']),
    clientId: text(row['client_id']),
    subject: text(row['subject']),
    scope: list(row['scope']),
    redirectUri: text(row['redirect_uri']),
    redirectUriSent: flag(row['redirect_uri_sent']),
    codeChallenge: optionalText(row['code_challenge']),
    codeChallengeMethod: optionalText(
      row['code_challenge_method'],
    ) as AuthorizationCodeRecord['codeChallengeMethod'],
    grantId: text(row['grant_id']),
    issuedAt: integer(row['issued_at']),
    expiresAt: integer(row['expires_at']),
    consumed: flag(row['consumed']) ? true : undefined,
    extra:
      row['extra'] === null || row['extra'] === undefined
        ? undefined
        : (json(row['extra']) as Record<string, unknown>),
  });
}

export function accessParams(record: AccessTokenRecord, liveUntil: number): SqlValue[] {
  return [
    record.id,
    record.format,
    record.clientId,
    record.subject,
    JSON.stringify(record.scope),
    record.audience,
    record.grantType,
    record.grantId,
    record.issuedAt,
    record.expiresAt,
    orNull(record.uniqueKey),
    orNull(record.token),
    liveUntil,
  ];
}

export function accessFromRow(row: SqlRow): AccessTokenRecord {
  return defined<AccessTokenRecord>({
    id: text(row['id']),
    format: text(row['format']) as AccessTokenRecord['format'],
    clientId: text(row['client_id']),
    subject: text(row['subject']),
    scope: list(row['scope']),
    audience: text(row['audience']),
    grantType: text(row['grant_type']) as AccessTokenRecord['grantType'],
    grantId: text(row['grant_id']),
    issuedAt: integer(row['issued_at']),
    expiresAt: integer(row['expires_at']),
    uniqueKey: optionalText(row['unique_key']),
    token: optionalText(row['token']),
  });
}

export function refreshParams(record: RefreshTokenRecord, liveUntil: number): SqlValue[] {
  return [
    record.id,
    record.clientId,
    record.subject,
    JSON.stringify(record.scope),
    record.grantId,
    record.issuedAt,
    record.expiresAt,
    record.consumed === true,
    orNull(record.consumedAt),
    liveUntil,
  ];
}

export function refreshFromRow(row: SqlRow): RefreshTokenRecord {
  return defined<RefreshTokenRecord>({
    id: text(row['id']),
    clientId: text(row['client_id']),
    subject: text(row['subject']),
    scope: list(row['scope']),
    grantId: text(row['grant_id']),
    issuedAt: integer(row['issued_at']),
    expiresAt: integer(row['expires_at']),
    consumed: flag(row['consumed']) ? true : undefined,
    consumedAt:
      row['consumed_at'] === null || row['consumed_at'] === undefined
        ? undefined
        : integer(row['consumed_at']),
  });
}

export function scopeFromRow(row: SqlRow): string[] {
  return list(row['scope']);
}

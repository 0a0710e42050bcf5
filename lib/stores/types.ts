/**
 * The store contracts: one small interface per kind of data.
 *
 * Rules every implementation keeps (test/stores/contract.ts checks them):
 * - Methods are async; "not found" is `undefined`, never an exception.
 * - TTLs are in seconds and given with the write. A record past its `expiresAt`
 *   is never returned, even if the backend has not yet removed it.
 * - `consume()` is atomic: of any number of parallel calls for one id, exactly one
 *   gets the record.
 * - After `revokeGrant(g)`, `find()` returns no record of grant `g` until the
 *   grant's TTL runs out, whether the record was saved before or after the call.
 * - A backend that cannot be reached throws `StoreUnavailableError`.
 *
 * The engine hashes every code and token before it reaches a store: ids are
 * SHA-256 digests (or JWT ids), so a leaked store holds nothing a client can use.
 */
import type { RecordStore } from './records.js';
import type { DeviceCodeStore } from './device-codes.js';
import type {
  AccessTokenRecord,
  AuthorizationCodeRecord,
  Client,
  RefreshTokenRecord,
} from '../types.js';

/** Registered clients (the seed's client store). */
export interface ClientStore {
  /** Required. The client with this `client_id`. */
  find(clientId: string): Promise<Client | undefined>;
  /** Optional. Adds or replaces a client. */
  save?(client: Client): Promise<void>;
  /** Optional. Removes a client. */
  delete?(clientId: string): Promise<void>;
}

/** Authorization codes (the seed's `save_code`, `fetch_by_code`, `delete_code`). */
export interface AuthorizationCodeStore {
  /** Saves a new code; it disappears after `ttl` seconds. */
  save(record: AuthorizationCodeRecord, ttl: number): Promise<void>;
  /** The code's record, also after it was consumed (then `consumed` is true). */
  find(id: string): Promise<AuthorizationCodeRecord | undefined>;
  /**
   * Marks the code as used and returns its record, atomically: only the first
   * caller gets the record; every other caller, and any call for an unknown or
   * expired code, gets `undefined`. The consumed record stays findable until it expires.
   */
  consume(id: string): Promise<AuthorizationCodeRecord | undefined>;
}

/** Access tokens (the seed's `save_token`, `fetch_existing_token_of_user`). */
export interface AccessTokenStore {
  /** Saves a token record; it disappears after `ttl` seconds. */
  save(record: AccessTokenRecord, ttl: number): Promise<void>;
  /** The record, unless it expired, was revoked, or its grant was revoked. */
  find(id: string): Promise<AccessTokenRecord | undefined>;
  /** Revokes one token. Revoking an unknown id does nothing. */
  revoke(id: string): Promise<void>;
  /**
   * Revokes every token of a grant, including ones saved later, for `ttl` seconds
   * (the longest any token of the grant can live).
   */
  revokeGrant(grantId: string, ttl: number): Promise<void>;
  /** The live token saved with this `uniqueKey` (unique access tokens), if any. */
  findByUniqueKey(uniqueKey: string): Promise<AccessTokenRecord | undefined>;
}

/** Refresh tokens (the seed's `fetch_by_refresh_token`, `delete_refresh_token`). */
export interface RefreshTokenStore {
  /** Saves a new refresh token; it disappears after `ttl` seconds. */
  save(record: RefreshTokenRecord, ttl: number): Promise<void>;
  /** The record, also after it was rotated out (then `consumed` is true), unless expired or its grant was revoked. */
  find(id: string): Promise<RefreshTokenRecord | undefined>;
  /**
   * Rotates the token out, atomically: only the first caller gets the record
   * (as it was before); every other caller gets `undefined`.
   */
  consume(id: string): Promise<RefreshTokenRecord | undefined>;
  /** Revokes one refresh token. Revoking an unknown id does nothing. */
  revoke(id: string): Promise<void>;
  /** Revokes every refresh token of a grant, including ones saved later, for `ttl` seconds. */
  revokeGrant(grantId: string, ttl: number): Promise<void>;
}

/**
 * What a user once allowed a client, remembered so the consent page can be
 * skipped: the scopes, and the resource servers (RFC 8707) the tokens may be for.
 */
export interface RememberedConsent {
  /** Every scope the user granted the client. */
  readonly scope: readonly string[];
  /**
   * The resources (RFC 8707 indicators, as configured) the user consented to;
   * `[]`: only the server's default audience (a request without `resource`).
   * A record saved before resources were remembered reads as `[]`.
   */
  readonly resources: readonly string[];
  /**
   * True when, besides `resources`, the user also consented to the default
   * audience (a request without `resource`). Only meaningful when `resources`
   * is not empty (an empty list already means the default audience). Absent or
   * false: a consent given only for named resources, which does not cover a
   * request without `resource`. A store that drops it fails safe: the user is
   * asked again.
   */
  readonly defaultAudience?: boolean;
}

/** Remembered consent, per user and client, so the consent page can be skipped. */
export interface ConsentStore {
  /** What `subject` allowed `clientId`, unless expired or revoked. */
  find(subject: string, clientId: string): Promise<RememberedConsent | undefined>;
  /**
   * Remembers `consent` for `ttl` seconds, replacing an earlier one (the caller
   * merges). `find()` must give back `scope`, `resources` and `defaultAudience: true`
   * as saved.
   */
  save(subject: string, clientId: string, consent: RememberedConsent, ttl: number): Promise<void>;
  /** Forgets it. Forgetting an unknown pair does nothing. */
  revoke(subject: string, clientId: string): Promise<void>;
}

/** The stores a provider uses. */
export interface Stores {
  /** The persistence primitive the typed stores are built on; new kinds of record use it. */
  records: RecordStore;
  clients: ClientStore;
  authorizationCodes: AuthorizationCodeStore;
  accessTokens: AccessTokenStore;
  refreshTokens: RefreshTokenStore;
  consents: ConsentStore;
  /** Device codes (RFC 8628), ./device-codes.ts. */
  deviceCodes: DeviceCodeStore;
}

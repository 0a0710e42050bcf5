/**
 * The typed stores, written once over the persistence primitive (./records.ts):
 * every backend gets codes, access tokens, refresh tokens, consents, revoked
 * grants and clients by implementing `RecordStore` alone.
 *
 * Record kinds and what they hold:
 *
 * | kind              | id                         | value                                   | lookups           |
 * | ----------------- | -------------------------- | --------------------------------------- | ----------------- |
 * | `code`            | SHA-256 of the code        | the code record (no `consumed`)         |                   |
 * | `access`          | `jti` or SHA-256 of token  | the access token record                 | `uniqueKey`       |
 * | `access-revoked`  | grant id                   | `{}`: a marker                          |                   |
 * | `refresh`         | SHA-256 of the token       | the refresh token record (no `consumed`)|                   |
 * | `refresh-revoked` | grant id                   | `{}`: a marker                          |                   |
 * | `consent`         | subject, newline, client id| `{ subject, clientId, scope, ... }`     | `subject`         |
 * | `client`          | client id                  | RFC 7591 client metadata + server fields| (no expiry)       |
 *
 * The deny-list of stateless JWTs (`deny-token`, `deny-grant`) is a typed store
 * of its own, ./deny-list.ts; with it, stateless JWTs have no `access` record.
 * Device codes (`device`, `device-user-code`, RFC 8628) are a typed store of their
 * own too, ./device-codes.ts, built here with the others. Two more kinds go to
 * the primitive directly: `consent-answer` (an `addOnce`
 * marker per consent transaction, lib/endpoints/authorization/answer-once.ts) and
 * `refresh-successor` (a rotated refresh token's successor, encrypted with a key
 * derived from the old token, for the grace period, lib/grants/refresh-successor.ts).
 *
 * Rules:
 * - `consumed` (and a refresh token's `consumedAt`, in epoch seconds) come from
 *   the primitive's atomic `consume()`, never from a second write.
 * - Grant revocation is a marker per grant that every read of a token checks, so
 *   it covers tokens saved before and after it in one write, on every backend.
 * - A record past its own `expiresAt` is never returned, even while its TTL runs.
 * - Clients are validated by the rules of configured clients (`defineClient`) when
 *   saved and again when read back.
 * - A consent's `resources` and `defaultAudience` are written only when set (not
 *   empty, true), so a consent for the default audience alone is the JSON of
 *   0.1 and of `migrateSchema()`, and a value without them reads as `resources: []`.
 */
import { defineClient } from '../helpers/clients.js';
import {
  clientFromMetadata,
  clientToMetadata,
  type ClientMetadata,
} from '../helpers/stored-client.js';
import type {
  AccessTokenRecord,
  AuthorizationCodeRecord,
  Client,
  RefreshTokenRecord,
} from '../types.js';
import { checkOptionKeys, optionKeys } from '../helpers/option-keys.js';
import { RecordDeviceCodeStore } from './device-codes.js';
import type { RecordStore, RecordValue, StoredRecord } from './records.js';
import type {
  AccessTokenStore,
  AuthorizationCodeStore,
  ClientStore,
  ConsentStore,
  RefreshTokenStore,
  RememberedConsent,
  Stores,
} from './types.js';

/** Epoch seconds now, by the store's clock. */
type Seconds = () => number;

function alive<T extends { expiresAt: number }>(value: T, now: Seconds): T | undefined {
  return value.expiresAt <= now() ? undefined : value;
}

/** The value of a record, typed as the kind's record (the primitive keeps JSON objects). */
function valueOf<T>(stored: StoredRecord | undefined): T | undefined {
  return stored === undefined ? undefined : (stored.value as unknown as T);
}

function asValue(record: object): RecordValue {
  return record as RecordValue;
}

/** Drops `consumed` and `consumedAt`: they live in the primitive's `consumedAt`. */
function withoutConsumption<
  T extends { consumed?: boolean | undefined; consumedAt?: number | undefined },
>(record: T): RecordValue {
  const { consumed: _consumed, consumedAt: _consumedAt, ...rest } = record;
  return asValue(rest);
}

/** Whether the marker of `grantId` in `kind` is set. */
async function grantRevoked(records: RecordStore, kind: string, grantId: string): Promise<boolean> {
  return (await records.get(kind, grantId)) !== undefined;
}

/** Authorization codes over the primitive. */
export class RecordAuthorizationCodeStore implements AuthorizationCodeStore {
  readonly #records: RecordStore;
  readonly #now: Seconds;

  constructor(records: RecordStore) {
    this.#records = records;
    this.#now = () => Math.floor(records.clock() / 1000);
  }

  async save(record: AuthorizationCodeRecord, ttl: number): Promise<void> {
    await this.#records.put('code', record.id, withoutConsumption(record), ttl);
  }

  async find(id: string): Promise<AuthorizationCodeRecord | undefined> {
    const stored = await this.#records.get('code', id);
    const record = valueOf<AuthorizationCodeRecord>(stored);
    if (record === undefined || alive(record, this.#now) === undefined) return undefined;
    return stored?.consumedAt === undefined ? record : { ...record, consumed: true };
  }

  async consume(id: string): Promise<AuthorizationCodeRecord | undefined> {
    const record = valueOf<AuthorizationCodeRecord>(await this.#records.consume('code', id));
    return record === undefined ? undefined : alive(record, this.#now);
  }
}

/** Access tokens over the primitive: records, unique-key lookups, revoked-grant markers. */
export class RecordAccessTokenStore implements AccessTokenStore {
  readonly #records: RecordStore;
  readonly #now: Seconds;

  constructor(records: RecordStore) {
    this.#records = records;
    this.#now = () => Math.floor(records.clock() / 1000);
  }

  async save(record: AccessTokenRecord, ttl: number): Promise<void> {
    const lookups = record.uniqueKey === undefined ? undefined : { uniqueKey: record.uniqueKey };
    await this.#records.put('access', record.id, asValue(record), ttl, lookups);
  }

  async find(id: string): Promise<AccessTokenRecord | undefined> {
    return this.#live(valueOf<AccessTokenRecord>(await this.#records.get('access', id)));
  }

  async revoke(id: string): Promise<void> {
    await this.#records.delete('access', id);
  }

  async revokeGrant(grantId: string, ttl: number): Promise<void> {
    await this.#records.put('access-revoked', grantId, {}, ttl);
  }

  async findByUniqueKey(uniqueKey: string): Promise<AccessTokenRecord | undefined> {
    const stored = await this.#records.getBy('access', 'uniqueKey', uniqueKey);
    return this.#live(valueOf<AccessTokenRecord>(stored));
  }

  async #live(record: AccessTokenRecord | undefined): Promise<AccessTokenRecord | undefined> {
    if (record === undefined || alive(record, this.#now) === undefined) return undefined;
    return (await grantRevoked(this.#records, 'access-revoked', record.grantId))
      ? undefined
      : record;
  }
}

/** Refresh tokens over the primitive: rotation by `consume()`, revoked-grant markers. */
export class RecordRefreshTokenStore implements RefreshTokenStore {
  readonly #records: RecordStore;
  readonly #now: Seconds;

  constructor(records: RecordStore) {
    this.#records = records;
    this.#now = () => Math.floor(records.clock() / 1000);
  }

  async save(record: RefreshTokenRecord, ttl: number): Promise<void> {
    await this.#records.put('refresh', record.id, withoutConsumption(record), ttl);
  }

  async find(id: string): Promise<RefreshTokenRecord | undefined> {
    const stored = await this.#records.get('refresh', id);
    const record = await this.#live(valueOf<RefreshTokenRecord>(stored));
    if (record === undefined || stored?.consumedAt === undefined) return record;
    return { ...record, consumed: true, consumedAt: Math.floor(stored.consumedAt / 1000) };
  }

  async consume(id: string): Promise<RefreshTokenRecord | undefined> {
    // Consumed even if its grant was revoked (harmless: the family is dead), but never handed out.
    return this.#live(valueOf<RefreshTokenRecord>(await this.#records.consume('refresh', id)));
  }

  async revoke(id: string): Promise<void> {
    await this.#records.delete('refresh', id);
  }

  async revokeGrant(grantId: string, ttl: number): Promise<void> {
    await this.#records.put('refresh-revoked', grantId, {}, ttl);
  }

  async #live(record: RefreshTokenRecord | undefined): Promise<RefreshTokenRecord | undefined> {
    if (record === undefined || alive(record, this.#now) === undefined) return undefined;
    return (await grantRevoked(this.#records, 'refresh-revoked', record.grantId))
      ? undefined
      : record;
  }
}

interface ConsentValue {
  subject: string;
  clientId: string;
  scope: string[];
  /** Absent in records written before resources were remembered, and when empty. */
  resources?: string[];
  /** Present (true) only when set. */
  defaultAudience?: true;
}

/** The stored value's consent: `resources` defaults to `[]`, the flag only when true. */
function rememberedOf(value: ConsentValue): RememberedConsent {
  return {
    scope: value.scope,
    resources: value.resources ?? [],
    ...(value.defaultAudience === true ? { defaultAudience: true } : {}),
  };
}

/** One user's consent to one client as stored; optional members only when set. */
function consentValue(subject: string, clientId: string, consent: RememberedConsent): ConsentValue {
  return {
    subject,
    clientId,
    scope: [...consent.scope],
    ...(consent.resources.length > 0 ? { resources: [...consent.resources] } : {}),
    ...(consent.defaultAudience === true ? { defaultAudience: true } : {}),
  };
}

/** Remembered consent over the primitive, findable by subject. */
export class RecordConsentStore implements ConsentStore {
  readonly #records: RecordStore;

  constructor(records: RecordStore) {
    this.#records = records;
  }

  async find(subject: string, clientId: string): Promise<RememberedConsent | undefined> {
    const value = valueOf<ConsentValue>(
      await this.#records.get('consent', consentId(subject, clientId)),
    );
    return value === undefined ? undefined : rememberedOf(value);
  }

  async save(
    subject: string,
    clientId: string,
    consent: RememberedConsent,
    ttl: number,
  ): Promise<void> {
    const value = consentValue(subject, clientId, consent);
    await this.#records.put('consent', consentId(subject, clientId), asValue(value), ttl, {
      subject,
    });
  }

  async revoke(subject: string, clientId: string): Promise<void> {
    await this.#records.delete('consent', consentId(subject, clientId));
  }

  /** Every client `subject` has a remembered consent for, with what it covers. */
  async list(subject: string): Promise<(RememberedConsent & { clientId: string })[]> {
    const found = await this.#records.listBy('consent', 'subject', subject);
    return found.map((stored) => {
      const value = stored.value as unknown as ConsentValue;
      return { clientId: value.clientId, ...rememberedOf(value) };
    });
  }
}

function consentId(subject: string, clientId: string): string {
  return `${subject}\n${clientId}`;
}

/**
 * The client registry over the primitive: RFC 7591 metadata plus server fields
 * (the secret's hash), without expiry. Validated on write and on read.
 */
export class RecordClientStore implements Required<ClientStore> {
  readonly #records: RecordStore;

  constructor(records: RecordStore) {
    this.#records = records;
  }

  async find(clientId: string): Promise<Client | undefined> {
    const metadata = valueOf<ClientMetadata>(await this.#records.get('client', clientId));
    if (metadata === undefined) return undefined;
    try {
      return defineClient(clientFromMetadata(metadata));
    } catch (err) {
      throw new Error(`client store: the stored client ${JSON.stringify(clientId)} is not valid`, {
        cause: err,
      });
    }
  }

  async save(client: Client): Promise<void> {
    const metadata = clientToMetadata(client);
    // The same rules as a configured client; throws a TypeError naming the field.
    defineClient(clientFromMetadata(metadata));
    await this.#records.put('client', client.id, asValue(metadata), undefined);
  }

  async delete(clientId: string): Promise<void> {
    await this.#records.delete('client', clientId);
  }
}

/** What {@link recordStores} returns: the typed stores and the primitive under them. */
export interface RecordStores extends Omit<Stores, 'clients'> {
  readonly records: RecordStore;
  readonly consents: RecordConsentStore;
  readonly deviceCodes: RecordDeviceCodeStore;
  /** The client registry; absent for a backend that cannot keep clients (memcached). */
  readonly clients?: RecordClientStore;
}

export interface RecordStoresOptions {
  /** Whether to include the client registry. Default true (memcached passes false). */
  clients?: boolean;
}

const RECORD_STORES_KEYS = optionKeys<RecordStoresOptions>({ clients: true });

/**
 * Every typed store over one primitive.
 *
 * ```ts
 * const stores = recordStores(new RedisRecordStore({ client: redis }));
 * ```
 */
export function recordStores(
  records: RecordStore,
  options: RecordStoresOptions = {},
): RecordStores {
  checkOptionKeys(options, RECORD_STORES_KEYS, 'recordStores(): options');
  return {
    records,
    ...(options.clients === false ? {} : { clients: new RecordClientStore(records) }),
    authorizationCodes: new RecordAuthorizationCodeStore(records),
    accessTokens: new RecordAccessTokenStore(records),
    refreshTokens: new RecordRefreshTokenStore(records),
    consents: new RecordConsentStore(records),
    deviceCodes: new RecordDeviceCodeStore(records),
  };
}

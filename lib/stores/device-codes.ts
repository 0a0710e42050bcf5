/**
 * Device codes (RFC 8628) over the persistence primitive: one record per device
 * authorization request, found by its device code (hashed) and by its user code
 * (normalized, hashed), written once here for every backend.
 *
 * | kind               | id                              | value                  | lookups    |
 * | ------------------ | ------------------------------- | ---------------------- | ---------- |
 * | `device`           | SHA-256 of the device code      | {@link DeviceCodeRecord} | `userCode` |
 * | `device-user-code` | SHA-256 of the normalized code  | `{}`: a reservation    |            |
 *
 * Rules:
 * - A user code is unique among live device codes: {@link RecordDeviceCodeStore.add}
 *   reserves it with the primitive's atomic `addOnce()` for the code's lifetime
 *   and answers false when another live code holds it (the caller makes another).
 * - The record outlives its `expiresAt` by its own lifetime, so a late poll is
 *   told `expired_token` rather than `invalid_grant`; `findByUserCode()` never
 *   returns a code past its `expiresAt`, an answered one or a consumed one.
 * - Every state change is atomic: `update()` is the primitive's compare-and-set
 *   on the record's version; {@link RecordDeviceCodeStore.settle} moves a code
 *   from `pending` to `approved` or `denied` once (of parallel answers exactly
 *   one wins, a poll's write in between only makes it try again); `consume()`
 *   hands an approved code to exactly one poll.
 */
import type { RecordStore, RecordValue, StoredRecord } from './records.js';

/** Where a device authorization request stands (RFC 8628 3.3, 3.5). */
export type DeviceCodeStatus = 'pending' | 'approved' | 'denied';

/** A device authorization request, as kept in the store. Times in epoch seconds unless named `…Ms`. */
export interface DeviceCodeRecord {
  /** SHA-256 (base64url) of the device code. */
  readonly id: string;
  /** SHA-256 (base64url) of the normalized user code. */
  readonly userCodeHash: string;
  readonly clientId: string;
  /** The scope the user is asked to grant. */
  readonly scope: readonly string[];
  /** The resources (RFC 8707) the tokens may be for; `[]`: the default audience. */
  readonly resources: readonly string[];
  readonly status: DeviceCodeStatus;
  /** Who approved (or denied) it. */
  readonly subject?: string | undefined;
  /** The token family the approval starts. */
  readonly grantId?: string | undefined;
  /** Seconds the client must wait between polls; grows by 5 with each `slow_down`. */
  readonly interval: number;
  /** When the client last polled, in epoch milliseconds. */
  readonly lastPollMs?: number | undefined;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/** A record with what the primitive knows of it. */
export interface StoredDeviceCode {
  readonly record: DeviceCodeRecord;
  /** The version to pass to {@link DeviceCodeStore.update}. */
  readonly version: number;
  /** Whether a poll already took it (tokens were issued). */
  readonly consumed: boolean;
}

/** The user's answer, as {@link DeviceCodeStore.settle} writes it. */
export type DeviceCodeAnswer =
  | { readonly status: 'approved'; readonly subject: string; readonly grantId: string }
  | { readonly status: 'denied'; readonly subject: string };

/** Device codes (see the module header). */
export interface DeviceCodeStore {
  /**
   * Saves a new pending code, reserving its user code for `lifetime` seconds.
   * @returns false, saving nothing, when a live code holds the user code.
   */
  add(record: DeviceCodeRecord, lifetime: number): Promise<boolean>;
  /** The record by its id, also expired (until its TTL ends) or consumed. */
  find(id: string): Promise<StoredDeviceCode | undefined>;
  /** The live, pending, unconsumed code with this user code hash. */
  findByUserCode(userCodeHash: string): Promise<StoredDeviceCode | undefined>;
  /** Compare-and-set: the record after the update, or undefined when `version` is no longer current. */
  update(
    id: string,
    version: number,
    patch: Partial<Pick<DeviceCodeRecord, 'interval' | 'lastPollMs'>>,
  ): Promise<StoredDeviceCode | undefined>;
  /** Answers a pending, live code once: the record after, or undefined when it was not pending. */
  settle(id: string, answer: DeviceCodeAnswer): Promise<DeviceCodeRecord | undefined>;
  /** Takes an approved code once: the record, or undefined for every other call. */
  consume(id: string): Promise<DeviceCodeRecord | undefined>;
}

const KIND = 'device';
const RESERVATION = 'device-user-code';
/** Compare-and-set attempts before {@link RecordDeviceCodeStore.settle} gives up (polls keep writing). */
const SETTLE_ATTEMPTS = 10;

function stored(found: StoredRecord | undefined): StoredDeviceCode | undefined {
  if (found === undefined) return undefined;
  const record = found.value as unknown as DeviceCodeRecord;
  return { record, version: found.version, consumed: found.consumedAt !== undefined };
}

/** Device codes over the primitive. */
export class RecordDeviceCodeStore implements DeviceCodeStore {
  readonly #records: RecordStore;

  constructor(records: RecordStore) {
    this.#records = records;
  }

  #now(): number {
    return Math.floor(this.#records.clock() / 1000);
  }

  async add(record: DeviceCodeRecord, lifetime: number): Promise<boolean> {
    if (!(await this.#records.addOnce(RESERVATION, record.userCodeHash, lifetime))) return false;
    const value = record as unknown as RecordValue;
    await this.#records.put(KIND, record.id, value, lifetime * 2, {
      userCode: record.userCodeHash,
    });
    return true;
  }

  async find(id: string): Promise<StoredDeviceCode | undefined> {
    return stored(await this.#records.get(KIND, id));
  }

  async findByUserCode(userCodeHash: string): Promise<StoredDeviceCode | undefined> {
    const found = stored(await this.#records.getBy(KIND, 'userCode', userCodeHash));
    if (found === undefined || found.consumed || found.record.status !== 'pending')
      return undefined;
    return found.record.expiresAt > this.#now() ? found : undefined;
  }

  async update(
    id: string,
    version: number,
    patch: Partial<Pick<DeviceCodeRecord, 'interval' | 'lastPollMs'>>,
  ): Promise<StoredDeviceCode | undefined> {
    return stored(await this.#records.update(KIND, id, patch as RecordValue, version));
  }

  async settle(id: string, answer: DeviceCodeAnswer): Promise<DeviceCodeRecord | undefined> {
    for (let attempt = 0; attempt < SETTLE_ATTEMPTS; attempt++) {
      const found = await this.find(id);
      if (found === undefined || found.consumed || found.record.status !== 'pending') return;
      if (found.record.expiresAt <= this.#now()) return;
      const after = await this.#records.update(KIND, id, answer as RecordValue, found.version);
      if (after !== undefined) return stored(after)?.record;
    }
    return undefined;
  }

  async consume(id: string): Promise<DeviceCodeRecord | undefined> {
    return stored(await this.#records.consume(KIND, id))?.record;
  }
}

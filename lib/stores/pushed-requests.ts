/**
 * Pushed authorization requests (RFC 9126) over the persistence primitive
 * (./records.ts): the checked request a client pushed, kept until its
 * `request_uri` is used once or its lifetime ends, on every backend.
 *
 * | kind  | id                            | value                       |
 * | ----- | ----------------------------- | --------------------------- |
 * | `par` | SHA-256 of the `request_uri`  | {@link PushedRequestRecord} |
 *
 * Rules:
 * - the `request_uri` itself never reaches the store: the record's id is its
 *   SHA-256, so what the store holds cannot be used at the authorization endpoint;
 * - the record is bound to the client that pushed it (RFC 9126 2.2: "The
 *   request_uri value MUST be bound to the client that posted the authorization
 *   request"); the caller compares `clientId` before it takes the record;
 * - a record lives `ttl` seconds by the store's clock; after that it is never
 *   returned (RFC 9126 4: "An expired request_uri MUST be rejected as invalid");
 * - {@link PushedRequestStore.take} is the primitive's atomic `consume()`: of any
 *   number of parallel uses of one `request_uri`, in one process or several,
 *   exactly one gets the request, and a used one is never returned again.
 */
import { createHash } from 'node:crypto';
import type { RecordStore, RecordValue, StoredRecord } from './records.js';

/** The record kind of pushed authorization requests. */
export const PUSHED_REQUEST_KIND = 'par';

/**
 * A pushed request, as kept in the store (JSON only). `R` is the checked request's
 * JSON-safe form (the authorization endpoint's `PendingAuthorization`); the store
 * keeps it as it is given.
 */
export interface PushedRequestRecord<R extends object = RecordValue> {
  /** The client that pushed it: the only one that may use its `request_uri`. */
  readonly clientId: string;
  /** The request as the authorization endpoint's steps checked it. */
  readonly request: R;
}

function recordId(requestUri: string): string {
  return createHash('sha256').update(requestUri, 'utf8').digest('base64url');
}

function unconsumed<R extends object>(
  found: StoredRecord | undefined,
): PushedRequestRecord<R> | undefined {
  if (found === undefined || found.consumedAt !== undefined) return undefined;
  return found.value as unknown as PushedRequestRecord<R>;
}

/** Pushed authorization requests, by `request_uri` (see the module header). */
export class PushedRequestStore<R extends object = RecordValue> {
  readonly #records: RecordStore;

  constructor(records: RecordStore) {
    this.#records = records;
  }

  /** Keeps `record` under `requestUri` for `ttl` seconds (> 0). */
  async save(requestUri: string, record: PushedRequestRecord<R>, ttl: number): Promise<void> {
    await this.#records.put(
      PUSHED_REQUEST_KIND,
      recordId(requestUri),
      record as unknown as RecordValue,
      ttl,
    );
  }

  /** The live, unused request under `requestUri`, without taking it. */
  async find(requestUri: string): Promise<PushedRequestRecord<R> | undefined> {
    return unconsumed<R>(await this.#records.get(PUSHED_REQUEST_KIND, recordId(requestUri)));
  }

  /** Takes the live request under `requestUri` once: the record, or undefined for every other call. */
  async take(requestUri: string): Promise<PushedRequestRecord<R> | undefined> {
    return unconsumed<R>(await this.#records.consume(PUSHED_REQUEST_KIND, recordId(requestUri)));
  }
}

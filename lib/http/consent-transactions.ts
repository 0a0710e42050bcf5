/**
 * Consent transactions in the session: what `authorize()` keeps between the
 * consent page and the user's answer.
 *
 * Rules:
 * - A transaction is the checked request (JSON-safe), the subject it was shown
 *   to, a CSRF token and an expiry, under a random id of 128 bits
 *   (22 base64url characters) in `req.session.oauth2.transactions` (the device
 *   verification page's, lib/http/device.ts, in `…deviceTransactions`: a slot
 *   of their own, so neither page can answer the other's).
 * - A session keeps at most {@link MAX_TRANSACTIONS}: opening one drops the
 *   expired ones, then the oldest.
 * - Reading never writes: a POST whose session holds no such transaction leaves
 *   the session untouched, so an anonymous POST never creates one (with
 *   `saveUninitialized: false`, the only setting under which sessions are not
 *   created for every visitor anyway).
 * - An id is looked up only when it has the shape of one, and only among the
 *   session's own entries (`constructor`, `__proto__`, `toString` are not
 *   transactions); an entry that is not a well-formed transaction is none.
 * - Taking a transaction removes it from the session; whether it may still be
 *   answered is the engine's single-use marker (`provider.authorization.claimAnswer`),
 *   since parallel requests each read their own copy of the session.
 */
import { randomBytes } from 'node:crypto';
import type { PendingAuthorization } from '../endpoints/authorization/request.js';
import { requireSession, type SiteRequest } from './site-adapter.js';
import { pruneEntries } from './session-entries.js';

/** A consent page waiting for its answer, kept in the session (JSON only). */
export interface Transaction<R extends object = PendingAuthorization> {
  /** The checked request, checked again by the engine when answered. */
  readonly request: R;
  readonly subject: string;
  readonly csrf: string;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
}

/** Pending consent transactions kept per session. */
export const MAX_TRANSACTIONS = 8;

/** 16 random bytes in base64url. */
const TRANSACTION_ID = /^[A-Za-z0-9_-]{22}$/;

/** Where a page keeps its transactions in `req.session.oauth2`. */
export type TransactionSlot = 'transactions' | 'deviceTransactions';

type Pending = Record<string, Transaction<object>>;
type Session = Record<string, unknown> & { oauth2?: Partial<Record<TransactionSlot, Pending>> };

/** The session's transactions, or undefined when it has none; never writes. */
function pendingOf(req: SiteRequest, slot: TransactionSlot): Pending | undefined {
  const session = requireSession(req) as Session;
  const pending = session.oauth2?.[slot];
  return typeof pending === 'object' && pending !== null ? pending : undefined;
}

function isTransaction(value: unknown): value is Transaction<object> {
  if (typeof value !== 'object' || value === null) return false;
  const tx = value as Record<string, unknown>;
  return (
    typeof tx['request'] === 'object' &&
    tx['request'] !== null &&
    typeof tx['subject'] === 'string' &&
    typeof tx['csrf'] === 'string' &&
    typeof tx['expiresAt'] === 'number'
  );
}

/** Keeps `tx` in the session under a new id (rules above); returns the id. */
export function openTransaction<R extends object>(
  req: SiteRequest,
  tx: Transaction<R>,
  now: number,
  slot: TransactionSlot = 'transactions',
): string {
  const session = requireSession(req) as Session;
  session.oauth2 ??= {};
  const pending = (session.oauth2[slot] ??= {});
  pruneEntries(pending, isTransaction, now, MAX_TRANSACTIONS);
  const id = randomBytes(16).toString('base64url');
  pending[id] = tx;
  return id;
}

/**
 * Takes the transaction `id` out of the session: undefined (and the session left
 * as it was) when the id is malformed or unknown; undefined when it expired.
 */
export function takeTransaction<R extends object = PendingAuthorization>(
  req: SiteRequest,
  id: string | undefined,
  now: number,
  slot: TransactionSlot = 'transactions',
): Transaction<R> | undefined {
  const pending = pendingOf(req, slot);
  if (pending === undefined || id === undefined || !TRANSACTION_ID.test(id)) return undefined;
  if (!Object.hasOwn(pending, id)) return undefined;
  const tx = pending[id];
  delete pending[id];
  return isTransaction(tx) && tx.expiresAt > now ? (tx as Transaction<R>) : undefined;
}

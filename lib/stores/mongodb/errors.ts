/**
 * The MongoDB store's one error policy, for every driver call it makes.
 *
 * Rules:
 * - Network errors, server selection and operation timeouts, and the server
 *   errors the driver would retry become `StoreUnavailableError` (the driver's
 *   error is the `cause`); anything else is rethrown as it is.
 * - A duplicate key (code 11000) from an upsert is not a failure: another caller
 *   holds the `_id`, and the caller decides what that means.
 */
import { StoreUnavailableError } from '../../errors.js';

/** Driver errors that mean the server was not reached or did not answer in time. */
const UNAVAILABLE_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoOperationTimeoutError',
  'MongoServerClosedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
  'PoolClearedOnNetworkError',
  'MongoWaitQueueTimeoutError',
]);

/**
 * Server error codes of a server that is unreachable, shutting down or stepping
 * down: HostUnreachable, HostNotFound, MaxTimeMSExpired, NetworkTimeout,
 * ShutdownInProgress, PrimarySteppedDown, ExceededTimeLimit, NotWritablePrimary,
 * InterruptedAtShutdown, InterruptedDueToReplStateChange, NotPrimaryNoSecondaryOk,
 * NotPrimaryOrSecondary.
 */
const UNAVAILABLE_CODES = new Set([6, 7, 50, 89, 91, 189, 262, 10107, 11600, 11602, 13435, 13436]);

/** Whether a driver error means the server was not reached or could not answer. */
export function isMongoUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; code?: unknown; errorLabels?: unknown };
  if (typeof e.name === 'string' && UNAVAILABLE_NAMES.has(e.name)) return true;
  if (typeof e.code === 'number' && UNAVAILABLE_CODES.has(e.code)) return true;
  return Array.isArray(e.errorLabels) && e.errorLabels.includes('RetryableWriteError');
}

/** Whether a driver error is a duplicate key (another document holds the `_id`). */
export function duplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 11000;
}

/** Runs the driver call `op`; an unreachable server becomes StoreUnavailableError. */
export async function mongoCall<T>(op: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (isMongoUnavailable(err))
      throw new StoreUnavailableError(`MongoDB store: ${op} failed`, { cause: err });
    throw err;
  }
}

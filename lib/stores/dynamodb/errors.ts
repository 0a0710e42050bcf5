/**
 * The DynamoDB store's one error policy, for every SDK call it makes.
 *
 * Rules:
 * - Network failures, timeouts, throttling and 5xx answers become
 *   `StoreUnavailableError` (the SDK error is the `cause`); anything else (a
 *   missing table, bad credentials) is rethrown as it is.
 * - A conditional write whose condition failed (`ConditionalCheckFailedException`)
 *   is not an error: another caller won, and the write answers `undefined`. If the
 *   SDK retries a write whose answer was lost, the retry fails its condition: then
 *   nobody wins, never two.
 */
import { StoreUnavailableError } from '../../errors.js';

/** Errors that mean "try again later": throttling, or no answer in time. */
const UNAVAILABLE = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TimeoutError',
  'AbortError',
]);

interface SdkError {
  name?: unknown;
  code?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** Whether an SDK error means the service was not reached or could not answer. */
export function isDynamoUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as SdkError;
  if (typeof e.name === 'string' && UNAVAILABLE.has(e.name)) return true;
  if (e.$retryable !== undefined && e.$retryable !== null && e.$retryable !== false) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500;
  // No HTTP answer at all: a system error (ECONNREFUSED, ECONNRESET, ETIMEDOUT, ENOTFOUND...).
  return typeof e.code === 'string' && /^E[A-Z_]+$/.test(e.code);
}

function conditionFailed(err: unknown): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    'name' in err &&
    err.name === 'ConditionalCheckFailedException'
  );
}

/** Runs the SDK call `op`; an unavailable service becomes StoreUnavailableError. */
export async function dynamoCall<T>(op: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (isDynamoUnavailable(err))
      throw new StoreUnavailableError(`DynamoDB store: ${op} failed`, { cause: err });
    throw err;
  }
}

/** Runs the conditional write `op`: `undefined` when its condition failed (another caller won). */
export async function dynamoConditional<T>(
  op: string,
  run: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await dynamoCall(op, run);
  } catch (err) {
    if (conditionFailed(err)) return undefined;
    throw err;
  }
}

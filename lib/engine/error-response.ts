/**
 * Turns anything an endpoint threw into its RFC-shaped error response, and logs
 * it: the one place where the engine's failures become answers.
 *
 * Rules:
 * - an OAuth error answers with its own status, body (`error`,
 *   `error_description`, RFC 6749 5.2) and headers (`WWW-Authenticate`,
 *   `Retry-After`, `Connection`), over the headers the endpoint gives; a store
 *   that is down is 503 `temporarily_unavailable`, anything else 500
 *   `server_error` (lib/errors.ts, `toOAuthError`);
 * - the private detail and the cause go to the log only, never to the body: a
 *   5xx is logged as an error with its cause, a refusal at debug level with its
 *   detail when that differs from the public text (built only when a logger
 *   listens).
 */
import { toOAuthError } from '../errors.js';
import type { EngineResponse, Logger } from '../types.js';
import { silentLogger } from './logger.js';

/** The response to `err`, logged through `logger` (rules above). */
export function errorResponse(
  logger: Logger,
  err: unknown,
  headers: Readonly<Record<string, string>> = {},
): EngineResponse {
  const error = toOAuthError(err);
  if (error.status >= 500) {
    logger.error({ err: error.cause ?? error, error: error.error }, 'request failed');
  } else if (logger !== silentLogger) {
    const entry: Record<string, string> = { error: error.error, description: error.description };
    if (error.detail !== error.description) entry['detail'] = error.detail;
    logger.debug(entry, 'request refused');
  }
  return {
    status: error.status,
    headers: { ...headers, ...error.headers },
    body: error.toJSON(),
  };
}

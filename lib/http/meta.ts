/**
 * What every adapter tells the engine about a request besides its parameters
 * (the request context's `headers` and `meta`), built the same way for Express,
 * node:http and Fetch.
 *
 * Rules:
 * - the client address is Express's `req.ip` (which follows the app's
 *   `trust proxy` setting, the host's rule for which proxies to believe), else the
 *   socket's; a Fetch host passes it explicitly;
 * - a request id is taken from `X-Request-Id` only when it is 1–128 visible ASCII
 *   characters, so nothing odd reaches logs;
 * - the locale is the first language tag of `Accept-Language`, when well formed.
 */
import type { RequestMeta } from '../types.js';

const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;
const LANGUAGE_TAG = /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/;

/** The meta of a request from its headers (lower-case names) and client address. */
export function requestMeta(
  header: (name: string) => string | undefined,
  ip: string | undefined,
): RequestMeta {
  const id = header('x-request-id');
  const language = header('accept-language')?.split(',')[0]?.split(';')[0]?.trim();
  return Object.freeze({
    ip,
    requestId: id !== undefined && REQUEST_ID.test(id) ? id : undefined,
    locale: language !== undefined && LANGUAGE_TAG.test(language) ? language : undefined,
  });
}

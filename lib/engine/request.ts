/**
 * The request context: what every endpoint, grant and client-authentication
 * method reads, built once per request from what the adapter handed over.
 *
 * Rules:
 * - the endpoint URL comes from the issuer and the configured path, never from
 *   the Host header or the request line;
 * - header names are case-insensitive; parameters are single strings, except the
 *   declared-repeatable ones, whose every value `all(name)` gives;
 * - the context is frozen: no step can change what a later step reads.
 */
import type { EngineRequest, RequestContext } from '../types.js';

const NO_VALUES: readonly string[] = Object.freeze([]);
const NO_META = Object.freeze({});

/** The context of `request` at the endpoint whose URL is `url`. */
export function requestContext(request: EngineRequest, url: string): RequestContext {
  const headers = request.headers ?? {};
  const lists = request.lists ?? {};
  const authorization = request.authorization;
  return Object.freeze({
    method: request.method ?? 'POST',
    url,
    params: request.params,
    meta: request.meta ?? NO_META,
    header(name: string): string | undefined {
      const key = name.toLowerCase();
      if (key === 'authorization' && authorization !== undefined) return authorization;
      return Object.hasOwn(headers, key) ? headers[key] : undefined;
    },
    all(name: string): readonly string[] {
      if (Object.hasOwn(lists, name)) return lists[name] ?? NO_VALUES;
      const value = Object.hasOwn(request.params, name) ? request.params[name] : undefined;
      return value === undefined ? NO_VALUES : [value];
    },
  });
}

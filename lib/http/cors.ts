/**
 * CORS for the endpoints browsers call cross-origin (the endpoint table's rows
 * with `cors: true`: token, revocation, registration, metadata, JWKS) and for
 * protected resource metadata, under the provider's policy (`options.cors`,
 * lib/engine/cors-policy.ts). One wrapper per adapter: {@link withCors} for
 * Express/Connect/node:http handlers, {@link corsFetch} for Fetch routes.
 *
 * Rules (Fetch standard, "CORS protocol"):
 * - a preflight (`OPTIONS`) is answered 204 with the methods the endpoint takes,
 *   `Access-Control-Allow-Headers: Authorization, Content-Type, DPoP` and
 *   `Access-Control-Max-Age`, without running the endpoint;
 * - every actual answer, errors and 405s included, carries
 *   `Access-Control-Allow-Origin`: `*` under the default policy, else the
 *   request's own `Origin` when the policy allows it (and nothing when it does
 *   not), with `Vary: Origin` so caches keep answers per origin (an answer
 *   carrying a DPoP server nonce exposes it itself: `dpopNonceHeaders()` in
 *   lib/errors.ts);
 * - `Access-Control-Allow-Credentials` is never sent: browsers then never attach
 *   cookies, and a page asking for them is refused by the browser itself;
 * - the echoed `Origin` is a well-formed origin the policy allowed, so it cannot
 *   carry anything into a header;
 * - with CORS off (`options.cors: false`) or at an endpoint without `cors`, no
 *   header is added and OPTIONS gets the endpoint's usual 405.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CorsPolicy } from '../engine/cors-policy.js';
import type { EndpointKind } from '../endpoints/registry.js';

/** The request headers a cross-origin page may send. `DPoP` is for RFC 9449 proofs. */
export const CORS_ALLOW_HEADERS = 'Authorization, Content-Type, DPoP';

/** How long a browser may cache a preflight answer, in seconds (Chromium caps it at 7200). */
export const CORS_MAX_AGE = 7200;

/** The methods a browser may use at an endpoint of this kind (registration: RFC 7591, 7592). */
export function corsMethods(kind: EndpointKind): string {
  if (kind === 'form') return 'POST';
  if (kind === 'document') return 'GET, HEAD';
  if (kind === 'protected') return 'GET, POST';
  return 'GET, POST, PUT, DELETE';
}

/** The CORS headers of an actual answer to a request from `origin`. */
export function corsHeaders(
  policy: CorsPolicy,
  origin: string | undefined,
): Record<string, string> {
  if (policy.anyOrigin) return { 'Access-Control-Allow-Origin': '*' };
  const headers: Record<string, string> = { Vary: 'Origin' };
  if (origin !== undefined && policy.allows(origin))
    headers['Access-Control-Allow-Origin'] = origin;
  return headers;
}

/** The headers of the 204 answer to a preflight for an endpoint taking `methods`. */
export function preflightHeaders(
  policy: CorsPolicy,
  origin: string | undefined,
  methods: string,
): Record<string, string> {
  return {
    ...corsHeaders(policy, origin),
    'Access-Control-Allow-Methods': methods,
    'Access-Control-Allow-Headers': CORS_ALLOW_HEADERS,
    'Access-Control-Max-Age': String(CORS_MAX_AGE),
    Allow: `${methods}, OPTIONS`,
  };
}

type NodeHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (err?: unknown) => void,
) => void;

function originOf(req: IncomingMessage): string | undefined {
  const origin = req.headers.origin;
  return typeof origin === 'string' ? origin : undefined;
}

/**
 * `handler` answering browsers under `policy`: preflights answered here, the
 * CORS headers set before `handler` writes its answer (it keeps its own name).
 * Without a policy, `handler` itself.
 */
export function withCors<T extends NodeHandler>(
  policy: CorsPolicy | undefined,
  methods: string,
  handler: T,
): T {
  if (policy === undefined) return handler;
  const wrapped = ((req, res, next) => {
    const origin = originOf(req);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, preflightHeaders(policy, origin, methods));
      res.end();
      return;
    }
    for (const [name, value] of Object.entries(corsHeaders(policy, origin)))
      res.setHeader(name, value);
    handler(req, res, next);
  }) as T;
  return Object.defineProperty(wrapped, 'name', { value: handler.name });
}

/** A Fetch route: a `Request` in, a `Response` out. */
export type FetchRoute<A extends unknown[]> = (request: Request, ...rest: A) => Promise<Response>;

/** The Fetch counterpart of {@link withCors}. */
export function corsFetch<A extends unknown[]>(
  policy: CorsPolicy | undefined,
  methods: string,
  route: FetchRoute<A>,
): FetchRoute<A> {
  if (policy === undefined) return route;
  return async (request, ...rest) => {
    const origin = request.headers.get('origin') ?? undefined;
    if (request.method === 'OPTIONS')
      return new Response(null, {
        status: 204,
        headers: preflightHeaders(policy, origin, methods),
      });
    const response = await route(request, ...rest);
    for (const [name, value] of Object.entries(corsHeaders(policy, origin)))
      response.headers.set(name, value);
    return response;
  };
}

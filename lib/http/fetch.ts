/**
 * The Fetch-API adapter: the engine behind WHATWG `Request` → `Response`, for
 * runtimes built on it (Deno.serve, Bun.serve, workers, Node's global Request).
 * It answers exactly as the Express handlers do (lib/http/endpoints.ts,
 * protect.ts, userinfo.ts) and only translates: every OAuth rule lives in the
 * engine, UserInfo's in ./userinfo-answer.ts (shared with Express), the form
 * rules in ./form.ts (a `Request`'s body read by ./body.ts: checked before the
 * body is touched, never cancelled, safe behind a `Readable.toWeb()` bridge)
 * and the bearer rules in ./bearer.ts. It does not load Express.
 *
 * ```ts
 * const handle = fetchHandler(provider);
 * Deno.serve(async (request) => (await handle(request)) ?? new Response('not found', { status: 404 }));
 * ```
 */
import { NO_STORE, type Provider } from '../engine/provider.js';
import { checkOptionKeys } from '../helpers/option-keys.js';
import type { EngineRequest, EngineResponse } from '../types.js';
import {
  bearerCheck,
  isRefusal,
  readCredentials,
  verifyCredentials,
  type ProtectedTokenInfo,
  type ProtectOptions,
} from './bearer.js';
import type { EndpointDefinition } from '../endpoints/registry.js';
import { corsFetch, corsMethods } from './cors.js';
import {
  documentHeaders,
  FORM_ENDPOINT_KEYS,
  limitOf,
  METADATA_PATH,
  methodNotAllowed,
  timeoutOf,
  type FormEndpointOptions,
} from './endpoints.js';
import { readRequestJson } from './json-body.js';
import { protectedResourceRoute, type ProtectedResourceOptions } from './resource-metadata.js';
import { readRequestForm, type FormBody } from './form.js';
import { requestMeta } from './meta.js';
import { JSON_TYPE } from './respond.js';
import { userInfoAnswer } from './userinfo-answer.js';

/** Options of {@link fetchHandler}. */
export type FetchHandlerOptions = FormEndpointOptions;

/** Options of {@link verifyBearer}: those of `protect()`. */
export type VerifyBearerOptions = ProtectOptions;

/**
 * Answers one request, or `undefined` when its path is none of the endpoints, so
 * the host routes it itself (and answers 404 if nothing else takes it).
 */
export type FetchHandler = (
  request: Request,
  info?: FetchRequestInfo,
) => Promise<Response | undefined>;

const encoder = new TextEncoder();

/** An engine response as a `Response`: JSON body, all headers; no body for HEAD. */
function toResponse(response: EngineResponse, head = false): Response {
  const body = encoder.encode(JSON.stringify(response.body));
  const headers = new Headers(response.headers);
  headers.set('Content-Type', JSON_TYPE);
  headers.set('Content-Length', String(body.byteLength));
  return new Response(head ? null : body, { status: response.status, headers });
}

/** What the host knows about the request that a `Request` does not carry. */
export interface FetchRequestInfo {
  /** The client's address (the host's own proxy rules decide which one). */
  ip?: string | undefined;
}

type Route = (request: Request, info: FetchRequestInfo | undefined) => Promise<Response>;

/** The engine's view of a Fetch request whose body was read. */
function engineRequest(request: Request, body: FormBody, ip: string | undefined): EngineRequest {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const header = (name: string) => request.headers.get(name) ?? undefined;
  return {
    params: body.params,
    lists: body.lists,
    authorization: header('authorization'),
    headers,
    method: request.method,
    meta: requestMeta(header, ip),
  };
}

function formRoute(
  provider: Provider,
  endpoint: EndpointDefinition,
  limits: { readonly bytes: number; readonly seconds: number },
): Route {
  const handle = endpoint.handle as (request: EngineRequest) => Promise<EngineResponse>;
  return async (request, info) => {
    if (request.method !== 'POST') return toResponse(methodNotAllowed());
    try {
      const repeatable = provider.repeatableAt(endpoint.name);
      const body = await readRequestForm(request, limits.bytes, limits.seconds, repeatable);
      return toResponse(await handle(engineRequest(request, body, info?.ip)));
    } catch (err) {
      return toResponse(provider.errorResponse(err, NO_STORE));
    }
  };
}

/** A `json` endpoint (registration): the client id after `base`, JSON bodies for POST and PUT. */
function jsonRoute(
  provider: Provider,
  endpoint: EndpointDefinition,
  limits: { readonly bytes: number; readonly seconds: number },
  base: string,
): Route {
  const handle = endpoint.handleJson as NonNullable<EndpointDefinition['handleJson']>;
  const empty: FormBody = { params: {}, lists: {} };
  return async (request, info) => {
    try {
      const { pathname } = new URL(request.url);
      const segment = pathname.startsWith(`${base}/`) ? pathname.slice(base.length + 1) : '';
      const id = segment === '' ? undefined : decodeSegment(segment);
      const hasBody = request.method === 'POST' || request.method === 'PUT';
      const body = hasBody
        ? await readRequestJson(request, limits.bytes, limits.seconds)
        : undefined;
      const response = await handle({ ...engineRequest(request, empty, info?.ip), body, id });
      if (response.status === 204)
        return new Response(null, { status: 204, headers: response.headers });
      return toResponse(response);
    } catch (err) {
      return toResponse(provider.errorResponse(err, NO_STORE));
    }
  };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** A `protected` endpoint (UserInfo): the shared answerer (./userinfo-answer.ts) over a `Request`. */
function protectedRoute(provider: Provider): Route {
  const answer = userInfoAnswer(provider);
  return async (request) => {
    const response = await answer({
      method: request.method,
      path: new URL(request.url).pathname,
      authorization: request.headers.get('authorization'),
      proof: request.headers.get('dpop') ?? undefined,
    });
    if (response.body === undefined)
      return new Response(null, { status: response.status, headers: response.headers });
    return toResponse(response, request.method === 'HEAD');
  };
}

function documentRoute(endpoint: EndpointDefinition): Route {
  const document = endpoint.document as () => unknown;
  const headers = documentHeaders(endpoint.maxAge ?? 0);
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return new Response(null, { status: 405, headers: { Allow: 'GET, HEAD' } });
    return toResponse({ status: 200, headers, body: document() }, request.method === 'HEAD');
  };
}

/**
 * Every form, JSON, document and protected endpoint of the provider's endpoint
 * table (token, revocation, introspection, registration, JWKS, metadata, and with
 * `options.openid` UserInfo, as `router()` answers them; any registered later) at its
 * configured path below the issuer's path (as `router()` mounted at the issuer's
 * path), plus the metadata at its RFC 8414 place from the root
 * (`/.well-known/oauth-authorization-server` + issuer path). A trailing slash is
 * ignored; the authorization endpoint and the pages (device, end-session) are
 * not served (they need a login and a session: use the Express handlers).
 * @throws TypeError for a bad option.
 */
export function fetchHandler(provider: Provider, options?: FetchHandlerOptions): FetchHandler {
  checkOptionKeys(options, FORM_ENDPOINT_KEYS, 'fetchHandler(): options');
  const limits = { bytes: limitOf(options), seconds: timeoutOf(options) };
  const issuerPath = new URL(provider.config.issuer).pathname.replace(/\/$/, '');
  const routes = new Map<string, Route>();
  /** Routes that also answer below their path (`/register/<client id>`). */
  const below: [string, Route][] = [];
  for (const endpoint of provider.endpoints) {
    if (endpoint.kind === 'authorization' || endpoint.kind === 'page') continue;
    const route = corsFetch(
      endpoint.cors === true ? provider.config.cors : undefined,
      corsMethods(endpoint.kind),
      endpoint.kind === 'form'
        ? formRoute(provider, endpoint, limits)
        : endpoint.kind === 'json'
          ? jsonRoute(provider, endpoint, limits, issuerPath + endpoint.path)
          : endpoint.kind === 'protected'
            ? protectedRoute(provider)
            : documentRoute(endpoint),
    );
    routes.set(issuerPath + endpoint.path, route);
    if (endpoint.kind === 'json') below.push([`${issuerPath}${endpoint.path}/`, route]);
    if (endpoint.name === 'metadata') routes.set(METADATA_PATH + issuerPath, route);
  }
  return async function oauth2Fetch(request, info) {
    const { pathname } = new URL(request.url);
    const route =
      routes.get(
        pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname,
      ) ??
      below.find(([prefix]) => pathname.startsWith(prefix) && pathname.length > prefix.length)?.[1];
    return route === undefined ? undefined : route(request, info);
  };
}

/**
 * The access token check of `protect()` for a Fetch `Request`, Bearer and DPoP
 * schemes alike: the token's data, or the ready refusal (401 with
 * `WWW-Authenticate: Bearer realm="…", DPoP realm="…", algs="…"`, 400, 403 or
 * 503, as `protect()` answers) to return as is. A DPoP proof's `htu` is the
 * route's configured origin + the request URL's path (the `Request`'s host is
 * never used).
 * @throws TypeError for a bad option.
 */
export async function verifyBearer(
  provider: Provider,
  request: Request,
  options?: VerifyBearerOptions,
): Promise<ProtectedTokenInfo | Response> {
  const check = bearerCheck(provider, options, 'verifyBearer()');
  const credentials = readCredentials(provider, check, request.headers.get('authorization'));
  if (credentials === undefined)
    return new Response(null, { status: 401, headers: { 'WWW-Authenticate': check.challenge } });
  const result = isRefusal(credentials)
    ? credentials
    : await verifyCredentials(provider, check, credentials, {
        method: request.method,
        path: new URL(request.url).pathname,
        proof: request.headers.get('dpop') ?? undefined,
      });
  return isRefusal(result) ? toResponse(result) : result;
}

/**
 * The Fetch counterpart of `oauth.protectedResource()`: the protected resource
 * metadata of `options.resource` (RFC 9728) at `/.well-known/oauth-protected-resource`
 * + the resource's path (GET, HEAD, and OPTIONS preflights under the CORS
 * policy); `undefined` for any other request, so the host routes it itself.
 * @throws TypeError for a bad or misspelled option.
 * @example
 * const metadata = fetchProtectedResource(provider, { resource: 'https://api.example.com/mcp' });
 * const response = (await metadata(request)) ?? (await handle(request)); // handle = fetchHandler(provider)
 */
export function fetchProtectedResource(
  provider: Provider,
  options: ProtectedResourceOptions,
): FetchHandler {
  const route = protectedResourceRoute(provider, options, 'fetchProtectedResource()');
  const serve = corsFetch(provider.config.cors, 'GET, HEAD', async (request: Request) =>
    toResponse(route.response, request.method === 'HEAD'),
  );
  return async function protectedResource(request) {
    const served = route.serves(request.method, new URL(request.url).pathname);
    return served ? serve(request) : undefined;
  };
}

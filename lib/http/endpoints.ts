/**
 * Express/Connect/node:http handlers for the endpoint table's `form` endpoints
 * (token, revocation, introspection, …), `json` endpoints (registration) and
 * `document` endpoints (metadata, JWKS). They only translate: every OAuth rule
 * lives in the engine. Each handler is named after its endpoint (`token`,
 * `revoke`, `introspect`, `register`, `jwks`, `metadata`), so stack traces read
 * well.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Provider } from '../engine/provider.js';
import type { EndpointDefinition } from '../endpoints/registry.js';
import { InvalidRequestError } from '../errors.js';
import { optionKeys } from '../helpers/option-keys.js';
import type { EngineRequest, EngineResponse } from '../types.js';
import { corsMethods, withCors } from './cors.js';
import { DEFAULT_BODY_TIMEOUT, readFormBody, type FormBody } from './form.js';
import { readJsonBody } from './json-body.js';
import { requestMeta } from './meta.js';
import { sendJson } from './respond.js';

/** A handler that works in Express, Connect and plain `node:http`. */
export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (err?: unknown) => void,
) => void;

export interface FormEndpointOptions {
  /** The largest request body accepted, in bytes. Default 16384. */
  bodyLimit?: number;
  /**
   * Seconds the whole request body may take to arrive, from when reading starts
   * (a read deadline against clients that trickle bytes); after it the answer is
   * 400 `invalid_request` and the connection is closed. Default 10.
   */
  bodyTimeout?: number;
}

/** The keys of {@link FormEndpointOptions} (lib/helpers/option-keys.ts). */
export const FORM_ENDPOINT_KEYS = optionKeys<FormEndpointOptions>({
  bodyLimit: true,
  bodyTimeout: true,
});

/** The default largest form body, in bytes. */
export const DEFAULT_BODY_LIMIT = 16_384;

export { DEFAULT_BODY_TIMEOUT };

/** The path of the metadata document relative to the issuer (RFC 8414 3). */
export const METADATA_PATH = '/.well-known/oauth-authorization-server';

/** Headers of every form endpoint's answer (RFC 6749 5.1). */
const NO_STORE: Readonly<Record<string, string>> = Object.freeze({
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
});

/** The checked `bodyLimit` option. */
export function limitOf(options: FormEndpointOptions | undefined): number {
  const limit = options?.bodyLimit ?? DEFAULT_BODY_LIMIT;
  if (!Number.isInteger(limit) || limit <= 0)
    throw new TypeError('options.bodyLimit must be a positive whole number of bytes');
  return limit;
}

/** The largest `bodyTimeout`, in seconds: what a timer can wait (2^31 - 1 ms). */
const MAX_TIMEOUT = 2_147_483;

/** The checked `bodyTimeout` option, in seconds. */
export function timeoutOf(options: FormEndpointOptions | undefined): number {
  const timeout = options?.bodyTimeout ?? DEFAULT_BODY_TIMEOUT;
  if (typeof timeout !== 'number' || !(timeout > 0 && timeout <= MAX_TIMEOUT))
    throw new TypeError(
      `options.bodyTimeout must be a positive number of seconds (at most ${MAX_TIMEOUT})`,
    );
  return timeout;
}

/** The headers of a JSON document (metadata, JWKS): cacheable (CORS is added by ./cors.ts). */
export function documentHeaders(maxAge: number): Record<string, string> {
  return { 'Cache-Control': `public, max-age=${maxAge}` };
}

/** The answer to anything but POST at a form endpoint. */
export function methodNotAllowed(): EngineResponse {
  const error = new InvalidRequestError('this endpoint accepts POST only', {
    headers: { Allow: 'POST' },
  });
  return { status: 405, headers: { ...NO_STORE, ...error.headers }, body: error.toJSON() };
}

/** The engine's view of a Node request whose body was read. */
function engineRequest(req: IncomingMessage, body: FormBody): EngineRequest {
  const headers = req.headers as Record<string, string | undefined>;
  const header = (name: string) => {
    const value = headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  const ip = (req as { ip?: string }).ip ?? req.socket?.remoteAddress;
  return {
    params: body.params,
    lists: body.lists,
    authorization: req.headers.authorization,
    headers,
    method: req.method,
    meta: requestMeta(header, ip),
  };
}

/** Gives a handler the name of what it is. */
function named<T extends Handler>(name: string, handler: T): T {
  return Object.defineProperty(handler, 'name', { value: name });
}

/**
 * Writes what the engine answered with `send`, or the error response of what
 * failed on the way (no-store); a failure after the headers went out goes to `next`.
 */
function answer(
  provider: Provider,
  res: ServerResponse,
  next: ((err?: unknown) => void) | undefined,
  response: Promise<EngineResponse>,
  send: (res: ServerResponse, response: EngineResponse) => void,
): void {
  response.then(
    (ok) => send(res, ok),
    (err: unknown) => {
      if (res.headersSent) next?.(err);
      else sendJson(res, provider.errorResponse(err, NO_STORE));
    },
  );
}

/** A `form` endpoint: reads the body strictly, runs the engine, writes JSON. */
export function formEndpoint(
  provider: Provider,
  endpoint: EndpointDefinition,
  options: FormEndpointOptions | undefined,
): Handler {
  const limit = limitOf(options);
  const timeout = timeoutOf(options);
  const handle = endpoint.handle;
  if (handle === undefined) throw new TypeError(`endpoint ${endpoint.name} is not a form endpoint`);
  return named(endpoint.handlerName, (req, res, next) => {
    if (req.method !== 'POST') {
      sendJson(res, methodNotAllowed());
      return;
    }
    const read = readFormBody(req, limit, provider.repeatableAt(endpoint.name), timeout);
    const response = read.then((body) => handle(engineRequest(req, body)));
    answer(provider, res, next, response, sendJson);
  });
}

/**
 * The decoded client id below a `json` endpoint's path: Express's `:id` route
 * parameter, else the segment after `<path>/` in the URL (node:http, `app.use`).
 */
export function pathId(req: IncomingMessage, path: string): string | undefined {
  const params = (req as { params?: Record<string, unknown> }).params;
  if (typeof params?.['id'] === 'string') return params['id'];
  const base = (req as { baseUrl?: string }).baseUrl ?? '';
  const pathname = (base + (req.url ?? '/').split('?')[0]).replace(/\/+$/, '');
  const at = pathname.lastIndexOf(`${path}/`);
  if (at === -1) return undefined;
  const segment = pathname.slice(at + path.length + 1);
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Writes an engine response: JSON, or no body for 204. */
export function sendResponse(res: ServerResponse, response: EngineResponse): void {
  if (response.status !== 204) return sendJson(res, response);
  res.writeHead(204, response.headers);
  res.end();
}

/**
 * A `json` endpoint (registration): POST and PUT bodies read strictly as JSON
 * (./json-body.ts), the client id from the path, every method handed to the engine.
 */
export function jsonEndpoint(
  provider: Provider,
  endpoint: EndpointDefinition,
  options: FormEndpointOptions | undefined,
): Handler {
  const limit = limitOf(options);
  const timeout = timeoutOf(options);
  const handle = endpoint.handleJson;
  if (handle === undefined) throw new TypeError(`endpoint ${endpoint.name} is not a json endpoint`);
  const empty: FormBody = { params: {}, lists: {} };
  return named(endpoint.handlerName, (req, res, next) => {
    const id = pathId(req, endpoint.path);
    const hasBody = req.method === 'POST' || req.method === 'PUT';
    const read = hasBody ? readJsonBody(req, limit, timeout) : Promise.resolve(undefined);
    const response = read.then((body) => handle({ ...engineRequest(req, empty), body, id }));
    answer(provider, res, next, response, sendResponse);
  });
}

/** A `document` endpoint: GET/HEAD answered with a JSON document, cacheable. */
export function documentEndpoint(endpoint: EndpointDefinition): Handler {
  const document = endpoint.document;
  if (document === undefined) throw new TypeError(`endpoint ${endpoint.name} is not a document`);
  const headers = documentHeaders(endpoint.maxAge ?? 0);
  return named(endpoint.handlerName, (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.statusCode = 405;
      res.setHeader('Allow', 'GET, HEAD');
      res.end();
      return;
    }
    sendJson(res, { status: 200, headers, body: document() });
  });
}

/**
 * The handler of a `form` or `document` endpoint; one whose row says `cors`
 * answers browsers under the provider's CORS policy (./cors.ts).
 */
export function endpointHandler(
  provider: Provider,
  endpoint: EndpointDefinition,
  options: FormEndpointOptions | undefined,
): Handler {
  const handler =
    endpoint.kind === 'form'
      ? formEndpoint(provider, endpoint, options)
      : endpoint.kind === 'json'
        ? jsonEndpoint(provider, endpoint, options)
        : documentEndpoint(endpoint);
  const policy = endpoint.cors === true ? provider.config.cors : undefined;
  return withCors(policy, corsMethods(endpoint.kind), handler);
}

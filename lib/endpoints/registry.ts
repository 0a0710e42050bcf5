/**
 * The endpoint table: one entry per endpoint, read by everything that lists
 * endpoints — the options' paths, the metadata document's `*_endpoint` members,
 * `router()` and `fetchHandler()` — so no list is written twice. Built-ins are
 * registered through the same door a later endpoint (registration, device
 * authorization, PAR, UserInfo) uses: `provider.registerEndpoint()`.
 *
 * Rules:
 * - every path starts with `/` and is relative to the issuer's path;
 * - two endpoints never share a name or a path;
 * - `form` endpoints take a POST with a form body and answer JSON with no-store
 *   headers; `document` endpoints answer GET/HEAD with a cacheable JSON document;
 *   the `authorization` endpoint is served by `authorize()` (it needs a login);
 *   a `page` endpoint is a page for people with a login and a session, served
 *   by the HTTP layer's page handler of its name (`device`: the device
 *   verification page of RFC 8628, `oauth.device()`; `end_session`: OpenID
 *   Connect RP-initiated logout, `oauth.endSession()`), never by `fetchHandler()`;
 * - `json` endpoints (registration, RFC 7591/7592) take a JSON body at their path
 *   and at `<path>/<id>`, with the methods their `handleJson` answers, and answer
 *   JSON with no-store headers;
 * - a `protected` endpoint (UserInfo, OIDC Core 5.3) answers GET and POST behind
 *   the access-token check of `protect()`, answered by the HTTP layer's one
 *   UserInfo answerer (lib/http/userinfo-answer.ts) under `router()` and
 *   `fetchHandler()` alike;
 * - an endpoint answers browsers cross-origin only when its row says `cors: true`.
 */
import type { EngineRequest, EngineResponse } from '../types.js';

/** How an endpoint is served. */
export type EndpointKind = 'form' | 'document' | 'authorization' | 'json' | 'page' | 'protected';

/** A request to a `json` endpoint, as an adapter hands it over (`params` is empty). */
export interface JsonEngineRequest extends EngineRequest {
  /** The parsed JSON body (lib/http/json-body.ts); undefined when the method has none. */
  readonly body?: unknown;
  /** The decoded path segment after the endpoint's path (`/register/<id>`); absent at the path itself. */
  readonly id?: string | undefined;
}

/** One endpoint of the server. */
export interface EndpointDefinition {
  /** The name used in `options.endpoints` and in `provider.endpoint(name)`, e.g. `token`. */
  readonly name: string;
  /** The name of the handler functions made for it (stack traces), e.g. `revoke`. */
  readonly handlerName: string;
  readonly kind: EndpointKind;
  /** The path below the issuer, e.g. `/token`; `options.endpoints[name]` overrides it. */
  readonly path: string;
  /** The RFC 8414 member that publishes its URL, e.g. `token_endpoint`. */
  readonly metadataKey?: string | undefined;
  /** Parameters the endpoint itself declares repeatable. */
  readonly repeatable?: readonly string[] | undefined;
  /** Whether the endpoint is offered (e.g. the authorization endpoint needs a response type). Default true. */
  enabled?(): boolean;
  /** A `form` endpoint's answer; never throws. */
  handle?(request: EngineRequest): Promise<EngineResponse>;
  /** A `json` endpoint's answer to any method; never throws. */
  handleJson?(request: JsonEngineRequest): Promise<EngineResponse>;
  /** A `document` endpoint's body. */
  document?(): unknown;
  /** How long a `document` may be cached, in seconds. */
  readonly maxAge?: number | undefined;
  /**
   * Whether browsers may call it cross-origin, under the provider's CORS policy
   * (`options.cors`; lib/http/cors.ts): OPTIONS preflights answered and
   * `Access-Control-Allow-Origin` on every answer. Default false. Never for an
   * endpoint that reads cookies or other ambient credentials.
   */
  readonly cors?: boolean | undefined;
}

/** Checks an endpoint definition; throws a TypeError naming what is wrong. */
export function checkEndpoint(
  endpoint: EndpointDefinition,
  taken: ReadonlyMap<string, EndpointDefinition>,
): void {
  const { name, path, kind } = endpoint;
  if (typeof name !== 'string' || !/^[a-z][a-z_]*$/.test(name)) {
    throw new TypeError(`endpoint: name must be lower-case letters, got ${JSON.stringify(name)}`);
  }
  if (taken.has(name)) throw new TypeError(`endpoint ${name}: an endpoint with that name exists`);
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new TypeError(`endpoint ${name}: path must start with "/"`);
  }
  for (const other of taken.values()) {
    if (other.path === path)
      throw new TypeError(`endpoint ${name}: ${other.name} already uses ${path}`);
  }
  if (kind === 'form' && typeof endpoint.handle !== 'function') {
    throw new TypeError(`endpoint ${name}: a form endpoint needs handle()`);
  }
  if (kind === 'json' && typeof endpoint.handleJson !== 'function') {
    throw new TypeError(`endpoint ${name}: a json endpoint needs handleJson()`);
  }
  if (kind === 'document' && typeof endpoint.document !== 'function') {
    throw new TypeError(`endpoint ${name}: a document endpoint needs document()`);
  }
}

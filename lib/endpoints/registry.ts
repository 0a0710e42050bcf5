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
 *   the `authorization` endpoint is served by `authorize()` (it needs a login).
 */
import type { EngineRequest, EngineResponse } from '../types.js';

/** How an endpoint is served. */
export type EndpointKind = 'form' | 'document' | 'authorization';

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
  /** A `document` endpoint's body. */
  document?(): unknown;
  /** How long a `document` may be cached, in seconds. */
  readonly maxAge?: number | undefined;
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
  if (kind === 'document' && typeof endpoint.document !== 'function') {
    throw new TypeError(`endpoint ${name}: a document endpoint needs document()`);
  }
}

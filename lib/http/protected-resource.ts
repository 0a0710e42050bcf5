/**
 * `oauth.protectedResource({ resource })`: serves the protected resource
 * metadata of one resource (RFC 9728) for Express, Connect and node:http. Mount
 * it at the root of the app (`app.use(oauth.protectedResource({ resource }))`):
 * it answers its own well-known path and passes everything else on.
 *
 * Rules:
 * - it answers GET and HEAD at exactly `/.well-known/oauth-protected-resource`
 *   + the resource's path (RFC 9728 3.1; ./resource-metadata.ts), matched on the
 *   whole request path (`req.originalUrl`, so also when mounted in a router);
 *   any other path or method goes to `next()`;
 * - the answer is 200 JSON (RFC 9728 3.2), cacheable (`Cache-Control: public,
 *   max-age=3600`) and readable cross-origin under the provider's CORS policy
 *   (./cors.ts; OPTIONS preflights answered), like the server's own metadata;
 * - the document is built and checked once, when the middleware is made: a bad
 *   option is a TypeError then, never a broken answer later.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Provider } from '../engine/provider.js';
import { withCors } from './cors.js';
import { protectedResourceRoute, type ProtectedResourceOptions } from './resource-metadata.js';
import { sendJson } from './respond.js';

export type { ProtectedResourceOptions } from './resource-metadata.js';

/** The request's path from the host's root, without the query. */
function pathOf(req: IncomingMessage): string {
  const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * The middleware serving the metadata of `options.resource`.
 * @throws TypeError naming a bad option, a misspelled key included.
 */
export function protectedResourceHandler(
  provider: Provider,
  options: ProtectedResourceOptions,
): (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void {
  const route = protectedResourceRoute(provider, options, 'protectedResource()');
  const serve = withCors(provider.config.cors, 'GET, HEAD', (_req, res: ServerResponse) => {
    sendJson(res, route.response);
  });
  return function protectedResource(req, res, next) {
    if (route.serves(req.method, pathOf(req))) serve(req, res);
    else next();
  };
}

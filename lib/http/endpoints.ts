/**
 * Express/Connect handlers for the engine's form endpoints (token, revocation,
 * introspection) and its JSON documents (metadata, JWKS). They only translate:
 * every OAuth rule lives in the engine.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidRequestError } from '../errors.js';
import { NO_STORE, type Provider } from '../engine/provider.js';
import type { EngineRequest, EngineResponse } from '../types.js';
import { readForm } from './form.js';
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
}

/** The default largest form body, in bytes. */
export const DEFAULT_BODY_LIMIT = 16_384;

/** The path of the metadata document relative to the issuer (RFC 8414 3). */
export const METADATA_PATH = '/.well-known/oauth-authorization-server';

/** How long clients may cache the metadata document and the JWKS, in seconds. */
export const METADATA_MAX_AGE = 3600;
export const JWKS_MAX_AGE = 300;

/** The checked `bodyLimit` option. */
export function limitOf(options: FormEndpointOptions | undefined): number {
  const limit = options?.bodyLimit ?? DEFAULT_BODY_LIMIT;
  if (!Number.isInteger(limit) || limit <= 0)
    throw new TypeError('options.bodyLimit must be a positive whole number of bytes');
  return limit;
}

/** The headers of a JSON document (metadata, JWKS): cacheable, readable cross-origin. */
export function documentHeaders(maxAge: number): Record<string, string> {
  return { 'Cache-Control': `public, max-age=${maxAge}`, 'Access-Control-Allow-Origin': '*' };
}

/** The answer to anything but POST at a form endpoint. */
export function methodNotAllowed(): EngineResponse {
  const error = new InvalidRequestError('this endpoint accepts POST only', {
    headers: { Allow: 'POST' },
  });
  return { status: 405, headers: { ...NO_STORE, ...error.headers }, body: error.toJSON() };
}

/** A POST endpoint over a form body: reads it strictly, runs the engine, writes JSON. */
export function formEndpoint(
  provider: Provider,
  run: (request: EngineRequest) => Promise<EngineResponse>,
  options: FormEndpointOptions | undefined,
): Handler {
  const limit = limitOf(options);
  return function oauth2FormEndpoint(req, res, next) {
    if (req.method !== 'POST') {
      sendJson(res, methodNotAllowed());
      return;
    }
    readForm(req, limit)
      .then((params) => run({ params, authorization: req.headers.authorization }))
      .then(
        (response) => sendJson(res, response),
        (err: unknown) => {
          if (res.headersSent) next?.(err);
          else sendJson(res, provider.errorResponse(err, NO_STORE));
        },
      );
  };
}

/** A GET endpoint that answers with a JSON document, cacheable and readable cross-origin. */
export function jsonDocument(document: () => unknown, maxAge: number): Handler {
  return function oauth2Document(req, res) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.statusCode = 405;
      res.setHeader('Allow', 'GET, HEAD');
      res.end();
      return;
    }
    sendJson(res, { status: 200, headers: documentHeaders(maxAge), body: document() });
  };
}

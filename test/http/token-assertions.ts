/**
 * Assertions and request helpers shared by the token endpoint and client
 * authentication tests (token-endpoint, token-form, client-auth).
 */
import { once } from 'node:events';
import http, { type IncomingHttpHeaders, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type { Response } from 'supertest';

/** The challenge sent with every 401 at the token endpoint (RFC 7617 2 and 2.1). */
export const BASIC_CHALLENGE = 'Basic realm="oauth2", charset="UTF-8"';

/**
 * RFC 6749 5.2: 'Values for the "error_description" parameter MUST NOT include
 * characters outside the set %x20-21 / %x23-5B / %x5D-7E.'
 */
export const ERROR_DESCRIPTION_CHARS = /^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * RFC 6749 5.1: "The authorization server MUST include the HTTP "Cache-Control"
 * response header field [RFC2616] with a value of "no-store" in any response
 * containing tokens, credentials, or other sensitive information, as well as the
 * "Pragma" response header field [RFC2616] with a value of "no-cache"."
 * and: "The parameters are included in the entity-body of the HTTP response using
 * the "application/json" media type".
 */
export function expectNoStoreJson(res: Response): void {
  expect(res.headers['content-type'], 'Content-Type').to.match(/^application\/json(;|$)/);
  expect(res.headers['cache-control'], 'Cache-Control').to.equal('no-store');
  expect(res.headers['pragma'], 'Pragma').to.equal('no-cache');
}

export interface ErrorExpectation {
  /** Whether the response must carry the Basic challenge; when false it must carry none. Default false. */
  challenge?: boolean;
  /** The exact `error_description`, when the test pins it. */
  description?: string;
}

/**
 * An RFC 6749 5.2 error: the exact status and code, a body of exactly
 * `{ error, error_description }`, JSON with no-store headers, and a
 * `WWW-Authenticate` header exactly when expected.
 */
export function expectOAuthError(
  res: Response,
  status: number,
  error: string,
  expectation: ErrorExpectation = {},
): void {
  expect(res.status, `status (body: ${res.text})`).to.equal(status);
  expectNoStoreJson(res);
  expect(Object.keys(res.body as object).sort(), 'body members').to.deep.equal([
    'error',
    'error_description',
  ]);
  expect(res.body.error, 'error').to.equal(error);
  expect(res.body.error_description, 'error_description').to.be.a('string').that.is.not.empty;
  if (expectation.description !== undefined)
    expect(res.body.error_description).to.equal(expectation.description);
  if (expectation.challenge === true)
    expect(res.headers['www-authenticate'], 'WWW-Authenticate').to.equal(BASIC_CHALLENGE);
  else expect(res.headers['www-authenticate'], 'WWW-Authenticate').to.equal(undefined);
}

/** A 200 token response (RFC 6749 5.1) with no-store headers; returns the body. */
export function expectTokenResponse(res: Response): Record<string, unknown> {
  expect(res.status, `status (body: ${res.text})`).to.equal(200);
  expectNoStoreJson(res);
  expect(res.headers['www-authenticate']).to.equal(undefined);
  expect(res.body.access_token).to.be.a('string').that.is.not.empty;
  expect(res.body.token_type).to.equal('Bearer');
  return res.body as Record<string, unknown>;
}

/** The application/x-www-form-urlencoded encoding of one name or value (RFC 6749 Appendix B). */
export function formEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** A client_secret_basic header: id and secret form-encoded, joined by ':', then base64 (RFC 6749 2.3.1). */
export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${formEncode(id)}:${formEncode(secret)}`, 'utf8').toString('base64')}`;
}

/** A Basic header over exactly these credential bytes, with no form-encoding. */
export function rawBasic(credentials: string): string {
  return `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * POSTs `chunks` over plain node:http (no Content-Length: chunked transfer coding)
 * to `app` listening on an ephemeral port, for what supertest cannot send.
 */
export async function postChunked(
  app: RequestListener,
  path: string,
  headers: Record<string, string>,
  chunks: readonly Buffer[],
): Promise<RawResponse> {
  const server = http.createServer(app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<RawResponse>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, path, method: 'POST', headers },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      for (const chunk of chunks) req.write(chunk);
      req.end();
    });
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

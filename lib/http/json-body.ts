/**
 * Reads a JSON request body strictly, for the registration endpoint (RFC 7591
 * 3.1: "the client sends an HTTP POST … with a content type of
 * application/json"), from a Node request or a Fetch `Request`.
 *
 * Rules:
 * - the media type must be application/json, with no charset or UTF-8 (RFC 8259
 *   8.1), else 400 `invalid_request` (a transport error, like the form reader's;
 *   the metadata itself is not judged yet);
 * - at most `limit` bytes, within `timeout` seconds from when reading starts,
 *   else 400 `invalid_request` and `Connection: close` (./form.ts's refusals); a
 *   declared Content-Length over the limit is refused before the body is touched;
 * - the bytes must be UTF-8 (strict decoding), else 400 `invalid_request`;
 * - text that is not JSON is 400 `invalid_client_metadata` (the metadata is
 *   invalid); what the JSON holds is judged by lib/helpers/client-metadata.ts,
 *   which reads known members only, so `__proto__` or `constructor` keys reach
 *   nothing (JSON.parse makes them plain own properties);
 * - a body the host already parsed (`express.json()`) is taken as parsed, after
 *   the same media type check.
 */
import type { IncomingMessage } from 'node:http';
import { InvalidClientMetadataError, InvalidRequestError, OAuthError } from '../errors.js';
import { tooLarge, tooSlow, unreadable } from './form.js';

const JSON_MEDIA_TYPE = 'application/json';
const utf8 = new TextDecoder('utf-8', { fatal: true });

function checkContentType(header: string | null | undefined): void {
  const [type, ...params] = (header ?? '').split(';');
  if (type?.trim().toLowerCase() !== JSON_MEDIA_TYPE)
    throw new InvalidRequestError(`the request body must be ${JSON_MEDIA_TYPE}`);
  for (const param of params) {
    const eq = param.indexOf('=');
    if (param.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    const value = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    if (value !== 'utf-8' && value !== 'utf8')
      throw new InvalidRequestError('the request body must be encoded in UTF-8');
  }
}

/** The media type and a declared length, checked before the body is touched. */
export function checkJsonHeaders(
  contentType: string | null | undefined,
  contentLength: string | null | undefined,
  limit: number,
): void {
  checkContentType(contentType);
  if (Number(contentLength) > limit) throw tooLarge(limit);
}

/** Decodes (strict UTF-8) and parses a body read whole. */
export function parseJsonBytes(raw: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new InvalidRequestError('the request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidClientMetadataError('the request body is not valid JSON');
  }
}

/** Reads `req` whole: at most `limit` bytes, within `timeout` seconds. */
function readRaw(req: IncomingMessage, limit: number, timeout: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (error: OAuthError | undefined) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      // The error listener stays: a late socket error must not become an uncaught one.
      if (error !== undefined) reject(error);
      else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) settle(tooLarge(limit));
      else chunks.push(chunk);
    };
    const onEnd = () => settle(undefined);
    const timer = setTimeout(() => settle(tooSlow(timeout)), timeout * 1000);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', (err: Error) => settle(unreadable(err)));
  });
}

/**
 * Reads and parses the JSON body of a Node request (rules above).
 * @param limit the largest body accepted, in bytes.
 * @param timeout the read deadline, in seconds.
 */
export async function readJsonBody(
  req: IncomingMessage & { body?: unknown; _body?: boolean },
  limit: number,
  timeout: number,
): Promise<unknown> {
  const type = req.headers['content-type'];
  if (req._body === true || req.readableEnded) {
    checkContentType(type);
    return req.body;
  }
  checkJsonHeaders(type, req.headers['content-length'], limit);
  return parseJsonBytes(await readRaw(req, limit, timeout));
}

/** A refusal with `Connection: close` (the body was not read to its end). */
function closing(error: unknown): unknown {
  if (!(error instanceof InvalidRequestError) || error.headers['Connection'] !== undefined)
    return error;
  return new InvalidRequestError(error.description, {
    cause: error.cause,
    detail: error.detail,
    headers: { ...error.headers, Connection: 'close' },
  });
}

/** Reads a Fetch body whole through one reader, never cancelled (see ./fetch-form.ts for why). */
async function readBytes(
  body: ReadableStream<Uint8Array>,
  limit: number,
  timeout: number,
): Promise<Uint8Array> {
  const reader = body.getReader();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(tooSlow(timeout)), timeout * 1000);
  });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), expired]);
      if (done) break;
      size += value.byteLength;
      if (size > limit) throw tooLarge(limit);
      chunks.push(value);
    }
  } catch (err) {
    throw err instanceof OAuthError ? err : unreadable(err);
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks, size);
}

/**
 * Reads and parses the JSON body of a Fetch `Request` (rules above).
 * @param limit the largest body accepted, in bytes.
 * @param timeout the read deadline, in seconds.
 */
export async function readRequestJson(
  request: Request,
  limit: number,
  timeout: number,
): Promise<unknown> {
  const body = request.body;
  try {
    checkJsonHeaders(
      request.headers.get('content-type'),
      request.headers.get('content-length'),
      limit,
    );
  } catch (err) {
    throw body === null ? err : closing(err);
  }
  if (body === null) return parseJsonBytes(new Uint8Array(0));
  let raw: Uint8Array;
  try {
    raw = await readBytes(body as ReadableStream<Uint8Array>, limit, timeout);
  } catch (err) {
    throw closing(err);
  }
  return parseJsonBytes(raw);
}

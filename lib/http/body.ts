/**
 * Reads a request body's bytes strictly, from a Node request or a Fetch
 * `Request`: the one byte reader under the form reader (./form.ts) and the JSON
 * reader (./json-body.ts), which then only parse.
 *
 * Rules (each failure is 400 `invalid_request`, as JSON):
 * - the media type must be the reader's, with no charset or UTF-8; it and a
 *   declared Content-Length over the limit are checked before the body is touched;
 * - at most `limit` bytes, else refused with `Connection: close` (the rest is
 *   never read);
 * - the whole body must arrive within `timeout` seconds, counted from when
 *   reading starts (400, not 408: the token endpoint's errors are RFC 6749 5.2
 *   JSON), else refused with `Connection: close`: a client trickling bytes holds
 *   a connection for that long at most;
 * - a failing stream is refused with its cause kept for the log;
 * - text is strict UTF-8 ({@link utf8Text}).
 *
 * Rules of the Fetch reader, for hosts that bridge a Node request into a
 * `Request` with `Readable.toWeb(req)` (what Deno.serve and Bun.serve do natively):
 * - a refused request leaves `request.body` as it came;
 * - the body is read through one reader, chunk by chunk, and never cancelled.
 *   Cancelling a `Readable.toWeb()` stream destroys the Node request and with it
 *   the socket, so the answer would be lost; and on Node 20 a chunk the request
 *   still emits after the cancel throws "Invalid state: Controller is already
 *   closed" from an event handler, which crashes the host;
 * - instead, every refusal that leaves body bytes unread (wrong media type, too
 *   large, too slow, a failing stream) answers with `Connection: close`, so the
 *   host ends the connection after the answer and the stream ends with it. At
 *   most the limit is buffered here, plus what the host's stream queues.
 */
import { isAscii } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { InvalidRequestError, OAuthError } from '../errors.js';

const CLOSE = Object.freeze({ Connection: 'close' });
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The refusal of a body over `limit` bytes; the connection is closed after it. */
export function tooLarge(limit: number): InvalidRequestError {
  return new InvalidRequestError(`the request body is larger than ${limit} bytes`, {
    headers: { Connection: 'close' },
  });
}

/** The refusal of a body that did not arrive within `seconds`; the connection is closed after it. */
export function tooSlow(seconds: number): InvalidRequestError {
  return new InvalidRequestError(`the request body did not arrive within ${seconds} seconds`, {
    headers: { Connection: 'close' },
  });
}

/** The refusal of a body whose stream failed. */
export function unreadable(cause: unknown): InvalidRequestError {
  return new InvalidRequestError('the request body could not be read', { cause });
}

/** A refusal of the body with `Connection: close` added (the body was not read to its end). */
function closing(error: unknown): unknown {
  if (!(error instanceof InvalidRequestError) || error.headers['Connection'] !== undefined)
    return error;
  return new InvalidRequestError(error.description, {
    cause: error.cause,
    detail: error.detail,
    headers: { ...error.headers, ...CLOSE },
  });
}

/** Checks a Content-Type header: `mediaType`, with no charset or UTF-8. */
export function checkMediaType(header: string | null | undefined, mediaType: string): void {
  const [type, ...params] = (header ?? '').split(';');
  if (type?.trim().toLowerCase() !== mediaType)
    throw new InvalidRequestError(`the request body must be ${mediaType}`);
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

/**
 * The checks made before the body is touched: the media type (and charset), and
 * a declared Content-Length over `limit` bytes.
 */
export function checkBodyHeaders(
  mediaType: string,
  contentType: string | null | undefined,
  contentLength: string | null | undefined,
  limit: number,
): void {
  checkMediaType(contentType, mediaType);
  if (Number(contentLength) > limit) throw tooLarge(limit);
}

/** A body read whole as text: strict UTF-8 (most bodies are ASCII, and skip the decoder). */
export function utf8Text(raw: Uint8Array): string {
  if (isAscii(raw))
    return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
  try {
    return utf8.decode(raw);
  } catch {
    throw new InvalidRequestError('the request body is not valid UTF-8');
  }
}

/** Reads `req` whole: at most `limit` bytes, within `timeout` seconds. */
function readStream(req: IncomingMessage, limit: number, timeout: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (error: InvalidRequestError | undefined) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      // The error listener stays: a late socket error must not become an uncaught one.
      if (error !== undefined) reject(error);
      else resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
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
 * The bytes of a Node request's body of type `mediaType` (rules above).
 * @param limit the largest body accepted, in bytes.
 * @param timeout the read deadline, in seconds.
 */
export async function readNodeBody(
  req: IncomingMessage,
  mediaType: string,
  limit: number,
  timeout: number,
): Promise<Buffer> {
  checkBodyHeaders(mediaType, req.headers['content-type'], req.headers['content-length'], limit);
  return readStream(req, limit, timeout);
}

/** Reads `body` whole through one reader, never cancelled: at most `limit` bytes, within `timeout` seconds. */
async function readChunks(
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
      // A read that loses the race settles later into a promise nobody awaits: harmless.
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
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks, size);
}

/**
 * The bytes of a Fetch `Request`'s body of type `mediaType` (rules above); no
 * body is no bytes.
 * @param limit the largest body accepted, in bytes.
 * @param timeout the read deadline, in seconds.
 */
export async function readFetchBody(
  request: Request,
  mediaType: string,
  limit: number,
  timeout: number,
): Promise<Uint8Array> {
  const body = request.body;
  const { headers } = request;
  try {
    checkBodyHeaders(mediaType, headers.get('content-type'), headers.get('content-length'), limit);
  } catch (err) {
    throw body === null ? err : closing(err);
  }
  if (body === null) return new Uint8Array(0);
  try {
    return await readChunks(body as ReadableStream<Uint8Array>, limit, timeout);
  } catch (err) {
    throw closing(err);
  }
}

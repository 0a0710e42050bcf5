/**
 * Reads the form body of a Fetch `Request`, by the rules of ./form.ts (media type,
 * charset, size limit, read deadline, strict UTF-8, repeated parameters).
 *
 * Rules of its own, for hosts that bridge a Node request into a `Request` with
 * `Readable.toWeb(req)` (what Deno.serve and Bun.serve do natively):
 * - The media type and a declared Content-Length are checked before the body is
 *   touched: a refused request leaves `request.body` as it came.
 * - The body is read through one reader, chunk by chunk, and never cancelled.
 *   Cancelling a `Readable.toWeb()` stream destroys the Node request and with it
 *   the socket, so the answer would be lost; and on Node 20 a chunk the request
 *   still emits after the cancel throws "Invalid state: Controller is already
 *   closed" from an event handler, which crashes the host.
 * - Instead, every refusal that leaves body bytes unread (wrong media type, too
 *   large, too slow, a failing stream) answers with `Connection: close`, so the
 *   host ends the connection after the answer and the stream ends with it. At
 *   most the limit is buffered here, plus what the host's stream queues.
 */
import { InvalidRequestError, OAuthError } from '../errors.js';
import {
  checkFormHeaders,
  parseFormBytes,
  tooLarge,
  tooSlow,
  unreadable,
  type FormBody,
} from './form.js';

const CLOSE = Object.freeze({ Connection: 'close' });

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

/** Reads `body` whole: at most `limit` bytes, within `timeout` seconds. */
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
 * Reads and parses the form body of `request` (rules above).
 * @param limit the largest body accepted, in bytes.
 * @param timeout the read deadline, in seconds.
 */
export async function readRequestForm(
  request: Request,
  limit: number,
  timeout: number,
  repeatable: ReadonlySet<string>,
): Promise<FormBody> {
  const body = request.body;
  try {
    checkFormHeaders(
      request.headers.get('content-type') ?? undefined,
      request.headers.get('content-length') ?? undefined,
      limit,
    );
  } catch (err) {
    throw body === null ? err : closing(err);
  }
  if (body === null) return parseFormBytes(new Uint8Array(0), repeatable);
  let raw: Uint8Array;
  try {
    raw = await readBytes(body as ReadableStream<Uint8Array>, limit, timeout);
  } catch (err) {
    throw closing(err);
  }
  return parseFormBytes(raw, repeatable);
}

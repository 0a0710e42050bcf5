/**
 * Reads an `application/x-www-form-urlencoded` body strictly, for the token,
 * revocation and introspection endpoints and the consent form (the Fetch adapter
 * reads its `Request` bodies by the same rules, ./fetch-form.ts).
 *
 * Rules (each failure is `invalid_request`, as JSON, never an HTML page or a 500):
 * - the media type must be application/x-www-form-urlencoded (RFC 6749 3.2), with
 *   no charset or UTF-8;
 * - the body may not exceed the limit (then the connection is closed after the answer);
 * - the whole body must arrive within the read deadline (`bodyTimeout`, default
 *   {@link DEFAULT_BODY_TIMEOUT} seconds, counted from when reading starts), else
 *   `invalid_request` (400, not 408: the token endpoint's errors are RFC 6749 5.2
 *   JSON) and the connection is closed: a client trickling bytes holds a
 *   connection for that long at most;
 * - the media type and a declared Content-Length are checked before the body is
 *   touched;
 * - percent-encoding must be well formed and decode to UTF-8;
 * - no parameter may appear twice (RFC 6749 3.1), unless the endpoint declares it
 *   repeatable (e.g. `resource`, RFC 8707); every one is a string;
 * - a parameter with an empty value counts as absent (RFC 6749 3.1).
 *
 * If the host app already parsed the body (e.g. `app.use(express.urlencoded())`),
 * its `req.body` is checked by the same rules, so arrays and objects are refused.
 */
import { isAscii } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { InvalidRequestError, quoteValue } from '../errors.js';

export type FormParams = Readonly<Record<string, string>>;

/** A form body: single values, and every value of the declared-repeatable parameters. */
export interface FormBody {
  /** Each parameter's value (a repeatable one's first). */
  readonly params: FormParams;
  /** Every value of each repeatable parameter that was sent. */
  readonly lists: Readonly<Record<string, readonly string[]>>;
}

const NONE: ReadonlySet<string> = new Set();

/** The default read deadline of a form body, in seconds. */
export const DEFAULT_BODY_TIMEOUT = 10;

const FORM = 'application/x-www-form-urlencoded';

function checkContentType(header: string | undefined): void {
  const parts = (header ?? '').split(';');
  if (parts[0]?.trim().toLowerCase() !== FORM) {
    throw new InvalidRequestError(`the request body must be ${FORM}`);
  }
  for (const param of parts.slice(1)) {
    const eq = param.indexOf('=');
    const name = param.slice(0, eq).trim().toLowerCase();
    if (name !== 'charset') continue;
    const value = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    if (value !== 'utf-8' && value !== 'utf8')
      throw new InvalidRequestError('the request body must be encoded in UTF-8');
  }
}

/** Form-decodes one name or value; most are plain, and skip the work. */
function decode(text: string): string {
  if (text.indexOf('%') === -1) return text.indexOf('+') === -1 ? text : text.replace(/\+/g, ' ');
  return decodeURIComponent(text.indexOf('+') === -1 ? text : text.replace(/\+/g, ' '));
}

function repeated(name: string): InvalidRequestError {
  return new InvalidRequestError(`the parameter ${quoteValue(name)} must not be repeated`);
}

/** Parses a urlencoded string with the rules above. */
export function parseForm(body: string): FormParams {
  return parseFormBody(body, NONE).params;
}

/** Parses a urlencoded string; the names in `repeatable` may appear more than once. */
export function parseFormBody(body: string, repeatable: ReadonlySet<string>): FormBody {
  const params: Record<string, string> = Object.create(null);
  const lists: Record<string, string[]> = Object.create(null);
  const seen = new Set<string>();
  if (body === '') return { params, lists };
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    let name: string;
    let value: string;
    try {
      name = decode(eq === -1 ? pair : pair.slice(0, eq));
      value = eq === -1 ? '' : decode(pair.slice(eq + 1));
    } catch {
      throw new InvalidRequestError('the request body has malformed percent-encoding');
    }
    if (repeatable.has(name)) {
      if (value === '') continue;
      (lists[name] ??= []).push(value);
      params[name] ??= value;
      continue;
    }
    if (seen.has(name)) throw repeated(name);
    seen.add(name);
    if (value !== '') params[name] = value;
  }
  return { params, lists };
}

/** Checks a body someone else parsed: strings only, arrays only for repeatable names. */
function checkParsed(body: unknown, repeatable: ReadonlySet<string>): FormBody {
  const params: Record<string, string> = Object.create(null);
  const lists: Record<string, string[]> = Object.create(null);
  if (body === undefined || body === null) return { params, lists };
  if (typeof body !== 'object') throw new InvalidRequestError(`the request body must be ${FORM}`);
  for (const [name, value] of Object.entries(body)) {
    if (Array.isArray(value) && repeatable.has(name)) {
      const values = value.filter((v): v is string => typeof v === 'string' && v !== '');
      if (values.length !== value.filter((v) => v !== '').length) {
        throw new InvalidRequestError(`the parameter ${quoteValue(name)} must be strings`);
      }
      if (values.length > 0) {
        lists[name] = values;
        params[name] = values[0] as string;
      }
      continue;
    }
    if (Array.isArray(value)) throw repeated(name);
    if (typeof value !== 'string')
      throw new InvalidRequestError(`the parameter ${quoteValue(name)} must be a single string`);
    if (value !== '') params[name] = value;
    if (value !== '' && repeatable.has(name)) lists[name] = [value];
  }
  return { params, lists };
}

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

/**
 * The checks made before the body is touched: the media type (and charset), and
 * a declared Content-Length over `limit`.
 */
export function checkFormHeaders(
  contentType: string | undefined,
  contentLength: string | undefined,
  limit: number,
): void {
  checkContentType(contentType);
  if (Number(contentLength) > limit) throw tooLarge(limit);
}

/** Decodes a body read whole (strict UTF-8) and parses it; the names in `repeatable` may repeat. */
export function parseFormBytes(raw: Uint8Array, repeatable: ReadonlySet<string>): FormBody {
  let text: string;
  if (isAscii(raw)) {
    text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
  } else {
    try {
      text = utf8.decode(raw);
    } catch {
      throw new InvalidRequestError('the request body is not valid UTF-8');
    }
  }
  return parseFormBody(text, repeatable);
}

/**
 * Reads and parses the body of `req`; every parameter single-valued.
 * @param limit the largest body accepted, in bytes.
 * @param timeout the read deadline, in seconds. Default {@link DEFAULT_BODY_TIMEOUT}.
 */
export async function readForm(
  req: IncomingMessage & { body?: unknown; _body?: boolean },
  limit: number,
  timeout = DEFAULT_BODY_TIMEOUT,
): Promise<FormParams> {
  return (await readFormBody(req, limit, NONE, timeout)).params;
}

/** Reads `req` whole: at most `limit` bytes, within `timeout` seconds. */
function readRaw(req: IncomingMessage, limit: number, timeout: number): Promise<Buffer> {
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
 * Reads and parses the body of `req`; the names in `repeatable` may repeat.
 * @param limit the largest body accepted, in bytes.
 * @param timeout the read deadline, in seconds. Default {@link DEFAULT_BODY_TIMEOUT}.
 */
export async function readFormBody(
  req: IncomingMessage & { body?: unknown; _body?: boolean },
  limit: number,
  repeatable: ReadonlySet<string>,
  timeout = DEFAULT_BODY_TIMEOUT,
): Promise<FormBody> {
  const type = req.headers['content-type'];
  if (req._body === true || req.readableEnded) {
    checkContentType(type);
    return checkParsed(req.body, repeatable);
  }
  checkFormHeaders(type, req.headers['content-length'], limit);
  return parseFormBytes(await readRaw(req, limit, timeout), repeatable);
}

/**
 * Reads an `application/x-www-form-urlencoded` body strictly, for the token,
 * revocation and introspection endpoints and the consent form, from a Node
 * request or a Fetch `Request`. The bytes are read by ./body.ts; this module parses.
 *
 * Rules (each failure is `invalid_request`, as JSON, never an HTML page or a 500):
 * - the media type must be application/x-www-form-urlencoded (RFC 6749 3.2), with
 *   no charset or UTF-8;
 * - the body may not exceed the limit and must arrive within the read deadline
 *   (`bodyTimeout`, default {@link DEFAULT_BODY_TIMEOUT} seconds), else the
 *   connection is closed after the answer; the media type and a declared
 *   Content-Length are checked before the body is touched; a `Request`'s body is
 *   never cancelled (all of it ./body.ts);
 * - percent-encoding must be well formed and decode to UTF-8;
 * - no parameter may appear twice (RFC 6749 3.1), unless the endpoint declares it
 *   repeatable (e.g. `resource`, RFC 8707); every one is a string;
 * - a parameter with an empty value counts as absent (RFC 6749 3.1).
 *
 * If the host app already parsed the body (e.g. `app.use(express.urlencoded())`),
 * its `req.body` is checked by the same rules, so arrays and objects are refused.
 */
import type { IncomingMessage } from 'node:http';
import { InvalidRequestError, quoteValue } from '../errors.js';
import { checkMediaType, readFetchBody, readNodeBody, utf8Text } from './body.js';

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

/** Form-decodes one name or value; most are plain, and skip the work. */
function decode(text: string): string {
  if (text.indexOf('%') === -1) return text.indexOf('+') === -1 ? text : text.replace(/\+/g, ' ');
  return decodeURIComponent(text.indexOf('+') === -1 ? text : text.replace(/\+/g, ' '));
}

function repeated(name: string): InvalidRequestError {
  return new InvalidRequestError(`the parameter ${quoteValue(name)} must not be repeated`);
}

/**
 * Parses a urlencoded string with the rules above.
 * @param source what the text is, for the error text: default "the request body"
 *   (a page reading its query string says "the query string").
 */
export function parseForm(body: string, source = 'the request body'): FormParams {
  return parseFormBody(body, NONE, source).params;
}

/** Parses a urlencoded string; the names in `repeatable` may appear more than once. */
export function parseFormBody(
  body: string,
  repeatable: ReadonlySet<string>,
  source = 'the request body',
): FormBody {
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
      throw new InvalidRequestError(`${source} has malformed percent-encoding`);
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

/** Decodes a body read whole (strict UTF-8) and parses it; the names in `repeatable` may repeat. */
function parseFormBytes(raw: Uint8Array, repeatable: ReadonlySet<string>): FormBody {
  return parseFormBody(utf8Text(raw), repeatable);
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
  if (req._body === true || req.readableEnded) {
    checkMediaType(req.headers['content-type'], FORM);
    return checkParsed(req.body, repeatable);
  }
  return parseFormBytes(await readNodeBody(req, FORM, limit, timeout), repeatable);
}

/**
 * Reads and parses the form body of a Fetch `Request`; the names in `repeatable` may repeat.
 * @param limit the largest body accepted, in bytes.
 * @param timeout the read deadline, in seconds.
 */
export async function readRequestForm(
  request: Request,
  limit: number,
  timeout: number,
  repeatable: ReadonlySet<string>,
): Promise<FormBody> {
  return parseFormBytes(await readFetchBody(request, FORM, limit, timeout), repeatable);
}

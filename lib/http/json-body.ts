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
 *   else 400 `invalid_request` and `Connection: close`; a declared Content-Length
 *   over the limit is refused before the body is touched; a `Request`'s body is
 *   never cancelled (the byte reader of ./body.ts, the form reader's too);
 * - the bytes must be UTF-8 (strict decoding), else 400 `invalid_request`;
 * - text that is not JSON is 400 `invalid_client_metadata` (the metadata is
 *   invalid); what the JSON holds is judged by lib/helpers/client-metadata.ts,
 *   which reads known members only, so `__proto__` or `constructor` keys reach
 *   nothing (JSON.parse makes them plain own properties);
 * - a body the host already parsed (`express.json()`) is taken as parsed, after
 *   the same media type check.
 */
import type { IncomingMessage } from 'node:http';
import { InvalidClientMetadataError } from '../errors.js';
import { checkMediaType, readFetchBody, readNodeBody, utf8Text } from './body.js';

const JSON_MEDIA_TYPE = 'application/json';

/** Decodes (strict UTF-8) and parses a body read whole. */
function parseJsonBytes(raw: Uint8Array): unknown {
  const text = utf8Text(raw);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidClientMetadataError('the request body is not valid JSON');
  }
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
  if (req._body === true || req.readableEnded) {
    checkMediaType(req.headers['content-type'], JSON_MEDIA_TYPE);
    return req.body;
  }
  return parseJsonBytes(await readNodeBody(req, JSON_MEDIA_TYPE, limit, timeout));
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
  return parseJsonBytes(await readFetchBody(request, JSON_MEDIA_TYPE, limit, timeout));
}

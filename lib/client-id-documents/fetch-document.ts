/**
 * The one kind of outgoing request of the library: a guarded JSON GET
 * ({@link fetchJson}), made for Client ID Metadata Documents
 * (draft-ietf-oauth-client-id-metadata-document, "Client Information
 * Discovery", "Server-Side Request Forgery", "Maximum Response Size";
 * {@link fetchDocument}) and for clients' JWK Sets at their `jwks_uri`
 * (lib/client-auth/client-key-source.ts), guarded against server-side request
 * forgery and resource exhaustion alike.
 *
 * Rules:
 * - the address is checked where the connection is made: the request's `lookup`
 *   resolves the name and refuses it when any address it resolves to is not
 *   public (./address-policy.ts), so no second resolution (DNS rebinding) can
 *   slip in between check and connect; a host that is an IP literal is checked
 *   before connecting; no connection is reused (`agent: false`);
 *   `allowPrivateAddresses` turns the address check off (tests, local demos);
 * - GET with `Accept` the caller's media types (`application/json` for
 *   documents), a fixed `User-Agent` per use, no cookies, no credentials, no
 *   compression;
 * - status 200 only: a redirect (3xx) is refused, never followed;
 * - `Content-Type` must be one of the caller's media types (`application/json`
 *   for documents; parameters allowed; a charset, if any, must be UTF-8);
 * - at most `maxBytes` bytes: a larger `Content-Length` is refused before the
 *   body is read, and a body that grows past it is cut off and refused;
 * - everything (resolution, connection, TLS, headers, body) within `timeout`
 *   seconds, after which the request is destroyed;
 * - the body is strict UTF-8 and a JSON object.
 * Failures reject with a {@link DocumentFetchError} whose message is for logs
 * only: never the remote's text in a response.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { IncomingMessage } from 'node:http';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { nonPublicRange } from './address-policy.js';

/** The `User-Agent` of every document request. */
export const DOCUMENT_USER_AGENT = 'oauth2-stateless (client-id-metadata-document)';

/** Resolves a host name to every address it has (the `node:dns` lookup by default). */
export type Resolver = (hostname: string) => Promise<readonly LookupAddress[]>;

export interface FetchDocumentOptions {
  /** Seconds for the whole request. */
  readonly timeout: number;
  /** The largest body accepted, in bytes. */
  readonly maxBytes: number;
  /** Fetch from loopback, private and other non-public addresses too. */
  readonly allowPrivateAddresses: boolean;
  /** PEM certificates trusted besides Node's own CAs. */
  readonly ca?: readonly string[] | undefined;
  /** How host names are resolved (tests inject one); default `dns.lookup` with `all`. */
  readonly resolve?: Resolver | undefined;
}

/** A guarded JSON GET: the document options, and what differs per use. */
export interface FetchJsonOptions extends FetchDocumentOptions {
  /** The `User-Agent` header. */
  readonly userAgent: string;
  /** The media types accepted (`Accept`, and what `Content-Type` must be), lower case. */
  readonly mediaTypes: readonly string[];
}

/** A fetched document: its JSON object and the headers that say how long to keep it. */
export interface FetchedDocument {
  readonly body: Readonly<Record<string, unknown>>;
  readonly cacheControl: string | undefined;
  readonly expires: string | undefined;
  readonly date: string | undefined;
  readonly age: string | undefined;
}

/** Why a document could not be had; the message is for logs only. */
export class DocumentFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DocumentFetchError';
  }
}

const systemResolve: Resolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) =>
      err ? reject(err) : resolve(addresses),
    ),
  );

/** A `lookup` for `https.request` that refuses non-public addresses at connect time. */
export function guardedLookup(resolve: Resolver, allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    const answer = callback as (err: Error | null, address: unknown, family?: number) => void;
    resolve(hostname).then(
      (found) => {
        const family = options.family === 4 || options.family === 6 ? options.family : 0;
        const addresses = found.filter((a) => family === 0 || a.family === family);
        const refused = addressProblem(hostname, addresses, allowPrivate);
        if (refused !== undefined) return answer(new DocumentFetchError(refused), '');
        const [first] = addresses as [LookupAddress];
        if (options.all === true) return answer(null, addresses);
        return answer(null, first.address, first.family);
      },
      (err: Error) =>
        answer(new DocumentFetchError(`cannot resolve ${hostname}: ${err.message}`), ''),
    );
  };
}

function addressProblem(
  host: string,
  addresses: readonly LookupAddress[],
  allowPrivate: boolean,
): string | undefined {
  if (addresses.length === 0) return `${host} has no address`;
  if (allowPrivate) return undefined;
  for (const { address } of addresses) {
    const range = nonPublicRange(address);
    if (range !== undefined) return `${host} resolves to ${address}, which is ${range}`;
  }
  return undefined;
}

/** The host as `https.request` wants it: IPv6 literals without brackets. */
function bareHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** GETs the Client ID Metadata Document at `url` (see the rules above). */
export function fetchDocument(url: URL, options: FetchDocumentOptions): Promise<FetchedDocument> {
  return fetchJson(url, {
    ...options,
    userAgent: DOCUMENT_USER_AGENT,
    mediaTypes: ['application/json'],
  });
}

/** GETs the JSON object at `url` (see the rules above). */
export async function fetchJson(url: URL, options: FetchJsonOptions): Promise<FetchedDocument> {
  const host = bareHost(url);
  if (isIP(host) !== 0 && !options.allowPrivateAddresses) {
    const range = nonPublicRange(host);
    if (range !== undefined) throw new DocumentFetchError(`${host} is ${range}`);
  }
  const [https, tls] = await Promise.all([import('node:https'), import('node:tls')]);
  return new Promise((resolve, reject) => {
    const request = https.request({
      method: 'GET',
      protocol: 'https:',
      hostname: host,
      port: url.port === '' ? 443 : Number(url.port),
      path: url.pathname + url.search,
      headers: {
        accept: options.mediaTypes.join(', '),
        'accept-encoding': 'identity',
        'user-agent': options.userAgent,
      },
      agent: false,
      lookup: guardedLookup(options.resolve ?? systemResolve, options.allowPrivateAddresses),
      ...(options.ca === undefined ? {} : { ca: [...tls.rootCertificates, ...options.ca] }),
    });
    const timer = setTimeout(() => {
      request.destroy(new DocumentFetchError(`no answer within ${options.timeout} s`));
    }, options.timeout * 1000);
    let done = false;
    const settle = (err: Error | undefined, document?: FetchedDocument) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      request.destroy();
      if (err !== undefined) reject(asFetchError(err));
      else resolve(document as FetchedDocument);
    };
    request.on('error', (err) => settle(err));
    request.on('response', (response) => readResponse(response, options, settle));
    request.end();
  });
}

function asFetchError(err: Error): DocumentFetchError {
  return err instanceof DocumentFetchError ? err : new DocumentFetchError(err.message);
}

type Settle = (err: Error | undefined, document?: FetchedDocument) => void;

/** Why a response's status and headers refuse it, or undefined. */
export function responseProblem(
  response: IncomingMessage,
  maxBytes: number,
  mediaTypes: readonly string[] = ['application/json'],
): string | undefined {
  const status = response.statusCode ?? 0;
  if (status >= 300 && status < 400) return `status ${status}: redirects are not followed`;
  if (status !== 200) return `status ${status}`;
  const type = response.headers['content-type'] ?? '';
  const [media = '', ...params] = type.split(';').map((p) => p.trim().toLowerCase());
  if (!mediaTypes.includes(media)) return `content type ${JSON.stringify(type)}, not JSON`;
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length);
  if (charset !== undefined && !['utf-8', '"utf-8"', 'utf8'].includes(charset))
    return `charset ${charset}, not UTF-8`;
  const length = Number(response.headers['content-length'] ?? 0);
  if (length > maxBytes) return `Content-Length ${length} is over ${maxBytes} bytes`;
  return undefined;
}

function readResponse(response: IncomingMessage, options: FetchJsonOptions, settle: Settle): void {
  const { maxBytes } = options;
  const problem = responseProblem(response, maxBytes, options.mediaTypes);
  if (problem !== undefined) return settle(new DocumentFetchError(problem));
  const chunks: Buffer[] = [];
  let size = 0;
  response.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes) return settle(new DocumentFetchError(`body is over ${maxBytes} bytes`));
    chunks.push(chunk);
  });
  response.on('error', (err) => settle(err));
  response.on('end', () => {
    try {
      settle(undefined, document(Buffer.concat(chunks), response));
    } catch (err) {
      settle(err as Error);
    }
  });
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function document(bytes: Buffer, response: IncomingMessage): FetchedDocument {
  let body: unknown;
  try {
    body = JSON.parse(UTF8.decode(bytes));
  } catch {
    throw new DocumentFetchError('body is not UTF-8 JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new DocumentFetchError('body is not a JSON object');
  const header = (name: string) => response.headers[name] as string | undefined;
  return {
    body: body as Record<string, unknown>,
    cacheControl: header('cache-control'),
    expires: header('expires'),
    date: header('date'),
    age: header('age'),
  };
}

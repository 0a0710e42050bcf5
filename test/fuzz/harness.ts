/**
 * The HTTP fuzz's harness: sends one generated request over a real socket with
 * a deadline, and says what is wrong with the answer.
 *
 * Rules (each broken one is a problem the fuzz reports):
 * - no 5xx, from any endpoint;
 * - an answer within the deadline (a hang is a failure, not a slow test);
 * - no stack trace or module path in any body;
 * - the form endpoints (token, revocation, introspection) answer every method
 *   with JSON, an error with a string `error` (RFC 6749 5.2), a token with
 *   `Cache-Control: no-store` (RFC 6749 5.1);
 * - the documents (metadata, JWKS) answer GET/HEAD with JSON, anything else 405
 *   with an empty or JSON body;
 * - `protect()` refuses with a challenge (RFC 6750 3): `Bearer`, or `DPoP` for a
 *   request that used the DPoP scheme (RFC 9449 7.1), and an empty or JSON body;
 * - the authorization endpoint never redirects anywhere but the login page or a
 *   registered redirect URI (loopback: any port), never echoes HTML it was sent,
 *   and its forms post to a relative path.
 * A 404 "Cannot METHOD path" is the host's own answer to a path no endpoint
 * serves (e.g. `/jwks%2F`), an OPTIONS answered with `Allow` is Express's own
 * answer for a route's methods: nothing to check there but the status.
 */
import { request as httpRequest, type Agent, type IncomingHttpHeaders } from 'node:http';
import { ENDPOINTS, XSS_MARKER, type FuzzRequest } from './requests.js';
import { ISSUER, REDIRECT_URIS } from './target.js';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The answer, or why there is none. */
export type Outcome = Answer | { failure: string };

/** The longest request target sent: Node refuses a request head past 16 KB (431). */
const MAX_TARGET = 8_000;

/** Request targets may only hold %x21-7E: percent-encode the rest as UTF-8, then cut at MAX_TARGET. */
function escapeTarget(target: string): string {
  const escaped = target.replace(/[^\x21-\x7e]/gu, (c) =>
    [...Buffer.from(c, 'utf8')]
      .map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
      .join(''),
  );
  return escaped.length > MAX_TARGET ? escaped.slice(0, MAX_TARGET) : escaped;
}

/** Sends `req` to `base` through `agent`; gives up after `deadlineMs`. */
export function send(
  base: URL,
  req: FuzzRequest,
  agent: Agent,
  deadlineMs: number,
): Promise<Outcome> {
  return new Promise((resolve) => {
    // Node frames a GET's or DELETE's body only when told how: say it explicitly.
    const framing: Record<string, string> =
      req.body === undefined
        ? {}
        : req.chunked
          ? { 'Transfer-Encoding': 'chunked' }
          : { 'Content-Length': String(req.body.length) };
    const out = httpRequest({
      host: base.hostname,
      port: base.port,
      method: req.method,
      path: escapeTarget(req.target),
      headers: { ...req.headers, ...framing },
      agent,
    });
    const timer = setTimeout(() => {
      out.destroy();
      resolve({ failure: `no answer within ${deadlineMs} ms (a hang)` });
    }, deadlineMs);
    out.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ failure: `the connection failed before an answer: ${err.code ?? err.message}` });
    });
    out.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', () => undefined);
      res.on('end', () => {
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    if (req.body === undefined) out.end();
    else if (req.chunked) {
      out.write(req.body);
      out.end();
    } else out.end(req.body);
  });
}

/** The host's "Cannot GET /x" page: the request reached no endpoint. */
const NOT_ROUTED = /Cannot [A-Z]+ \//;
const STACK = /\bat \S+ \([^)]*:\d+:\d+\)|node_modules\//;

function jsonBody(answer: Answer): { value?: unknown; problem?: string } {
  if (!/^application\/json\b/.test(answer.headers['content-type'] ?? ''))
    return { problem: `Content-Type ${String(answer.headers['content-type'])}, not JSON` };
  try {
    return { value: JSON.parse(answer.body) };
  } catch {
    return { problem: 'a body that does not parse as JSON' };
  }
}

function errorCodeProblems(answer: Answer): string[] {
  const { value, problem } = jsonBody(answer);
  if (problem !== undefined) return [`${answer.status} with ${problem}`];
  const error = (value as { error?: unknown } | null)?.error;
  return typeof error === 'string' ? [] : [`${answer.status} JSON without a string "error"`];
}

function formProblems(req: FuzzRequest, answer: Answer): string[] {
  if (req.method === 'HEAD') return [];
  if (answer.status >= 400) return errorCodeProblems(answer);
  const { value, problem } = jsonBody(answer);
  if (problem !== undefined) return [`${answer.status} with ${problem}`];
  if (req.endpoint === 'token') {
    const problems: string[] = [];
    if (typeof (value as { access_token?: unknown }).access_token !== 'string')
      problems.push('a 2xx token answer without access_token');
    if (!/no-store/.test(answer.headers['cache-control'] ?? ''))
      problems.push('a token answer without Cache-Control: no-store');
    return problems;
  }
  return [];
}

function documentProblems(req: FuzzRequest, answer: Answer): string[] {
  if (req.method === 'GET' || req.method === 'HEAD') {
    if (answer.status !== 200) return [`${req.method} answered ${answer.status}`];
    if (req.method === 'HEAD') return [];
    const { problem } = jsonBody(answer);
    return problem === undefined ? [] : [`200 with ${problem}`];
  }
  if (answer.status !== 405) return [`${req.method} answered ${answer.status}, not 405`];
  return answer.body === '' ? [] : errorCodeProblems(answer);
}

function protectProblems(req: FuzzRequest, answer: Answer): string[] {
  if (answer.status < 400) {
    if (req.method === 'HEAD') return [];
    const { problem } = jsonBody(answer);
    return problem === undefined ? [] : [`${answer.status} with ${problem}`];
  }
  const problems: string[] = [];
  if (
    [400, 401, 403].includes(answer.status) &&
    !challengeFits(req, answer.headers['www-authenticate'] ?? '')
  )
    problems.push(`${answer.status} without the challenge of the request's scheme`);
  if (answer.body !== '') problems.push(...errorCodeProblems(answer));
  return problems;
}

/** A `DPoP` challenge after a request with the DPoP scheme, else a `Bearer` one. */
function challengeFits(req: FuzzRequest, challenge: string): boolean {
  const authorization = Object.entries(req.headers).find(([k]) => /^authorization$/i.test(k));
  const scheme = /^\s*DPoP\s/i.test(authorization?.[1] ?? '') ? 'DPoP' : 'Bearer';
  return new RegExp(`^${scheme}\\b`).test(challenge);
}

/** Whether `location` is a registered redirect URI (a loopback one on any port), with a query or fragment. */
function registeredTarget(location: URL): boolean {
  const base = `${location.protocol}//${location.host}${location.pathname}`;
  const loopbackBase = `${location.protocol}//${location.hostname}${location.pathname}`;
  return REDIRECT_URIS.some(
    (uri) =>
      uri === base || (/^http:\/\/(127\.0\.0\.1|\[::1\])\//.test(uri) && uri === loopbackBase),
  );
}

function authorizeProblems(answer: Answer): string[] {
  const problems: string[] = [];
  const location = answer.headers['location'];
  if (answer.status >= 300 && answer.status < 400 && location !== undefined) {
    const to = new URL(location, ISSUER);
    const login = to.origin === ISSUER && to.pathname === '/login' && !location.startsWith('//');
    if (!login && !registeredTarget(to)) problems.push(`a redirect to ${location}`);
  }
  if (/^text\/html\b/.test(answer.headers['content-type'] ?? '')) {
    if (answer.body.includes(XSS_MARKER)) problems.push('HTML it was sent, echoed unescaped');
    for (const m of answer.body.matchAll(/<form\b[^>]*\baction="([^"]*)"/g))
      if (!/^\/(?!\/)/.test(m[1]!)) problems.push(`a form posting to ${m[1]}`);
  }
  return problems;
}

/** Everything wrong with `outcome` as the answer to `req`; empty when all is well. */
export function problemsOf(req: FuzzRequest, outcome: Outcome): string[] {
  if ('failure' in outcome) return [outcome.failure];
  const problems: string[] = [];
  if (outcome.status >= 500) problems.push(`status ${outcome.status}`);
  if (STACK.test(outcome.body)) problems.push('a stack trace or module path in the body');
  if (outcome.status === 404 && NOT_ROUTED.test(outcome.body)) return problems;
  if (req.method === 'OPTIONS' && outcome.headers['allow'] !== undefined) return problems;
  const kind = ENDPOINTS[req.endpoint].kind;
  if (kind === 'form') problems.push(...formProblems(req, outcome));
  else if (kind === 'document') problems.push(...documentProblems(req, outcome));
  else if (kind === 'protect') problems.push(...protectProblems(req, outcome));
  else problems.push(...authorizeProblems(outcome));
  return problems;
}

/** A request, readably and reproducibly (bodies cut at 400 characters). */
export function describeRequest(req: FuzzRequest): string {
  const body =
    req.body === undefined
      ? '(no body)'
      : `${req.body.length} bytes${req.chunked ? ', chunked' : ''}: ${JSON.stringify(req.body.toString('utf8').slice(0, 400))}`;
  return `${req.method} ${JSON.stringify(req.target.slice(0, 400))} [${req.endpoint}]\n    headers ${JSON.stringify(req.headers).slice(0, 600)}\n    body ${body}`;
}

export function describeOutcome(outcome: Outcome): string {
  if ('failure' in outcome) return outcome.failure;
  return `${outcome.status} ${String(outcome.headers['content-type'] ?? '(no type)')}: ${JSON.stringify(outcome.body.slice(0, 300))}`;
}

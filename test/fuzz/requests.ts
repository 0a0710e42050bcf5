/**
 * What the HTTP fuzz sends, from nothing: fast-check arbitraries of whole
 * requests to every endpoint of the fuzz target (./target.ts), and the pools of
 * names, values and headers that ./near-valid.ts mutates valid requests with;
 * mixing what a real client holds
 * (secrets, a session cookie, live tokens, consent transactions) with what an
 * attacker sends: every method, wrong and missing content types, broken
 * percent-encoding, repeated and prototype-named parameters (`__proto__`,
 * `constructor`, …), huge values past the body limit, raw bytes, bent tokens,
 * absolute-form request targets, HTML in values.
 *
 * Requests are framed correctly (a Content-Length, or chunked) and their headers
 * stay under Node's 16 KB limit:
 * a slow or lying body is a denial-of-service test, not a fuzz input.
 */
import fc from 'fast-check';
import { PROTOTYPE_KEYS, trickyString } from '../property/runs.js';
import {
  CALLBACK,
  CHALLENGE,
  CLIENT_IDS,
  LOOPBACK_CALLBACK,
  REDIRECT_URIS,
  SECRETS,
  VERIFIER,
  type Target,
} from './target.js';

/** How each endpoint answers, which decides what the fuzz checks. */
export type EndpointKind = 'form' | 'document' | 'protect' | 'authorize';

export const ENDPOINTS = {
  token: { path: '/token', kind: 'form' },
  revoke: { path: '/revoke', kind: 'form' },
  introspect: { path: '/introspect', kind: 'form' },
  authorize: { path: '/authorize', kind: 'authorize' },
  jwks: { path: '/jwks', kind: 'document' },
  metadata: { path: '/.well-known/oauth-authorization-server', kind: 'document' },
  'protect (scope read)': { path: '/api/read', kind: 'protect' },
  'protect (any scope)': { path: '/api/any', kind: 'protect' },
} as const satisfies Record<string, { path: string; kind: EndpointKind }>;

export type EndpointName = keyof typeof ENDPOINTS;

export interface FuzzRequest {
  endpoint: EndpointName;
  method: string;
  /** The request target: a path with its query, or an absolute URL (absolute-form). */
  target: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
  /** Send the body with `Transfer-Encoding: chunked` instead of a Content-Length. */
  chunked: boolean;
}

/** An HTML fragment that must never come back unescaped. */
export const XSS_MARKER = '<x-fuzz a="1">';

export const PARAMETER_NAMES = [
  'grant_type',
  'client_id',
  'client_secret',
  'code',
  'redirect_uri',
  'code_verifier',
  'refresh_token',
  'scope',
  'username',
  'password',
  'token',
  'token_type_hint',
  'resource',
  'response_type',
  'response_mode',
  'state',
  'code_challenge',
  'code_challenge_method',
  'transaction_id',
  'csrf_token',
  'decision',
  'nonce',
  'audience',
  'client_assertion',
  'client_assertion_type',
] as const;

/** One character changed, cut short, or doubled: tokens that look right and are not. */
export function bent(value: string): fc.Arbitrary<string> {
  return fc
    .nat({ max: Math.max(0, value.length - 1) })
    .chain((at) =>
      fc.constantFrom(
        value.slice(0, at) + (value[at] === 'A' ? 'B' : 'A') + value.slice(at + 1),
        value.slice(0, at),
        value + value,
        `${value}.`,
        value.toUpperCase(),
      ),
    );
}

export const huge = fc
  .tuple(fc.constantFrom('A', '%41', '&', '=', 'é', '%'), fc.integer({ min: 2_000, max: 40_000 }))
  .map(([unit, n]) => unit.repeat(Math.ceil(n / unit.length)));

/** Parameter values; `hugeOnes` false keeps a query under Node's 16 KB request-head limit. */
export function values(target: Target, hugeOnes: boolean): fc.Arbitrary<string> {
  const tokens = [...target.accessTokens, ...target.refreshTokens];
  const held = [
    ...CLIENT_IDS,
    ...Object.values(SECRETS),
    ...tokens,
    ...target.transactions.flatMap((t) => [t.transactionId, t.csrfToken]),
  ];
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...held) },
    {
      weight: 6,
      arbitrary: fc.constantFrom(
        'authorization_code',
        'client_credentials',
        'password',
        'refresh_token',
        'implicit',
        'urn:ietf:params:oauth:grant-type:jwt-bearer',
        'code',
        'token',
        'code token',
        'id_token',
        'profile',
        'read write',
        'profile read write admin',
        'openid',
        'allow',
        'deny',
        'S256',
        'plain',
        'access_token',
        'alice',
        'wonderland',
        VERIFIER,
        CHALLENGE,
        ...REDIRECT_URIS,
        `${CALLBACK}x`,
        `${CALLBACK}?x=1`,
        'http://127.0.0.1:65535/cb',
        'http://127.0.0.1:0/cb',
        'http://localhost/cb',
        'https://evil.example/cb',
        `${LOOPBACK_CALLBACK}#frag`,
        'javascript:alert(1)',
        'https://app.fuzz.test@evil.example/cb',
      ),
    },
    { weight: 3, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS) },
    { weight: 2, arbitrary: fc.constant(XSS_MARKER) },
    { weight: 2, arbitrary: fc.constantFrom(...tokens).chain(bent) },
    { weight: 1, arbitrary: fc.constant('') },
    { weight: 4, arbitrary: trickyString(20) },
    { weight: hugeOnes ? 1 : 0, arbitrary: huge },
  );
}

/** Parameter names: the OAuth ones, prototype keys, junk. */
export const parameterName = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(...PARAMETER_NAMES) },
  { weight: 2, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS) },
  { weight: 1, arbitrary: trickyString(8) },
);

export function params(target: Target, hugeOnes = true): fc.Arbitrary<[string, string][]> {
  const name = parameterName;
  return fc.array(fc.tuple(name, values(target, hugeOnes)), { maxLength: 10 });
}

/** Form-encoded, or joined raw (so broken escapes and separators reach the server). */
export function formText(list: readonly [string, string][], raw: boolean): string {
  if (!raw) return new URLSearchParams(list).toString();
  return list.map(([n, v]) => `${n}=${v}`).join('&');
}

function body(target: Target): fc.Arbitrary<Buffer | undefined> {
  const text = (t: string) => Buffer.from(t, 'utf8');
  return fc.oneof(
    {
      weight: 12,
      arbitrary: fc.tuple(params(target), fc.boolean()).map(([l, raw]) => text(formText(l, raw))),
    },
    { weight: 2, arbitrary: fc.constant(undefined) },
    {
      weight: 2,
      arbitrary: params(target).map((l) => text(JSON.stringify(Object.fromEntries(l)))),
    },
    { weight: 2, arbitrary: trickyString(60).map(text) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: huge.map((h) => text(`grant_type=client_credentials&scope=${h}`)) },
  );
}

/** `Authorization: Basic` for a client id and secret, form-encoded (RFC 6749 2.3.1). */
export const basic = (id: string, secret: string): string =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** Printable ASCII: what Node's client lets a header value hold. */
export const headerText = (maxLength: number) => fc.string({ unit: 'grapheme-ascii', maxLength });

export const CONTENT_TYPES = [
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-8',
  'application/x-www-form-urlencoded;charset="UTF-8"',
  'APPLICATION/X-WWW-FORM-URLENCODED',
  'application/x-www-form-urlencoded; charset=ISO-8859-1',
  'application/x-www-form-urlencoded; charset',
  'application/x-www-form-urlencoded;;;',
  'application/json',
  'text/plain',
  'multipart/form-data; boundary=fuzz',
  '',
];

export function authorization(target: Target): fc.Arbitrary<string | undefined> {
  const tokens = [...target.accessTokens, ...target.refreshTokens];
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant(undefined) },
    {
      weight: 4,
      arbitrary: fc.constantFrom(...Object.entries(SECRETS)).map(([id, s]) => basic(id, s)),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.constantFrom(...CLIENT_IDS, ...PROTOTYPE_KEYS, ''), trickyString(12))
        .map(([id, s]) => basic(id, s)),
    },
    { weight: 4, arbitrary: fc.constantFrom(...tokens).map((t) => `Bearer ${t}`) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(...tokens)
        .chain(bent)
        .map((t) => `Bearer ${t}`),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          fc.constantFrom('Basic', 'Bearer', 'bearer', 'DPoP', 'Basic  ', 'Bearer  '),
          headerText(40),
        )
        .map(([scheme, rest]) => `${scheme} ${rest}`),
    },
    { weight: 1, arbitrary: headerText(60) },
    { weight: 1, arbitrary: fc.constant(`Bearer ${'a'.repeat(8_000)}`) },
  );
}

export function cookie(target: Target): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: fc.constant(target.cookie) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'connect.sid=s%3Ajunk.junk',
        '__proto__=1; constructor=2',
        `${target.cookie}; ${target.cookie}x`,
      ),
    },
  );
}

const EXTRA_HEADERS = [
  'X-Forwarded-For',
  'X-Forwarded-Proto',
  'X-Forwarded-Host',
  'Origin',
  'Accept',
  'Accept-Charset',
  'Content-Encoding',
  'Host',
  '__proto__',
  'constructor',
  'DPoP',
] as const;

function headers(target: Target): fc.Arbitrary<Record<string, string>> {
  return fc
    .record({
      contentType: fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
        { weight: 1, arbitrary: headerText(30) },
        { weight: 2, arbitrary: fc.constant(undefined) },
      ),
      authorization: authorization(target),
      cookie: cookie(target),
      extra: fc.array(fc.tuple(fc.constantFrom(...EXTRA_HEADERS), headerText(30)), {
        maxLength: 3,
      }),
    })
    .map(({ contentType, authorization: auth, cookie: c, extra }) => {
      const out: Record<string, string> = {};
      for (const [n, v] of extra) out[n] = v;
      if (contentType !== undefined) out['Content-Type'] = contentType;
      if (auth !== undefined) out['Authorization'] = auth;
      if (c !== undefined) out['Cookie'] = c;
      return out;
    });
}

export const METHOD = fc.oneof(
  { weight: 9, arbitrary: fc.constant('POST') },
  { weight: 6, arbitrary: fc.constant('GET') },
  {
    weight: 1,
    arbitrary: fc.constantFrom('HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND'),
  },
);

function requestTarget(path: string, target: Target): fc.Arbitrary<string> {
  const query = fc.tuple(params(target, false), fc.boolean()).map(([l, raw]) => formText(l, raw));
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(path) },
    { weight: 6, arbitrary: query.map((q) => `${path}?${q}`) },
    { weight: 1, arbitrary: fc.constantFrom(`${path}/`, `${path}?`, `${path}#x`, `${path}%2F`) },
    { weight: 1, arbitrary: query.map((q) => `http://evil.example${path}?${q}`) },
  );
}

/** A request built from nothing: any method, target, headers and body, to any endpoint. */
export function randomRequest(target: Target): fc.Arbitrary<FuzzRequest> {
  const endpoint = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom<EndpointName>('token') },
    { weight: 6, arbitrary: fc.constantFrom<EndpointName>('authorize') },
    { weight: 3, arbitrary: fc.constantFrom<EndpointName>('revoke', 'introspect') },
    {
      weight: 3,
      arbitrary: fc.constantFrom<EndpointName>('protect (scope read)', 'protect (any scope)'),
    },
    { weight: 1, arbitrary: fc.constantFrom<EndpointName>('jwks', 'metadata') },
  );
  return endpoint.chain((name) =>
    fc.record({
      endpoint: fc.constant(name),
      method: METHOD,
      target: requestTarget(ENDPOINTS[name].path, target),
      headers: headers(target),
      body: body(target),
      chunked: fc.boolean(),
    }),
  );
}

/**
 * Requests that get past the first checks: a valid request to each endpoint
 * (what a real client sends, with the secrets, cookie, tokens, codes and consent
 * transactions the target holds), then up to three mutations of it: a parameter
 * dropped, renamed (to `__proto__`, `constructor`, …), repeated, added or given
 * another value (a prototype key, a bent token, HTML, a huge string), another
 * method, content type, Authorization or cookie, the parameters moved between
 * body and query, an absolute-form target. A random request (./requests.ts)
 * rarely passes client authentication; these reach the grants, the consent
 * decision and the token checks behind it.
 */
import fc from 'fast-check';
import {
  authorization,
  basic,
  CONTENT_TYPES,
  cookie,
  ENDPOINTS,
  formText,
  huge,
  METHOD,
  parameterName,
  randomRequest,
  values,
  type EndpointName,
  type FuzzRequest,
} from './requests.js';
import {
  CALLBACK,
  CHALLENGE,
  LOOPBACK_CALLBACK,
  SECRETS,
  VERIFIER,
  type Target,
} from './target.js';

/** A request before it is written out. */
interface Draft {
  endpoint: EndpointName;
  method: string;
  params: [string, string][];
  /** Where the parameters go. */
  carrier: 'body' | 'query';
  headers: Record<string, string>;
  absolute: boolean;
}

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

function draft(
  endpoint: EndpointName,
  method: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Draft {
  const carrier = method === 'POST' ? 'body' : 'query';
  return {
    endpoint,
    method,
    params: Object.entries(params),
    carrier,
    headers: carrier === 'body' ? { ...FORM, ...headers } : headers,
    absolute: false,
  };
}

/** The valid requests a real client of the target sends. */
function validDrafts(target: Target): Draft[] {
  const auth = (id: string) => ({ Authorization: basic(id, SECRETS[id]!) });
  const session = { Cookie: target.cookie };
  const authorizeQuery = (clientId: string, redirectUri: string, responseType = 'code') => ({
    response_type: responseType,
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: 'profile read',
    state: 'st',
    ...(responseType === 'code'
      ? { code_challenge: CHALLENGE, code_challenge_method: 'S256' }
      : {}),
  });
  const drafts: Draft[] = [
    draft('token', 'POST', { grant_type: 'client_credentials', scope: 'read' }, auth('service')),
    draft('token', 'POST', {
      grant_type: 'client_credentials',
      client_id: 'service',
      client_secret: SECRETS['service']!,
    }),
    draft('token', 'POST', {
      grant_type: 'password',
      client_id: 'cli',
      client_secret: SECRETS['cli']!,
      username: 'alice',
      password: 'wonderland',
      scope: 'profile',
    }),
    draft('authorize', 'GET', authorizeQuery('spa', CALLBACK), session),
    draft('authorize', 'GET', authorizeQuery('web', CALLBACK)),
    draft(
      'authorize',
      'GET',
      authorizeQuery('spa', LOOPBACK_CALLBACK.replace('127.0.0.1', '127.0.0.1:8123')),
      session,
    ),
    draft('authorize', 'GET', authorizeQuery('legacy', CALLBACK, 'token'), session),
    draft('jwks', 'GET', {}),
    draft('metadata', 'GET', {}),
  ];
  for (const refresh of target.refreshTokens)
    drafts.push(
      draft('token', 'POST', { grant_type: 'refresh_token', refresh_token: refresh }, auth('cli')),
    );
  for (const { clientId, code } of target.codes)
    drafts.push(
      draft(
        'token',
        'POST',
        {
          grant_type: 'authorization_code',
          code,
          redirect_uri: CALLBACK,
          code_verifier: VERIFIER,
          ...(clientId === 'spa' ? { client_id: 'spa' } : {}),
        },
        clientId === 'web' ? auth('web') : {},
      ),
    );
  for (const { transactionId, csrfToken } of target.transactions)
    for (const decision of ['allow', 'deny'])
      drafts.push(
        draft(
          'authorize',
          'POST',
          { transaction_id: transactionId, csrf_token: csrfToken, decision },
          session,
        ),
      );
  for (const token of [...target.accessTokens, ...target.refreshTokens]) {
    drafts.push(draft('revoke', 'POST', { token }, auth('web')));
    drafts.push(draft('revoke', 'POST', { token, client_id: 'spa' }));
    drafts.push(draft('introspect', 'POST', { token }, auth('rs')));
  }
  for (const token of target.accessTokens)
    for (const endpoint of ['protect (scope read)', 'protect (any scope)'] as const)
      drafts.push(draft(endpoint, 'GET', {}, { Authorization: `Bearer ${token}` }));
  return drafts;
}

type Mutation = (d: Draft) => Draft;

const at = <T>(list: readonly T[], i: number): number => (list.length === 0 ? -1 : i % list.length);

function mutation(target: Target): fc.Arbitrary<Mutation> {
  const value = values(target, true);
  const header =
    (name: string, v: string | undefined): Mutation =>
    (d) => {
      const headers = { ...d.headers };
      if (v === undefined) delete headers[name];
      else headers[name] = v;
      return { ...d, headers };
    };
  const withParams =
    (f: (p: [string, string][]) => void): Mutation =>
    (d) => {
      const params = d.params.map((p): [string, string] => [p[0], p[1]]);
      f(params);
      return { ...d, params };
    };
  return fc.oneof(
    fc.nat().map((i) => withParams((p) => void (at(p, i) >= 0 && p.splice(at(p, i), 1)))),
    fc
      .tuple(fc.nat(), value)
      .map(([i, v]) => withParams((p) => void (at(p, i) >= 0 && (p[at(p, i)]![1] = v)))),
    fc
      .tuple(fc.nat(), huge)
      .map(([i, v]) => withParams((p) => void (at(p, i) >= 0 && (p[at(p, i)]![1] = v)))),
    fc
      .tuple(fc.nat(), parameterName)
      .map(([i, n]) => withParams((p) => void (at(p, i) >= 0 && (p[at(p, i)]![0] = n)))),
    fc.tuple(fc.nat(), fc.option(value)).map(([i, v]) =>
      withParams((p) => {
        const j = at(p, i);
        if (j >= 0) p.push([p[j]![0], v ?? p[j]![1]]);
      }),
    ),
    fc.tuple(parameterName, value).map(([n, v]) => withParams((p) => void p.push([n, v]))),
    METHOD.map((method): Mutation => (d) => ({ ...d, method })),
    fc.constantFrom(...CONTENT_TYPES, undefined).map((t) => header('Content-Type', t)),
    authorization(target).map((a) => header('Authorization', a)),
    cookie(target).map((c) => header('Cookie', c)),
    fc.constant<Mutation>((d) => ({ ...d, carrier: d.carrier === 'body' ? 'query' : 'body' })),
    fc.constant<Mutation>((d) => ({ ...d, absolute: true })),
  );
}

/** Writes a draft out: parameters form-encoded (or raw) into the body or the query. */
function render(d: Draft, raw: boolean, chunked: boolean): FuzzRequest {
  const path = ENDPOINTS[d.endpoint].path;
  const text = formText(d.params, raw);
  const inQuery = d.carrier === 'query' && text !== '';
  const target = `${d.absolute ? 'http://evil.example' : ''}${path}${inQuery ? `?${text}` : ''}`;
  return {
    endpoint: d.endpoint,
    method: d.method,
    target,
    headers: d.headers,
    body: d.carrier === 'body' ? Buffer.from(text, 'utf8') : undefined,
    chunked,
  };
}

/** A valid request with up to three mutations (none, a quarter of the time). */
export function nearValidRequest(target: Target): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      base: fc.constantFrom(...validDrafts(target)),
      mutations: fc.oneof(
        { weight: 1, arbitrary: fc.constant<Mutation[]>([]) },
        { weight: 3, arbitrary: fc.array(mutation(target), { minLength: 1, maxLength: 3 }) },
      ),
      /** One in ten written raw: broken escapes and separators as sent. */
      rawSometimes: fc.integer({ min: 0, max: 9 }),
      chunked: fc.boolean(),
    })
    .map(({ base, mutations, rawSometimes, chunked }) =>
      render(
        mutations.reduce((d, m) => m(d), base),
        rawSometimes === 0,
        chunked,
      ),
    );
}

/** What the fuzz sends: mostly near-valid requests, some built from nothing. */
export function fuzzRequest(target: Target): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    { weight: 7, arbitrary: nearValidRequest(target) },
    { weight: 3, arbitrary: randomRequest(target) },
  );
}

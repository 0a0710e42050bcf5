/**
 * Client enumeration through `invalid_client` (RFC 6749 5.2): an unknown client
 * id, a known client with a wrong secret, and a known public or confidential
 * client using a method it is not registered for must get the very same answer
 * (status, every header but Date/ETag, the exact body bytes) at the token,
 * revocation and introspection endpoints, over Express and over the Fetch
 * handler. Which case it was stays private: it is told to the
 * `client.authentication_failed` listeners only.
 *
 * RFC 6749 5.2: "invalid_client Client authentication failed (e.g., unknown client, no
 * client authentication included, or unsupported authentication method). The
 * authorization server MAY return an HTTP 401 (Unauthorized) status code to indicate
 * which HTTP authentication schemes are supported. If the client attempted to
 * authenticate via the "Authorization" request header field, the authorization server
 * MUST respond with an HTTP 401 (Unauthorized) status code and include the
 * "WWW-Authenticate" response header field matching the authentication scheme used by
 * the client."
 */
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import {
  CLIENT_AUTHENTICATION_FAILED,
  createAuthorizationServer,
  defineClient,
  fetchHandler,
  generateClientSecret,
  Provider,
  type Client,
  type ClientConfig,
} from '../../index.js';
import type { OAuthEvents } from '../../lib/engine/events.js';
import { ISSUER, providerOptions, secrets } from '../support/fixtures.js';
import { basic, BASIC_CHALLENGE, expectOAuthError, formEncode } from './token-assertions.js';

type Failure = OAuthEvents['client.authentication_failed'];

const postOnly = generateClientSecret();
const basicOnly = generateClientSecret();
/** A secret of the right shape that belongs to no client. */
const WRONG = generateClientSecret().secret;

function clients(): (Client | ClientConfig)[] {
  const fixture = providerOptions().clients as readonly (Client | ClientConfig)[];
  return [
    ...fixture,
    defineClient({
      id: 'post-only',
      secretHash: postOnly.secretHash,
      grantTypes: ['client_credentials'],
      tokenEndpointAuthMethods: ['client_secret_post'],
    }),
    defineClient({
      id: 'basic-only',
      secretHash: basicOnly.secretHash,
      grantTypes: ['client_credentials'],
      tokenEndpointAuthMethods: ['client_secret_basic'],
    }),
  ];
}

/** Which private case an attempt is; cases must stay apart in the events. */
type Case =
  'unknown client' | 'wrong secret' | 'method not registered' | 'method refused by the endpoint';

/**
 * The private case of `attempt` at `endpoint`. The introspection endpoint refuses
 * `none` itself, before any client is looked up (RFC 7662 2.1: "the endpoint MUST also
 * require some form of authorization to access this endpoint"), so there a known and
 * an unknown client id are one case, with nothing private to tell apart.
 */
function caseOf(attempt: Attempt, group: Group, endpoint: Endpoint): Case {
  if (endpoint.name === 'introspection' && group.method === 'none') {
    return 'method refused by the endpoint';
  }
  return attempt.case;
}

interface Attempt {
  readonly name: string;
  readonly case: Case;
  readonly clientId: string;
  readonly authorization?: string;
  /** Credential parameters in the body. */
  readonly params: Readonly<Record<string, string>>;
  /** The one endpoint where this attempt fails (elsewhere it is a valid client). */
  readonly only?: string;
}

interface Group {
  readonly method: 'client_secret_basic' | 'client_secret_post' | 'none';
  readonly status: number;
  readonly challenge: boolean;
  readonly attempts: readonly Attempt[];
}

const groups: readonly Group[] = [
  {
    method: 'client_secret_basic',
    status: 401,
    challenge: true,
    attempts: [
      {
        name: 'an unknown client id',
        case: 'unknown client',
        clientId: 'nobody',
        authorization: basic('nobody', WRONG),
        params: {},
      },
      {
        name: 'a known client with a wrong secret',
        case: 'wrong secret',
        clientId: 'service',
        authorization: basic('service', WRONG),
        params: {},
      },
      {
        name: 'a known public client',
        case: 'method not registered',
        clientId: 'spa',
        authorization: basic('spa', WRONG),
        params: {},
      },
      {
        name: 'a known confidential client registered for client_secret_post only (right secret)',
        case: 'method not registered',
        clientId: 'post-only',
        authorization: basic('post-only', postOnly.secret),
        params: {},
      },
    ],
  },
  {
    method: 'client_secret_post',
    status: 400,
    challenge: false,
    attempts: [
      {
        name: 'an unknown client id',
        case: 'unknown client',
        clientId: 'nobody',
        params: { client_id: 'nobody', client_secret: WRONG },
      },
      {
        name: 'a known client with a wrong secret',
        case: 'wrong secret',
        clientId: 'service',
        params: { client_id: 'service', client_secret: WRONG },
      },
      {
        name: 'a known public client',
        case: 'method not registered',
        clientId: 'spa',
        params: { client_id: 'spa', client_secret: WRONG },
      },
      {
        name: 'a known confidential client registered for client_secret_basic only (right secret)',
        case: 'method not registered',
        clientId: 'basic-only',
        params: { client_id: 'basic-only', client_secret: basicOnly.secret },
      },
    ],
  },
  {
    method: 'none',
    status: 400,
    challenge: false,
    attempts: [
      {
        name: 'an unknown client id',
        case: 'unknown client',
        clientId: 'nobody',
        params: { client_id: 'nobody' },
      },
      {
        name: 'a known confidential client sending no secret',
        case: 'method not registered',
        clientId: 'service',
        params: { client_id: 'service' },
      },
      {
        // RFC 7662 2.1: "the endpoint MUST also require some form of authorization to
        // access this endpoint": a public client proves nothing, so it fails here.
        name: 'a known public client (introspection needs a confidential client)',
        case: 'method not registered',
        clientId: 'spa',
        params: { client_id: 'spa' },
        only: 'introspection',
      },
    ],
  },
];

interface Endpoint {
  readonly name: string;
  readonly path: string;
  /** The endpoint's own parameters, the same in every attempt. */
  readonly params: Readonly<Record<string, string>>;
}

const endpoints: readonly Endpoint[] = [
  { name: 'token', path: '/token', params: { grant_type: 'client_credentials', scope: 'read' } },
  { name: 'revocation', path: '/revoke', params: { token: 'some-token' } },
  { name: 'introspection', path: '/introspect', params: { token: 'some-token' } },
];

/** Headers that may differ between two identical answers. */
const VOLATILE = new Set(['date', 'etag', 'last-modified', 'age', 'x-request-id']);

/** What must be identical: status, every header but the volatile ones, the body bytes. */
interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

function answer(status: number, headers: Iterable<[string, unknown]>, body: string): Answer {
  const kept: Record<string, string> = {};
  for (const [name, value] of headers) {
    if (!VOLATILE.has(name.toLowerCase())) kept[name.toLowerCase()] = String(value);
  }
  return { status, headers: kept, body };
}

function formBody(params: Readonly<Record<string, string>>): string {
  return Object.entries(params)
    .map(([name, value]) => `${formEncode(name)}=${formEncode(value)}`)
    .join('&');
}

/** A provider, its Express app and Fetch handler, and the failures it reported. */
function setUp() {
  const provider = new Provider(providerOptions({ clients: clients() }));
  const failures: Failure[] = [];
  provider.events.on('client.authentication_failed', (e) => void failures.push(e));
  const app = express().use(createAuthorizationServer(provider).router());
  return { provider, app, handle: fetchHandler(provider), failures };
}

type Setup = ReturnType<typeof setUp>;

interface Adapter {
  readonly name: string;
  send(setup: Setup, endpoint: Endpoint, attempt: Attempt): Promise<Answer>;
}

const adapters: readonly Adapter[] = [
  {
    name: 'Express',
    async send({ app }, endpoint, attempt) {
      const req = request(app).post(endpoint.path).type('form');
      if (attempt.authorization !== undefined) req.set('Authorization', attempt.authorization);
      const res = await req.send(formBody({ ...endpoint.params, ...attempt.params }));
      expectOAuthError(res, res.status, 'invalid_client', {
        challenge: attempt.authorization !== undefined,
        description: CLIENT_AUTHENTICATION_FAILED,
      });
      return answer(res.status, Object.entries(res.headers), res.text);
    },
  },
  {
    name: 'Fetch',
    async send({ handle }, endpoint, attempt) {
      const headers = new Headers({ 'Content-Type': 'application/x-www-form-urlencoded' });
      if (attempt.authorization !== undefined) headers.set('Authorization', attempt.authorization);
      const res = await handle(
        new Request(ISSUER + endpoint.path, {
          method: 'POST',
          headers,
          body: formBody({ ...endpoint.params, ...attempt.params }),
        }),
      );
      if (res === undefined) throw new Error(`no route for ${endpoint.path}`);
      return answer(res.status, res.headers.entries(), await res.text());
    },
  },
];

/** Lets the event deliveries (microtasks) run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

for (const adapter of adapters) {
  for (const endpoint of endpoints) {
    describe(`invalid_client without an oracle: ${endpoint.name} endpoint (${adapter.name})`, () => {
      for (const all of groups) {
        const attempts = all.attempts.filter((a) => (a.only ?? endpoint.name) === endpoint.name);
        const group = { ...all, attempts };
        const cases = [...new Set(attempts.map((a) => a.case))].join(', ');
        it(`answers ${group.method} identically for ${attempts.length} attempts (${cases})`, async () => {
          const setup = setUp();
          const answers: Answer[] = [];
          for (const attempt of group.attempts) {
            answers.push(await adapter.send(setup, endpoint, attempt));
          }
          const [first] = answers as [Answer, ...Answer[]];
          expect(first.status).to.equal(group.status);
          expect(JSON.parse(first.body)).to.deep.equal({
            error: 'invalid_client',
            error_description: CLIENT_AUTHENTICATION_FAILED,
          });
          expect(first.headers['www-authenticate']).to.equal(
            group.challenge ? BASIC_CHALLENGE : undefined,
          );
          expect(first.headers['cache-control']).to.equal('no-store');
          group.attempts.forEach((attempt, i) => {
            expect(answers[i], `${attempt.name} vs ${group.attempts[0]?.name}`).to.deep.equal(
              first,
            );
          });
        });

        it(`reports each ${group.method} failure in client.authentication_failed, cases apart`, async () => {
          const setup = setUp();
          for (const attempt of group.attempts) await adapter.send(setup, endpoint, attempt);
          await settle();
          const { failures } = setup;
          expect(failures, 'one event per attempt').to.have.length(group.attempts.length);
          const byCase = new Map<Case, Set<string>>();
          group.attempts.forEach((attempt, i) => {
            const failure = failures[i] as Failure;
            expect(failure.clientId, attempt.name).to.equal(attempt.clientId);
            expect(failure.method, attempt.name).to.equal(group.method);
            expect(failure.reason, attempt.name).to.be.a('string').that.is.not.empty;
            expect(failure.reason, attempt.name).not.to.equal(CLIENT_AUTHENTICATION_FAILED);
            const key = caseOf(attempt, group, endpoint);
            byCase.set(key, (byCase.get(key) ?? new Set<string>()).add(failure.reason));
          });
          const kinds = [...byCase.entries()];
          for (const [a, reasonsA] of kinds) {
            for (const [b, reasonsB] of kinds) {
              if (a === b) continue;
              const shared = [...reasonsA].filter((r) => reasonsB.has(r));
              expect(shared, `${a} and ${b} share a reason`).to.deep.equal([]);
            }
          }
          const json = JSON.stringify(failures);
          for (const secret of [WRONG, postOnly.secret, basicOnly.secret, secrets.service.secret]) {
            expect(json.includes(secret), 'an event carries a secret').to.equal(false);
          }
        });
      }
    });
  }
}

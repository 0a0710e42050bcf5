/**
 * Resource indicators at the authorization endpoint (RFC 8707 2.1), driven
 * through the engine (`provider.authorization`): the `resource` step, the
 * pending request, the code, the way back after login, and the check again on
 * the user's answer.
 */
import { expect } from 'chai';
import {
  createAuthorizationServer,
  s256Challenge,
  type AuthorizationOutcome,
} from '../../index.js';
import { parseAuthorizationQuery } from '../../lib/endpoints/authorization/query.js';
import { providerOptions, REDIRECT } from '../support/fixtures.js';
import { ALL, FILES, MCP, RESOURCES, UNKNOWN, VERIFIER } from './support.js';

const ISSUER = 'https://auth.example.test';
const STATE = 'xyz-state';
const ALICE = { subject: 'user-alice' };

function server(overrides = {}) {
  return createAuthorizationServer(providerOptions({ resources: RESOURCES, ...overrides }));
}

/** The query of an authorization request by `spa` (public, PKCE) with `extra` appended. */
function query(extra: string, scope = 'read'): string {
  const base = new URLSearchParams({
    response_type: 'code',
    client_id: 'spa',
    redirect_uri: REDIRECT,
    scope,
    state: STATE,
    code_challenge: s256Challenge(VERIFIER),
    code_challenge_method: 'S256',
  });
  return `${base.toString()}${extra === '' ? '' : `&${extra}`}`;
}

function resourceParams(...values: string[]): string {
  return values.map((v) => `resource=${encodeURIComponent(v)}`).join('&');
}

/** The exact error Location for `error` and `description`, with state and iss (RFC 9207). */
function errorLocation(error: string, description: string): string {
  const params = new URLSearchParams({
    error,
    error_description: description,
    state: STATE,
    iss: ISSUER,
  });
  return `${REDIRECT}?${params.toString()}`;
}

function expectRedirect(outcome: AuthorizationOutcome, location: string): void {
  expect(outcome.kind).to.equal('redirect');
  expect((outcome as { location: string }).location).to.equal(location);
}

describe('resource indicators: the authorization request (RFC 8707 2.1)', () => {
  const refused: readonly (readonly [string, string, string])[] = [
    ['an unknown resource', UNKNOWN, `the resource '${UNKNOWN}' is unknown`],
    ['a relative URI', '/mcp', `the resource '/mcp' is not an absolute URI`],
    ['a URI with a fragment', `${MCP}#frag`, `the resource '${MCP}#frag' has a fragment`],
    ['__proto__', '__proto__', `the resource '__proto__' is not an absolute URI`],
    ['constructor', 'constructor', `the resource 'constructor' is not an absolute URI`],
    ['toString:x (absolute, unknown)', 'toString:x', `the resource 'toString:x' is unknown`],
  ];
  for (const [name, value, description] of refused) {
    // RFC 8707 2: "The value of the resource parameter MUST be an absolute URI ... The URI
    // MUST NOT include a fragment component." and 2.1: "invalid_target ... redirected".
    it(`${name} → redirect with error=invalid_target, state and iss`, async () => {
      const oauth = server();
      const outcome = await oauth.provider.authorization.start(
        parseAuthorizationQuery(query(resourceParams(value))),
        ALICE,
      );
      expectRedirect(outcome, errorLocation('invalid_target', description));
    });
  }

  it('one bad value among good ones refuses the whole request', async () => {
    const outcome = await server().provider.authorization.start(
      parseAuthorizationQuery(query(resourceParams(MCP, UNKNOWN))),
      ALICE,
    );
    expectRedirect(
      outcome,
      errorLocation('invalid_target', `the resource '${UNKNOWN}' is unknown`),
    );
  });

  // RFC 8707 2: "Multiple "resource" parameters MAY be used to indicate that the requested
  // token is intended to be used at multiple resources."
  it('a repeated resource is accepted: the pending request and the code carry both', async () => {
    const oauth = server();
    const outcome = await oauth.provider.authorization.start(
      parseAuthorizationQuery(query(resourceParams(MCP, FILES, MCP), 'read write')),
      ALICE,
    );
    expect(outcome.kind).to.equal('consent');
    if (outcome.kind !== 'consent') return;
    expect(outcome.request.resources).to.deep.equal([MCP, FILES]);
    // JSON-safe, as a session keeps it.
    const pending = JSON.parse(JSON.stringify(outcome.request));
    const saved: unknown[] = [];
    const codes = oauth.provider.stores.authorizationCodes;
    const save = codes.save.bind(codes);
    codes.save = async (record, ttl) => {
      saved.push(record.resources);
      await save(record, ttl);
    };
    const answer = await oauth.provider.authorization.decide(pending, ALICE, { decision: 'allow' });
    expect(answer.kind).to.equal('redirect');
    expect(saved).to.deep.equal([[MCP, FILES]]);
  });

  it('without resource nothing changes: no resources in the pending request', async () => {
    const outcome = await server().provider.authorization.start(
      parseAuthorizationQuery(query('')),
      ALICE,
    );
    expect(outcome.kind).to.equal('consent');
    if (outcome.kind === 'consent') expect(outcome.request).to.not.have.property('resources');
  });

  it('an empty resource value counts as absent (RFC 6749 3.1)', async () => {
    const outcome = await server().provider.authorization.start(
      parseAuthorizationQuery(query('resource=')),
      ALICE,
    );
    expect(outcome.kind).to.equal('consent');
    if (outcome.kind === 'consent') expect(outcome.request).to.not.have.property('resources');
  });

  it('the way back after login keeps every resource', async () => {
    const outcome = await server().provider.authorization.start(
      parseAuthorizationQuery(query(resourceParams(MCP, FILES), 'read write')),
      undefined,
    );
    expect(outcome.kind).to.equal('login');
    if (outcome.kind !== 'login') return;
    expect(new URLSearchParams(outcome.query).getAll('resource')).to.deep.equal([MCP, FILES]);
  });

  it('a scope named explicitly that no named resource accepts → invalid_scope', async () => {
    const outcome = await server().provider.authorization.start(
      parseAuthorizationQuery(query(resourceParams(MCP), 'read write')),
      ALICE,
    );
    expectRedirect(
      outcome,
      errorLocation('invalid_scope', `none of the requested resources accepts the scope 'write'`),
    );
  });

  it('a resource that accepts none of the requested scopes → invalid_target', async () => {
    const outcome = await server().provider.authorization.start(
      parseAuthorizationQuery(query(resourceParams(MCP, FILES), 'read')),
      ALICE,
    );
    expectRedirect(
      outcome,
      errorLocation(
        'invalid_target',
        `the resource '${FILES}' accepts none of the requested scopes`,
      ),
    );
  });

  it('a default scope is narrowed to what the named resources accept', async () => {
    const oauth = server({
      scopes: { available: ['read', 'write', 'profile'], default: ['read', 'write'] },
    });
    const q = query(resourceParams(MCP)).replace('scope=read&', '');
    const outcome = await oauth.provider.authorization.start(parseAuthorizationQuery(q), ALICE);
    expect(outcome.kind).to.equal('consent');
    if (outcome.kind === 'consent') expect(outcome.request.scope).to.deep.equal(['read']);
  });

  it('the answer is checked again: a resource no longer configured → invalid_target', async () => {
    const outcome = await server().provider.authorization.start(
      parseAuthorizationQuery(query(resourceParams(ALL))),
      ALICE,
    );
    if (outcome.kind !== 'consent') throw new Error(`expected consent, got ${outcome.kind}`);
    const without = createAuthorizationServer(
      providerOptions({ resources: RESOURCES.filter((r) => r.resource !== ALL) }),
    );
    const answer = await without.provider.authorization.decide(outcome.request, ALICE, {
      decision: 'allow',
    });
    expectRedirect(answer, errorLocation('invalid_target', `the resource '${ALL}' is unknown`));
  });

  it('a tampered pending request naming __proto__ → invalid_target, no code', async () => {
    const oauth = server();
    const codes = oauth.provider.stores.authorizationCodes;
    let saved = 0;
    const save = codes.save.bind(codes);
    codes.save = async (record, ttl) => {
      saved++;
      await save(record, ttl);
    };
    const outcome = await oauth.provider.authorization.start(
      parseAuthorizationQuery(query('')),
      ALICE,
    );
    if (outcome.kind !== 'consent') throw new Error(`expected consent, got ${outcome.kind}`);
    const tampered = { ...outcome.request, resources: ['__proto__'] };
    const answer = await oauth.provider.authorization.decide(tampered, ALICE, {
      decision: 'allow',
    });
    expectRedirect(
      answer,
      errorLocation('invalid_target', `the resource '__proto__' is not an absolute URI`),
    );
    expect(saved).to.equal(0);
  });

  it('issueAuthorizationCode refuses a resource that is not configured (TypeError)', async () => {
    const oauth = server();
    const client = await oauth.provider.stores.clients.find('web');
    let error: unknown;
    try {
      await oauth.provider.issueAuthorizationCode({
        client: client!,
        subject: 'user-alice',
        scope: ['read'],
        redirectUri: REDIRECT,
        resources: [UNKNOWN],
      });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(TypeError);
    expect((error as Error).message).to.equal(
      `issueAuthorizationCode: the resource "${UNKNOWN}" is not in options.resources`,
    );
  });
});

describe('resource indicators: the implicit grant (RFC 8707 2.1)', () => {
  const implicit = () =>
    server({
      grants: { implicit: true },
      clients: [
        {
          id: 'old-spa',
          tokenEndpointAuthMethods: ['none'],
          redirectUris: [REDIRECT],
          responseTypes: ['token'],
          firstParty: true,
        },
      ],
      consent: { skipForFirstParty: true },
    });
  const tokenQuery = (extra: string) =>
    `response_type=token&client_id=old-spa&redirect_uri=${encodeURIComponent(REDIRECT)}&scope=read&state=${STATE}&${extra}`;

  it('one resource: the token in the fragment is for it', async () => {
    const oauth = implicit();
    const outcome = await oauth.provider.authorization.start(
      parseAuthorizationQuery(tokenQuery(resourceParams(MCP))),
      ALICE,
    );
    expect(outcome.kind).to.equal('redirect');
    const location = (outcome as { location: string }).location;
    const token = new URLSearchParams(location.split('#')[1]).get('access_token')!;
    const info = await oauth.provider.verifyAccessToken(token, { audience: MCP });
    expect(info.audience).to.equal(MCP);
  });

  it('two resources → invalid_target in the fragment (one audience per token)', async () => {
    const outcome = await implicit().provider.authorization.start(
      parseAuthorizationQuery(tokenQuery(resourceParams(MCP, ALL))),
      ALICE,
    );
    const params = new URLSearchParams({
      error: 'invalid_target',
      error_description: 'one resource per access token: name at most one resource',
      state: STATE,
      iss: ISSUER,
    });
    expectRedirect(outcome, `${REDIRECT}#${params.toString()}`);
  });
});

/**
 * Resource indicators at the token endpoint (RFC 8707 2.2): every grant, the
 * audience of what it issues, narrowing at refresh, and the refusals.
 */
import { expect } from 'chai';
import request from 'supertest';
import { expectOAuthError, expectTokenResponse } from '../http/token-assertions.js';
import {
  ALL,
  audOf,
  codeFor,
  FILES,
  MCP,
  postToken,
  redemption,
  resourceApp,
  RS,
  SERVICE,
  UNKNOWN,
  WEB,
} from './support.js';
import { basic } from '../support/engine.js';
import { ISSUER, secrets } from '../support/fixtures.js';

const CLI = basic('cli', secrets.cli.secret);
const ONE_PER_TOKEN = 'one resource per access token: name at most one resource';

describe('resource indicators: authorization_code (RFC 8707 2.2)', () => {
  // RFC 8707 2: "Multiple "resource" parameters MAY be used to indicate that the requested
  // token is intended to be used at multiple resources." — here each access token has one
  // audience: the code is granted for several, each token request picks one.
  it('a code for two resources is redeemed for one; a refresh for the other works; a third is refused', async () => {
    const { app, oauth } = resourceApp();
    const code = await codeFor(oauth, [MCP, FILES]);
    const first = await postToken(app, WEB, redemption(code, { resource: MCP }));
    expectTokenResponse(first);
    expect(audOf(first.body.access_token)).to.equal(MCP);
    // The code's scope is narrowed to what the resource accepts (RFC 6749 3.3).
    expect(first.body.scope).to.equal('read profile');

    const second = await postToken(app, WEB, {
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token,
      resource: FILES,
    });
    expectTokenResponse(second);
    expect(second.body.scope).to.equal('write');
    const info = await oauth.provider.verifyAccessToken(second.body.access_token, {
      audience: FILES,
    });
    expect(info).to.include({ audience: FILES, format: 'opaque', subject: 'user-alice' });

    const third = await postToken(app, WEB, {
      grant_type: 'refresh_token',
      refresh_token: second.body.refresh_token,
      resource: ALL,
    });
    expectOAuthError(third, 400, 'invalid_target', {
      description: `the resource '${ALL}' was not granted to this authorization`,
    });
    // The refused refresh retired nothing: the same refresh token still works.
    const again = await postToken(app, WEB, {
      grant_type: 'refresh_token',
      refresh_token: second.body.refresh_token,
      resource: MCP,
    });
    expectTokenResponse(again);
    expect(audOf(again.body.access_token)).to.equal(MCP);
  });

  it('no resource at the token request and a code of one resource → a token for that resource', async () => {
    const { app, oauth } = resourceApp();
    const code = await codeFor(oauth, [MCP], ['read']);
    const res = await postToken(app, WEB, redemption(code));
    expectTokenResponse(res);
    expect(audOf(res.body.access_token)).to.equal(MCP);
    await oauth.provider.verifyAccessToken(res.body.access_token, { audience: MCP });
  });

  it('no resource at the token request and a code of two resources → invalid_target, code not burnt', async () => {
    const { app, oauth } = resourceApp();
    const code = await codeFor(oauth, [MCP, FILES]);
    const res = await postToken(app, WEB, redemption(code));
    expectOAuthError(res, 400, 'invalid_target', {
      description: 'the authorization was granted for several resources: name one of them',
    });
    expectTokenResponse(await postToken(app, WEB, redemption(code, { resource: FILES })));
  });

  it('repeated resource at the token request → 400 invalid_target (one resource per access token)', async () => {
    const { app, oauth } = resourceApp();
    const code = await codeFor(oauth, [MCP, FILES]);
    const res = await postToken(app, WEB, redemption(code, { resource: [MCP, FILES] }));
    expectOAuthError(res, 400, 'invalid_target');
    expect(res.body).to.deep.equal({ error: 'invalid_target', error_description: ONE_PER_TOKEN });
  });

  it('parallel redemptions of one code for two resources: exactly one wins', async () => {
    const { app, oauth } = resourceApp();
    const code = await codeFor(oauth, [MCP, FILES]);
    const results = await Promise.all([
      postToken(app, WEB, redemption(code, { resource: MCP })),
      postToken(app, WEB, redemption(code, { resource: FILES })),
    ]);
    expect(results.map((r) => r.status).sort()).to.deep.equal([200, 400]);
    const loser = results.find((r) => r.status === 400);
    expect(loser?.body.error).to.equal('invalid_grant');
  });

  it('the same resource twice counts as one', async () => {
    const { app, oauth } = resourceApp();
    const code = await codeFor(oauth, [MCP, FILES]);
    const res = await postToken(app, WEB, redemption(code, { resource: [MCP, MCP] }));
    expectTokenResponse(res);
    expect(audOf(res.body.access_token)).to.equal(MCP);
  });

  it('a resource the code was not granted for → invalid_target; the code still works after', async () => {
    const { app, oauth } = resourceApp();
    const code = await codeFor(oauth, [MCP]);
    const res = await postToken(app, WEB, redemption(code, { resource: FILES }));
    expectOAuthError(res, 400, 'invalid_target', {
      description: `the resource '${FILES}' was not granted to this authorization`,
    });
    expectTokenResponse(await postToken(app, WEB, redemption(code, { resource: MCP })));
  });

  it('a code without resources gives no token for a resource (never widened)', async () => {
    const { app, oauth } = resourceApp();
    const code = await codeFor(oauth, undefined, ['read']);
    const res = await postToken(app, WEB, redemption(code, { resource: MCP }));
    expectOAuthError(res, 400, 'invalid_target', {
      description: `the resource '${MCP}' was not granted to this authorization`,
    });
    const ok = await postToken(app, WEB, redemption(code));
    expectTokenResponse(ok);
    expect(audOf(ok.body.access_token)).to.equal(ISSUER);
  });

  const malformed: readonly (readonly [string, string, string])[] = [
    ['a relative URI', '/mcp', `the resource '/mcp' is not an absolute URI`],
    ['a URI with a fragment', `${MCP}#top`, `the resource '${MCP}#top' has a fragment`],
    ['an unknown URI', UNKNOWN, `the resource '${UNKNOWN}' is unknown`],
    ['__proto__', '__proto__', `the resource '__proto__' is not an absolute URI`],
    ['constructor', 'constructor', `the resource 'constructor' is not an absolute URI`],
    [
      '__proto__:x (no valid scheme)',
      '__proto__:x',
      `the resource '__proto__:x' is not an absolute URI`,
    ],
  ];
  for (const [name, value, description] of malformed) {
    // RFC 8707 2: "invalid_target: The requested resource is invalid, missing, unknown, or malformed."
    it(`${name} as resource → 400 invalid_target`, async () => {
      const { app, oauth } = resourceApp();
      const code = await codeFor(oauth, [MCP]);
      const res = await postToken(app, WEB, redemption(code, { resource: value }));
      expectOAuthError(res, 400, 'invalid_target', { description });
    });
  }

  it('the response scope says what the token carries; a refresh cannot name a scope the resource refuses', async () => {
    const { app, oauth } = resourceApp();
    const code = await codeFor(oauth, [MCP, FILES]);
    const tokens = await postToken(app, WEB, redemption(code, { resource: FILES }));
    expectTokenResponse(tokens);
    const res = await postToken(app, WEB, {
      grant_type: 'refresh_token',
      refresh_token: tokens.body.refresh_token,
      resource: FILES,
      scope: 'read',
    });
    expectOAuthError(res, 400, 'invalid_scope', {
      description: `the resource does not accept the scope 'read'`,
    });
  });
});

describe('resource indicators: refresh_token (RFC 8707 2.2)', () => {
  it('a refresh never widens: a grant without resources cannot refresh into one', async () => {
    const { app, oauth } = resourceApp();
    const code = await codeFor(oauth, undefined, ['read']);
    const tokens = await postToken(app, WEB, redemption(code));
    expectTokenResponse(tokens);
    const res = await postToken(app, WEB, {
      grant_type: 'refresh_token',
      refresh_token: tokens.body.refresh_token,
      resource: MCP,
    });
    expectOAuthError(res, 400, 'invalid_target', {
      description: `the resource '${MCP}' was not granted to this authorization`,
    });
  });

  it('the resources survive rotation; none named with one granted → that resource', async () => {
    const { app, oauth } = resourceApp();
    const code = await codeFor(oauth, [MCP], ['read']);
    let tokens = await postToken(app, WEB, redemption(code));
    for (let i = 0; i < 3; i++) {
      tokens = await postToken(app, WEB, {
        grant_type: 'refresh_token',
        refresh_token: tokens.body.refresh_token,
      });
      expectTokenResponse(tokens);
      expect(audOf(tokens.body.access_token)).to.equal(MCP);
    }
  });

  it('several resources at a refresh → invalid_target, exact body', async () => {
    const { app, oauth } = resourceApp();
    const code = await codeFor(oauth, [MCP, FILES]);
    const tokens = await postToken(app, WEB, redemption(code, { resource: MCP }));
    const res = await postToken(app, WEB, {
      grant_type: 'refresh_token',
      refresh_token: tokens.body.refresh_token,
      resource: [MCP, FILES],
    });
    expectOAuthError(res, 400, 'invalid_target');
    expect(res.body).to.deep.equal({ error: 'invalid_target', error_description: ONE_PER_TOKEN });
  });
});

describe('resource indicators: client_credentials and password (RFC 8707 2.2)', () => {
  it('client_credentials with a resource → a JWT whose aud is the resource', async () => {
    const { app, oauth } = resourceApp();
    const res = await postToken(app, SERVICE, {
      grant_type: 'client_credentials',
      resource: MCP,
      scope: 'read',
    });
    expectTokenResponse(res);
    expect(audOf(res.body.access_token)).to.equal(MCP);
    expect(res.body.scope).to.equal('read');
    const info = await oauth.provider.verifyAccessToken(res.body.access_token, { audience: MCP });
    expect(info.audience).to.equal(MCP);
  });

  it('client_credentials with an opaque-token resource → introspection says aud is the resource', async () => {
    const { app } = resourceApp();
    const res = await postToken(app, SERVICE, {
      grant_type: 'client_credentials',
      resource: FILES,
      scope: 'write',
    });
    expectTokenResponse(res);
    expect(res.body.access_token.split('.')).to.have.length(1);
    expect(res.body.expires_in).to.equal(600);
    const answer = await request(app)
      .post('/introspect')
      .set('Authorization', RS)
      .type('form')
      .send({ token: res.body.access_token });
    expect(answer.status).to.equal(200);
    expect(answer.body).to.include({
      active: true,
      aud: FILES,
      client_id: 'service',
      scope: 'write',
    });
  });

  it('introspection of a JWT for a resource says aud is the resource', async () => {
    const { app } = resourceApp();
    const res = await postToken(app, SERVICE, { grant_type: 'client_credentials', resource: MCP });
    const answer = await request(app)
      .post('/introspect')
      .set('Authorization', RS)
      .type('form')
      .send({ token: res.body.access_token });
    expect(answer.body).to.include({ active: true, aud: MCP, client_id: 'service', scope: 'read' });
  });

  it('a scope named explicitly that the resource does not accept → invalid_scope (never narrowed)', async () => {
    const { app } = resourceApp();
    const res = await postToken(app, SERVICE, {
      grant_type: 'client_credentials',
      resource: MCP,
      scope: 'read write',
    });
    expectOAuthError(res, 400, 'invalid_scope', {
      description: `the resource does not accept the scope 'write'`,
    });
  });

  it('a default scope is narrowed to the resource; none left → invalid_scope', async () => {
    const { app } = resourceApp();
    const narrowed = await postToken(app, SERVICE, {
      grant_type: 'client_credentials',
      resource: MCP,
    });
    expectTokenResponse(narrowed);
    expect(narrowed.body.scope).to.equal('read');
    const none = await postToken(app, SERVICE, {
      grant_type: 'client_credentials',
      resource: FILES,
    });
    expectOAuthError(none, 400, 'invalid_scope', {
      description: 'the resource accepts none of the granted scopes',
    });
  });

  it('client_credentials: several resources → invalid_target; an unknown one → invalid_target', async () => {
    const { app } = resourceApp();
    const several = await postToken(app, SERVICE, {
      grant_type: 'client_credentials',
      resource: [MCP, ALL],
    });
    expect(several.status).to.equal(400);
    expect(several.body).to.deep.equal({
      error: 'invalid_target',
      error_description: ONE_PER_TOKEN,
    });
    const unknown = await postToken(app, SERVICE, {
      grant_type: 'client_credentials',
      resource: UNKNOWN,
    });
    expectOAuthError(unknown, 400, 'invalid_target', {
      description: `the resource '${UNKNOWN}' is unknown`,
    });
  });

  it('password with a resource: the token and its refreshes are for that resource only', async () => {
    const { app } = resourceApp();
    const res = await postToken(app, CLI, {
      grant_type: 'password',
      username: 'alice',
      password: 'wonderland',
      resource: MCP,
    });
    expectTokenResponse(res);
    expect(audOf(res.body.access_token)).to.equal(MCP);
    const refreshed = await postToken(app, CLI, {
      grant_type: 'refresh_token',
      refresh_token: res.body.refresh_token,
    });
    expectTokenResponse(refreshed);
    expect(audOf(refreshed.body.access_token)).to.equal(MCP);
    const other = await postToken(app, CLI, {
      grant_type: 'refresh_token',
      refresh_token: refreshed.body.refresh_token,
      resource: ALL,
    });
    expectOAuthError(other, 400, 'invalid_target', {
      description: `the resource '${ALL}' was not granted to this authorization`,
    });
  });

  it('without any resource nothing changes: aud is the default audience', async () => {
    const { app, oauth } = resourceApp();
    const res = await postToken(app, SERVICE, { grant_type: 'client_credentials', scope: 'read' });
    expectTokenResponse(res);
    expect(audOf(res.body.access_token)).to.equal(ISSUER);
    expect(res.body.expires_in).to.equal(3600);
    const info = await oauth.provider.verifyAccessToken(res.body.access_token);
    expect(info.audience).to.equal(ISSUER);
  });

  it('token.issued names the resource (and says nothing of one for the default audience)', async () => {
    const { app, oauth } = resourceApp();
    const seen: unknown[] = [];
    oauth.provider.events.on('token.issued', (e) => {
      seen.push(e.resource);
    });
    await postToken(app, SERVICE, { grant_type: 'client_credentials', resource: MCP });
    await postToken(app, SERVICE, { grant_type: 'client_credentials' });
    await new Promise((r) => setImmediate(r));
    expect(seen).to.deep.equal([MCP, undefined]);
  });
});

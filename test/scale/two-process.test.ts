/**
 * Two demo processes on two ports, one Redis: they act as one authorization
 * server. A code issued through one is redeemed at the other, a login session
 * made at one is valid at the other, and a token revoked at one (or the grant
 * of a code replayed at one) is refused by the other's protect(), which hears
 * of it by Redis pub/sub (polled up to a deadline; no timing asserted). A
 * client that registers itself at one (RFC 7591) is known at the other.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { generateSigningKeySet, s256Challenge } from '../../index.js';
import { isListening, requireService } from '../support/services.js';
import { freePort, until, type Proc } from '../support/processes.js';
import { CookieJar, startDemo } from './processes.js';

const CALLBACK = 'http://127.0.0.1:8080/callback';

describe('two demo processes sharing one Redis', function () {
  this.timeout(60_000);
  let a: Proc | undefined;
  let b: Proc | undefined;
  let A: string;
  let B: string;

  before(async function () {
    await requireService(this, {
      name: 'Redis on 127.0.0.1:6379',
      probe: () => isListening(6379),
      hint: 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no',
    });
    const [pa, pb] = [await freePort(), await freePort()];
    A = `http://127.0.0.1:${pa}`;
    B = `http://127.0.0.1:${pb}`;
    // One logical server: the same issuer, keys and session secret in both.
    const env = {
      REDIS_URL: 'redis://127.0.0.1:6379',
      ISSUER: A,
      OAUTH2_SIGNING_KEYS: generateSigningKeySet(),
      SESSION_SECRET: randomBytes(32).toString('base64url'),
    };
    [a, b] = await Promise.all([startDemo(pa, env), startDemo(pb, env)]);
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  /** The hidden inputs of the consent form. */
  function formFields(html: string): Record<string, string> {
    const fields: Record<string, string> = {};
    for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
      fields[m[1] as string] = m[2] as string;
    return fields;
  }

  it('logs in at A, sees the consent page at B, answers it at A, redeems the code at B; a revocation at B is seen by A', async () => {
    const jar = new CookieJar();
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: 'demo-web',
      redirect_uri: CALLBACK,
      scope: 'profile read',
      state: 'st-1',
      code_challenge: s256Challenge(verifier),
      code_challenge_method: 'S256',
    });

    // Login at A.
    const toLogin = await jar.fetch(`${A}/authorize?${query}`);
    expect(toLogin.status).to.equal(302);
    expect(toLogin.headers.get('location')).to.equal('/login');
    const login = await jar.fetch(`${A}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'alice', password: 'wonderland' }),
    });
    expect(login.status).to.equal(302);
    expect(login.headers.get('location')).to.equal(`/authorize?${query}`);

    // The session made at A is valid at B: B shows the consent page, not the login.
    const page = await jar.fetch(`${B}/authorize?${query}`);
    expect(page.status).to.equal(200);
    const html = await page.text();
    expect(html).to.contain('Demo web app wants to access your account');

    // The consent transaction kept in the shared session is answered at A.
    const decision = await jar.fetch(`${A}/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...formFields(html), decision: 'allow' }),
    });
    expect(decision.status).to.equal(303);
    const location = new URL(decision.headers.get('location') as string);
    expect(location.origin + location.pathname).to.equal(CALLBACK);
    expect(location.searchParams.get('iss')).to.equal(A);
    const code = location.searchParams.get('code') as string;

    // The code issued through A... at B.
    const tokenRes = await fetch(`${B}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('demo-web:demo-web-secret').toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: CALLBACK,
        code_verifier: verifier,
      }),
    });
    expect(tokenRes.status).to.equal(200);
    const tokens = (await tokenRes.json()) as { access_token: string; refresh_token: string };

    // Both processes accept the token.
    for (const base of [A, B]) {
      const me = await fetch(`${base}/api/me`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      expect(me.status, base).to.equal(200);
      expect(await me.json()).to.deep.equal({
        sub: 'user-7a1ce',
        client_id: 'demo-web',
        scope: 'profile read',
      });
    }

    // Revoked at B...
    const revoke = await fetch(`${B}/revoke`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('demo-web:demo-web-secret').toString('base64')}`,
      },
      body: new URLSearchParams({ token: tokens.access_token }),
    });
    expect(revoke.status).to.equal(200);
    // ...refused by A's protect(), which heard of it from Redis (pub/sub), without a
    // Redis read per request: polled up to a deadline, no timing asserted.
    const me = (base: string, token: string) =>
      fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    await until(
      'A refusing the token revoked at B',
      async () => (await me(A, tokens.access_token)).status === 401,
      5000,
    );
    const after = await me(A, tokens.access_token);
    expect(after.status).to.equal(401);
    expect(after.headers.get('www-authenticate')).to.contain('error="invalid_token"');

    // The refresh token rotates at A and the old one is then refused at B.
    const basic = `Basic ${Buffer.from('demo-web:demo-web-secret').toString('base64')}`;
    const refresh = (base: string) =>
      fetch(`${base}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: tokens.refresh_token,
        }),
      });
    expect((await refresh(A)).status).to.equal(200);
    const reuse = await refresh(B);
    expect(reuse.status).to.equal(400);
    expect(((await reuse.json()) as { error: string }).error).to.equal('invalid_grant');
  });

  it('a code replayed at A revokes its grant: the access token is refused at B', async () => {
    const jar = new CookieJar();
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: 'demo-web',
      redirect_uri: CALLBACK,
      scope: 'profile',
      state: 'st-2',
      code_challenge: s256Challenge(verifier),
      code_challenge_method: 'S256',
    });
    await jar.fetch(`${A}/authorize?${query}`);
    await jar.fetch(`${A}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'alice', password: 'wonderland' }),
    });
    const page = await jar.fetch(`${A}/authorize?${query}`);
    expect(page.status).to.equal(200);
    const decision = await jar.fetch(`${A}/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...formFields(await page.text()), decision: 'allow' }),
    });
    expect(decision.status).to.equal(303);
    const code = new URL(decision.headers.get('location') as string).searchParams.get('code');
    const redeem = () =>
      fetch(`${A}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from('demo-web:demo-web-secret').toString('base64')}`,
        },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: code as string,
          redirect_uri: CALLBACK,
          code_verifier: verifier,
        }),
      });
    const first = await redeem();
    expect(first.status).to.equal(200);
    const { access_token } = (await first.json()) as { access_token: string };
    const me = () => fetch(`${B}/api/me`, { headers: { authorization: `Bearer ${access_token}` } });
    expect((await me()).status).to.equal(200);
    const replay = await redeem();
    expect(replay.status).to.equal(400);
    await until(
      'B refusing the token of the replayed code',
      async () => (await me()).status === 401,
      5000,
    );
  });

  it('a client registered at A (RFC 7591) is known at B: B issues it tokens and answers its management URI; a delete at B is seen at A', async () => {
    const registered = await fetch(`${A}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'Registered at A',
        grant_types: ['client_credentials'],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'read',
      }),
    });
    expect(registered.status).to.equal(201);
    const client = (await registered.json()) as Record<string, string>;
    const basic = `Basic ${Buffer.from(`${client['client_id']}:${client['client_secret']}`).toString('base64')}`;
    const token = (base: string) =>
      fetch(`${base}/token`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&scope=read',
      });
    const atB = await token(B);
    expect(atB.status).to.equal(200);
    expect(((await atB.json()) as { scope: string }).scope).to.equal('read');
    const manage = (base: string, method: string) =>
      fetch(client['registration_client_uri']!.replace(A, base), {
        method,
        headers: { authorization: `Bearer ${client['registration_access_token']}` },
      });
    const read = await manage(B, 'GET');
    expect(read.status).to.equal(200);
    expect(((await read.json()) as { client_name: string }).client_name).to.equal(
      'Registered at A',
    );
    expect((await manage(B, 'DELETE')).status).to.equal(204);
    const afterDelete = await token(A);
    expect(afterDelete.status).to.equal(401);
    expect(await afterDelete.json()).to.deep.equal({
      error: 'invalid_client',
      error_description: 'client authentication failed',
    });
  });

  it('publishes the same JWKS from both processes', async () => {
    const [ja, jb] = await Promise.all([
      fetch(`${A}/jwks`).then((r) => r.json()),
      fetch(`${B}/jwks`).then((r) => r.json()),
    ]);
    expect(ja).to.deep.equal(jb);
    expect((ja as { keys: unknown[] }).keys).to.have.length(1);
  });
});

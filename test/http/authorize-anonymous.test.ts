/**
 * authorize() against anonymous attackers: what a visitor who is not signed in can
 * make the session store keep, and what an absolute-form request target can make
 * the server send back. Before: `returnTo` was the URL as it came (a 15 KB junk
 * parameter made every session 15 KB: 126 MB for 3,000 requests in memory, 47 MB
 * in Redis), an anonymous `POST /authorize` with a made-up transaction created a
 * session, and `GET http://evil.example/authorize?…` put `http://evil.example/…`
 * in `returnTo` (an open redirect after login) and in the consent form's action.
 * Now `returnTo` is this endpoint's path and the checked request's known
 * parameters, `state` is bounded, and a POST only reads the session.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { RedisStore } from 'connect-redis';
import session from 'express-session';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { MAX_STATE_LENGTH } from '../../lib/endpoints/authorization/state.js';
import {
  authorizeApp,
  authorizePath,
  CB,
  decide,
  expectErrorPage,
  expectErrorRedirect,
  formFields,
  signedIn,
  spaParams,
} from '../support/authorize-app.js';
import { listen, rawRequest, type Listening } from '../support/raw-http.js';
import { connectRedis, deleteKeys, requireRedis, scanKeys } from '../support/redis-test.js';

const JUNK = 'j'.repeat(12 * 1024);

/** Every session a MemoryStore holds, as stored (JSON text). */
function storedSessions(store: session.MemoryStore): Promise<string[]> {
  return new Promise((resolve, reject) => {
    store.all((err, sessions) => {
      if (err) reject(err);
      else resolve(Object.values(sessions ?? {}).map((s) => JSON.stringify(s)));
    });
  });
}

function setCookie(res: request.Response): string[] {
  return (res.headers['set-cookie'] ?? []) as unknown as string[];
}

describe('authorize(): anonymous requests do not grow the session store (MemoryStore)', () => {
  it('a valid request with a 12 KB junk parameter keeps only the checked request in returnTo', async () => {
    const store = new session.MemoryStore();
    const { app } = authorizeApp({ sessionStore: store });
    const agent = request.agent(app);
    const res = await agent.get(authorizePath({ ...spaParams(), junk: JUNK }));
    expect(res.status).to.equal(302);
    expect(res.headers['location']).to.equal('/login');
    const { returnTo } = (await agent.get('/test/session')).body as { returnTo: string };
    expect(returnTo).to.equal(authorizePath(spaParams()));
    const [stored] = await storedSessions(store);
    expect(stored?.length, 'bytes kept for the visitor').to.be.below(1024);
  });

  it('20 such visitors cost the store less than 20 KB in all (before: 20 × 12 KB)', async () => {
    const store = new session.MemoryStore();
    const { app } = authorizeApp({ sessionStore: store });
    for (let i = 0; i < 20; i++) {
      const res = await request(app).get(authorizePath({ ...spaParams(), junk: JUNK }));
      expect(res.status).to.equal(302);
    }
    const sessions = await storedSessions(store);
    expect(sessions).to.have.length(20);
    const bytes = sessions.reduce((sum, s) => sum + s.length, 0);
    expect(bytes).to.be.below(20 * 1024);
    for (const s of sessions) expect(s).to.not.include('jjjj');
  });

  it('parameters are kept as the steps resolved them: the redirect_uri only when sent, the scope as granted', async () => {
    const { app } = authorizeApp();
    const agent = request.agent(app);
    await agent.get(
      authorizePath({
        client_id: 'spa',
        response_type: 'code',
        code_challenge: 'c'.repeat(43),
        code_challenge_method: 'S256',
        foo: 'bar',
      }),
    );
    const { returnTo } = (await agent.get('/test/session')).body as { returnTo: string };
    expect(returnTo).to.equal(
      `/authorize?${new URLSearchParams({
        response_type: 'code',
        client_id: 'spa',
        scope: 'profile',
        code_challenge: 'c'.repeat(43),
        code_challenge_method: 'S256',
      }).toString()}`,
    );
  });

  it('an anonymous POST /authorize with a made-up transaction creates no session: no Set-Cookie, nothing stored', async () => {
    const store = new session.MemoryStore();
    const { app } = authorizeApp({ sessionStore: store });
    const res = await decide(request(app), {
      transaction_id: 'AAAAAAAAAAAAAAAAAAAAAA',
      csrf_token: 'x',
      decision: 'allow',
    });
    expectErrorPage(res, 'invalid_request');
    expect(setCookie(res)).to.deep.equal([]);
    expect(await storedSessions(store)).to.deep.equal([]);
  });

  it('an invalid request (unknown client) creates no session', async () => {
    const store = new session.MemoryStore();
    const { app } = authorizeApp({ sessionStore: store });
    const res = await request(app).get(
      authorizePath({ ...spaParams({ client_id: 'nobody' }), junk: JUNK }),
    );
    expectErrorPage(res, 'invalid_client');
    expect(setCookie(res)).to.deep.equal([]);
    expect(await storedSessions(store)).to.deep.equal([]);
  });
});

describe('authorize(): anonymous requests do not grow the session store (connect-redis on the real Redis)', () => {
  const prefix = `oauth2-test:anon:${randomUUID()}:sess:`;
  let redis: Redis | undefined;

  before(async function () {
    await requireRedis(this);
    redis = await connectRedis();
  });

  after(async () => {
    if (redis === undefined) return;
    await deleteKeys(redis, `${prefix}*`);
    redis.disconnect();
  });

  /** Every session value under this suite's prefix. */
  async function storedInRedis(): Promise<string[]> {
    const client = redis as Redis;
    const keys = await scanKeys(client, `${prefix}*`);
    return Promise.all(keys.map(async (key) => (await client.get(key)) ?? ''));
  }

  it('10 visitors with a 12 KB junk parameter: each session keeps under 1 KB, no junk', async () => {
    const { app } = authorizeApp({
      sessionStore: new RedisStore({ client: redis as Redis, prefix }),
    });
    for (let i = 0; i < 10; i++) {
      const res = await request(app).get(authorizePath({ ...spaParams(), junk: JUNK }));
      expect(res.status).to.equal(302);
    }
    const sessions = await storedInRedis();
    expect(sessions).to.have.length(10);
    for (const s of sessions) {
      expect(s.length).to.be.below(1024);
      expect(s).to.not.include('jjjj');
    }
  });

  it('an anonymous POST /authorize with a made-up transaction creates no session', async () => {
    const { app } = authorizeApp({
      sessionStore: new RedisStore({ client: redis as Redis, prefix }),
    });
    const before = (await storedInRedis()).length;
    const res = await decide(request(app), {
      transaction_id: 'constructor',
      csrf_token: 'x',
      decision: 'allow',
    });
    expectErrorPage(res, 'invalid_request');
    expect(setCookie(res)).to.deep.equal([]);
    expect((await storedInRedis()).length).to.equal(before);
  });
});

describe('authorize(): state is bounded (it is kept for the login and echoed)', () => {
  it(`a state over ${MAX_STATE_LENGTH} characters → invalid_request redirected without it; nothing kept`, async () => {
    const store = new session.MemoryStore();
    const { app } = authorizeApp({ sessionStore: store });
    const res = await request(app).get(
      authorizePath(spaParams({ state: 's'.repeat(MAX_STATE_LENGTH + 1) })),
    );
    const params = expectErrorRedirect(res, 'invalid_request', { state: null });
    expect(params.get('error_description')).to.equal(
      `state must be 1 to ${MAX_STATE_LENGTH} characters of %x20-7E (RFC 6749 Appendix A.5)`,
    );
    expect(await storedSessions(store)).to.deep.equal([]);
  });

  it('a state that is not VSCHAR (RFC 6749 A.5: %x20-7E) → invalid_request redirected without it; nothing kept', async () => {
    const store = new session.MemoryStore();
    const { app } = authorizeApp({ sessionStore: store });
    // 1,500 euro signs: 1,500 characters, 13.5 KB once URL-encoded.
    for (const state of ['€'.repeat(1500), 'tab\there', 'line\nbreak']) {
      const res = await request(app).get(authorizePath(spaParams({ state })));
      expectErrorRedirect(res, 'invalid_request', { state: null });
    }
    expect(await storedSessions(store)).to.deep.equal([]);
  });

  it(`a state of exactly ${MAX_STATE_LENGTH} characters is kept whole for the way back`, async () => {
    const { app } = authorizeApp();
    const agent = request.agent(app);
    const path = authorizePath(spaParams({ state: 's'.repeat(MAX_STATE_LENGTH) }));
    expect((await agent.get(path)).status).to.equal(302);
    expect(((await agent.get('/test/session')).body as { returnTo: string }).returnTo).to.equal(
      path,
    );
  });
});

describe('authorize(): an absolute-form request target (GET http://evil.example/authorize?…)', () => {
  let listening: Listening;
  let app: ReturnType<typeof authorizeApp>['app'];

  before(async () => {
    app = authorizeApp().app;
    listening = await listen(app);
  });

  after(() => listening.close());

  function get(target: string, cookie?: string) {
    const lines = [`GET ${target} HTTP/1.1`, 'Host: auth.example.test', 'Connection: close'];
    if (cookie !== undefined) lines.push(`Cookie: ${cookie}`);
    return rawRequest(listening.port, `${lines.join('\r\n')}\r\n\r\n`);
  }

  it('returnTo keeps the path only, never the other origin', async () => {
    const path = authorizePath(spaParams());
    const res = await get(`http://evil.example${path}`);
    expect(res.status).to.equal(302);
    expect(res.headers['location']).to.equal('/login');
    const cookie = res.setCookies[0]?.split(';')[0] as string;
    const kept = await get('/test/session', cookie);
    expect((JSON.parse(kept.body) as { returnTo: string }).returnTo).to.equal(path);
  });

  it("the consent form's action is the path only", async () => {
    const body = 'username=alice&password=wonderland';
    const login = await rawRequest(
      listening.port,
      [
        'POST /login HTTP/1.1',
        'Host: auth.example.test',
        'Connection: close',
        'Content-Type: application/x-www-form-urlencoded',
        `Content-Length: ${body.length}`,
        '',
        body,
      ].join('\r\n'),
    );
    expect(login.status).to.equal(302);
    const cookie = login.setCookies[0]?.split(';')[0] as string;
    const page = await get(`http://evil.example${authorizePath(spaParams())}`, cookie);
    expect(page.status, page.body).to.equal(200);
    expect(page.body).to.include('<form method="post" action="/authorize">');
    expect(page.body).to.not.include('evil.example');
    // And the page still works.
    const res = await request(app)
      .post('/authorize')
      .set('Cookie', cookie)
      .type('form')
      .send({ ...formFields(page.body), decision: 'allow' });
    expect(res.status).to.equal(303);
    expect(res.headers['location']).to.match(new RegExp(`^${CB}\\?code=`));
  });
});

describe("authorize(): transaction_id is looked up among the session's own transactions", () => {
  const NAMES = [
    'constructor',
    '__proto__',
    'toString',
    'hasOwnProperty',
    'valueOf',
    'isPrototypeOf',
    '__defineGetter__',
    'transactions',
    'AAAAAAAAAAAAAAAAAAAAAA',
  ];

  for (const id of NAMES) {
    it(`transaction_id=${id} → 400 page, anonymous or signed in; a pending transaction still answers`, async () => {
      const fixture = authorizeApp();
      expectErrorPage(
        await decide(request(fixture.app), {
          transaction_id: id,
          csrf_token: 'x',
          decision: 'allow',
        }),
        'invalid_request',
      );
      const alice = await signedIn(fixture.app);
      expectErrorPage(
        await decide(alice, { transaction_id: id, csrf_token: 'x', decision: 'allow' }),
        'invalid_request',
      );
      const page = await alice.get(authorizePath(spaParams()));
      const form = formFields(page.text);
      expectErrorPage(
        await decide(alice, { transaction_id: id, csrf_token: form.csrf_token, decision: 'allow' }),
        'invalid_request',
      );
      expect((await decide(alice, { ...form, decision: 'allow' })).status).to.equal(303);
      expect(fixture.codes.saved).to.have.length(1);
    });
  }
});

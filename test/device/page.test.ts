/**
 * The device verification page (RFC 8628 3.3) through a real Express app with
 * express-session and Passport: the form and its CSRF token, one text for every
 * bad code, the login round trip, the consent page and the done page, answers
 * that count once (also in parallel), and brute force of user codes limited per
 * session and per address (RFC 8628 5.1).
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import type { OAuthEvent, ViewLocals } from '../../index.js';
import {
  DESCRIPTIONS,
  htmlEscape,
  signedIn,
  signIn,
  type AuthorizeApp,
} from '../support/authorize-app.js';
import {
  answer,
  consentFor,
  deviceApp,
  enterCode,
  expectOAuthError,
  expectPage,
  formToken,
  hidden,
  pageMessage,
  poll,
  start,
} from './support.js';

const INVALID = 'that code is not valid';
const FORM_EXPIRED = 'this form expired; please enter the code again';
const ANSWER_EXPIRED =
  'this request expired or was already answered; please enter the code from your device again';

/** The error page's description and code. */
function errorPage(res: request.Response, status: number, code: string, text: string): void {
  expectPage(res, status);
  expect(res.text).to.include(`Error code: <code>${code}</code>`);
  expect(res.text).to.include(`<p>${htmlEscape(text)}</p>`);
}

describe('device verification page (RFC 8628 3.3)', () => {
  let target: AuthorizeApp;
  beforeEach(() => {
    target = deviceApp();
  });

  describe('the form', () => {
    it('shows a form posting user_code and a CSRF token back to the page, with page headers', async () => {
      const res = await request.agent(target.app).get('/device');
      expectPage(res, 200);
      expect(res.text).to.include('<form method="post" action="/device">');
      expect(hidden(res.text, 'csrf_token')).to.match(/^[A-Za-z0-9_-]{43}$/);
      expect(res.text).to.match(/<input type="text" id="user_code" name="user_code" value=""/);
      expect(pageMessage(res.text)).to.equal(undefined);
    });

    it('pre-fills the code of ?user_code= (verification_uri_complete), escaped', async () => {
      const started = await start(target.app);
      const agent = request.agent(target.app);
      const res = await agent.get(
        new URL(started.verification_uri_complete).pathname +
          new URL(started.verification_uri_complete).search,
      );
      expect(res.text).to.include(`name="user_code" value="${started.user_code}"`);
      const evil = '"><script>alert(1)</script>';
      const escaped = await agent.get(`/device?user_code=${encodeURIComponent(evil)}`);
      expect(escaped.text).to.not.include('<script>alert(1)</script>');
      expect(escaped.text).to.include(`value="${htmlEscape(evil)}"`);
    });

    it('keeps one CSRF token per session', async () => {
      const agent = request.agent(target.app);
      expect(await formToken(agent)).to.equal(await formToken(agent));
      expect(await formToken(request.agent(target.app))).to.not.equal(await formToken(agent));
    });

    it('answers 405 to other methods (mounted by hand with app.all)', async () => {
      const app = express();
      app.all('/device', target.oauth.device({ loginUrl: '/login' }));
      const res = await request(app).put('/device');
      expect(res.status).to.equal(405);
      expect(res.headers['allow']).to.equal('GET, POST');
    });
  });

  describe('a code that is not valid: one text for all (never telling which codes exist)', () => {
    it('a wrong code: 400, the form again', async () => {
      const res = await enterCode(request.agent(target.app), 'BCDF-GHJK');
      expectPage(res, 400);
      expect(pageMessage(res.text)).to.equal(INVALID);
      expect(res.text).to.include('name="user_code" value="BCDF-GHJK"');
    });

    it('a code of the wrong shape, and an empty one', async () => {
      const agent = request.agent(target.app);
      for (const typed of ['', 'AB', 'x'.repeat(500)]) {
        const res = await enterCode(agent, typed);
        expectPage(res, 400);
        expect(pageMessage(res.text)).to.equal(INVALID);
      }
    });

    it('a used code (approved or denied): the same', async () => {
      const agent = await signedIn(target.app);
      for (const decision of ['allow', 'deny']) {
        const started = await start(target.app);
        expect(
          (await answer(agent, await consentFor(agent, started.user_code), decision)).status,
        ).to.equal(200);
        const again = await enterCode(agent, started.user_code);
        expectPage(again, 400);
        expect(pageMessage(again.text)).to.equal(INVALID);
      }
    });

    it('an expired code: the same', async () => {
      const started = await start(target.app);
      target.clock.advance(600);
      const res = await enterCode(await signedIn(target.app), started.user_code);
      expectPage(res, 400);
      expect(pageMessage(res.text)).to.equal(INVALID);
    });

    it('emits device.user_code_failed with the address and without the code', async () => {
      const seen: OAuthEvent[] = [];
      target.oauth.provider.events.on('device.user_code_failed', (e) => void seen.push(e));
      await enterCode(request.agent(target.app), 'BCDF-GHJK');
      await new Promise((r) => setImmediate(r));
      expect(seen).to.have.length(1);
      expect((seen[0] as OAuthEvent & { ip: string }).ip).to.match(/127\.0\.0\.1/);
      expect(JSON.stringify(seen)).to.not.include('BCDF');
    });
  });

  describe('CSRF (RFC 6749 10.12)', () => {
    it('a POST without the token, or with another, is the form again (400) and looks nothing up', async () => {
      const started = await start(target.app);
      const agent = await signedIn(target.app);
      await formToken(agent);
      for (const sent of [
        {},
        { csrf_token: 'forged' },
        { csrf_token: await formToken(request.agent(target.app)) },
      ]) {
        const res = await agent
          .post('/device')
          .type('form')
          .send({ user_code: started.user_code, ...sent });
        expectPage(res, 400);
        expect(pageMessage(res.text)).to.equal(FORM_EXPIRED);
      }
      // Nothing was used up: with the token, the same code gets the consent page.
      expect((await consentFor(agent, started.user_code)).transaction_id).to.be.a('string');
    });

    it('a POST from a browser with no session at all is refused the same', async () => {
      const started = await start(target.app);
      const res = await request(target.app)
        .post('/device')
        .type('form')
        .send({ user_code: started.user_code, csrf_token: 'x' });
      expectPage(res, 400);
      expect(pageMessage(res.text)).to.equal(FORM_EXPIRED);
    });
  });

  describe('login round trip', () => {
    it('sends an anonymous user to the login with the way back, then straight to the consent page', async () => {
      const started = await start(target.app);
      const agent = request.agent(target.app);
      const typed = started.user_code.toLowerCase().replace('-', ' ');
      const res = await enterCode(agent, typed);
      expect(res.status).to.equal(302);
      expect(res.headers['location']).to.equal('/login');
      const back = `/device?user_code=${started.user_code}`;
      expect((await agent.get('/test/session')).body.returnTo).to.equal(back);
      expect(await signIn(agent)).to.equal(back);
      const consent = await agent.get(back);
      expectPage(consent, 200);
      const form = {
        transaction_id: hidden(consent.text, 'transaction_id'),
        csrf_token: hidden(consent.text, 'csrf_token'),
      };
      expect((await answer(agent, form, 'allow')).status).to.equal(200);
      expect((await poll(target.app, started.device_code)).status).to.equal(200);
    });

    it('back from login, a link with another code only pre-fills the form; the entered code works once', async () => {
      const mine = await start(target.app);
      const theirs = await start(target.app);
      const agent = request.agent(target.app);
      await enterCode(agent, mine.user_code);
      await signIn(agent);
      const other = await agent.get(`/device?user_code=${theirs.user_code}`);
      expectPage(other, 200);
      expect(other.text).to.not.include('transaction_id');
      expect(other.text).to.include(`value="${theirs.user_code}"`);
      expect((await agent.get(`/device?user_code=${mine.user_code}`)).text).to.include(
        'transaction_id',
      );
      expect((await agent.get(`/device?user_code=${mine.user_code}`)).text).to.not.include(
        'transaction_id',
      );
    });
  });

  describe('consent and done pages', () => {
    it('shows the same consent page: client name, scopes, the user code; no redirect host; all escaped', async () => {
      const started = await start(target.app, { client_id: 'evil-tv' });
      const { html } = await consentFor(await signedIn(target.app), started.user_code);
      expect(html).to.include(
        `${htmlEscape(`<script>alert("tv")</script> & 'co'`)} wants to access your account`,
      );
      expect(html).to.not.include('<script>alert("tv")');
      expect(html).to.include(DESCRIPTIONS.profile);
      expect(html).to.include(DESCRIPTIONS.read);
      expect(html).to.include(`<code>${started.user_code}</code>`);
      expect(html).to.not.include('You will then be sent to');
      expect(html).to.include('name="decision" value="allow"');
    });

    it('allow: the done page, and the device gets tokens for the user', async () => {
      const started = await start(target.app);
      const agent = await signedIn(target.app, 'bob');
      const res = await answer(agent, await consentFor(agent, started.user_code), 'allow');
      expectPage(res, 200);
      expect(res.text).to.include('You may return to your device.');
      const tokens = await poll(target.app, started.device_code);
      const info = await target.oauth.provider.verifyAccessToken(tokens.body.access_token);
      expect(info.subject).to.equal('user-bob');
    });

    it('deny: the done page says so, and the device hears access_denied', async () => {
      const seen: OAuthEvent[] = [];
      target.oauth.provider.events.on('device.denied', (e) => void seen.push(e));
      const started = await start(target.app);
      const agent = await signedIn(target.app);
      const res = await answer(agent, await consentFor(agent, started.user_code), 'deny');
      expectPage(res, 200);
      expect(res.text).to.include('<h1>Access denied</h1>');
      expectOAuthError(
        await poll(target.app, started.device_code),
        400,
        'access_denied',
        'the user denied the request',
      );
      expect(seen.map((e) => (e as OAuthEvent & { subject: string }).subject)).to.deep.equal([
        'user-alice',
      ]);
    });

    it('a decision other than allow or deny is an error page and leaves the code pending', async () => {
      const started = await start(target.app);
      const agent = await signedIn(target.app);
      errorPage(
        await answer(agent, await consentFor(agent, started.user_code), 'maybe'),
        400,
        'invalid_request',
        'decision must be allow or deny',
      );
      expect((await poll(target.app, started.device_code)).body.error).to.equal(
        'authorization_pending',
      );
    });

    it('a consent form with a wrong CSRF token is refused, and the transaction is gone', async () => {
      const started = await start(target.app);
      const agent = await signedIn(target.app);
      const form = await consentFor(agent, started.user_code);
      errorPage(
        await answer(agent, { ...form, csrf_token: 'forged' }, 'allow'),
        400,
        'invalid_request',
        'the form was not sent by this authorization server (CSRF token missing or wrong)',
      );
      errorPage(await answer(agent, form, 'allow'), 400, 'invalid_request', ANSWER_EXPIRED);
      expect((await poll(target.app, started.device_code)).body.error).to.equal(
        'authorization_pending',
      );
    });

    it('an answer from another signed-in user is refused', async () => {
      const started = await start(target.app);
      const agent = await signedIn(target.app);
      const form = await consentFor(agent, started.user_code);
      await agent.post('/test/login/bob');
      errorPage(
        await answer(agent, form, 'allow'),
        400,
        'access_denied',
        'the signed-in user changed since the consent page was shown; please start again',
      );
    });

    it('an authorization endpoint transaction id is not a device one', async () => {
      const started = await start(target.app);
      const agent = await signedIn(target.app);
      const form = await consentFor(agent, started.user_code);
      const res = await agent
        .post('/authorize')
        .type('form')
        .send({ ...form, decision: 'allow' });
      expect(res.status).to.equal(400);
      expect((await poll(target.app, started.device_code)).body.error).to.equal(
        'authorization_pending',
      );
    });
  });

  describe('races: an answer counts once', () => {
    it('10 parallel POSTs of one consent form: one done page', async () => {
      const started = await start(target.app);
      const agent = await signedIn(target.app);
      const form = await consentFor(agent, started.user_code);
      const results = await Promise.all(
        Array.from({ length: 10 }, () => answer(agent, form, 'allow')),
      );
      expect(results.filter((r) => r.status === 200)).to.have.length(1);
      for (const r of results.filter((r) => r.status !== 200))
        errorPage(r, 400, 'invalid_request', ANSWER_EXPIRED);
    });

    it('two users answering one code in parallel (allow and deny): exactly one wins', async () => {
      const started = await start(target.app);
      const alice = await signedIn(target.app, 'alice');
      const bob = await signedIn(target.app, 'bob');
      const forms = [
        await consentFor(alice, started.user_code),
        await consentFor(bob, started.user_code),
      ];
      const [a, b] = await Promise.all([
        answer(alice, forms[0]!, 'allow'),
        answer(bob, forms[1]!, 'deny'),
      ]);
      expect([a.status, b.status].sort()).to.deep.equal([200, 400]);
      const tokens = await poll(target.app, started.device_code);
      if (a.status === 200) {
        expect(tokens.status).to.equal(200);
        const info = await target.oauth.provider.verifyAccessToken(tokens.body.access_token);
        expect(info.subject).to.equal('user-alice');
      } else expect(tokens.body.error).to.equal('access_denied');
    });

    it('20 parallel approvals of one code through the engine: exactly one', async () => {
      const started = await start(target.app);
      const verification = target.oauth.provider.device!.verification;
      const entered = await verification.enter(started.user_code, {
        ip: '198.51.100.1',
        session: 'x',
      });
      if (entered.kind !== 'valid') throw new Error('not valid');
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          verification.decide(entered.deviceId, `user-${i}`, i % 2 ? 'allow' : 'deny'),
        ),
      );
      expect(results.filter((r) => r !== 'invalid')).to.have.length(1);
    });
  });
});

describe('device verification page: brute force of user codes is limited (RFC 8628 5.1)', () => {
  const limited = () =>
    deviceApp({
      provider: { rateLimits: { deviceUserCode: { failures: 3, window: 300, block: 300 } } },
      configure: (app) => app.set('trust proxy', true),
    });

  async function wrong(agent: request.Agent, ip: string): Promise<request.Response> {
    const csrf = await formToken(agent);
    return agent
      .post('/device')
      .set('X-Forwarded-For', ip)
      .type('form')
      .send({ csrf_token: csrf, user_code: 'BCDF-GHJK' });
  }

  function expectLimited(res: request.Response): void {
    expectPage(res, 429);
    expect(Number(res.headers['retry-after'])).to.be.within(1, 300);
    expect(res.text).to.include('too many failed attempts: try again later');
  }

  it('per session: after N wrong codes from one session (any address), 429, even for a valid code', async () => {
    const target = limited();
    const agent = request.agent(target.app);
    for (let i = 0; i < 3; i++) expect((await wrong(agent, `203.0.113.${i}`)).status).to.equal(400);
    expectLimited(await wrong(agent, '203.0.113.50'));
    const started = await start(target.app);
    const csrf = await formToken(agent);
    expectLimited(
      await agent
        .post('/device')
        .set('X-Forwarded-For', '203.0.113.51')
        .type('form')
        .send({ csrf_token: csrf, user_code: started.user_code }),
    );
  });

  it('per address: after N wrong codes from one address (any session), 429; another address may go on', async () => {
    const target = limited();
    for (let i = 0; i < 3; i++)
      expect((await wrong(request.agent(target.app), '198.51.100.7')).status).to.equal(400);
    const seen: OAuthEvent[] = [];
    target.oauth.provider.events.on('rate_limited', (e) => void seen.push(e));
    expectLimited(await wrong(request.agent(target.app), '198.51.100.7'));
    expect((await wrong(request.agent(target.app), '198.51.100.8')).status).to.equal(400);
    await new Promise((r) => setImmediate(r));
    expect(seen).to.have.length(1);
    expect((seen[0] as OAuthEvent & { limit: string; ip: string }).limit).to.equal(
      'device_user_code',
    );
    expect((seen[0] as OAuthEvent & { ip: string }).ip).to.equal('198.51.100.7');
  });

  it('a valid code does not reset the count', async () => {
    const target = limited();
    const agent = await signedIn(target.app);
    for (let i = 0; i < 2; i++) await wrong(agent, '192.0.2.1');
    const started = await start(target.app);
    const csrf = await formToken(agent);
    const ok = await agent
      .post('/device')
      .set('X-Forwarded-For', '192.0.2.1')
      .type('form')
      .send({ csrf_token: csrf, user_code: started.user_code });
    expect(ok.status).to.equal(200);
    expect((await wrong(agent, '192.0.2.1')).status).to.equal(400);
    expectLimited(await wrong(agent, '192.0.2.1'));
  });
});

describe('device pages are overridable like the consent page', () => {
  it('takes oauth2/device.ejs and oauth2/device-done.ejs from the app views', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'device-views-'));
    mkdirSync(join(dir, 'oauth2'));
    writeFileSync(
      join(dir, 'oauth2', 'device.ejs'),
      'CUSTOM DEVICE <input type="hidden" name="csrf_token" value="<%= csrfToken %>"> [<%= userCode %>]',
    );
    writeFileSync(
      join(dir, 'oauth2', 'device-done.ejs'),
      'CUSTOM DONE <%= approved %> <%= client.id %>',
    );
    const target = deviceApp({ configure: (app) => app.set('views', dir) });
    const agent = await signedIn(target.app);
    const page = await agent.get('/device?user_code=abc');
    expect(page.text).to.match(
      /^CUSTOM DEVICE <input type="hidden" name="csrf_token" value="[\w-]{43}"> \[abc\]$/,
    );
    const started = await start(target.app);
    const done = await answer(agent, await consentFor(agent, started.user_code), 'allow');
    expect(done.text).to.equal('CUSTOM DONE true tv');
  });

  it('router({ device: { render } }) replaces rendering with the locals of each page', async () => {
    const seen: ViewLocals[] = [];
    const target = deviceApp({
      authorize: {
        loginUrl: '/login',
        render: (_req, res, locals) => {
          seen.push(locals);
          res.end(locals.view);
        },
      },
    });
    const agent = await signedIn(target.app);
    const started = await start(target.app);
    const csrf = (await agent.get('/device').then(() => seen.at(-1))) as ViewLocals & {
      csrfToken: string;
    };
    const consent = await agent
      .post('/device')
      .type('form')
      .send({ csrf_token: csrf.csrfToken, user_code: started.user_code });
    expect(consent.text).to.equal('consent');
    const locals = seen.at(-1) as ViewLocals & {
      transactionId: string;
      csrfToken: string;
      userCode: string;
      redirectHost: unknown;
    };
    expect(locals.userCode).to.equal(started.user_code);
    expect(locals.redirectHost).to.equal(undefined);
    const done = await answer(
      agent,
      { transaction_id: locals.transactionId, csrf_token: locals.csrfToken },
      'allow',
    );
    expect(done.text).to.equal('device-done');
    expect(seen.map((l) => l.view)).to.deep.equal(['device', 'consent', 'device-done']);
  });
});

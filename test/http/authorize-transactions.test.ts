/**
 * authorize(): the decision POST is bound to a consent transaction of this
 * session and this user, with a CSRF token, and answers once. Every refused POST
 * is a 400 HTML page without a Location, and no code is issued — not even by a
 * later POST with the right token, since a transaction answers once.
 *
 * RFC 6749 10.12: "The authorization server MUST implement CSRF protection for its
 * authorization endpoint and ensure that a malicious client cannot obtain
 * authorization without the awareness and explicit consent of the resource owner."
 */
import { expect } from 'chai';
import request from 'supertest';
import {
  authorizeApp,
  CB,
  consentPage,
  decide,
  expectErrorPage,
  expectRedirect,
  signedIn,
  spaParams,
  type Agent,
  type AuthorizeApp,
  type ConsentForm,
} from '../support/authorize-app.js';

describe('authorize(): the decision POST (CSRF-bound, one answer per transaction)', () => {
  let fixture: AuthorizeApp;
  let alice: Agent;
  let form: ConsentForm;

  beforeEach(async () => {
    fixture = authorizeApp();
    alice = await signedIn(fixture.app);
    form = (await consentPage(alice, spaParams())).form;
  });

  /** The refused POST answered a page showing `code`; the right POST afterwards fails too; nothing issued. */
  async function expectRefusedForGood(
    res: request.Response,
    code = 'invalid_request',
  ): Promise<void> {
    expectErrorPage(res, code);
    expectErrorPage(await decide(alice, { ...form, decision: 'allow' }), 'invalid_request');
    expect(fixture.codes.saved).to.have.length(0);
  }

  it('missing csrf_token → 400 page', async () => {
    const res = await decide(alice, { transaction_id: form.transaction_id, decision: 'allow' });
    await expectRefusedForGood(res);
    expect(res.text).to.include('CSRF token missing or wrong');
  });

  it('wrong csrf_token → 400 page', async () => {
    await expectRefusedForGood(
      await decide(alice, {
        ...form,
        csrf_token: `${form.csrf_token.slice(0, -1)}${form.csrf_token.endsWith('A') ? 'B' : 'A'}`,
        decision: 'allow',
      }),
    );
  });

  it("another page's csrf_token (same session) → 400 page", async () => {
    const other = (await consentPage(alice, spaParams())).form;
    await expectRefusedForGood(
      await decide(alice, {
        transaction_id: form.transaction_id,
        csrf_token: other.csrf_token,
        decision: 'allow',
      }),
    );
  });

  it('a repeated csrf_token field → 400 page', async () => {
    const body = new URLSearchParams([
      ['transaction_id', form.transaction_id],
      ['csrf_token', form.csrf_token],
      ['csrf_token', form.csrf_token],
      ['decision', 'allow'],
    ]);
    const res = await alice.post('/authorize').type('form').send(body.toString());
    expectErrorPage(res, 'invalid_request');
    expect(fixture.codes.saved).to.have.length(0);
  });

  it('wrong or missing transaction_id → 400 page', async () => {
    expectErrorPage(
      await decide(alice, { ...form, transaction_id: 'no-such-transaction', decision: 'allow' }),
      'invalid_request',
    );
    expectErrorPage(
      await decide(alice, { csrf_token: form.csrf_token, decision: 'allow' }),
      'invalid_request',
    );
    expect(fixture.codes.saved).to.have.length(0);
  });

  it('a body that is not a form → 400 page', async () => {
    const res = await alice
      .post('/authorize')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ ...form, decision: 'allow' }));
    expectErrorPage(res, 'invalid_request');
    expect(fixture.codes.saved).to.have.length(0);
  });

  it('a body over 16 KiB → 400 page, and the connection is closed', async () => {
    const res = await alice
      .post('/authorize')
      .type('form')
      .send({ ...form, decision: 'allow', pad: 'a'.repeat(16_384) });
    expectErrorPage(res, 'invalid_request');
    expect(res.headers['connection']).to.equal('close');
    expect(fixture.codes.saved).to.have.length(0);
  });

  it('a replayed POST (the same transaction twice) → the second is a 400 page; one code only', async () => {
    const first = await decide(alice, { ...form, decision: 'allow' });
    expect(expectRedirect(first, CB, { status: 303 }).get('code')).to.be.a('string');
    expectErrorPage(await decide(alice, { ...form, decision: 'allow' }), 'invalid_request');
    expect(fixture.codes.saved).to.have.length(1);
  });

  it('a deny answers the transaction too: allow afterwards → 400 page, nothing issued', async () => {
    expect((await decide(alice, { ...form, decision: 'deny' })).status).to.equal(303);
    expectErrorPage(await decide(alice, { ...form, decision: 'allow' }), 'invalid_request');
    expect(fixture.codes.saved).to.have.length(0);
  });

  it('a POST from another browser that never got the page → 400 page', async () => {
    expectErrorPage(
      await decide(request.agent(fixture.app), { ...form, decision: 'allow' }),
      'invalid_request',
    );
    expect(fixture.codes.saved).to.have.length(0);
  });

  it("a POST from another session of the same user, with this page's fields → 400 page; the page's own answer still works", async () => {
    const elsewhere = await signedIn(fixture.app);
    expectErrorPage(await decide(elsewhere, { ...form, decision: 'allow' }), 'invalid_request');
    expect(fixture.codes.saved).to.have.length(0);
    expectRedirect(await decide(alice, { ...form, decision: 'allow' }), CB, { status: 303 });
  });

  it('the user signed out between page and POST (session kept) → 400 access_denied page', async () => {
    expect((await alice.post('/test/logout')).status).to.equal(204);
    const res = await decide(alice, { ...form, decision: 'allow' });
    await expectRefusedForGood(res, 'access_denied');
    expect(res.text).to.include('signed-in user changed');
  });

  it('another user signed in between page and POST (session kept) → 400 access_denied page; signing back in does not revive it', async () => {
    expect((await alice.post('/test/login/bob')).status).to.equal(204);
    expectErrorPage(await decide(alice, { ...form, decision: 'allow' }), 'access_denied');
    expect((await alice.post('/test/login/alice')).status).to.equal(204);
    expectErrorPage(await decide(alice, { ...form, decision: 'allow' }), 'invalid_request');
    expect(fixture.codes.saved).to.have.length(0);
  });

  it('another user signed in through the login form (keepSessionInfo carries the transaction over) → 400 access_denied page', async () => {
    const login = await alice
      .post('/login')
      .type('form')
      .send({ username: 'bob', password: 'can-we-fix-it' });
    expect(login.status).to.equal(302);
    await expectRefusedForGood(
      await decide(alice, { ...form, decision: 'allow' }),
      'access_denied',
    );
  });

  for (const decision of ['maybe', 'ALLOW', '']) {
    it(`decision=${JSON.stringify(decision)} → 400 page`, async () => {
      await expectRefusedForGood(await decide(alice, { ...form, decision }));
    });
  }

  it('no decision at all → 400 page', async () => {
    await expectRefusedForGood(await decide(alice, { ...form }));
  });

  it('two pages open in one session (two tabs) are answered independently', async () => {
    const second = (await consentPage(alice, spaParams({ scope: 'write', state: 'tab-2' }))).form;
    const a = expectRedirect(await decide(alice, { ...second, decision: 'allow' }), CB, {
      status: 303,
    });
    expect(a.get('state')).to.equal('tab-2');
    const b = expectRedirect(await decide(alice, { ...form, decision: 'allow' }), CB, {
      status: 303,
    });
    expect(b.get('state')).to.equal('st-123');
    expect(fixture.codes.saved.map((c) => c.scope)).to.deep.equal([['write'], ['profile', 'read']]);
  });

  it('a session keeps the 8 newest transactions: the oldest of 9 open pages expires', async () => {
    const later: ConsentForm[] = [];
    for (let i = 0; i < 8; i++) later.push((await consentPage(alice, spaParams())).form);
    expectErrorPage(await decide(alice, { ...form, decision: 'allow' }), 'invalid_request');
    expectRedirect(await decide(alice, { ...(later[0] as ConsentForm), decision: 'allow' }), CB, {
      status: 303,
    });
  });
});

describe('authorize(): transactionLifetime (frozen clock)', () => {
  it('a page answered within its lifetime works', async () => {
    const { app, clock } = authorizeApp({
      authorize: { loginUrl: '/login', transactionLifetime: 60 },
    });
    const alice = await signedIn(app);
    const { form } = await consentPage(alice, spaParams());
    clock.advance(59);
    expectRedirect(await decide(alice, { ...form, decision: 'allow' }), CB, { status: 303 });
  });

  it('a transaction older than transactionLifetime → 400 page, nothing issued', async () => {
    const { app, clock, codes } = authorizeApp({
      authorize: { loginUrl: '/login', transactionLifetime: 60 },
    });
    const alice = await signedIn(app);
    const { form } = await consentPage(alice, spaParams());
    clock.advance(60);
    const res = await decide(alice, { ...form, decision: 'allow' });
    expectErrorPage(res, 'invalid_request');
    expect(res.text).to.include('expired or was already answered');
    expect(codes.saved).to.have.length(0);
  });

  it('the default lifetime is 600 seconds', async () => {
    const { app, clock, codes } = authorizeApp();
    const alice = await signedIn(app);
    const first = (await consentPage(alice, spaParams())).form;
    const second = (await consentPage(alice, spaParams())).form;
    clock.advance(599);
    expectRedirect(await decide(alice, { ...first, decision: 'allow' }), CB, { status: 303 });
    clock.advance(1);
    expectErrorPage(await decide(alice, { ...second, decision: 'allow' }), 'invalid_request');
    expect(codes.saved).to.have.length(1);
  });
});

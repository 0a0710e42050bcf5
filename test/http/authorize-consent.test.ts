/**
 * authorize(): the consent page (content, headers, escaping), remembered and
 * first-party consent, and how a host overrides the views or the rendering.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import type { ConsentLocals, ViewLocals } from '../../index.js';
import {
  authorizeApp,
  authorizePath,
  CB,
  consentPage,
  decide,
  DESCRIPTIONS,
  EVIL_NAME,
  expectErrorPage,
  expectRedirect,
  formFields,
  htmlEscape,
  ISSUER,
  signedIn,
  spaParams,
  type Agent,
} from '../support/authorize-app.js';

describe('authorize(): the consent page', () => {
  const { app } = authorizeApp();
  let alice: Agent;
  before(async () => {
    alice = await signedIn(app);
  });

  it('is sent with no-store and anti-framing headers', async () => {
    // RFC 6749 10.13: "avoidance of iframes can be enforced by the authorization server
    // using the (non-standard) "x-frame-options" header."
    const res = await alice.get(authorizePath(spaParams()));
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.equal('text/html; charset=utf-8');
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(res.headers['x-frame-options']).to.equal('DENY');
    expect(res.headers['content-security-policy']).to.equal("frame-ancestors 'none'");
    expect(res.headers['referrer-policy']).to.equal('no-referrer');
    expect(res.headers['location']).to.equal(undefined);
  });

  it("shows the client's name, each requested scope's description and the user's name", async () => {
    const { html } = await consentPage(alice, spaParams({ scope: 'profile read' }));
    expect(html).to.include('<h1>Photo Printer wants to access your account</h1>');
    expect(html).to.include('Signed in as <strong>Alice Liddell</strong>');
    expect(html).to.include(`<li>${DESCRIPTIONS.profile} <code>(profile)</code></li>`);
    expect(html).to.include(`<li>${DESCRIPTIONS.read} <code>(read)</code></li>`);
    expect(html).not.to.include(DESCRIPTIONS.write);
  });

  it('lists the resources (RFC 8707) the tokens will be for, escaped; none without resource', async () => {
    const api = 'https://api.example.com/mcp?tenant=1&x=2';
    const { app } = authorizeApp({ provider: { resources: [{ resource: api }] } });
    const agent = await signedIn(app);
    const { html } = await consentPage(agent, spaParams({ resource: api }));
    expect(html).to.include('<li><code>https://api.example.com/mcp?tenant=1&amp;x=2</code></li>');
    const plain = await consentPage(agent, spaParams());
    expect(plain.html).not.to.include('Only at:');
  });

  it('a request without scope shows the default scope', async () => {
    const { scope: _s, ...params } = spaParams();
    const { html } = await consentPage(alice, params);
    expect(html).to.include(`<li>${DESCRIPTIONS.profile} <code>(profile)</code></li>`);
    expect(html).not.to.include(DESCRIPTIONS.read);
  });

  it('a scope without a description is shown by its name', async () => {
    const plain = authorizeApp({
      provider: { scopes: { available: ['profile', 'read'], default: ['profile'] } },
    });
    const { html } = await consentPage(await signedIn(plain.app), spaParams());
    expect(html).to.include('<li>profile</li>');
    expect(html).to.include('<li>read</li>');
  });

  it('has a form posting to the endpoint with hidden transaction_id and csrf_token and allow/deny buttons', async () => {
    const { html, form } = await consentPage(alice, spaParams());
    expect(html).to.include('<form method="post" action="/authorize">');
    expect(form.transaction_id).to.match(/^[A-Za-z0-9_-]{22,}$/);
    expect(form.csrf_token).to.match(/^[A-Za-z0-9_-]{43,}$/);
    expect(html).to.include('<button type="submit" name="decision" value="allow"');
    expect(html).to.include('<button type="submit" name="decision" value="deny"');
    expect(html, 'no remember checkbox unless consent.remember is on').not.to.include(
      'name="remember"',
    );
  });

  it('every page has its own transaction and CSRF token', async () => {
    const a = (await consentPage(alice, spaParams())).form;
    const b = (await consentPage(alice, spaParams())).form;
    expect(b.transaction_id).not.to.equal(a.transaction_id);
    expect(b.csrf_token).not.to.equal(a.csrf_token);
  });

  it('escapes every value: a client name, a scope description and a user name with markup and quotes', async () => {
    const evilDescription = `<img src=x onerror="alert('w')">`;
    const evil = authorizeApp({
      provider: {
        scopes: {
          available: ['profile', 'write'],
          default: ['profile'],
          descriptions: { write: evilDescription },
        },
      },
    });
    const bob = await signedIn(evil.app, 'bob');
    const { html } = await consentPage(
      bob,
      spaParams({ client_id: 'evil', scope: 'profile write' }),
    );
    expect(html).not.to.include('<script>alert');
    expect(html).not.to.include('<img src=x');
    expect(html).not.to.include('<b>"the builder"</b>');
    expect(html).to.include(`<title>Allow ${htmlEscape(EVIL_NAME)} access?</title>`);
    expect(html).to.include(`<h1>${htmlEscape(EVIL_NAME)} wants to access your account</h1>`);
    expect(html).to.include(`<li>${htmlEscape(evilDescription)} <code>(write)</code></li>`);
    expect(html).to.include(
      `Signed in as <strong>${htmlEscape('Bob <b>"the builder"</b>')}</strong>`,
    );
  });

  it('a request naming a client by a name full of markup shows an escaped error page', async () => {
    const res = await request(app).get(
      authorizePath(spaParams({ client_id: '<script>x</script>' })),
    );
    expectErrorPage(res, 'invalid_client');
    expect(res.text).not.to.include('<script>x');
  });
});

describe('authorize(): remembered consent (consent: { remember: true })', () => {
  const allowRemembered = async (
    agent: Agent,
    params: Record<string, string>,
    remember: boolean,
  ): Promise<void> => {
    const { form } = await consentPage(agent, params);
    const res = await decide(agent, {
      ...form,
      decision: 'allow',
      ...(remember ? { remember: '1' } : {}),
    });
    expect(expectRedirect(res, CB, { status: 303 }).get('code')).to.be.a('string');
  };
  /** Asserts the request skipped the page: 302 straight to the redirect URI with a code. */
  const expectSkipped = async (agent: Agent, params: Record<string, string>): Promise<void> => {
    const res = await agent.get(authorizePath(params));
    const out = expectRedirect(res, CB, { status: 302 });
    expect(out.get('code')).to.be.a('string');
    expect(out.get('state')).to.equal('st-123');
  };
  const expectAsked = async (agent: Agent, params: Record<string, string>): Promise<void> => {
    await consentPage(agent, params);
  };

  it('the page offers a remember checkbox', async () => {
    const { app } = authorizeApp({ provider: { consent: { remember: true } } });
    const { html } = await consentPage(await signedIn(app), spaParams());
    expect(html).to.include('<input type="checkbox" name="remember" value="1">');
  });

  it('after allow with remember, the same or fewer scopes skip the page; more scopes, another client or another user are asked', async () => {
    const { app, codes } = authorizeApp({ provider: { consent: { remember: true } } });
    const alice = await signedIn(app);
    await allowRemembered(alice, spaParams({ scope: 'profile read' }), true);
    await expectSkipped(alice, spaParams({ scope: 'profile read' }));
    await expectSkipped(alice, spaParams({ scope: 'read' }));
    expect(codes.saved).to.have.length(3);
    await expectAsked(alice, spaParams({ scope: 'profile read write' }));
    await expectAsked(alice, spaParams({ client_id: 'multi' }));
    await expectAsked(await signedIn(app, 'bob'), spaParams({ scope: 'profile read' }));
  });

  it('a consent remembered without resource does not cover a request naming one (RFC 8707; more in authorize-consent-resources.test.ts)', async () => {
    const api = 'https://api.example.com/mcp';
    const { app } = authorizeApp({
      provider: { consent: { remember: true }, resources: [{ resource: api }] },
    });
    const alice = await signedIn(app);
    await allowRemembered(alice, spaParams({ scope: 'profile read' }), true);
    await expectSkipped(alice, spaParams({ scope: 'profile read' }));
    await expectAsked(alice, spaParams({ scope: 'profile read', resource: api }));
  });

  it('a remembered consent grows with the next remembered allow', async () => {
    const { app } = authorizeApp({ provider: { consent: { remember: true } } });
    const alice = await signedIn(app);
    await allowRemembered(alice, spaParams({ scope: 'profile' }), true);
    await allowRemembered(alice, spaParams({ scope: 'write' }), true);
    await expectSkipped(alice, spaParams({ scope: 'profile write' }));
  });

  it('without remember checked, the user is asked again', async () => {
    const { app } = authorizeApp({ provider: { consent: { remember: true } } });
    const alice = await signedIn(app);
    await allowRemembered(alice, spaParams(), false);
    await expectAsked(alice, spaParams());
  });

  it('deny with remember checked remembers nothing', async () => {
    const { app } = authorizeApp({ provider: { consent: { remember: true } } });
    const alice = await signedIn(app);
    const { form } = await consentPage(alice, spaParams());
    await decide(alice, { ...form, decision: 'deny', remember: '1' });
    await expectAsked(alice, spaParams());
  });

  it('a remembered consent ends after its lifetime (frozen clock)', async () => {
    const { app, clock } = authorizeApp({
      provider: { consent: { remember: { lifetime: 3600 } } },
    });
    const alice = await signedIn(app);
    await allowRemembered(alice, spaParams(), true);
    clock.advance(3599);
    await expectSkipped(alice, spaParams());
    clock.advance(1);
    await expectAsked(alice, spaParams());
  });

  it('off by default: a remember field sent anyway is ignored', async () => {
    const { app } = authorizeApp();
    const alice = await signedIn(app);
    await allowRemembered(alice, spaParams(), true);
    await expectAsked(alice, spaParams());
  });

  it('a user who is not signed in is still sent to log in first', async () => {
    const { app } = authorizeApp({ provider: { consent: { remember: true } } });
    const res = await request(app).get(authorizePath(spaParams()));
    expect(res.status).to.equal(302);
    expect(res.headers['location']).to.equal('/login');
  });
});

describe('authorize(): first-party clients (consent: { skipForFirstParty: true })', () => {
  it('a firstParty client skips the page: 302 straight to the redirect URI with a code', async () => {
    const { app, codes } = authorizeApp({ provider: { consent: { skipForFirstParty: true } } });
    const res = await (await signedIn(app)).get(authorizePath(spaParams({ client_id: 'first' })));
    const out = expectRedirect(res, CB, { status: 302 });
    expect(out.get('code')).to.be.a('string');
    expect(out.get('state')).to.equal('st-123');
    expect(codes.saved).to.have.length(1);
    expect(codes.saved[0]).to.include({ clientId: 'first', subject: 'user-alice' });
  });

  it('other clients are still asked', async () => {
    const { app } = authorizeApp({ provider: { consent: { skipForFirstParty: true } } });
    await consentPage(await signedIn(app), spaParams());
  });

  it('without the option, a firstParty client is asked', async () => {
    const { app } = authorizeApp();
    const { html } = await consentPage(await signedIn(app), spaParams({ client_id: 'first' }));
    expect(html).to.include('Our Own App wants to access your account');
  });
});

describe('authorize(): the host overrides the views or the rendering', () => {
  const dirs: string[] = [];
  /** A temporary views directory holding `files` (name → EJS source). */
  const viewsDir = (files: Record<string, string>): string => {
    const dir = mkdtempSync(join(tmpdir(), 'authorize-views-'));
    dirs.push(dir);
    for (const [name, source] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), source);
    }
    return dir;
  };
  const customConsent = (label: string) =>
    `<h1 id="custom">${label} consent for <%= client.name %></h1>` +
    '<form method="post" action="<%= action %>">' +
    '<input type="hidden" name="transaction_id" value="<%= transactionId %>">' +
    '<input type="hidden" name="csrf_token" value="<%= csrfToken %>">' +
    '</form>';

  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("an oauth2/consent.ejs in the host's views directory (app.set('views', [dir])) takes precedence, and its form works", async () => {
    const dir = viewsDir({ 'oauth2/consent.ejs': customConsent('Host') });
    const { app } = authorizeApp({ configure: (a) => a.set('views', [dir]) });
    const alice = await signedIn(app);
    const res = await alice.get(authorizePath(spaParams()));
    expect(res.status).to.equal(200);
    expect(res.text).to.include('<h1 id="custom">Host consent for Photo Printer</h1>');
    expect(res.headers['x-frame-options']).to.equal('DENY');
    expect(res.headers['content-security-policy']).to.equal("frame-ancestors 'none'");
    const allowed = await decide(alice, { ...formFields(res.text), decision: 'allow' });
    expect(expectRedirect(allowed, CB, { status: 303 }).get('code')).to.be.a('string');
  });

  it("a views setting given as a string works too; the package's error page is used where the host has none", async () => {
    const dir = viewsDir({ 'oauth2/consent.ejs': customConsent('String') });
    const { app } = authorizeApp({ configure: (a) => a.set('views', dir) });
    const { html } = await consentPage(await signedIn(app), spaParams());
    expect(html).to.include('String consent for Photo Printer');
    expectErrorPage(
      await request(app).get(authorizePath(spaParams({ client_id: 'nobody' }))),
      'invalid_client',
    );
  });

  it('a host oauth2/error.ejs replaces the error page', async () => {
    const dir = viewsDir({
      'oauth2/error.ejs': '<p id="host-error">Oops: <%= error.code %> (<%= status %>)</p>',
    });
    const { app } = authorizeApp({ configure: (a) => a.set('views', [dir]) });
    const res = await request(app).get(authorizePath(spaParams({ client_id: 'nobody' })));
    expect(res.status).to.equal(400);
    expect(res.text).to.equal('<p id="host-error">Oops: invalid_client (400)</p>');
    expect(res.headers['cache-control']).to.equal('no-store');
  });

  it("authorize({ views: dir }) takes precedence over the host's views setting", async () => {
    const hostDir = viewsDir({ 'oauth2/consent.ejs': customConsent('Host') });
    const optionDir = viewsDir({ 'oauth2/consent.ejs': customConsent('Option') });
    const { app } = authorizeApp({
      configure: (a) => a.set('views', [hostDir]),
      authorize: { loginUrl: '/login', views: optionDir },
    });
    const { html } = await consentPage(await signedIn(app), spaParams());
    expect(html).to.include('Option consent for Photo Printer');
    expect(html).not.to.include('Host consent');
  });

  it('authorize({ render }) replaces rendering: it gets the locals, including transactionId and csrfToken', async () => {
    const seen: ViewLocals[] = [];
    const { app } = authorizeApp({
      authorize: {
        loginUrl: '/login',
        render(_req, res, locals) {
          seen.push(locals);
          res.setHeader('Content-Type', 'application/json');
          res.end(JSON.stringify(locals));
        },
      },
    });
    const alice = await signedIn(app);
    const res = await alice.get(authorizePath(spaParams()));
    expect(res.status).to.equal(200);
    expect(res.headers['x-frame-options']).to.equal('DENY');
    expect(seen).to.have.length(1);
    const locals = seen[0] as ConsentLocals;
    expect(res.body).to.deep.equal(JSON.parse(JSON.stringify(locals)));
    expect(locals).to.deep.include({
      view: 'consent',
      issuer: ISSUER,
      client: { id: 'spa', name: 'Photo Printer' },
      scopes: [
        { name: 'profile', description: DESCRIPTIONS.profile },
        { name: 'read', description: DESCRIPTIONS.read },
      ],
      user: { subject: 'user-alice', name: 'Alice Liddell' },
      action: '/authorize',
      rememberable: false,
    });
    expect(locals.transactionId).to.be.a('string');
    expect(locals.csrfToken).to.be.a('string');
    const allowed = await decide(alice, {
      transaction_id: locals.transactionId,
      csrf_token: locals.csrfToken,
      decision: 'allow',
    });
    expect(expectRedirect(allowed, CB, { status: 303 }).get('code')).to.be.a('string');

    const error = await request(app).get(authorizePath(spaParams({ client_id: 'nobody' })));
    expect(error.status).to.equal(400);
    expect(seen[1]).to.deep.include({ view: 'error', status: 400 });
    expect((seen[1] as { error: { code: string } }).error.code).to.equal('invalid_client');
  });
});

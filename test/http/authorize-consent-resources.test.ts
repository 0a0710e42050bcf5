/**
 * authorize(): a remembered consent knows its resources (RFC 8707). With
 * `consent: { remember: true }` a request skips the page only when the user
 * consented, on a page, to every scope AND every resource server it names; a
 * request without `resource` (the default audience) only when the user once
 * consented without `resource`. Driven through the Passport test app
 * (test/support/authorize-app.ts) on a frozen clock.
 *
 * How this could be abused, and the test that shows it is not:
 * - widening the audience: a consent for one API reused for another, for more
 *   APIs at once, for an API whose URL merely starts with the consented one, or
 *   for the default audience → the page each time;
 * - cross-client and cross-user reuse → the page;
 * - a decision POST that adds `resource` fields → not remembered;
 * - a consent taken back (authorized apps, expiry) → the page again;
 * - `prompt=none` where a page would be needed → `consent_required`, no code.
 */
import { expect } from 'chai';
import {
  MemoryRecordStore,
  type AuthorizationCodeRecord,
  type OAuthEvent,
  type RecordStore,
} from '../../index.js';
import {
  authorizeApp,
  authorizePath,
  CB,
  consentPage,
  decide,
  expectErrorPage,
  expectErrorRedirect,
  expectRedirect,
  redeem,
  signedIn,
  spaParams,
  type Agent,
  type AuthorizeApp,
  type AuthorizeAppOptions,
  type Params,
} from '../support/authorize-app.js';

const API = 'https://api.example.com/mcp';
const FILES = 'https://files.example.com/';
/** Configured too: an API whose URL starts with API's. */
const API_ADMIN = 'https://api.example.com/mcp/admin';
const LIFETIME = 3600;

interface Fixture extends AuthorizeApp {
  /** Every `consent.granted` event, in order. */
  granted: { clientId: string; subject: string; automatic: boolean }[];
  records: RecordStore;
}

function fixture(options: AuthorizeAppOptions = {}): Fixture {
  let records: RecordStore | undefined;
  const fx = authorizeApp({
    ...options,
    records: (clock) => (records = new MemoryRecordStore({ clock })),
    provider: {
      consent: { remember: { lifetime: LIFETIME } },
      resources: [{ resource: API }, { resource: FILES }, { resource: API_ADMIN }],
      ...options.provider,
    },
  });
  const granted: Fixture['granted'] = [];
  fx.oauth.provider.events.on('consent.granted', (e: OAuthEvent) => {
    if (e.type === 'consent.granted')
      granted.push({ clientId: e.clientId, subject: e.subject, automatic: e.automatic });
  });
  return { ...fx, granted, records: records as RecordStore };
}

/** spa's code request for `resources` (none: the default audience), with `extra`. */
function forResources(resources: string[], extra: Record<string, string> = {}): Params {
  return [
    ...Object.entries(spaParams(extra)),
    ...resources.map((r): [string, string] => ['resource', r]),
  ];
}

/** Events are emitted after the fact: lets them arrive. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Shows the page, allows it (remembering unless `remember` is false); the code. */
async function allow(agent: Agent, params: Params, remember = true): Promise<string> {
  const { form } = await consentPage(agent, params);
  const res = await decide(agent, {
    ...form,
    decision: 'allow',
    ...(remember ? { remember: '1' } : {}),
  });
  return expectRedirect(res, CB, { status: 303 }).get('code') as string;
}

/** Asserts the page was skipped: 302 straight to the redirect URI with a code and the state. */
async function expectSkipped(agent: Agent, params: Params): Promise<string> {
  const out = expectRedirect(await agent.get(authorizePath(params)), CB, { status: 302 });
  expect(out.get('state')).to.equal('st-123');
  expect(out.get('code')).to.be.a('string');
  return out.get('code') as string;
}

/** Asserts the consent page (200 with the form): the user is asked. */
async function expectAsked(agent: Agent, params: Params): Promise<void> {
  await consentPage(agent, params);
}

function lastCode(fx: AuthorizeApp): AuthorizationCodeRecord {
  return fx.codes.saved[fx.codes.saved.length - 1] as AuthorizationCodeRecord;
}

describe('authorize(): remembered consent with resources (RFC 8707)', () => {
  it('consent for X remembered → the next request for X skips the page: a code for X, consent.granted automatic: true', async () => {
    const fx = fixture();
    const alice = await signedIn(fx.app);
    await allow(alice, forResources([API]));
    const code = await expectSkipped(alice, forResources([API]));
    expect(lastCode(fx).resources).to.deep.equal([API]);
    await settle();
    expect(fx.granted).to.deep.equal([
      { clientId: 'spa', subject: 'user-alice', automatic: false },
      { clientId: 'spa', subject: 'user-alice', automatic: true },
    ]);
    // RFC 8707 2.2: the token is for the resource the code was granted for.
    const token = await redeem(fx.app, { code, resource: API });
    expect(token.status, token.text).to.equal(200);
    expect(token.body.scope).to.equal('profile read');
  });

  it('consent.remembered names the resources the consent now covers', async () => {
    const fx = fixture();
    const remembered: OAuthEvent[] = [];
    fx.oauth.provider.events.on('consent.remembered', (e: OAuthEvent) => {
      remembered.push(e);
    });
    const alice = await signedIn(fx.app);
    await allow(alice, forResources([API, FILES]));
    await settle();
    expect(remembered).to.deep.equal([
      {
        type: 'consent.remembered',
        time: fx.clock(),
        clientId: 'spa',
        subject: 'user-alice',
        scope: ['profile', 'read'],
        resources: [API, FILES],
      },
    ]);
  });

  it('the store holds the scopes and the resources the user saw', async () => {
    const fx = fixture();
    const alice = await signedIn(fx.app);
    await allow(alice, forResources([API], { scope: 'read' }));
    expect(await fx.oauth.provider.stores.consents.find('user-alice', 'spa')).to.deep.equal({
      scope: ['read'],
      resources: [API],
    });
  });

  it('after consent for X only, a request for Y, for X and Y, or for a URL that starts with X shows the page', async () => {
    const fx = fixture();
    const alice = await signedIn(fx.app);
    await allow(alice, forResources([API]));
    await expectAsked(alice, forResources([FILES]));
    await expectAsked(alice, forResources([API, FILES]));
    await expectAsked(alice, forResources([API_ADMIN])); // exact strings, never a prefix
    expect(fx.codes.saved).to.have.length(1);
  });

  it('after consent for X and for Y (two pages), X, Y and X with Y skip the page', async () => {
    const fx = fixture();
    const alice = await signedIn(fx.app);
    await allow(alice, forResources([API]));
    await allow(alice, forResources([FILES]));
    await expectSkipped(alice, forResources([API]));
    await expectSkipped(alice, forResources([FILES]));
    await expectSkipped(alice, forResources([API, FILES]));
    expect(lastCode(fx).resources).to.deep.equal([API, FILES]);
    expect(await fx.oauth.provider.stores.consents.find('user-alice', 'spa')).to.deep.equal({
      scope: ['profile', 'read'],
      resources: [API, FILES],
    });
  });

  it('one page for X and Y together covers each of them', async () => {
    const fx = fixture();
    const alice = await signedIn(fx.app);
    await allow(alice, forResources([API, FILES]));
    await expectSkipped(alice, forResources([FILES]));
    await expectSkipped(alice, forResources([API]));
  });

  it('a scope not consented to shows the page even for a consented resource', async () => {
    const fx = fixture();
    const alice = await signedIn(fx.app);
    await allow(alice, forResources([API], { scope: 'read' }));
    await expectSkipped(alice, forResources([API], { scope: 'read' }));
    await expectAsked(alice, forResources([API], { scope: 'read write' }));
  });

  it('the default audience (no resource) after consent for X only shows the page', async () => {
    const fx = fixture();
    const alice = await signedIn(fx.app);
    await allow(alice, forResources([API]));
    await expectAsked(alice, forResources([]));
  });

  it('after consenting without resource and then for X, both skip; the default-audience consent is kept', async () => {
    const fx = fixture();
    const alice = await signedIn(fx.app);
    await allow(alice, forResources([]));
    await expectSkipped(alice, forResources([]));
    await expectAsked(alice, forResources([API]));
    await allow(alice, forResources([API]));
    await expectSkipped(alice, forResources([API]));
    await expectSkipped(alice, forResources([]));
    expect(await fx.oauth.provider.stores.consents.find('user-alice', 'spa')).to.deep.equal({
      scope: ['profile', 'read'],
      resources: [API],
      defaultAudience: true,
    });
  });

  it('after consenting for X and then without resource, both skip', async () => {
    const fx = fixture();
    const alice = await signedIn(fx.app);
    await allow(alice, forResources([API]));
    await allow(alice, forResources([]));
    await expectSkipped(alice, forResources([]));
    await expectSkipped(alice, forResources([API]));
    await expectAsked(alice, forResources([FILES]));
  });

  it('a consent remembered before resources were (no `resources` in the record) covers the default audience only', async () => {
    const fx = fixture();
    const alice = await signedIn(fx.app);
    const old = { subject: 'user-alice', clientId: 'spa', scope: ['profile', 'read'] };
    await fx.records.put('consent', 'user-alice\nspa', old, LIFETIME, { subject: 'user-alice' });
    await expectSkipped(alice, forResources([]));
    await expectAsked(alice, forResources([API]));
  });

  it('a consent for X is not used by another client or another user', async () => {
    const fx = fixture();
    const alice = await signedIn(fx.app);
    await allow(alice, forResources([API]));
    await expectAsked(alice, forResources([API], { client_id: 'multi' }));
    await expectAsked(await signedIn(fx.app, 'bob'), forResources([API]));
  });

  /** POSTs the decision for `form` with `extra` fields, repeated ones included. */
  const decideWith = (agent: Agent, form: Record<string, string>, extra: [string, string][]) =>
    agent
      .post('/authorize')
      .type('form')
      .send(
        new URLSearchParams([
          ...Object.entries({ ...form, decision: 'allow', remember: '1' }),
          ...extra,
        ]).toString(),
      );

  it('a resource field added to the decision POST is ignored: only what the page showed is remembered', async () => {
    const fx = fixture();
    const alice = await signedIn(fx.app);
    const { form } = await consentPage(alice, forResources([API]));
    const res = await decideWith(alice, { ...form }, [['resource', FILES]]);
    expectRedirect(res, CB, { status: 303 });
    expect(lastCode(fx).resources).to.deep.equal([API]);
    await expectAsked(alice, forResources([FILES]));
    expect(await fx.oauth.provider.stores.consents.find('user-alice', 'spa')).to.deep.equal({
      scope: ['profile', 'read'],
      resources: [API],
    });
  });

  it('repeated resource fields in the decision POST: the 400 page, nothing remembered, no code', async () => {
    const fx = fixture();
    const alice = await signedIn(fx.app);
    const { form } = await consentPage(alice, forResources([API]));
    const res = await decideWith(alice, { ...form }, [
      ['resource', FILES],
      ['resource', API_ADMIN],
    ]);
    expectErrorPage(res, 'invalid_request');
    expect(res.text).to.include('the parameter &#39;resource&#39; must not be repeated');
    expect(fx.codes.saved).to.have.length(0);
    expect(await fx.oauth.provider.stores.consents.find('user-alice', 'spa')).to.equal(undefined);
  });

  it('allow without remember remembers no resource', async () => {
    const fx = fixture();
    const alice = await signedIn(fx.app);
    await allow(alice, forResources([API]), false);
    await expectAsked(alice, forResources([API]));
  });

  it('a consent for X ends after its lifetime (frozen clock)', async () => {
    const fx = fixture();
    const alice = await signedIn(fx.app);
    await allow(alice, forResources([API]));
    fx.clock.advance(LIFETIME - 1);
    await expectSkipped(alice, forResources([API]));
    fx.clock.advance(1);
    await expectAsked(alice, forResources([API]));
  });

  it('revoking the app (authorized apps) forgets the resources: X shows the page again', async () => {
    const fx = fixture();
    const alice = await signedIn(fx.app);
    await allow(alice, forResources([API]));
    const [app] = await fx.oauth.provider.authorizedApps.list('user-alice');
    expect(app).to.include({ clientId: 'spa' });
    expect(app?.resources).to.deep.equal([API]);
    expect(await fx.oauth.provider.authorizedApps.revoke('user-alice', 'spa')).to.equal(1);
    expect(await fx.oauth.provider.stores.consents.find('user-alice', 'spa')).to.equal(undefined);
    await expectAsked(alice, forResources([API]));
  });

  it('authorized apps list the resources of a remembered consent that has no grant left', async () => {
    const fx = fixture();
    await fx.oauth.provider.stores.consents.save(
      'user-alice',
      'spa',
      { scope: ['read'], resources: [FILES] },
      LIFETIME,
    );
    const apps = await fx.oauth.provider.authorizedApps.list('user-alice');
    expect(apps).to.deep.equal([
      {
        clientId: 'spa',
        clientName: 'Photo Printer',
        scopes: ['read'],
        resources: [FILES],
        grantedAt: undefined,
        lastUsedAt: undefined,
      },
    ]);
  });
});

describe('authorize(): remembered consent with resources and OpenID Connect prompt', () => {
  const oidc = (resources: string[], prompt?: string): Params =>
    forResources(resources, { scope: 'openid profile', ...(prompt ? { prompt } : {}) });
  // `openid` named with the scopes: a resource's default scopes are the
  // configured ones, and `openid` is added to those only after (left as found).
  const openid = {
    openid: { claims: () => ({}) },
    scopes: { available: ['openid', 'profile', 'read', 'write'], default: ['profile'] },
  };

  it('prompt=consent shows the page although X is remembered', async () => {
    const fx = fixture({ provider: openid });
    const alice = await signedIn(fx.app);
    await allow(alice, oidc([API]));
    await expectSkipped(alice, oidc([API]));
    await expectAsked(alice, oidc([API], 'consent'));
  });

  it('prompt=none for Y after consent for X only → consent_required, redirected with state and iss; no code', async () => {
    // OIDC Core 3.1.2.6: "consent_required: The Authorization Server requires End-User consent."
    const fx = fixture({ provider: openid });
    const alice = await signedIn(fx.app);
    await allow(alice, oidc([API]));
    const res = await alice.get(authorizePath(oidc([FILES], 'none')));
    const params = expectErrorRedirect(res, 'consent_required');
    expect(params.get('error_description')).to.equal('the user must be asked for consent');
    expect(fx.codes.saved).to.have.length(1);
    await expectSkipped(alice, oidc([API], 'none'));
  });

  it('prompt=none without resource after consent for X only → consent_required', async () => {
    const fx = fixture({ provider: openid });
    const alice = await signedIn(fx.app);
    await allow(alice, oidc([API]));
    expectErrorRedirect(await alice.get(authorizePath(oidc([], 'none'))), 'consent_required');
    expect(fx.codes.saved).to.have.length(1);
  });
});

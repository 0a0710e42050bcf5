/**
 * The end-session engine (lib/endpoints/openid/end-session.ts) without HTTP,
 * over a client store the test changes: what `check` answers, `resume` looking
 * the client up again, `logoutLocation`, the event; and, through the Passport
 * test app, a client whose registration changes between the question and the
 * answer, and a client store that is down; and the configured clients'
 * `postLogoutRedirectUris`.
 */
import { expect } from 'chai';
import {
  defineClient,
  silentLogger,
  StoreUnavailableError,
  type Client,
  type ClientStore,
  type OAuthEvent,
} from '../../index.js';
import {
  CLIENT_NEEDED,
  EndSession,
  logoutLocation,
  NOT_REGISTERED,
  UNKNOWN_CLIENT,
} from '../../lib/endpoints/openid/end-session.js';
import { resolveOpenIdOptions } from '../../lib/endpoints/openid/options.js';
import { OAuthEventBus } from '../../lib/engine/events.js';
import { InvalidRequestError, type OAuthError } from '../../lib/errors.js';
import { signIdToken } from '../../lib/tokens/id-token.js';
import { generateSigningKey, KeySet } from '../../lib/tokens/keys.js';
import { expectErrorPage, signedIn } from '../support/authorize-app.js';
import {
  answer,
  askedToLogOut,
  endSessionPath,
  expectPageHeaders,
  logoutApp,
  sessionUser,
} from './end-session-fixture.js';

const ISSUER = 'https://auth.example.test';
const NOW = Date.UTC(2026, 0, 1);
const LO = 'https://rp.example/bye';

/** A client store the test can change and take down; it counts lookups. */
class ChangingClients implements ClientStore {
  readonly clients = new Map<string, Client>();
  down = false;
  lookups = 0;
  async find(clientId: string): Promise<Client | undefined> {
    this.lookups += 1;
    if (this.down) throw new StoreUnavailableError('the client store is down');
    return this.clients.get(clientId);
  }
}

function rp(postLogoutRedirectUris: readonly string[] = [LO]): Client {
  return defineClient({
    id: 'rp',
    tokenEndpointAuthMethods: ['none'],
    redirectUris: ['https://rp.example/cb'],
    postLogoutRedirectUris,
  });
}

function engine() {
  const keys = new KeySet([generateSigningKey('ES256')]);
  const store = new ChangingClients();
  store.clients.set('rp', rp());
  const events = new OAuthEventBus(silentLogger);
  const seen: OAuthEvent[] = [];
  events.on('session.ended', (e) => {
    seen.push(e);
  });
  const openid = resolveOpenIdOptions({ claims: () => ({}) })!;
  const es = new EndSession({
    clients: store,
    keys,
    issuer: ISSUER,
    clock: () => NOW,
    openid,
    events,
  });
  const hint = (subject: string, clientId = 'rp') =>
    signIdToken(keys, {
      issuer: ISSUER,
      subject,
      clientId,
      accessToken: 'x',
      now: NOW / 1000,
      lifetime: 3600,
      context: {},
    });
  return { es, store, seen, hint };
}

async function rejection(promise: Promise<unknown>): Promise<OAuthError> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(InvalidRequestError);
    return err as OAuthError;
  }
  throw new Error('expected a refusal');
}

const params = (p: Record<string, string>): Readonly<Record<string, string>> =>
  Object.assign(Object.create(null) as Record<string, string>, p);

describe('end_session engine: check', () => {
  it('no parameters: an empty request, no client looked up, nobody named', async () => {
    const { es, store } = engine();
    const checked = await es.check(params({}), 'alice');
    expect(checked).to.deep.equal({
      request: {
        clientId: undefined,
        clientName: undefined,
        postLogoutRedirectUri: undefined,
        state: undefined,
        uiLocales: undefined,
      },
      sameUser: false,
    });
    expect(store.lookups).to.equal(0);
  });

  it('a hint for the signed-in user: sameUser; for another user or nobody signed in: not', async () => {
    const { es, hint } = engine();
    expect((await es.check(params({ id_token_hint: hint('alice') }), 'alice')).sameUser).to.equal(
      true,
    );
    expect((await es.check(params({ id_token_hint: hint('bob') }), 'alice')).sameUser).to.equal(
      false,
    );
    expect((await es.check(params({ id_token_hint: hint('alice') }), undefined)).sameUser).to.equal(
      false,
    );
  });

  it('the checked request keeps only the known, checked parameters', async () => {
    const { es } = engine();
    const checked = await es.check(
      params({
        client_id: 'rp',
        post_logout_redirect_uri: LO,
        state: 's',
        ui_locales: 'de',
        logout_hint: 'alice@example.com',
        junk: 'x'.repeat(5000),
      }),
      undefined,
    );
    expect(checked.request).to.deep.equal({
      clientId: 'rp',
      clientName: 'rp',
      postLogoutRedirectUri: LO,
      state: 's',
      uiLocales: 'de',
    });
  });

  it('refusals: no client for the URI, unknown client, unregistered URI', async () => {
    const { es } = engine();
    expect(
      (await rejection(es.check(params({ post_logout_redirect_uri: LO }), undefined))).description,
    ).to.equal(CLIENT_NEEDED);
    expect((await rejection(es.check(params({ client_id: 'x' }), undefined))).description).to.equal(
      UNKNOWN_CLIENT,
    );
    expect(
      (
        await rejection(
          es.check(params({ client_id: 'rp', post_logout_redirect_uri: `${LO}/` }), undefined),
        )
      ).description,
    ).to.equal(NOT_REGISTERED);
  });

  it('the hint of a deleted client: unknown client', async () => {
    const { es, store, hint } = engine();
    const token = hint('alice');
    store.clients.delete('rp');
    expect(
      (await rejection(es.check(params({ id_token_hint: token }), 'alice'))).description,
    ).to.equal(UNKNOWN_CLIENT);
  });

  it('a store that is down rejects with its own error (the page answers 503)', async () => {
    const { es, store } = engine();
    store.down = true;
    try {
      await es.check(params({ client_id: 'rp' }), undefined);
      expect.fail('expected a rejection');
    } catch (err) {
      expect(err).to.be.instanceOf(StoreUnavailableError);
    }
  });
});

describe('end_session engine: resume, logoutLocation, ended', () => {
  it('resume looks the client up again: a URI no longer registered, or a deleted client, gives no way back', async () => {
    const { es, store } = engine();
    const request = { clientId: 'rp', postLogoutRedirectUri: LO, state: 's' };
    expect(await es.resume(request)).to.equal(`${LO}?state=s`);
    store.clients.set('rp', rp(['https://rp.example/other']));
    expect(await es.resume(request)).to.equal(undefined);
    store.clients.delete('rp');
    expect(await es.resume(request)).to.equal(undefined);
    expect(await es.resume({ clientId: 'rp' })).to.equal(undefined);
  });

  it('logoutLocation: the URI as registered, state form-encoded after its own query', () => {
    expect(logoutLocation(LO, undefined)).to.equal(LO);
    expect(logoutLocation(LO, 'a b')).to.equal(`${LO}?state=a+b`);
    expect(logoutLocation(`${LO}?x=%7E&y`, '&z=1')).to.equal(`${LO}?x=%7E&y&state=%26z%3D1`);
  });

  it('ended emits session.ended with the subject and client only', async () => {
    const { es, seen } = engine();
    es.ended('alice', 'rp');
    es.ended('bob', undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).to.deep.equal([
      { type: 'session.ended', time: NOW, subject: 'alice', clientId: 'rp' },
      { type: 'session.ended', time: NOW, subject: 'bob', clientId: undefined },
    ]);
  });
});

describe('end_session: the client changes between the question and the answer', () => {
  it('its URI unregistered meanwhile: yes still logs out, but the signed-out page, no redirect', async () => {
    const store = new ChangingClients();
    store.clients.set('rp', rp());
    const fx = logoutApp({ provider: { clients: store } });
    const agent = await signedIn(fx.app);
    const csrf = await askedToLogOut(agent, { client_id: 'rp', post_logout_redirect_uri: LO });
    store.clients.set('rp', rp([]));
    const res = await answer(agent, { csrf_token: csrf, decision: 'yes' });
    expectPageHeaders(res);
    expect(res.text).to.include('<h1>Signed out</h1>');
    expect(await sessionUser(agent)).to.equal(null);
  });

  it('the client store down: 503 temporarily_unavailable page, nothing ended', async () => {
    const store = new ChangingClients();
    store.clients.set('rp', rp());
    const fx = logoutApp({ provider: { clients: store } });
    const agent = await signedIn(fx.app);
    store.down = true;
    const res = await agent.get(endSessionPath({ client_id: 'rp', post_logout_redirect_uri: LO }));
    expectErrorPage(res, 'temporarily_unavailable', 503);
    store.down = false;
    expect(await sessionUser(agent)).to.equal('user-alice');
  });
});

describe('configured clients: postLogoutRedirectUris (RP-Initiated Logout 3.1)', () => {
  const base = { id: 'c', tokenEndpointAuthMethods: ['none'] as const };
  const cases: [string, unknown, string][] = [
    ['a relative URI', ['/bye'], 'has "/bye", which is not an absolute URI'],
    [
      'a fragment',
      ['https://c.example/bye#x'],
      'has "https://c.example/bye#x", which has a fragment (RFC 6749 3.1.2)',
    ],
    ['an empty string', [''], 'must hold non-empty strings'],
    ['not an array', 'https://c.example/bye', 'must be an array'],
  ];
  for (const [name, value, message] of cases)
    it(`${name} → TypeError naming the client and the field`, () => {
      expect(() =>
        defineClient({ ...base, postLogoutRedirectUris: value as readonly string[] }),
      ).to.throw(TypeError, `client "c": postLogoutRedirectUris ${message}`);
    });

  it('kept as given (duplicates once), absent when not given', () => {
    const uris = ['https://c.example/bye?x=1', 'https://c.example/bye?x=1', 'http://127.0.0.1/bye'];
    expect(
      defineClient({ ...base, postLogoutRedirectUris: uris }).postLogoutRedirectUris,
    ).to.deep.equal(['https://c.example/bye?x=1', 'http://127.0.0.1/bye']);
    expect(defineClient({ ...base })).to.not.have.property('postLogoutRedirectUris');
  });

  it('a misspelled key names the right one', () => {
    expect(() =>
      defineClient({ ...base, postLogoutRedirectUri: ['https://c.example/bye'] } as never),
    ).to.throw(TypeError, /postLogoutRedirectUris/);
  });
});

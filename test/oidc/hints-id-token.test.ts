/**
 * `id_token_hint` at the authorization endpoint (OpenID Connect Core 3.1.2.1,
 * lib/endpoints/authorization/id-token-hint.ts), through the Passport test app
 * with `openid` on, a pairwise client and a frozen clock: every bad hint and
 * every user mismatch with its exact Location, the login round trip, pushed
 * requests. (What makes a hint valid, case by case: test/oidc/id-token-hint.test.ts.)
 *
 * OIDC Core 3.1.2.1: "If the End-User identified by the ID Token is logged in or
 * is logged in by the request, then the Authorization Server returns a positive
 * response; otherwise, it SHOULD return an error, such as login_required."
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { parseAuthorizationQuery } from '../../lib/endpoints/authorization/query.js';
import { HINTED_USER_NOT_SIGNED_IN } from '../../lib/endpoints/authorization/id-token-hint.js';
import { ID_TOKEN_HINT_OTHER_CLIENT } from '../../lib/tokens/id-token-hint.js';
import { expectJsonError, push, pushed, usePath, webRequest, webSecret } from '../par/support.js';
import {
  authorizePath,
  CB,
  consentPage,
  decide,
  expectRedirect,
  formFields,
  htmlEscape,
  redeem,
  signedIn,
  signIn,
  spaParams,
  USERS,
  type AuthorizeApp,
} from '../support/authorize-app.js';
import {
  ALICE,
  BOB,
  errorAt,
  hintApp,
  hintFor,
  oidc,
  PW_CB,
  returnTo,
  signedByServer,
  wayBack,
} from './hints-support.js';

const INVALID = errorAt('invalid_request', 'id_token_hint is invalid');
const OTHER_USER = errorAt('login_required', HINTED_USER_NOT_SIGNED_IN);
const BOB_NAME = htmlEscape(USERS[1]!.displayName);
const nowOf = (fx: AuthorizeApp) => Math.floor(fx.clock() / 1000);

/** The parts of a compact JWS. */
function parts(token: string): [string, string, string] {
  return token.split('.') as [string, string, string];
}

/** `token`'s header and payload, signed again (ES256) by a key that is not the server's. */
function resignedByStranger(token: string): string {
  const [header, payload] = parts(token);
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const input = `${header}.${payload}`;
  const signature = sign('sha256', Buffer.from(input), {
    key: privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${input}.${signature.toString('base64url')}`;
}

/** `token` with its payload's claims changed by `change`, under the original signature. */
function altered(token: string, change: Record<string, unknown>): string {
  const [header, payload, signature] = parts(token);
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as object;
  const changed = Buffer.from(JSON.stringify({ ...claims, ...change })).toString('base64url');
  return `${header}.${changed}.${signature}`;
}

/** The consent page of `params` is shown (200) to `agent`; its HTML. */
async function consentShown(agent: request.Agent, params: Record<string, string>): Promise<string> {
  return (await consentPage(agent, params)).html;
}

/** Allows the consent page `html` and redeems the code: the token response body. */
async function allowAndRedeem(fx: AuthorizeApp, agent: request.Agent, html: string) {
  const res = await decide(agent, { ...formFields(html), decision: 'allow' });
  const code = expectRedirect(res, CB, { status: 303 }).get('code') as string;
  const token = await redeem(fx.app, { code });
  expect(token.status, token.text).to.equal(200);
  return token.body as { id_token: string; access_token: string };
}

function subOf(jwt: string): unknown {
  return JSON.parse(Buffer.from(parts(jwt)[1], 'base64url').toString())['sub'];
}

describe('OpenID Connect id_token_hint: a hint for the signed-in user', () => {
  it('a genuine id_token of an earlier login, sent back as the hint → the consent page', async () => {
    const fx = hintApp();
    const agent = await signedIn(fx.app);
    const { id_token } = await allowAndRedeem(fx, agent, await consentShown(agent, oidc()));
    await consentShown(agent, oidc({ id_token_hint: id_token }));
    expect(fx.codes.saved).to.have.length(1);
  });

  it('an expired hint still names the user (a hint grants nothing by itself)', async () => {
    const fx = hintApp();
    const agent = await signedIn(fx.app);
    const hint = await hintFor(fx, ALICE, 'spa', { ageSeconds: 86_400 });
    await consentShown(agent, oidc({ id_token_hint: hint }));
  });

  it('with prompt=none and a remembered consent → the code; the id_token is for the hinted user', async () => {
    const fx = hintApp({ provider: { consent: { remember: true } } });
    const agent = await signedIn(fx.app);
    await decide(agent, {
      ...formFields(await consentShown(agent, oidc())),
      decision: 'allow',
      remember: '1',
    });
    const hint = await hintFor(fx, ALICE, 'spa');
    const res = await agent.get(authorizePath(oidc({ id_token_hint: hint, prompt: 'none' })));
    const code = expectRedirect(res, CB).get('code') as string;
    const token = await redeem(fx.app, { code });
    expect(subOf(token.body.id_token as string)).to.equal(ALICE);
  });

  it('a hint is no login: nobody signed in, a valid hint for alice → the login page, nothing issued', async () => {
    const fx = hintApp();
    const hint = await hintFor(fx, ALICE, 'spa');
    const res = await request(fx.app).get(authorizePath(oidc({ id_token_hint: hint })));
    expect(res.status).to.equal(302);
    expect(res.headers['location']).to.equal('/login');
    expect(fx.codes.saved).to.have.length(0);
  });

  it('a plain OAuth request (no openid scope) ignores id_token_hint, even junk', async () => {
    const fx = hintApp();
    const agent = await signedIn(fx.app);
    await consentShown(agent, spaParams({ id_token_hint: 'not-a-jwt' }));
  });
});

describe('OpenID Connect id_token_hint: bad hints → invalid_request, redirected with state and iss', () => {
  it('signed by a foreign key (same header, the server’s kid)', async () => {
    const fx = hintApp();
    const agent = await signedIn(fx.app);
    const hint = resignedByStranger(await hintFor(fx, ALICE, 'spa'));
    const res = await agent.get(authorizePath(oidc({ id_token_hint: hint })));
    expect(res.status).to.equal(302);
    expect(res.headers['location']).to.equal(INVALID);
    expect(fx.codes.saved).to.have.length(0);
  });

  it('an altered payload under the original signature (sub changed to the signed-in user)', async () => {
    const fx = hintApp();
    const agent = await signedIn(fx.app);
    const hint = altered(await hintFor(fx, BOB, 'spa'), { sub: ALICE });
    const res = await agent.get(authorizePath(oidc({ id_token_hint: hint })));
    expect(res.headers['location']).to.equal(INVALID);
  });

  it('an access token of this server (typ at+jwt), even one issued to this client', async () => {
    const fx = hintApp();
    const agent = await signedIn(fx.app);
    const { access_token } = await allowAndRedeem(fx, agent, await consentShown(agent, oidc()));
    expect(parts(access_token)).to.have.length(3);
    const res = await agent.get(authorizePath(oidc({ id_token_hint: access_token })));
    expect(res.headers['location']).to.equal(INVALID);
    const claims = {
      iss: 'https://auth.example.test',
      sub: ALICE,
      aud: 'spa',
      iat: nowOf(fx),
      exp: nowOf(fx) + 60,
    };
    const forged = signedByServer(fx, claims, 'at+jwt');
    const again = await agent.get(authorizePath(oidc({ id_token_hint: forged })));
    expect(again.headers['location']).to.equal(INVALID);
  });

  it('junk: not a JWT, three empty parts, alg none', async () => {
    const fx = hintApp();
    const agent = await signedIn(fx.app);
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${parts(await hintFor(fx, ALICE, 'spa'))[1]}.`;
    for (const hint of ['not-a-jwt', '..', none]) {
      const res = await agent.get(authorizePath(oidc({ id_token_hint: hint })));
      expect(res.headers['location'], hint).to.equal(INVALID);
    }
  });

  it('a hint issued to another client (X’s id_token used by Y) → ID_TOKEN_HINT_OTHER_CLIENT', async () => {
    const fx = hintApp();
    const agent = await signedIn(fx.app);
    const hint = await hintFor(fx, ALICE, 'web');
    const res = await agent.get(authorizePath(oidc({ id_token_hint: hint })));
    expect(res.status).to.equal(302);
    expect(res.headers['location']).to.equal(
      errorAt('invalid_request', ID_TOKEN_HINT_OTHER_CLIENT),
    );
  });

  it('a hint whose sub is longer than 255 characters (OIDC Core 2) → invalid', async () => {
    const fx = hintApp();
    const agent = await signedIn(fx.app);
    const hint = await hintFor(fx, 'u'.repeat(256), 'spa');
    const res = await agent.get(authorizePath(oidc({ id_token_hint: hint })));
    expect(res.headers['location']).to.equal(INVALID);
  });

  it('a repeated id_token_hint → invalid_request (RFC 6749 3.1)', async () => {
    const fx = hintApp();
    const agent = await signedIn(fx.app);
    const hint = await hintFor(fx, ALICE, 'spa');
    const path = `${authorizePath(oidc({ id_token_hint: hint }))}&id_token_hint=${hint}`;
    const res = await agent.get(path);
    expect(res.headers['location']).to.equal(
      errorAt('invalid_request', "the parameter 'id_token_hint' must not be repeated"),
    );
  });

  it('a 20 KB hint: over Node’s header limit at GET (431, nothing runs); the engine refuses it too', async () => {
    const fx = hintApp();
    const agent = await signedIn(fx.app);
    const big = `${'a'.repeat(10_000)}.${'b'.repeat(10_000)}.c`;
    const res = await agent.get(authorizePath(oidc({ id_token_hint: big })));
    expect(res.status).to.equal(431);
    expect(res.headers['location']).to.equal(undefined);
    const query = parseAuthorizationQuery(
      new URLSearchParams(oidc({ id_token_hint: big })).toString(),
    );
    const outcome = await fx.oauth.provider.authorization.start(query, { subject: ALICE });
    expect(outcome).to.include({ kind: 'redirect', location: INVALID });
  });
});

describe('OpenID Connect id_token_hint: the hint names another user than the signed-in one', () => {
  it('prompt=none → login_required, redirected; nothing issued', async () => {
    const fx = hintApp({ provider: { consent: { skipForFirstParty: true } } });
    const agent = await signedIn(fx.app);
    const hint = await hintFor(fx, BOB, 'first');
    const res = await agent.get(
      authorizePath(oidc({ client_id: 'first', id_token_hint: hint, prompt: 'none' })),
    );
    expect(res.status).to.equal(302);
    expect(res.headers['location']).to.equal(OTHER_USER);
    expect(fx.codes.saved).to.have.length(0);
  });

  it('→ the login page; the way back carries hint_sub, not the JWT; back as bob → consent, id_token for bob', async () => {
    const fx = hintApp();
    const agent = await signedIn(fx.app);
    const hint = await hintFor(fx, BOB, 'spa');
    const res = await agent.get(authorizePath(oidc({ id_token_hint: hint, nonce: 'n1' })));
    expect(res.status).to.equal(302);
    expect(res.headers['location']).to.equal('/login');
    const back = await wayBack(agent);
    expect(back.get('hint_sub')).to.equal(BOB);
    expect(back.has('id_token_hint')).to.equal(false);
    expect(back.get('nonce')).to.equal('n1');
    const kept = await returnTo(agent);
    const location = await signIn(agent, 'bob');
    expect(location).to.equal(kept);
    const page = await agent.get(location);
    expect(page.status, page.text).to.equal(200);
    expect(page.text).to.include(BOB_NAME);
    expect(subOf((await allowAndRedeem(fx, agent, page.text)).id_token)).to.equal(BOB);
  });

  it('back still as alice (the login page let her through) → login_required, never another login', async () => {
    const fx = hintApp();
    const agent = await signedIn(fx.app);
    await agent.get(authorizePath(oidc({ id_token_hint: await hintFor(fx, BOB, 'spa') })));
    const res = await agent.get(await returnTo(agent));
    expect(res.status).to.equal(302);
    expect(res.headers['location']).to.equal(OTHER_USER);
    expect(fx.codes.saved).to.have.length(0);
  });

  it('nobody signed in: the login; back as alice while the hint is bob → login_required', async () => {
    const fx = hintApp();
    const agent = request.agent(fx.app);
    const res = await agent.get(
      authorizePath(oidc({ id_token_hint: await hintFor(fx, BOB, 'spa') })),
    );
    expect(res.headers['location']).to.equal('/login');
    expect((await wayBack(agent)).get('hint_sub')).to.equal(BOB);
    const back = await agent.get(await signIn(agent, 'alice'));
    expect(back.headers['location']).to.equal(OTHER_USER);
  });

  it('nobody signed in: back as bob → the consent page (one login only)', async () => {
    const fx = hintApp();
    const agent = request.agent(fx.app);
    await agent.get(authorizePath(oidc({ id_token_hint: await hintFor(fx, BOB, 'spa') })));
    const page = await agent.get(await signIn(agent, 'bob'));
    expect(page.status, page.text).to.equal(200);
    expect(page.text).to.include(BOB_NAME);
  });

  it('nobody signed in with prompt=none → login_required "the user is not signed in", as without a hint', async () => {
    const fx = hintApp();
    const hint = await hintFor(fx, BOB, 'spa');
    const res = await request(fx.app).get(
      authorizePath(oidc({ id_token_hint: hint, prompt: 'none' })),
    );
    expect(res.headers['location']).to.equal(
      errorAt('login_required', 'the user is not signed in'),
    );
  });

  it('with prompt=login too: one login; back as bob → consent; back as alice → login_required', async () => {
    const fx = hintApp();
    const alice = await signedIn(fx.app);
    const hint = await hintFor(fx, BOB, 'spa');
    fx.clock.advance(5);
    await alice.get(authorizePath(oidc({ id_token_hint: hint, prompt: 'login' })));
    const back = await wayBack(alice);
    expect(back.get('hint_sub')).to.equal(BOB);
    expect(back.get('login_after')).to.equal(String(nowOf(fx)));
    expect((await alice.get(await returnTo(alice))).headers['location']).to.equal(OTHER_USER);
    const bob = await signedIn(fx.app);
    await bob.get(authorizePath(oidc({ id_token_hint: hint, prompt: 'login' })));
    fx.clock.advance(1);
    const page = await bob.get(await signIn(bob, 'bob'));
    expect(page.status, page.text).to.equal(200);
  });
});

describe('OpenID Connect id_token_hint: pairwise subjects (OIDC Core 8)', () => {
  const pw = (extra: Record<string, string> = {}) =>
    oidc({ client_id: 'pw', redirect_uri: PW_CB, ...extra });

  it('the pairwise sub the client knows alice by → the consent page', async () => {
    const fx = hintApp();
    const agent = await signedIn(fx.app);
    const hint = await hintFor(fx, ALICE, 'pw');
    expect(subOf(hint)).not.to.equal(ALICE);
    await consentShown(agent, pw({ id_token_hint: hint }));
  });

  it('a hint carrying alice’s raw subject never matches a pairwise client: login_required with prompt=none', async () => {
    const fx = hintApp();
    const agent = await signedIn(fx.app);
    const hint = await hintFor(fx, ALICE, 'pw', { raw: true });
    const res = await agent.get(authorizePath(pw({ id_token_hint: hint, prompt: 'none' })));
    expect(res.headers['location']).to.equal(
      errorAt('login_required', HINTED_USER_NOT_SIGNED_IN, PW_CB),
    );
  });
});

describe('OpenID Connect id_token_hint: hint_sub, the way back’s parameter', () => {
  it('written by hand for another user → login_required at once: it can only make a request stricter', async () => {
    const fx = hintApp();
    const agent = await signedIn(fx.app);
    const res = await agent.get(authorizePath(oidc({ hint_sub: BOB })));
    expect(res.headers['location']).to.equal(OTHER_USER);
    await consentShown(agent, oidc({ hint_sub: ALICE }));
  });

  it('longer than 255 characters, or with a control character → invalid_request', async () => {
    const fx = hintApp();
    const agent = await signedIn(fx.app);
    const text = 'hint_sub must be 1 to 255 characters without control characters';
    for (const value of ['u'.repeat(256), 'user-bob\r\nX: y', 'a\u0000b']) {
      const res = await agent.get(authorizePath(oidc({ hint_sub: value })));
      expect(res.headers['location'], JSON.stringify(value)).to.equal(
        errorAt('invalid_request', text),
      );
    }
  });

  it('ignored beside an id_token_hint, which wins', async () => {
    const fx = hintApp();
    const agent = await signedIn(fx.app);
    const hint = await hintFor(fx, ALICE, 'spa');
    await consentShown(agent, oidc({ id_token_hint: hint, hint_sub: BOB }));
  });
});

describe('OpenID Connect id_token_hint in pushed requests (RFC 9126)', () => {
  const WEB = ['web', webSecret.secret] as const;

  it('a bad hint at the push → 400 JSON invalid_request, never a redirect', async () => {
    const fx = hintApp();
    const forged = resignedByStranger(await hintFor(fx, ALICE, 'web'));
    const res = await push(fx.app, webRequest({ scope: 'openid', id_token_hint: forged }), WEB);
    expectJsonError(res, 400, 'invalid_request', 'id_token_hint is invalid');
  });

  it('another client’s hint at the push → 400 JSON with ID_TOKEN_HINT_OTHER_CLIENT', async () => {
    const fx = hintApp();
    const hint = await hintFor(fx, ALICE, 'spa');
    const res = await push(fx.app, webRequest({ scope: 'openid', id_token_hint: hint }), WEB);
    expectJsonError(res, 400, 'invalid_request', ID_TOKEN_HINT_OTHER_CLIENT);
  });

  it('a 20 KB hint at the push → refused by the body limit (16 KiB) before any step runs', async () => {
    const fx = hintApp();
    const big = `${'a'.repeat(10_000)}.${'b'.repeat(10_000)}.c`;
    const res = await push(fx.app, webRequest({ scope: 'openid', id_token_hint: big }), WEB);
    expectJsonError(res, 400, 'invalid_request', 'the request body is larger than 16384 bytes');
  });

  it('pushed with a hint for alice, used by alice → the consent page', async () => {
    const fx = hintApp();
    const agent = await signedIn(fx.app);
    const uri = await pushed(
      fx.app,
      webRequest({ scope: 'openid', id_token_hint: await hintFor(fx, ALICE, 'web') }),
    );
    const page = await agent.get(usePath(uri));
    expect(page.status, page.text).to.equal(200);
  });

  it('pushed with a hint for bob, used by alice → login; back as bob → consent; back as alice → login_required', async () => {
    const fx = hintApp();
    const hint = await hintFor(fx, BOB, 'web');
    const alice = await signedIn(fx.app);
    const uri = await pushed(fx.app, webRequest({ scope: 'openid', id_token_hint: hint }));
    expect((await alice.get(usePath(uri))).headers['location']).to.equal('/login');
    expect((await alice.get(usePath(uri))).headers['location']).to.equal(OTHER_USER);

    const other = await signedIn(fx.app);
    const uri2 = await pushed(fx.app, webRequest({ scope: 'openid', id_token_hint: hint }));
    expect((await other.get(usePath(uri2))).headers['location']).to.equal('/login');
    const page = await other.get(await signIn(other, 'bob'));
    expect(page.status, page.text).to.equal(200);
    expect(page.text).to.include(BOB_NAME);
  });
});

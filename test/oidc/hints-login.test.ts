/**
 * `login_hint` (OpenID Connect Core 3.1.2.1, lib/endpoints/authorization/login-hint.ts)
 * and the hints the site adapter's `login()` gets (`login_hint`, `ui_locales`):
 * the Passport adapter puts them in `loginUrl`'s query (lib/http/login-url.ts),
 * percent-encoded, whatever the hint holds.
 *
 * OIDC Core 3.1.2.1: login_hint is a "Hint to the Authorization Server about the
 * login identifier the End-User might use to log in (if necessary)."
 */
import { expect } from 'chai';
import request from 'supertest';
import { loginUrlWithHints } from '../../lib/http/login-url.js';
import type { LoginHints, SiteAdapter } from '../../index.js';
import { pushed, usePath, webRequest } from '../par/support.js';
import { authorizePath, signedIn, spaParams } from '../support/authorize-app.js';
import { errorAt, hintApp, oidc, wayBack } from './hints-support.js';

const BAD_HINT = 'login_hint must be 1 to 256 printable characters (OpenID Connect Core 3.1.2.1)';

/** Where an anonymous visitor of `params` is sent (the app's `authorize` options: `options`). */
async function loginLocation(
  params: Record<string, string>,
  options: Parameters<typeof hintApp>[0] = {},
): Promise<string> {
  const res = await request(hintApp(options).app).get(authorizePath(params));
  expect(res.status, res.text).to.equal(302);
  return res.headers['location'] as string;
}

describe('OpenID Connect login_hint: handed to the login page, encoded', () => {
  it('a plain email → /login?login_hint=… (form-encoded)', async () => {
    expect(await loginLocation(oidc({ login_hint: 'alice@example.com' }))).to.equal(
      '/login?login_hint=alice%40example.com',
    );
  });

  const injections: [string, string, string][] = [
    [
      'quotes and markup',
      `"><script>alert('x')</script>`,
      '%22%3E%3Cscript%3Ealert%28%27x%27%29%3C%2Fscript%3E',
    ],
    ['a parameter of its own', 'a&x=1', 'a%26x%3D1'],
    ['a fragment and a path', 'a#frag/../b?c', 'a%23frag%2F..%2Fb%3Fc'],
    ['spaces and plus', 'a b+c', 'a+b%2Bc'],
    ['unicode letters', 'jürgen@exämple.de', 'j%C3%BCrgen%40ex%C3%A4mple.de'],
    ['an emoji (astral plane)', '😀@example', '%F0%9F%98%80%40example'],
  ];
  for (const [name, hint, encoded] of injections)
    it(`${name}: the Location holds exactly one login_hint, properly encoded`, async () => {
      const location = await loginLocation(oidc({ login_hint: hint }));
      expect(location).to.equal(`/login?login_hint=${encoded}`);
      const query = new URL(location, 'http://x').searchParams;
      expect([...query.keys()]).to.deep.equal(['login_hint']);
      expect(query.get('login_hint')).to.equal(hint);
    });

  it('with ui_locales: both, the kept tags only', async () => {
    expect(
      await loginLocation(oidc({ login_hint: 'alice', ui_locales: 'de <b> fr-ca __proto__' })),
    ).to.equal('/login?login_hint=alice&ui_locales=de+fr-CA');
  });

  it('a loginUrl with a query and a fragment, or an absolute one: appended after its query, before its fragment', async () => {
    const params = oidc({ login_hint: 'a&b', ui_locales: 'ja' });
    expect(await loginLocation(params, { authorize: { loginUrl: '/login?next=1' } })).to.equal(
      '/login?next=1&login_hint=a%26b&ui_locales=ja',
    );
    expect(
      await loginLocation(params, {
        authorize: { loginUrl: 'https://id.example/sign-in?tenant=x#top' },
      }),
    ).to.equal('https://id.example/sign-in?tenant=x&login_hint=a%26b&ui_locales=ja#top');
  });

  it('loginUrlWithHints: no hint, no change; a trailing ? or & is not doubled', () => {
    expect(loginUrlWithHints('/login?a=%20b#f')).to.equal('/login?a=%20b#f');
    expect(loginUrlWithHints('/login?', { loginHint: 'x' })).to.equal('/login?login_hint=x');
    expect(loginUrlWithHints('/login?a=1&', { uiLocales: 'de' })).to.equal(
      '/login?a=1&ui_locales=de',
    );
  });

  it('a plain OAuth request: login_hint ignored (an OpenID Connect parameter), ui_locales kept', async () => {
    expect(await loginLocation(spaParams({ login_hint: 'alice', ui_locales: 'es' }))).to.equal(
      '/login?ui_locales=es',
    );
  });

  it('prompt=login sends a signed-in user to the login with the hint', async () => {
    const fx = hintApp();
    const agent = await signedIn(fx.app);
    fx.clock.advance(1);
    const res = await agent.get(authorizePath(oidc({ prompt: 'login', login_hint: 'bob' })));
    expect(res.headers['location']).to.equal('/login?login_hint=bob');
  });

  it('the hint rides the way back (returnTo) and a pushed request', async () => {
    const fx = hintApp();
    const agent = request.agent(fx.app);
    await agent.get(authorizePath(oidc({ login_hint: 'jürgen' })));
    expect((await wayBack(agent)).get('login_hint')).to.equal('jürgen');
    const uri = await pushed(fx.app, webRequest({ scope: 'openid', login_hint: 'carol' }));
    const res = await agent.get(usePath(uri));
    expect(res.headers['location']).to.equal('/login?login_hint=carol');
  });
});

describe('OpenID Connect login_hint: refused values → invalid_request, redirected with state and iss', () => {
  const bad: [string, string][] = [
    ['CRLF (a header line)', 'alice\r\nSet-Cookie: x=1'],
    ['a lone LF', 'alice\nbob'],
    ['NUL', 'alice\u0000'],
    ['a bidi override (U+202E)', 'moc.elpmaxe@\u202Ealice'],
    ['a zero-width space (U+200B)', 'al\u200Bice'],
    ['257 characters', 'a'.repeat(257)],
    ['257 emoji (counted as characters, not UTF-16 units)', '😀'.repeat(257)],
  ];
  for (const [name, hint] of bad)
    it(name, async () => {
      const fx = hintApp();
      const res = await request(fx.app).get(authorizePath(oidc({ login_hint: hint })));
      expect(res.status).to.equal(302);
      expect(res.headers['location']).to.equal(errorAt('invalid_request', BAD_HINT));
    });

  it('256 characters, or 256 emoji, are accepted', async () => {
    for (const hint of ['a'.repeat(256), '😀'.repeat(256)]) {
      const location = await loginLocation(oidc({ login_hint: hint }));
      expect(new URL(location, 'http://x').searchParams.get('login_hint')).to.equal(hint);
    }
  });

  it('a repeated login_hint → invalid_request (RFC 6749 3.1)', async () => {
    const fx = hintApp();
    const res = await request(fx.app).get(
      `${authorizePath(oidc({ login_hint: 'a' }))}&login_hint=b`,
    );
    expect(res.headers['location']).to.equal(
      errorAt('invalid_request', "the parameter 'login_hint' must not be repeated"),
    );
  });
});

describe('the site adapter’s login(req, res, returnTo, hints)', () => {
  it('a custom adapter gets { loginHint, uiLocales }, or {} when the request has none', async () => {
    const seen: LoginHints[] = [];
    const siteAdapter: SiteAdapter = {
      currentUser: () => undefined,
      login(_req, res, _returnTo, hints) {
        seen.push(hints ?? { loginHint: 'hints were undefined' });
        res.statusCode = 204;
        res.end();
      },
    };
    const { app } = hintApp({ authorize: { siteAdapter } });
    await request(app).get(authorizePath(oidc({ login_hint: 'a b', ui_locales: 'fr xx-YY' })));
    await request(app).get(authorizePath(oidc()));
    expect(seen).to.deep.equal([{ loginHint: 'a b', uiLocales: 'fr xx-YY' }, {}]);
  });
});

/**
 * The user pages in the user's language (lib/http/page-language.ts,
 * lib/http/views.ts): consent, error and device pages chosen from
 * `ui_locales`, then `Accept-Language`, then the default; `lang`/`dir` set; the
 * error page's text from the error code, never the English description.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { expect } from 'chai';
import request from 'supertest';
import { DEFAULT_LOCALES } from '../../lib/i18n/options.js';
import { pageLocale } from '../../lib/http/page-language.js';
import type { LocalizedViewLocals } from '../../lib/http/views.js';
import {
  authorizeApp,
  authorizePath,
  spaParams,
  signedIn,
  type AuthorizeAppOptions,
} from '../support/authorize-app.js';
import { deviceApp } from '../device/support.js';

async function consentIn(
  headers: Record<string, string>,
  extra: Record<string, string> = {},
  options: AuthorizeAppOptions = {},
  client = 'spa',
) {
  const { app } = authorizeApp(options);
  const agent = await signedIn(app);
  return agent.get(authorizePath(spaParams({ client_id: client, ...extra }))).set(headers);
}

const htmlTag = (html: string) => /<html[^>]*>/.exec(html)?.[0];

describe('i18n: the consent page in the user’s language', () => {
  const cases: [string, string[]][] = [
    [
      'en',
      [
        'Photo Printer wants to access your account',
        '>Allow</button>',
        'Signed in as <strong>Alice Liddell</strong>',
      ],
    ],
    [
      'de',
      [
        'Photo Printer möchte auf Ihr Konto zugreifen',
        '>Erlauben</button>',
        '>Ablehnen</button>',
        'Angemeldet als <strong>Alice Liddell</strong>',
      ],
    ],
    [
      'fr',
      [
        'Photo Printer souhaite accéder à votre compte',
        '>Autoriser</button>',
        'Connecté en tant que <strong>Alice Liddell</strong>',
      ],
    ],
    ['es', ['Photo Printer quiere acceder a tu cuenta', '>Permitir</button>', '>Denegar</button>']],
    [
      'ja',
      [
        'Photo Printer があなたのアカウントへのアクセスを求めています',
        '>許可</button>',
        '<strong>Alice Liddell</strong> としてサインインしています',
      ],
    ],
  ];
  for (const [tag, texts] of cases) {
    it(`Accept-Language: ${tag} → the page in ${tag}, <html lang="${tag}" dir="ltr">`, async () => {
      const res = await consentIn({ 'Accept-Language': tag });
      expect(res.status, res.text).to.equal(200);
      expect(htmlTag(res.text)).to.equal(`<html lang="${tag}" dir="ltr">`);
      expect(res.headers['content-language']).to.equal(tag);
      for (const text of texts) expect(res.text).to.include(text);
    });
  }

  it('q-values: the highest acceptable language with a catalog wins', async () => {
    const res = await consentIn({ 'Accept-Language': 'ko;q=1, fr;q=0.4, ja;q=0.8, de;q=0' });
    expect(htmlTag(res.text)).to.equal('<html lang="ja" dir="ltr">');
  });

  it('a regional tag falls back to its language: de-CH → de', async () => {
    const res = await consentIn({ 'Accept-Language': 'de-CH, en;q=0.5' });
    expect(htmlTag(res.text)).to.equal('<html lang="de" dir="ltr">');
    expect(res.text).to.include('Photo Printer möchte auf Ihr Konto zugreifen');
  });

  it('ui_locales wins over Accept-Language (its first tag with a catalog)', async () => {
    const res = await consentIn({ 'Accept-Language': 'de' }, { ui_locales: 'tlh es-MX fr' });
    expect(htmlTag(res.text)).to.equal('<html lang="es" dir="ltr">');
    expect(res.text).to.include('Photo Printer quiere acceder a tu cuenta');
  });

  it('an unknown or malformed locale falls back to the default, English', async () => {
    for (const headers of <Record<string, string>[]>[
      { 'Accept-Language': 'tlh, x-klingon;q=0.5' },
      { 'Accept-Language': '<script>' },
      {},
    ]) {
      const res = await consentIn(headers, { ui_locales: '"><script>alert(1)</script>' });
      expect(res.status).to.equal(200);
      expect(htmlTag(res.text)).to.equal('<html lang="en" dir="ltr">');
      expect(res.text).to.not.include('<script>alert(1)');
    }
  });

  it('values in t() are escaped by the view: a hostile client name in German', async () => {
    const res = await consentIn({ 'Accept-Language': 'de' }, {}, {}, 'evil');
    expect(res.text).to.not.include('<script>alert("pwn")</script>');
    expect(res.text).to.include(
      '&lt;script&gt;alert(&#34;pwn&#34;)&lt;/script&gt; &amp; &#39;friends&#39; möchte auf Ihr Konto zugreifen',
    );
  });

  it('scope descriptions in the page’s language; a single text stays as it is', async () => {
    const provider = {
      scopes: {
        available: ['profile', 'read', 'write'],
        default: ['profile'],
        descriptions: {
          profile: { en: 'See your name', de: 'Ihren Namen sehen' },
          read: 'Read your photos',
        },
      },
    };
    const de = await consentIn(
      { 'Accept-Language': 'de' },
      { scope: 'profile read' },
      { provider },
    );
    expect(de.text).to.include('<li>Ihren Namen sehen <code>(profile)</code></li>');
    expect(de.text).to.include('<li>Read your photos <code>(read)</code></li>');
    const ja = await consentIn({ 'Accept-Language': 'ja' }, { scope: 'profile' }, { provider });
    expect(ja.text).to.include('<li>See your name <code>(profile)</code></li>');
  });

  it('a host overrides built-in texts and adds a right-to-left language', async () => {
    const provider = {
      locales: {
        catalogs: {
          de: { 'consent.allow': 'Zulassen' },
          ar: { 'consent.heading': '{client} يطلب الوصول إلى حسابك' },
        },
      },
    };
    const de = await consentIn({ 'Accept-Language': 'de' }, {}, { provider });
    expect(de.text).to.include('>Zulassen</button>');
    expect(de.text).to.include('>Ablehnen</button>');
    const ar = await consentIn({ 'Accept-Language': 'ar-EG' }, {}, { provider });
    expect(htmlTag(ar.text)).to.equal('<html lang="ar" dir="rtl">');
    expect(ar.text).to.include('Photo Printer يطلب الوصول إلى حسابك');
    expect(ar.text).to.include('>Allow</button>', 'a missing text falls back to English');
  });

  it('options.locales.default is the language when nothing else names one', async () => {
    const res = await consentIn({}, {}, { provider: { locales: { default: 'fr' } } });
    expect(htmlTag(res.text)).to.equal('<html lang="fr" dir="ltr">');
  });

  it('a render function and a host template get locale, dir, t and tSplit', async () => {
    let seen: LocalizedViewLocals | undefined;
    const res = await consentIn(
      { 'Accept-Language': 'fr' },
      {},
      {
        authorize: {
          loginUrl: '/login',
          render: (_req, res, locals) => {
            seen = locals;
            res.end(
              `${locals.locale} ${locals.dir} ${locals.t('consent.allow')} ${locals.tSplit('consent.clientId', 'id').join('|')}`,
            );
          },
        },
      },
    );
    expect(res.text).to.equal('fr ltr Autoriser ID client : |');
    expect(seen?.view).to.equal('consent');
  });
});

describe('i18n: the error page from the error code', () => {
  it('German: the code’s text from the catalog, never the English description', async () => {
    const res = await request(authorizeApp().app)
      .get(authorizePath(spaParams({ client_id: 'nobody' })))
      .set('Accept-Language', 'de-DE,de;q=0.9,en;q=0.8');
    expect(res.status).to.equal(400);
    expect(htmlTag(res.text)).to.equal('<html lang="de" dir="ltr">');
    expect(res.text).to.include(
      '<h1>Diese Autorisierungsanfrage kann nicht abgeschlossen werden</h1>',
    );
    expect(res.text).to.include(
      '<p class="lead">Die Anwendung ist diesem Server nicht bekannt.</p>',
    );
    expect(res.text).to.include('Fehlercode: <code>invalid_client</code> (HTTP 400).');
    expect(res.text).to.not.include('the client_id is unknown');
  });

  it('English: the code’s text, and the description as a detail line', async () => {
    const res = await request(authorizeApp().app).get(
      authorizePath(spaParams({ client_id: 'nobody' })),
    );
    expect(res.text).to.include('<p class="lead">The application is unknown to this server.</p>');
    expect(res.text).to.include('<p>the client_id is unknown</p>');
    expect(res.text).to.include('Error code: <code>invalid_client</code> (HTTP 400).');
  });

  it('ui_locales of the query string chooses the error page’s language too', async () => {
    const res = await request(authorizeApp().app)
      .get(
        authorizePath(
          spaParams({
            client_id: 'spa',
            redirect_uri: 'https://evil.example/cb',
            ui_locales: 'ja',
          }),
        ),
      )
      .set('Accept-Language', 'de');
    expect(htmlTag(res.text)).to.equal('<html lang="ja" dir="ltr">');
    expect(res.text).to.include('エラーコード: <code>invalid_request</code>');
    expect(res.text).to.not.include('redirect_uri is not registered');
  });

  it('the error view’s locals: message and error.text in the language, error.detail only in English', async () => {
    const seen: LocalizedViewLocals[] = [];
    const { app } = authorizeApp({
      authorize: {
        loginUrl: '/login',
        render: (_q, res, locals) => {
          seen.push(locals);
          res.end();
        },
      },
    });
    await request(app)
      .get(authorizePath(spaParams({ client_id: 'nobody' })))
      .set('Accept-Language', 'fr');
    await request(app).get(authorizePath(spaParams({ client_id: 'nobody' })));
    const [fr, en] = seen as [
      LocalizedViewLocals & { view: 'error' },
      LocalizedViewLocals & { view: 'error' },
    ];
    expect(fr.message).to.equal('L’application est inconnue de ce serveur.');
    expect(fr.error).to.include({ code: 'invalid_client', text: fr.message, detail: undefined });
    expect(fr.error.description).to.equal('the client_id is unknown');
    expect(en.error).to.include({
      text: 'The application is unknown to this server.',
      detail: 'the client_id is unknown',
    });
  });
});

describe('i18n: the device pages', () => {
  it('the device form and its message in German', async () => {
    const target = deviceApp();
    const agent = request.agent(target.app);
    const form = await agent.get('/device').set('Accept-Language', 'de');
    expect(htmlTag(form.text)).to.equal('<html lang="de" dir="ltr">');
    expect(form.text).to.include('<h1>Gerät verbinden</h1>');
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(form.text)![1]!;
    const wrong = await agent
      .post('/device')
      .set('Accept-Language', 'de')
      .type('form')
      .send({ csrf_token: csrf, user_code: 'BCDF-GHJK' });
    expect(wrong.status).to.equal(400);
    expect(wrong.text).to.include('role="alert">Dieser Code ist nicht gültig</p>');
  });
});

describe('i18n: Accept-Language without Express (node:http)', () => {
  const plain = (headers: Record<string, string>, url = '/authorize') => {
    const req = new IncomingMessage(new Socket());
    req.url = url;
    req.headers = headers;
    new ServerResponse(req);
    return req;
  };

  it('the q-value parser chooses as Express does: q-values, regional fallback, default', () => {
    expect(
      pageLocale(plain({ 'accept-language': 'ko, fr;q=0.4, ja;q=0.8' }), DEFAULT_LOCALES),
    ).to.equal('ja');
    expect(pageLocale(plain({ 'accept-language': 'de-CH' }), DEFAULT_LOCALES)).to.equal('de');
    expect(pageLocale(plain({ 'accept-language': 'de;q=0, tlh' }), DEFAULT_LOCALES)).to.equal('en');
    expect(pageLocale(plain({ 'accept-language': '*' }), DEFAULT_LOCALES)).to.equal('en');
    expect(
      pageLocale(plain({ 'accept-language': 'de' }, '/authorize?ui_locales=fr'), DEFAULT_LOCALES),
    ).to.equal('fr');
    expect(pageLocale(plain({ 'accept-language': 'de' }), DEFAULT_LOCALES, 'es')).to.equal('es');
  });
});

/**
 * `ui_locales` carried through the whole flow (OpenID Connect Core 3.1.2.1,
 * lib/endpoints/authorization/ui-locales.ts): kept on the checked request, in the
 * login's way back, in the pushed request and in the consent transaction, so the
 * consent page, the pages after the consent form is posted and the pages after
 * the login all speak it; tags that do not fit are dropped silently.
 *
 * OIDC Core 3.1.2.1: ui_locales is the "End-User's preferred languages and
 * scripts for the user interface, represented as a space-separated list of BCP47
 * language tag values, ordered by preference. [...] An error SHOULD NOT result if
 * some or all of the requested locales are not supported by the OpenID Provider."
 */
import { expect } from 'chai';
import request from 'supertest';
import { keptUiLocales } from '../../lib/endpoints/authorization/ui-locales.js';
import { de } from '../../lib/i18n/catalogs/de.js';
import { en } from '../../lib/i18n/catalogs/en.js';
import { es } from '../../lib/i18n/catalogs/es.js';
import { fr } from '../../lib/i18n/catalogs/fr.js';
import { ja } from '../../lib/i18n/catalogs/ja.js';
import { pushed, usePath, webRequest } from '../par/support.js';
import {
  authorizePath,
  decide,
  formFields,
  htmlEscape,
  signedIn,
  signIn,
  spaParams,
  type Agent,
} from '../support/authorize-app.js';
import { errorAt, hintApp, oidc, wayBack } from './hints-support.js';

const htmlTag = (html: string) => /<html[^>]*>/.exec(html)?.[0];

/** Asserts a page in `tag`: `<html lang>`, `Content-Language`, and `text` on it. */
function expectLanguage(res: request.Response, tag: string, text?: string): void {
  expect(htmlTag(res.text), res.text).to.equal(`<html lang="${tag}" dir="ltr">`);
  expect(res.headers['content-language']).to.equal(tag);
  if (text !== undefined) expect(res.text).to.include(htmlEscape(text));
}

/** The consent page of `params` for a signed-in alice, with `headers`; its agent and fields. */
async function consentWith(params: Record<string, string>, headers: Record<string, string> = {}) {
  const fx = hintApp();
  const agent = await signedIn(fx.app);
  const page = await agent.get(authorizePath(params)).set(headers);
  expect(page.status, page.text).to.equal(200);
  return { fx, agent, page, form: formFields(page.text) };
}

/** POSTs a decision with `Accept-Language: fr`, so only the transaction can make it German. */
function postInFrench(agent: Agent, fields: Record<string, string>): request.Test {
  return decide(agent, fields).set('Accept-Language', 'fr');
}

describe('ui_locales: the consent page and the pages after it is posted', () => {
  it('ui_locales=de → the consent page in German (lang="de", Content-Language: de)', async () => {
    const { page } = await consentWith(oidc({ ui_locales: 'de' }), { 'Accept-Language': 'fr' });
    expectLanguage(page, 'de', de['consent.allow']);
  });

  it('a forged CSRF token on the POST → the error page in German, though the browser asks for French', async () => {
    const { agent, form } = await consentWith(oidc({ ui_locales: 'de' }));
    const res = await postInFrench(agent, { ...form, csrf_token: 'forged', decision: 'allow' });
    expect(res.status).to.equal(400);
    expectLanguage(res, 'de', de['error.invalid_request']);
  });

  it('an answer that is neither allow nor deny → the error page in German', async () => {
    const { agent, form } = await consentWith(oidc({ ui_locales: 'de' }));
    const res = await postInFrench(agent, { ...form, decision: 'maybe' });
    expect(res.status).to.equal(400);
    expectLanguage(res, 'de', de['error.invalid_request']);
  });

  it('another user answers the page → access_denied page in German', async () => {
    const { agent, form } = await consentWith(oidc({ ui_locales: 'de' }));
    await agent.post('/test/login/bob').expect(204);
    const res = await postInFrench(agent, { ...form, decision: 'allow' });
    expect(res.status).to.equal(400);
    expectLanguage(res, 'de', de['error.access_denied']);
  });

  it('a client deleted while the page was open → the unknown-client page in German', async () => {
    const fx = hintApp();
    const clients = fx.oauth.provider.stores.clients;
    await clients.save!({ ...(await clients.find('spa'))!, id: 'short-lived' });
    const agent = await signedIn(fx.app);
    const page = await agent.get(
      authorizePath(oidc({ client_id: 'short-lived', ui_locales: 'de' })),
    );
    expect(page.status, page.text).to.equal(200);
    await clients.delete!('short-lived');
    const res = await postInFrench(agent, { ...formFields(page.text), decision: 'allow' });
    expect(res.status).to.equal(400);
    expectLanguage(res, 'de', de['error.invalid_client']);
    expect(fx.codes.saved).to.have.length(0);
  });

  it('an unknown or expired transaction has no request: the POST page follows Accept-Language', async () => {
    const { agent, form } = await consentWith(oidc({ ui_locales: 'de' }));
    const res = await postInFrench(agent, {
      ...form,
      transaction_id: 'x'.repeat(43),
      decision: 'allow',
    });
    expect(res.status).to.equal(400);
    expectLanguage(res, 'fr', fr['error.invalid_request']);
  });

  it('a plain OAuth request keeps ui_locales too (the pages always read it)', async () => {
    const { agent, form, page } = await consentWith(spaParams({ ui_locales: 'es' }));
    expectLanguage(page, 'es', es['consent.allow']);
    const res = await postInFrench(agent, { ...form, csrf_token: 'forged', decision: 'allow' });
    expectLanguage(res, 'es', es['error.invalid_request']);
  });
});

describe('ui_locales: unknown tags fall back to Accept-Language, then the default', () => {
  it('ui_locales=xx-YY with Accept-Language: fr → French', async () => {
    const { page, agent, form } = await consentWith(oidc({ ui_locales: 'xx-YY' }), {
      'Accept-Language': 'fr',
    });
    expectLanguage(page, 'fr', fr['consent.allow']);
    const res = await postInFrench(agent, { ...form, csrf_token: 'forged', decision: 'allow' });
    expectLanguage(res, 'fr', fr['error.invalid_request']);
  });

  it('ui_locales=xx-YY without Accept-Language → the default, English', async () => {
    const { page, agent, form } = await consentWith(oidc({ ui_locales: 'xx-YY' }));
    expectLanguage(page, 'en', en['consent.allow']);
    const res = await decide(agent, { ...form, csrf_token: 'forged', decision: 'allow' });
    expectLanguage(res, 'en', en['error.invalid_request']);
  });

  it('the first tag with a catalog wins, a regional tag falling back to its language', async () => {
    const { page } = await consentWith(oidc({ ui_locales: 'xx-YY ja-JP de' }));
    expectLanguage(page, 'ja', ja['consent.allow']);
  });
});

describe('ui_locales across the login (the way back, a pushed request)', () => {
  it('nobody signed in: /login?ui_locales=ja; returnTo keeps it; after the login, consent and POST pages in Japanese', async () => {
    const fx = hintApp();
    const agent = request.agent(fx.app);
    const first = await agent.get(authorizePath(oidc({ ui_locales: 'ja xx' })));
    expect(first.headers['location']).to.equal('/login?ui_locales=ja+xx');
    expect((await wayBack(agent)).get('ui_locales')).to.equal('ja xx');
    const page = await agent.get(await signIn(agent)).set('Accept-Language', 'fr');
    expect(page.status, page.text).to.equal(200);
    expectLanguage(page, 'ja', ja['consent.allow']);
    const res = await postInFrench(agent, { ...formFields(page.text), decision: 'maybe' });
    expectLanguage(res, 'ja', ja['error.invalid_request']);
  });

  it('a pushed request with ui_locales=es: login hint, then consent and POST pages in Spanish', async () => {
    const fx = hintApp();
    const agent = request.agent(fx.app);
    const uri = await pushed(fx.app, webRequest({ ui_locales: 'es' }));
    const first = await agent.get(usePath(uri));
    expect(first.headers['location']).to.equal('/login?ui_locales=es');
    const page = await agent.get(await signIn(agent)).set('Accept-Language', 'fr');
    expect(page.status, page.text).to.equal(200);
    expectLanguage(page, 'es', es['consent.allow']);
    const res = await postInFrench(agent, { ...formFields(page.text), csrf_token: 'x' });
    expectLanguage(res, 'es', es['error.invalid_request']);
  });
});

describe('ui_locales: abuse (dropped silently, never an error, never echoed raw)', () => {
  it('keptUiLocales: __proto__, constructor, markup, over-long and malformed tags are dropped', () => {
    expect(keptUiLocales('__proto__ constructor toString "><script> de')).to.deep.equal(['de']);
    expect(keptUiLocales(`${'a'.repeat(36)} en-${'b'.repeat(40)} * - de-- 1de fr`)).to.deep.equal([
      'fr',
    ]);
    expect(keptUiLocales('__proto__ constructor')).to.equal(undefined);
    expect(keptUiLocales('DE-ch de-CH de')).to.deep.equal(['de-CH', 'de']);
  });

  it('1000 tags, junk between them: the first 10 well-formed ones are kept, in order', () => {
    const tags = Array.from({ length: 1000 }, (_, i) => (i % 2 === 1 ? '__proto__' : `zz-${i}`));
    const kept = keptUiLocales(tags.join(' '));
    expect(kept).to.deep.equal([
      'zz-0',
      'zz-2',
      'zz-4',
      'zz-6',
      'zz-8',
      'zz-10',
      'zz-12',
      'zz-14',
      'zz-16',
      'zz-18',
    ]);
  });

  it('1000 tags at the endpoint: the login and the way back get 10 (bounded)', async () => {
    const fx = hintApp();
    const agent = request.agent(fx.app);
    const tags = Array.from({ length: 1000 }, (_, i) => `zz-${i}`);
    const res = await agent.get(authorizePath(oidc({ ui_locales: tags.join(' ') })));
    const ten = tags.slice(0, 10).join(' ');
    expect(res.headers['location']).to.equal(`/login?${new URLSearchParams({ ui_locales: ten })}`);
    expect((await wayBack(agent)).get('ui_locales')).to.equal(ten);
  });

  it('only junk (__proto__, constructor, markup) → no ui_locales at all; the page follows Accept-Language', async () => {
    const junk = '__proto__ constructor "><img src=x onerror=alert(1)>';
    const { page } = await consentWith(oidc({ ui_locales: junk }), { 'Accept-Language': 'de' });
    expectLanguage(page, 'de');
    expect(page.text).not.to.include('onerror');
    const fx = hintApp();
    const agent = request.agent(fx.app);
    const res = await agent.get(authorizePath(oidc({ ui_locales: junk })));
    expect(res.headers['location']).to.equal('/login');
    expect((await wayBack(agent)).has('ui_locales')).to.equal(false);
  });

  it('a repeated ui_locales → invalid_request, redirected, as any repeated parameter (RFC 6749 3.1)', async () => {
    const fx = hintApp();
    const agent = await signedIn(fx.app);
    const res = await agent.get(`${authorizePath(oidc({ ui_locales: 'de' }))}&ui_locales=fr`);
    expect(res.headers['location']).to.equal(
      errorAt('invalid_request', "the parameter 'ui_locales' must not be repeated"),
    );
  });
});

describe('ui_locales: discovery (OpenID Connect Discovery 1.0 3)', () => {
  it('ui_locales_supported lists the catalogs, default first', async () => {
    const fx = hintApp();
    const res = await request(fx.app).get('/.well-known/openid-configuration');
    expect(res.body.ui_locales_supported).to.deep.equal(['en', 'de', 'fr', 'es', 'ja']);
    const host = hintApp({
      provider: {
        locales: { default: 'de', catalogs: { 'pt-br': { 'consent.allow': 'Permitir' } } },
      },
    });
    const doc = await request(host.app).get('/.well-known/openid-configuration');
    expect(doc.body.ui_locales_supported).to.deep.equal(['de', 'en', 'fr', 'es', 'ja', 'pt-BR']);
  });
});

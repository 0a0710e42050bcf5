/**
 * lib/i18n without HTTP: the built-in catalogs, `t()`, the language chosen from
 * `ui_locales` and `Accept-Language`, the `locales` option's checks and the
 * scope descriptions by language.
 */
import { expect } from 'chai';
import { en } from '../../lib/i18n/catalogs/en.js';
import { acceptedLanguages, firstSupported, uiLocaleTags } from '../../lib/i18n/negotiate.js';
import { BUILT_IN_CATALOGS, DEFAULT_LOCALES, resolveLocales } from '../../lib/i18n/options.js';
import { canonicalTag, textDirection } from '../../lib/i18n/tags.js';
import { translator } from '../../lib/i18n/translate.js';
import { ScopePolicy } from '../../lib/helpers/scope.js';
import { Provider } from '../../index.js';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('i18n: the built-in catalogs', () => {
  for (const tag of ['de', 'fr', 'es', 'ja']) {
    it(`${tag} has every English key, with the same placeholders, and no other key`, () => {
      const catalog = BUILT_IN_CATALOGS[tag]!;
      expect(Object.keys(catalog).sort()).to.deep.equal(Object.keys(en).sort());
      for (const [key, text] of Object.entries(en)) {
        expect(placeholders(catalog[key]!), `${tag} ${key}`).to.deep.equal(placeholders(text));
        expect(catalog[key], `${tag} ${key} is translated`).to.not.equal('');
      }
    });
  }

  it('the built-in catalogs are frozen', () => {
    expect(Object.isFrozen(BUILT_IN_CATALOGS['de'])).to.equal(true);
    expect(Object.isFrozen(DEFAULT_LOCALES.catalogs.get('en'))).to.equal(true);
  });
});

describe('i18n: t(key, vars)', () => {
  const de = translator(DEFAULT_LOCALES, 'de');

  it('fills {name} placeholders in the page language', () => {
    expect(de.t('consent.heading', { client: 'Fotodrucker' })).to.equal(
      'Fotodrucker möchte auf Ihr Konto zugreifen',
    );
  });

  it('never fills a value in again, and never escapes or interprets it (the view does)', () => {
    const text = de.t('consent.heading', { client: '<b>{client}</b> & {user}' });
    expect(text).to.equal('<b>{client}</b> & {user} möchte auf Ihr Konto zugreifen');
  });

  it('takes own values only: {constructor} and {__proto__} stay as written', () => {
    const locales = resolveLocales({
      catalogs: { en: { odd: '{constructor} {__proto__} {toString}' } },
    });
    expect(translator(locales, 'en').t('odd', {})).to.equal('{constructor} {__proto__} {toString}');
  });

  it('a key no catalog has gives the key; a key only English has falls back to English', () => {
    const locales = resolveLocales({ catalogs: { en: { 'host.only': 'Hello {name}' } } });
    const t = translator(locales, 'ja');
    expect(t.t('nothing.here')).to.equal('nothing.here');
    expect(t.t('host.only', { name: 'Alice' })).to.equal('Hello Alice');
    expect(t.has('nothing.here')).to.equal(false);
  });

  it('constructor / __proto__ / toString are never message keys of a catalog', () => {
    expect(de.has('constructor')).to.equal(false);
    expect(de.t('__proto__')).to.equal('__proto__');
    expect(de.t('toString')).to.equal('toString');
  });

  it('split(key, slot) cuts the text around the placeholder, in the catalog’s word order', () => {
    expect(de.split('consent.signedInAs', 'user')).to.deep.equal(['Angemeldet als ', '']);
    const ja = translator(DEFAULT_LOCALES, 'ja');
    expect(ja.split('consent.signedInAs', 'user')).to.deep.equal([
      '',
      ' としてサインインしています',
    ]);
    expect(de.split('error.footer', 'code', { status: 400 })[1]).to.equal(
      ' (HTTP 400). Sie können diese Seite schließen und zur Anwendung zurückkehren.',
    );
    expect(de.split('consent.allow', 'none')).to.deep.equal(['Erlauben', '']);
  });

  it('the chain is the tag, its language, the default, then English', () => {
    const locales = resolveLocales({
      default: 'fr',
      catalogs: { 'de-CH': { 'consent.allow': 'Zulassen' } },
    });
    const t = translator(locales, 'de-CH');
    expect(t.chain).to.deep.equal(['de-CH', 'de', 'fr', 'en']);
    expect(t.t('consent.allow')).to.equal('Zulassen');
    expect(t.t('consent.deny')).to.equal('Ablehnen');
  });
});

describe('i18n: choosing the language', () => {
  it('Accept-Language: by q-value, highest first, equal ones in order, q=0 dropped', () => {
    expect(acceptedLanguages('fr;q=0.5, ja, de;q=0.9, es;q=0, en-GB;q=0.9')).to.deep.equal([
      'ja',
      'de',
      'en-GB',
      'fr',
    ]);
    expect(acceptedLanguages('de;q=2, fr;q=abc, ja;q=1.000')).to.deep.equal(['ja']);
    expect(acceptedLanguages('')).to.deep.equal([]);
  });

  it('a regional tag falls back to its language (de-CH → de); unknown ones are skipped', () => {
    expect(firstSupported(DEFAULT_LOCALES, ['de-CH'])).to.equal('de');
    expect(firstSupported(DEFAULT_LOCALES, ['tlh', 'x', 'pt-BR', 'FR-ca'])).to.equal('fr');
    expect(firstSupported(DEFAULT_LOCALES, ['tlh', 'pt-BR'])).to.equal(undefined);
    expect(firstSupported(DEFAULT_LOCALES, ['*'])).to.equal('en');
  });

  it('a host catalog for a region is chosen before its language', () => {
    const locales = resolveLocales({ catalogs: { 'de-ch': { 'consent.allow': 'Zulassen' } } });
    expect(firstSupported(locales, ['de-CH'])).to.equal('de-CH');
    expect(firstSupported(locales, ['de-AT'])).to.equal('de');
  });

  it('ui_locales is space-separated; odd values are skipped and the work is bounded', () => {
    expect(uiLocaleTags('  de-CH  fr * ')).to.deep.equal(['de-CH', 'fr']);
    expect(uiLocaleTags('x '.repeat(5000))).to.have.length(32);
    expect(acceptedLanguages('de,'.repeat(5000))).to.have.length(32);
  });

  it('tags are written in one form; the direction follows the language or the script', () => {
    expect(canonicalTag('DE-ch')).to.equal('de-CH');
    expect(canonicalTag('zh-hant-tw')).to.equal('zh-Hant-TW');
    expect(canonicalTag('<script>')).to.equal(undefined);
    expect(canonicalTag('e')).to.equal(undefined);
    expect(textDirection('ar')).to.equal('rtl');
    expect(textDirection('he-IL')).to.equal('rtl');
    expect(textDirection('fa')).to.equal('rtl');
    expect(textDirection('az-Arab')).to.equal('rtl');
    expect(textDirection('ku-Latn')).to.equal('ltr');
    expect(textDirection('ja')).to.equal('ltr');
  });
});

describe('i18n: options.locales', () => {
  const base = { issuer: 'https://auth.example.test' };
  const refused = (locales: unknown, message: string) =>
    expect(() => new Provider({ ...base, locales } as never)).to.throw(TypeError, message);

  it('defaults: English first, then the other built-in languages', () => {
    expect(new Provider(base).config.locales.supported).to.deep.equal([
      'en',
      'de',
      'fr',
      'es',
      'ja',
    ]);
  });

  it('a default with a catalog comes first; one without is a TypeError naming the fix', () => {
    expect(resolveLocales({ default: 'JA' }).supported[0]).to.equal('ja');
    refused({ default: 'pt' }, 'options.locales.default must be a language tag with a catalog');
    refused({ default: 3 }, 'options.locales.default must be a language tag with a catalog');
  });

  it('bad catalogs are TypeErrors naming the tag or the text', () => {
    refused(
      { catalogs: { 'not a tag': {} } },
      'options.locales.catalogs: "not a tag" is not a language tag',
    );
    refused(
      { catalogs: { de: { 'consent.allow': 1 } } },
      'options.locales.catalogs["de"]["consent.allow"] must be a string',
    );
    refused({ catalogs: { de: 'Erlauben' } }, 'options.locales.catalogs["de"] must be an object');
    refused({ catalogs: { de: {}, DE: {} } }, 'options.locales.catalogs: "DE" is given twice');
    refused({ catalogs: [] }, 'options.locales.catalogs must be an object');
    refused('de', 'options.locales must be an object');
    refused({ fallback: 'de' }, 'options.locales');
  });

  it('a JSON catalog with "__proto__" and "constructor" keys holds them as texts only', () => {
    const catalogs = JSON.parse('{"de": {"__proto__": {"polluted": 1}, "constructor": "x"}}');
    expect(() => resolveLocales({ catalogs })).to.throw(
      TypeError,
      '["__proto__"] must be a string',
    );
    const ok = resolveLocales({
      catalogs: JSON.parse('{"de": {"__proto__": "p", "constructor": "c"}}'),
    });
    const t = translator(ok, 'de');
    expect(t.t('__proto__')).to.equal('p');
    expect(t.t('constructor')).to.equal('c');
    expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
  });
});

describe('i18n: scope descriptions by language', () => {
  it('one text stays the text for every language (backwards compatible)', () => {
    const scopes = new ScopePolicy({
      available: ['read'],
      descriptions: { read: 'Read your data' },
    });
    expect(scopes.descriptions).to.deep.equal({ read: 'Read your data' });
    expect(scopes.describe('read', ['de', 'en'])).to.equal('Read your data');
  });

  it('texts by language: the first of the chain, else English, else the first given', () => {
    const scopes = new ScopePolicy({
      available: ['read', 'write', 'none'],
      descriptions: {
        read: { en: 'Read your data', DE: 'Ihre Daten lesen' },
        write: { fr: 'Modifier vos données' },
      },
    });
    expect(scopes.describe('read', ['de-CH', 'de', 'en'])).to.equal('Ihre Daten lesen');
    expect(scopes.describe('read', ['ja', 'en'])).to.equal('Read your data');
    expect(scopes.describe('write', ['ja', 'en'])).to.equal('Modifier vos données');
    expect(scopes.describe('none', ['en'])).to.equal(undefined);
    expect(scopes.descriptions).to.deep.equal({
      read: 'Read your data',
      write: 'Modifier vos données',
    });
  });

  it('a bad description is a TypeError naming the scope', () => {
    const make = (descriptions: unknown) => () =>
      new ScopePolicy({ available: ['read'], descriptions } as never);
    expect(make({ read: 3 })).to.throw(
      TypeError,
      'options.scopes.descriptions["read"] must be a string or an object',
    );
    expect(make({ read: { 'no tag!': 'x' } })).to.throw(
      TypeError,
      'options.scopes.descriptions["read"]["no tag!"]',
    );
    expect(make({ read: { de: 1 } })).to.throw(
      TypeError,
      'options.scopes.descriptions["read"]["de"]',
    );
  });
});

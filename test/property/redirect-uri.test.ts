/**
 * Properties of redirect-URI matching
 * (lib/endpoints/authorization/redirect-uri.ts `matchRedirectUri`), for any input
 * fast-check makes:
 * - RFC 9700 2.1: "authorization servers MUST utilize exact string matching"
 *   (RFC 6749 3.1.2.3): a registered URI always matches, and for a confidential
 *   client, or any URI that is not a loopback one, nothing else does: never a
 *   prefix, a suffix, another case, a userinfo or a fragment;
 * - RFC 8252 7.3: "The authorization server MUST allow any port to be specified
 *   at the time of the request for loopback IP redirect URIs": only for a public
 *   client, only for http://127.0.0.1 and http://[::1] (not `localhost`), the
 *   same host, path and query, and a port in 1–65535.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { matchRedirectUri } from '../../lib/endpoints/authorization/redirect-uri.js';
import type { Client, ClientAuthMethod } from '../../lib/types.js';
import { describeSeed, runs } from './runs.js';

function client(redirectUris: readonly string[], isPublic: boolean): Client {
  const methods: ClientAuthMethod[] = isPublic ? ['none'] : ['client_secret_basic'];
  return {
    id: 'c',
    redirectUris,
    grantTypes: ['authorization_code'],
    responseTypes: ['code'],
    tokenEndpointAuthMethods: methods,
  };
}

const pathChars = fc.constantFrom(...'abcxyz019-._~/%:@!$&()*+,;='.split(''));
/** A path starting with '/', maybe with a query. */
const pathAndQuery = fc
  .tuple(
    fc.string({ unit: pathChars, maxLength: 12 }),
    fc.option(fc.string({ unit: pathChars, maxLength: 10 }), { nil: undefined }),
  )
  .map(([p, q]) => `/${p}${q === undefined ? '' : `?${q}`}`);
const port = fc.integer({ min: 1, max: 65535 });
const loopbackHost = fc.constantFrom('127.0.0.1', '[::1]');

/** Any redirect URI a client might register: web, custom scheme, loopback, localhost. */
const registered = fc.oneof(
  fc.webUrl({ withQueryParameters: true }),
  fc.tuple(fc.constantFrom('com.example.app:', 'myapp://'), pathAndQuery).map(([s, p]) => s + p),
  fc
    .tuple(loopbackHost, fc.option(port, { nil: undefined }), pathAndQuery)
    .map(([h, p, path]) => `http://${h}${p === undefined ? '' : `:${p}`}${path}`),
  fc
    .tuple(fc.option(port, { nil: undefined }), pathAndQuery)
    .map(([p, path]) => `http://localhost${p === undefined ? '' : `:${p}`}${path}`),
);

const LOOPBACK = /^http:\/\/(127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?([/?].*)?$/;

/** The loopback parts of a URI, or undefined for any other URI. */
function loopbackParts(uri: string): { host: string; rest: string } | undefined {
  const m = LOOPBACK.exec(uri);
  return m === null ? undefined : { host: m[1]!, rest: m[3] ?? '' };
}

/** Ways an attacker bends a registered URI: each one must not match it. */
const bend = fc.oneof(
  fc.constantFrom('x', '/', '/..', '/evil', '?x', '&x=1', '#', '#frag', '.evil.example', '@evil'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
);

describe(describeSeed('property: redirect-URI matching (matchRedirectUri)'), () => {
  it('every registered URI matches, for public and confidential clients', () => {
    fc.assert(
      fc.property(
        fc.array(registered, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (uris, pub) => {
          for (const uri of uris)
            expect(matchRedirectUri(client(uris, pub), uri), uri).to.equal(true);
        },
      ),
      runs(500),
    );
  });

  it('a confidential client matches exact strings only, whatever is asked', () => {
    const asked = fc.oneof(registered, fc.string({ maxLength: 40 }));
    fc.assert(
      fc.property(fc.array(registered, { maxLength: 4 }), asked, (uris, uri) => {
        expect(matchRedirectUri(client(uris, false), uri)).to.equal(uris.includes(uri));
      }),
      runs(1000),
    );
  });

  it('never a prefix or suffix match: a registered URI with anything added or cut matches only if it is itself registered or a loopback port change', () => {
    fc.assert(
      fc.property(registered, bend, fc.boolean(), fc.boolean(), (uri, extra, pub, before) => {
        const asked = before ? extra + uri : uri + extra;
        const cut = uri.slice(0, Math.max(0, uri.length - extra.length));
        for (const candidate of [asked, cut]) {
          if (candidate === uri) continue;
          const reg = loopbackParts(uri);
          const req = loopbackParts(candidate);
          const portChangeOnly =
            pub &&
            reg !== undefined &&
            req !== undefined &&
            reg.host === req.host &&
            reg.rest === req.rest;
          if (portChangeOnly) continue;
          expect(matchRedirectUri(client([uri], pub), candidate), `${uri} → ${candidate}`).to.equal(
            false,
          );
        }
      }),
      runs(1500),
    );
  });

  it('a public client registered on 127.0.0.1 or [::1] may use any port 1–65535, with the same host, path and query', () => {
    fc.assert(
      fc.property(
        loopbackHost,
        fc.option(port, { nil: undefined }),
        pathAndQuery,
        port,
        (host, registeredPort, path, askedPort) => {
          const uri = `http://${host}${registeredPort === undefined ? '' : `:${registeredPort}`}${path}`;
          const pub = client([uri], true);
          expect(matchRedirectUri(pub, `http://${host}:${askedPort}${path}`)).to.equal(true);
          // the other loopback address, another path, or a confidential client: no
          const other = host === '127.0.0.1' ? '[::1]' : '127.0.0.1';
          expect(matchRedirectUri(pub, `http://${other}:${askedPort}${path}`)).to.equal(false);
          expect(matchRedirectUri(pub, `http://${host}:${askedPort}${path}x`)).to.equal(false);
          expect(
            matchRedirectUri(client([uri], false), `http://${host}:${askedPort}${path}`),
          ).to.equal(uri === `http://${host}:${askedPort}${path}`);
        },
      ),
      runs(1000),
    );
  });

  it('port 0, ports past 65535, localhost, https and userinfo tricks never get loopback port freedom', () => {
    const badPort = fc.oneof(fc.constant(0), fc.integer({ min: 65536, max: 99999 }));
    fc.assert(
      fc.property(loopbackHost, pathAndQuery, badPort, port, (host, path, bad, good) => {
        const pub = client([`http://${host}${path}`, `http://localhost${path}`], true);
        expect(matchRedirectUri(pub, `http://${host}:${bad}${path}`)).to.equal(false);
        expect(matchRedirectUri(pub, `http://localhost:${good}${path}`)).to.equal(false);
        expect(matchRedirectUri(pub, `https://${host}:${good}${path}`)).to.equal(false);
        expect(matchRedirectUri(pub, `http://${host}@evil.example:${good}${path}`)).to.equal(false);
        expect(matchRedirectUri(pub, `http://${host}:${good}@evil.example${path}`)).to.equal(false);
        expect(matchRedirectUri(pub, `http://${host}.evil.example:${good}${path}`)).to.equal(false);
      }),
      runs(1000),
    );
  });
});

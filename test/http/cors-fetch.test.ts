/**
 * CORS in the Fetch adapter: fetchHandler() answers preflights and adds
 * `Access-Control-Allow-Origin` exactly as the Express handlers do (cors.test.ts).
 */
import { expect } from 'chai';
import { fetchHandler, Provider, type ProviderOptions } from '../../index.js';
import { ISSUER, providerOptions, secrets } from '../support/fixtures.js';
import { basic } from './token-assertions.js';

const SPA = 'https://spa.example.test';

function handler(overrides: Partial<ProviderOptions> = {}) {
  return fetchHandler(new Provider(providerOptions(overrides)));
}

function preflight(path: string, origin = SPA): Request {
  return new Request(ISSUER + path, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST' },
  });
}

function tokenRequest(origin: string): Request {
  return new Request(`${ISSUER}/token`, {
    method: 'POST',
    headers: {
      origin,
      authorization: basic('service', secrets.service.secret),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
}

function corsOf(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (name.startsWith('access-control-') || name === 'vary') out[name] = value;
  });
  return out;
}

describe('CORS in fetchHandler()', () => {
  it('OPTIONS /token → 204 with the exact CORS headers and no body', async () => {
    const res = (await handler()(preflight('/token'))) as Response;
    expect(res.status).to.equal(204);
    expect(corsOf(res)).to.deep.equal({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'Authorization, Content-Type, DPoP',
      'access-control-max-age': '7200',
    });
    expect(await res.text()).to.equal('');
  });

  it('POST /token, errors and documents carry Access-Control-Allow-Origin: *', async () => {
    const handle = handler();
    const ok = (await handle(tokenRequest(SPA))) as Response;
    expect(ok.status).to.equal(200);
    expect(corsOf(ok)).to.deep.equal({ 'access-control-allow-origin': '*' });
    const wrong = (await handle(new Request(`${ISSUER}/token`, { headers: { origin: SPA } })))!;
    expect(wrong.status).to.equal(405);
    expect(corsOf(wrong)).to.deep.equal({ 'access-control-allow-origin': '*' });
    const jwks = (await handle(new Request(`${ISSUER}/jwks`, { headers: { origin: SPA } })))!;
    expect(corsOf(jwks)).to.deep.equal({ 'access-control-allow-origin': '*' });
  });

  it('introspection: OPTIONS → 405, no CORS header', async () => {
    const res = (await handler()(preflight('/introspect'))) as Response;
    expect(res.status).to.equal(405);
    expect(corsOf(res)).to.deep.equal({});
  });

  it('a list policy echoes a listed origin with Vary: Origin, and not a look-alike', async () => {
    const handle = handler({ cors: { origins: [SPA] } });
    const ok = (await handle(tokenRequest(SPA))) as Response;
    expect(corsOf(ok)).to.deep.equal({ 'access-control-allow-origin': SPA, vary: 'Origin' });
    const evil = (await handle(tokenRequest(`${SPA}.evil.com`))) as Response;
    expect(evil.status).to.equal(200);
    expect(corsOf(evil)).to.deep.equal({ vary: 'Origin' });
  });

  it('cors: false → OPTIONS /token is the plain 405 and no header is added', async () => {
    const handle = handler({ cors: false });
    const pre = (await handle(preflight('/token'))) as Response;
    expect(pre.status).to.equal(405);
    expect(pre.headers.get('allow')).to.equal('POST');
    expect(await pre.json()).to.deep.equal({
      error: 'invalid_request',
      error_description: 'this endpoint accepts POST only',
    });
    expect(corsOf(pre)).to.deep.equal({});
    expect(corsOf((await handle(tokenRequest(SPA)))!)).to.deep.equal({});
  });
});

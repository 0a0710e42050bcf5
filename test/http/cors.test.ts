/**
 * CORS at the endpoints browsers call cross-origin (token, revocation, metadata,
 * JWKS), never at introspection or authorization, under `options.cors`, against
 * a real Express app. The Fetch adapter's answers are in cors-fetch.test.ts, a
 * real browser's in test/e2e/cors-browser.test.ts.
 */
import { connect } from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { expect } from 'chai';
import request from 'supertest';
import { testApp, secrets } from '../support/fixtures.js';
import { basic, expectOAuthError } from './token-assertions.js';

const SPA = 'https://spa.example.test';
const SERVICE = basic('service', secrets.service.secret);

const CORS_HEADERS = [
  'access-control-allow-origin',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-max-age',
  'access-control-allow-credentials',
  'access-control-expose-headers',
  'vary',
];

/** The CORS headers of an answer (absent ones left out), to compare exactly. */
function corsOf(res: request.Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of CORS_HEADERS) {
    const value = res.headers[name] as string | undefined;
    if (value !== undefined) out[name] = value;
  }
  return out;
}

function preflight(app: Parameters<typeof request>[0], path: string, origin = SPA): request.Test {
  return request(app)
    .options(path)
    .set('Origin', origin)
    .set('Access-Control-Request-Method', 'POST')
    .set('Access-Control-Request-Headers', 'authorization, content-type');
}

function tokenRequest(app: Parameters<typeof request>[0], origin: string): request.Test {
  return request(app)
    .post('/token')
    .set('Origin', origin)
    .set('Authorization', SERVICE)
    .type('form')
    .send('grant_type=client_credentials');
}

const PREFLIGHT_POST = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST',
  'access-control-allow-headers': 'Authorization, Content-Type, DPoP',
  'access-control-max-age': '7200',
};

describe('CORS (default policy: any origin, never credentials)', () => {
  const { app } = testApp();

  // Fetch standard, CORS protocol: a successful preflight answers with an ok status and
  // Access-Control-Allow-Origin / -Methods / -Headers naming what the actual request uses.
  for (const path of ['/token', '/revoke']) {
    it(`OPTIONS ${path} (a preflight) → 204, the exact CORS headers, no body, no credentials`, async () => {
      const res = await preflight(app, path);
      expect(res.status).to.equal(204);
      expect(corsOf(res)).to.deep.equal(PREFLIGHT_POST);
      expect(res.headers['allow']).to.equal('POST, OPTIONS');
      expect(res.text).to.equal('');
    });
  }

  for (const path of ['/jwks', '/.well-known/oauth-authorization-server']) {
    it(`OPTIONS ${path} → 204 with GET, HEAD`, async () => {
      const res = await preflight(app, path);
      expect(res.status).to.equal(204);
      expect(corsOf(res)).to.deep.equal({
        ...PREFLIGHT_POST,
        'access-control-allow-methods': 'GET, HEAD',
      });
    });
  }

  it('POST /token from another origin → 200 with the token and Access-Control-Allow-Origin: *', async () => {
    const res = await tokenRequest(app, SPA);
    expect(res.status).to.equal(200);
    expect(res.body.token_type).to.equal('Bearer');
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(corsOf(res)).to.deep.equal({ 'access-control-allow-origin': '*' });
  });

  it('errors are readable too: a wrong secret → 401 invalid_client with Access-Control-Allow-Origin', async () => {
    const res = await request(app)
      .post('/token')
      .set('Origin', SPA)
      .set('Authorization', basic('service', 'wrong'))
      .type('form')
      .send('grant_type=client_credentials');
    expectOAuthError(res, 401, 'invalid_client', { challenge: true });
    expect(corsOf(res)).to.deep.equal({ 'access-control-allow-origin': '*' });
  });

  it('a GET at /token → 405 invalid_request with Access-Control-Allow-Origin', async () => {
    const res = await request(app).get('/token').set('Origin', SPA);
    expectOAuthError(res, 405, 'invalid_request', {
      description: 'this endpoint accepts POST only',
    });
    expect(res.headers['allow']).to.equal('POST');
    expect(corsOf(res)).to.deep.equal({ 'access-control-allow-origin': '*' });
  });

  it('metadata and JWKS stay cacheable and readable cross-origin', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/jwks']) {
      const res = await request(app).get(path).set('Origin', SPA);
      expect(res.status).to.equal(200);
      expect(res.headers['cache-control']).to.match(/^public, max-age=\d+$/);
      expect(corsOf(res)).to.deep.equal({ 'access-control-allow-origin': '*' });
    }
  });

  it('introspection never answers browsers: OPTIONS → 405, POST carries no CORS header', async () => {
    const pre = await preflight(app, '/introspect');
    expectOAuthError(pre, 405, 'invalid_request', {
      description: 'this endpoint accepts POST only',
    });
    expect(corsOf(pre)).to.deep.equal({});
    const res = await request(app)
      .post('/introspect')
      .set('Origin', SPA)
      .set('Authorization', basic('rs', secrets.rs.secret))
      .type('form')
      .send('token=unknown');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ active: false });
    expect(corsOf(res)).to.deep.equal({});
  });

  it('the authorization endpoint (a top-level navigation) gets no CORS header', async () => {
    const pre = await preflight(app, '/authorize');
    expect(pre.status).to.equal(200); // Express's own OPTIONS answer: Allow, and nothing for CORS
    expect(corsOf(pre)).to.deep.equal({});
  });

  it('a preflight asking for a cookie header still gets no Access-Control-Allow-Credentials', async () => {
    const res = await preflight(app, '/token').set(
      'Access-Control-Request-Headers',
      'authorization, cookie',
    );
    expect(res.status).to.equal(204);
    expect(corsOf(res)).to.deep.equal(PREFLIGHT_POST);
  });

  it('Origin: null (sandboxed pages, file:) is answered *, which a browser reads without credentials', async () => {
    const res = await tokenRequest(app, 'null');
    expect(res.status).to.equal(200);
    expect(corsOf(res)).to.deep.equal({ 'access-control-allow-origin': '*' });
  });
});

describe('CORS at the registration endpoint (RFC 7591, 7592)', () => {
  const { app } = testApp({ registration: { policy: 'open' } });

  for (const path of ['/register', '/register/some-client']) {
    it(`OPTIONS ${path} → 204 with GET, POST, PUT, DELETE`, async () => {
      const res = await preflight(app, path);
      expect(res.status).to.equal(204);
      expect(corsOf(res)).to.deep.equal({
        ...PREFLIGHT_POST,
        'access-control-allow-methods': 'GET, POST, PUT, DELETE',
      });
    });
  }
});

describe('CORS with a list of origins', () => {
  const { app } = testApp({ cors: { origins: [SPA, 'http://localhost:5173'] } });

  it('a listed origin is echoed, with Vary: Origin, never with credentials', async () => {
    const res = await tokenRequest(app, SPA);
    expect(res.status).to.equal(200);
    expect(corsOf(res)).to.deep.equal({ 'access-control-allow-origin': SPA, vary: 'Origin' });
    const pre = await preflight(app, '/token', 'http://localhost:5173');
    expect(pre.status).to.equal(204);
    expect(corsOf(pre)).to.deep.equal({
      ...PREFLIGHT_POST,
      'access-control-allow-origin': 'http://localhost:5173',
      vary: 'Origin',
    });
  });

  for (const [label, origin] of [
    ['a look-alike host', 'https://spa.example.test.evil.com'],
    ['a look-alike prefix', 'https://evil-spa.example.test'],
    ['another scheme', 'http://spa.example.test'],
    ['another port', 'https://spa.example.test:8443'],
    ['upper case', 'https://SPA.example.test'],
    ['a trailing slash', `${SPA}/`],
    ['null', 'null'],
    ['a percent-encoded CRLF', `${SPA}%0d%0aSet-Cookie:%20a=b`],
  ] as const) {
    it(`${label} (${origin}) is not echoed: no Access-Control-Allow-Origin, Vary: Origin`, async () => {
      const res = await tokenRequest(app, origin);
      expect(res.status).to.equal(200); // the server answers; the browser will not let the page read it
      expect(corsOf(res)).to.deep.equal({ vary: 'Origin' });
      expect(res.headers['set-cookie']).to.equal(undefined);
      const pre = await preflight(app, '/token', origin);
      expect(pre.status).to.equal(204);
      expect(corsOf(pre)).to.deep.equal({
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'Authorization, Content-Type, DPoP',
        'access-control-max-age': '7200',
        vary: 'Origin',
      });
    });
  }

  it('no Origin at all (not a browser, or same-origin) → Vary: Origin only', async () => {
    const res = await request(app)
      .post('/token')
      .set('Authorization', SERVICE)
      .type('form')
      .send('grant_type=client_credentials');
    expect(res.status).to.equal(200);
    expect(corsOf(res)).to.deep.equal({ vary: 'Origin' });
  });
});

describe('CORS with a function', () => {
  it('is asked only about well-formed origins; an answer other than true, or a throw, allows nothing', async () => {
    const asked: string[] = [];
    const { app } = testApp({
      cors: {
        origins: (origin) => {
          asked.push(origin);
          if (origin === 'https://boom.example.test') throw new Error('boom');
          return origin.endsWith('.example.test');
        },
      },
    });
    expect(corsOf(await tokenRequest(app, SPA))).to.deep.equal({
      'access-control-allow-origin': SPA,
      vary: 'Origin',
    });
    for (const origin of [
      'https://boom.example.test',
      'https://evil.test',
      'null',
      'https://a.example.test/path',
      'https://a.example.test\tx',
      `https://${'a'.repeat(3000)}.example.test`,
    ]) {
      const res = await tokenRequest(app, origin);
      expect(res.status).to.equal(200);
      expect(corsOf(res), origin).to.deep.equal({ vary: 'Origin' });
    }
    expect(asked).to.deep.equal([SPA, 'https://boom.example.test', 'https://evil.test']);
  });

  it('a raw Origin header with a CR LF cannot add a header: the server refuses or splits it, never echoes it', async () => {
    const { app } = testApp({ cors: { origins: () => true } });
    const server = createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
      await once(socket, 'connect');
      socket.end(
        'OPTIONS /token HTTP/1.1\r\nHost: x\r\nOrigin: https://a.example.test\rSet-Cookie: a=b\r\nConnection: close\r\n\r\n',
      );
      let raw = '';
      for await (const chunk of socket) raw += String(chunk);
      expect(raw).to.match(/^HTTP\/1\.1 400 /);
      expect(raw.toLowerCase()).to.not.include('set-cookie');
      expect(raw.toLowerCase()).to.not.include('access-control-allow-origin');
    } finally {
      server.close();
    }
  });
});

describe('CORS off (options.cors: false)', () => {
  const { app } = testApp({ cors: false });

  it('OPTIONS /token keeps the plain 405 and no answer carries a CORS header', async () => {
    const pre = await preflight(app, '/token');
    expectOAuthError(pre, 405, 'invalid_request', {
      description: 'this endpoint accepts POST only',
    });
    expect(pre.headers['allow']).to.equal('POST');
    expect(corsOf(pre)).to.deep.equal({});
    expect(corsOf(await tokenRequest(app, SPA))).to.deep.equal({});
    const metadata = await request(app).get('/.well-known/oauth-authorization-server');
    expect(metadata.status).to.equal(200);
    expect(corsOf(metadata)).to.deep.equal({});
    const jwks = await request(app).options('/jwks').set('Origin', SPA);
    expect(jwks.status).to.equal(405);
    expect(jwks.headers['allow']).to.equal('GET, HEAD');
  });
});

describe('options.cors checks', () => {
  for (const [label, cors, message] of [
    [
      'an origin with a trailing slash',
      { origins: ['https://a.example.test/'] },
      'options.cors.origins[0] "https://a.example.test/" is not an origin: give scheme, host and port only, in lower case, e.g. "https://app.example.com" (no path, no trailing slash); for any origin give origins: \'*\'',
    ],
    ['a path', { origins: [SPA, 'https://a.example.test/app'] }, 'options.cors.origins[1]'],
    ['"*" inside a list', { origins: ['*'] }, 'options.cors.origins[0] "*" is not an origin'],
    ['null', { origins: ['null'] }, 'options.cors.origins[0] "null" is not an origin'],
    ['upper case', { origins: ['https://A.example.test'] }, 'is not an origin'],
    ['a default port', { origins: ['https://a.example.test:443'] }, 'is not an origin'],
    [
      'a number',
      { origins: 5 },
      "options.cors.origins must be '*', a list of origins or a function",
    ],
    ['true', true, 'options.cors must be false or { origins }'],
    [
      'a misspelled key',
      { origin: '*' },
      'options.cors has an unknown key "origin"; did you mean "origins"?',
    ],
  ] as const) {
    it(`${label} → TypeError`, () => {
      expect(() => testApp({ cors: cors as never })).to.throw(TypeError, message);
    });
  }
});

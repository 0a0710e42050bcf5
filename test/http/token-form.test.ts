/**
 * The token endpoint's form body (RFC 6749 3.2, Appendix B): media type, charset,
 * size limit, percent-encoding, UTF-8, repeated and empty parameters, and bodies
 * the host app parsed before the token route. Every refusal is a 400
 * invalid_request in JSON: never an HTML page, a 413 or a 500.
 */
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { createAuthorizationServer } from '../../index.js';
import { providerOptions, secrets, testApp } from '../support/fixtures.js';
import {
  basic,
  ERROR_DESCRIPTION_CHARS,
  expectOAuthError,
  expectTokenResponse,
  postChunked,
} from './token-assertions.js';

const SERVICE = basic('service', secrets.service.secret);
const GRANT = 'grant_type=client_credentials';

/** A body of exactly `size` bytes: a client_credentials request padded with an ignored parameter. */
function bodyOfSize(size: number): string {
  const head = `${GRANT}&pad=`;
  return head + 'a'.repeat(size - head.length);
}

describe('token endpoint: media type (RFC 6749 3.2)', () => {
  const { app } = testApp();
  // RFC 6749 4.4.2: the client adds the parameters "using the "application/x-www-form-urlencoded"
  // format per Appendix B with a character encoding of UTF-8 in the HTTP request entity-body".

  it('refuses a JSON body with 400 invalid_request', async () => {
    const res = await request(app)
      .post('/token')
      .set('Authorization', SERVICE)
      .type('json')
      .send({ grant_type: 'client_credentials' });
    expectOAuthError(res, 400, 'invalid_request');
  });

  it('refuses a text/plain body with 400 invalid_request', async () => {
    const res = await request(app)
      .post('/token')
      .set('Authorization', SERVICE)
      .type('text/plain')
      .send(GRANT);
    expectOAuthError(res, 400, 'invalid_request');
  });

  it('refuses a body without Content-Type with 400 invalid_request', async () => {
    const res = await request(app)
      .post('/token')
      .set('Authorization', SERVICE)
      .send(GRANT)
      .unset('Content-Type');
    expectOAuthError(res, 400, 'invalid_request');
  });

  it('refuses multipart/form-data with 400 invalid_request', async () => {
    const res = await request(app)
      .post('/token')
      .set('Authorization', SERVICE)
      .field('grant_type', 'client_credentials');
    expectOAuthError(res, 400, 'invalid_request');
  });

  it('refuses charset=iso-8859-1 with 400 invalid_request', async () => {
    const res = await request(app)
      .post('/token')
      .set('Authorization', SERVICE)
      .set('Content-Type', 'application/x-www-form-urlencoded; charset=iso-8859-1')
      .send(GRANT);
    expectOAuthError(res, 400, 'invalid_request');
  });

  it('accepts charset=utf-8', async () => {
    const res = await request(app)
      .post('/token')
      .set('Authorization', SERVICE)
      .set('Content-Type', 'application/x-www-form-urlencoded; charset=utf-8')
      .send(GRANT);
    expectTokenResponse(res);
  });

  it('accepts a quoted charset="UTF-8"', async () => {
    const res = await request(app)
      .post('/token')
      .set('Authorization', SERVICE)
      .set('Content-Type', 'application/x-www-form-urlencoded; charset="UTF-8"')
      .send(GRANT);
    expectTokenResponse(res);
  });

  // RFC 9110 8.3.1: "The type and subtype tokens are case-insensitive."
  it('accepts the media type in upper case', async () => {
    const res = await request(app)
      .post('/token')
      .set('Authorization', SERVICE)
      .set('Content-Type', 'APPLICATION/X-WWW-FORM-URLENCODED')
      .send(GRANT);
    expectTokenResponse(res);
  });
});

describe('token endpoint: body size limit', () => {
  const { oauth, app } = testApp();
  const small = express();
  small.post('/small-token', oauth.token({ bodyLimit: 100 }));

  it('refuses a body one byte over the default 16384 with 400 invalid_request JSON and Connection: close', async () => {
    const res = await request(app)
      .post('/token')
      .set('Authorization', SERVICE)
      .type('form')
      .send(bodyOfSize(16_385));
    expectOAuthError(res, 400, 'invalid_request');
    expect(res.headers['connection']).to.equal('close');
  });

  it('refuses a body far over the limit (1 MiB) the same way, without a 413 or a reset', async () => {
    const res = await request(app)
      .post('/token')
      .set('Authorization', SERVICE)
      .type('form')
      .send(bodyOfSize(1 << 20));
    expectOAuthError(res, 400, 'invalid_request');
    expect(res.headers['connection']).to.equal('close');
  });

  it('accepts a body of exactly 16384 bytes', async () => {
    const res = await request(app)
      .post('/token')
      .set('Authorization', SERVICE)
      .type('form')
      .send(bodyOfSize(16_384));
    expectTokenResponse(res);
  });

  it('refuses a body over oauth.token({ bodyLimit: 100 }) on a custom route', async () => {
    const res = await request(small)
      .post('/small-token')
      .set('Authorization', SERVICE)
      .type('form')
      .send(bodyOfSize(101));
    expectOAuthError(res, 400, 'invalid_request');
    expect(res.headers['connection']).to.equal('close');
  });

  it('accepts a body of exactly bodyLimit bytes on the custom route', async () => {
    const res = await request(small)
      .post('/small-token')
      .set('Authorization', SERVICE)
      .type('form')
      .send(bodyOfSize(100));
    expectTokenResponse(res);
  });

  it('refuses a chunked body (no Content-Length) that grows past the limit', async () => {
    const chunks = [
      Buffer.from(`${GRANT}&pad=`),
      ...Array.from({ length: 20 }, () => Buffer.alloc(1024, 'a')),
    ];
    const res = await postChunked(
      app,
      '/token',
      { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: SERVICE },
      chunks,
    );
    expect(res.status).to.equal(400);
    expect(res.headers['content-type']).to.match(/^application\/json/);
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(res.headers['connection']).to.equal('close');
    expect(Object.keys(JSON.parse(res.body) as object).sort()).to.deep.equal([
      'error',
      'error_description',
    ]);
    expect((JSON.parse(res.body) as { error: string }).error).to.equal('invalid_request');
  });

  it('accepts a chunked body under the limit', async () => {
    const res = await postChunked(
      app,
      '/token',
      { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: SERVICE },
      [Buffer.from('grant_type=client_'), Buffer.from('credentials&scope=read')],
    );
    expect(res.status).to.equal(200);
    expect((JSON.parse(res.body) as { scope: string }).scope).to.equal('read');
  });

  for (const bodyLimit of [0, -1, 1.5, Number.NaN]) {
    it(`rejects bodyLimit ${bodyLimit} with a TypeError naming the option, when the handler is made`, () => {
      expect(() => oauth.token({ bodyLimit })).to.throw(TypeError, /bodyLimit/);
    });
  }
});

describe('token endpoint: percent-encoding and UTF-8 (RFC 6749 Appendix B)', () => {
  const { app } = testApp();
  const post = (body: string | Buffer) =>
    request(app).post('/token').set('Authorization', SERVICE).type('form').send(body);

  it('refuses malformed percent-encoding in a value (grant_type=%zz)', async () => {
    expectOAuthError(await post('grant_type=%zz'), 400, 'invalid_request');
  });

  it('refuses malformed percent-encoding in a name', async () => {
    expectOAuthError(await post(`${GRANT}&%zz=1`), 400, 'invalid_request');
  });

  it('refuses a truncated escape (%A at the end)', async () => {
    expectOAuthError(await post(`${GRANT}&scope=read%A`), 400, 'invalid_request');
  });

  // Appendix B: names and values "need to be treated as octet sequences, to be decoded
  // using the UTF-8 character encoding scheme."
  it('refuses percent-encoded bytes that are not UTF-8 (%E0%A4%A)', async () => {
    expectOAuthError(await post(`${GRANT}&scope=%E0%A4%A`), 400, 'invalid_request');
  });

  it('refuses a percent-encoded lone byte %FF', async () => {
    expectOAuthError(await post(`${GRANT}&scope=%FF`), 400, 'invalid_request');
  });

  it('refuses an overlong UTF-8 sequence (%C0%AF)', async () => {
    expectOAuthError(await post(`${GRANT}&scope=%C0%AF`), 400, 'invalid_request');
  });

  it('refuses a raw byte that is not UTF-8 in the body', async () => {
    expectOAuthError(
      await post(Buffer.concat([Buffer.from(`${GRANT}&scope=read`), Buffer.from([0xff])])),
      400,
      'invalid_request',
    );
  });

  it('accepts well-formed percent-encoded UTF-8 (an ignored parameter with é)', async () => {
    expectTokenResponse(await post(`${GRANT}&note=caf%C3%A9`));
  });

  it('decodes "+" and %20 as a space', async () => {
    expect(expectTokenResponse(await post(`${GRANT}&scope=read+write`))['scope']).to.equal(
      'read write',
    );
    expect(expectTokenResponse(await post(`${GRANT}&scope=read%20write`))['scope']).to.equal(
      'read write',
    );
  });

  it('keeps a parameter named __proto__ as an ordinary, ignored parameter', async () => {
    expectTokenResponse(await post(`__proto__=x&constructor=y&${GRANT}`));
  });

  it('decodes percent-encoded names (grant%5Ftype is grant_type)', async () => {
    expectTokenResponse(await post('grant%5Ftype=client_credentials'));
  });
});

describe('token endpoint: repeated and empty parameters (RFC 6749 3.2)', () => {
  const { app } = testApp();
  const post = (body: string) =>
    request(app).post('/token').set('Authorization', SERVICE).type('form').send(body);

  // RFC 6749 3.2: "Request and response parameters MUST NOT be included more than once."
  it('refuses a repeated grant_type with invalid_request', async () => {
    expectOAuthError(await post(`${GRANT}&${GRANT}`), 400, 'invalid_request');
  });

  it('refuses a repeated scope with invalid_request', async () => {
    expectOAuthError(await post(`${GRANT}&scope=read&scope=write`), 400, 'invalid_request');
  });

  it('refuses a parameter repeated under another encoding of its name', async () => {
    expectOAuthError(
      await post(`${GRANT}&grant%5Ftype=client_credentials`),
      400,
      'invalid_request',
    );
  });

  // RFC 6749 5.2: error_description "MUST NOT include characters outside the set %x20-21 / %x23-5B / %x5D-7E."
  it('keeps the error_description of a repeated parameter within the RFC 6749 5.2 character set', async () => {
    const res = await post(`${GRANT}&scope=read&scope=write`);
    expectOAuthError(res, 400, 'invalid_request');
    expect(res.body.error_description).to.match(ERROR_DESCRIPTION_CHARS);
  });

  // RFC 6749 3.2: "Parameters sent without a value MUST be treated as if they were omitted from the request."
  it('treats grant_type= as absent', async () => {
    expectOAuthError(await post('grant_type='), 400, 'invalid_request', {
      description: 'grant_type is required',
    });
  });

  it('treats a bare name without "=" as absent', async () => {
    expectOAuthError(await post('grant_type'), 400, 'invalid_request', {
      description: 'grant_type is required',
    });
  });

  it('treats scope= as absent: the default scope is granted', async () => {
    expect(expectTokenResponse(await post(`${GRANT}&scope=`))['scope']).to.equal('read');
  });
});

describe('token endpoint: a body the host app already parsed', () => {
  function appWith(parser: express.RequestHandler): express.Express {
    const oauth = createAuthorizationServer(providerOptions());
    const app = express();
    app.use(parser);
    app.post('/token', oauth.token());
    return app;
  }
  const extended = appWith(express.urlencoded({ extended: true }));
  const simple = appWith(express.urlencoded());
  const post = (app: express.Express, body: string) =>
    request(app).post('/token').set('Authorization', SERVICE).type('form').send(body);

  it('refuses an object parameter made by express.urlencoded({ extended: true }) (scope[a]=b)', async () => {
    expectOAuthError(await post(extended, `${GRANT}&scope[a]=b`), 400, 'invalid_request');
  });

  // RFC 6749 5.2: error_description "MUST NOT include characters outside the set %x20-21 / %x23-5B / %x5D-7E."
  it('keeps the error_description of an object parameter within the RFC 6749 5.2 character set', async () => {
    const res = await post(extended, `${GRANT}&scope[a]=b`);
    expectOAuthError(res, 400, 'invalid_request');
    expect(res.body.error_description).to.match(ERROR_DESCRIPTION_CHARS);
  });

  it('refuses an array made from a repeated parameter by express.urlencoded({ extended: true })', async () => {
    expectOAuthError(await post(extended, `${GRANT}&${GRANT}`), 400, 'invalid_request');
  });

  it('still issues a token for a clean body after express.urlencoded({ extended: true })', async () => {
    expect(
      expectTokenResponse(await post(extended, `${GRANT}&scope=read+write`))['scope'],
    ).to.equal('read write');
  });

  it('still issues a token for a clean body after express.urlencoded()', async () => {
    expect(expectTokenResponse(await post(simple, `${GRANT}&scope=write`))['scope']).to.equal(
      'write',
    );
  });

  it('refuses a repeated parameter after express.urlencoded()', async () => {
    expectOAuthError(await post(simple, `${GRANT}&scope=read&scope=write`), 400, 'invalid_request');
  });

  it('treats an empty value parsed by express.urlencoded() as absent', async () => {
    expectOAuthError(await post(simple, 'grant_type=&scope=read'), 400, 'invalid_request', {
      description: 'grant_type is required',
    });
  });

  it('refuses a JSON body even when express.json() parsed it', async () => {
    const app = appWith(express.json());
    const res = await request(app)
      .post('/token')
      .set('Authorization', SERVICE)
      .type('json')
      .send({ grant_type: 'client_credentials' });
    expectOAuthError(res, 400, 'invalid_request');
  });
});

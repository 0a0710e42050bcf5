/**
 * The token endpoint over HTTP (RFC 6749 3.2, 5.1, 5.2): method, grant dispatch,
 * the success response, and what a failing store turns into. The form body rules
 * are in token-form.test.ts, client authentication in client-auth.test.ts.
 */
import { expect } from 'chai';
import request from 'supertest';
import {
  memoryStores,
  StoreUnavailableError,
  type AccessTokenRecord,
  type AccessTokenStore,
  type Logger,
} from '../../index.js';
import { frozenClock, secrets, testApp } from '../support/fixtures.js';
import {
  basic,
  ERROR_DESCRIPTION_CHARS,
  expectNoStoreJson,
  expectOAuthError,
  expectTokenResponse,
} from './token-assertions.js';

const SERVICE = basic('service', secrets.service.secret);

/** Decodes the claims of a JWT without checking it (the tests only read them). */
function claims(jwt: string): Record<string, unknown> {
  const payload = jwt.split('.')[1];
  if (payload === undefined) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('token endpoint: HTTP method (RFC 6749 3.2)', () => {
  const { app } = testApp();

  // RFC 6749 3.2: "The client MUST use the HTTP "POST" method when making access token requests."
  // RFC 9110 15.5.6: "The origin server MUST generate an Allow header field in a 405 response".
  it('answers GET with 405, Allow: POST and an invalid_request JSON body', async () => {
    const res = await request(app).get('/token');
    expectOAuthError(res, 405, 'invalid_request');
    expect(res.headers['allow']).to.equal('POST');
  });

  it('issues no token for a GET that carries every parameter in the query', async () => {
    const res = await request(app).get('/token').query({
      grant_type: 'client_credentials',
      client_id: 'service',
      client_secret: secrets.service.secret,
    });
    expectOAuthError(res, 405, 'invalid_request');
    expect(res.headers['allow']).to.equal('POST');
  });

  for (const method of ['put', 'delete', 'patch'] as const) {
    it(`answers ${method.toUpperCase()} with 405 and Allow: POST`, async () => {
      const res = await request(app)
        [method]('/token')
        .set('Authorization', SERVICE)
        .type('form')
        .send('grant_type=client_credentials');
      expectOAuthError(res, 405, 'invalid_request');
      expect(res.headers['allow']).to.equal('POST');
    });
  }

  it('reads parameters from the body only, never from the query string', async () => {
    const res = await request(app)
      .post('/token?grant_type=client_credentials')
      .set('Authorization', SERVICE)
      .type('form')
      .send('scope=read');
    expectOAuthError(res, 400, 'invalid_request', { description: 'grant_type is required' });
  });
});

describe('token endpoint: grant dispatch (RFC 6749 5.2)', () => {
  const { app } = testApp();

  it('refuses a request without grant_type: invalid_request', async () => {
    const res = await request(app)
      .post('/token')
      .set('Authorization', SERVICE)
      .type('form')
      .send('scope=read');
    expectOAuthError(res, 400, 'invalid_request', { description: 'grant_type is required' });
  });

  // RFC 6749 3.2: "Parameters sent without a value MUST be treated as if they were omitted from the request."
  it('treats an empty grant_type as absent: invalid_request "grant_type is required"', async () => {
    const res = await request(app)
      .post('/token')
      .set('Authorization', SERVICE)
      .type('form')
      .send('grant_type=&scope=read');
    expectOAuthError(res, 400, 'invalid_request', { description: 'grant_type is required' });
  });

  // RFC 6749 5.2: "unsupported_grant_type: The authorization grant type is not supported by the authorization server."
  it('answers an unknown grant_type with 400 unsupported_grant_type', async () => {
    const res = await request(app)
      .post('/token')
      .set('Authorization', SERVICE)
      .type('form')
      .send('grant_type=urn%3Aexample%3Aunknown');
    expectOAuthError(res, 400, 'unsupported_grant_type');
  });

  for (const name of ['__proto__', 'constructor', 'toString']) {
    it(`answers grant_type=${name} (an Object.prototype key) with unsupported_grant_type, not a 500`, async () => {
      const res = await request(app)
        .post('/token')
        .set('Authorization', SERVICE)
        .type('form')
        .send(`grant_type=${name}`);
      expectOAuthError(res, 400, 'unsupported_grant_type');
    });
  }

  it('answers the implicit response type used as a grant type with unsupported_grant_type', async () => {
    const res = await request(app)
      .post('/token')
      .set('Authorization', SERVICE)
      .type('form')
      .send('grant_type=token');
    expectOAuthError(res, 400, 'unsupported_grant_type');
  });

  it('answers the password grant with unsupported_grant_type when the provider does not enable it', async () => {
    const { app: noPassword } = testApp({ grants: {} });
    const res = await request(noPassword)
      .post('/token')
      .set('Authorization', basic('cli', secrets.cli.secret))
      .type('form')
      .send('grant_type=password&username=alice&password=wonderland');
    expectOAuthError(res, 400, 'unsupported_grant_type');
  });

  it('offers the password grant only when enabled (control for the test above)', async () => {
    const res = await request(app)
      .post('/token')
      .set('Authorization', basic('cli', secrets.cli.secret))
      .type('form')
      .send('grant_type=password&username=alice&password=wonderland');
    const body = expectTokenResponse(res);
    // RFC 6749 5.1: the no-store rule covers "any response containing tokens", refresh tokens too.
    expect(body['refresh_token']).to.be.a('string').that.is.not.empty;
  });

  // RFC 6749 5.2: "unauthorized_client: The authenticated client is not authorized to use this authorization grant type."
  it('answers a client not registered for the grant type with 400 unauthorized_client', async () => {
    const res = await request(app)
      .post('/token')
      .set('Authorization', basic('web', secrets.web.secret))
      .type('form')
      .send('grant_type=client_credentials');
    expectOAuthError(res, 400, 'unauthorized_client');
  });

  // RFC 6749 5.2: error_description "MUST NOT include characters outside the set %x20-21 / %x23-5B / %x5D-7E."
  it('keeps error_description of unsupported_grant_type within the RFC 6749 5.2 character set', async () => {
    const res = await request(app)
      .post('/token')
      .set('Authorization', SERVICE)
      .type('form')
      .send(`grant_type=${encodeURIComponent('x"y\\zé')}`);
    expectOAuthError(res, 400, 'unsupported_grant_type');
    expect(res.body.error_description).to.match(ERROR_DESCRIPTION_CHARS);
  });
});

describe('token endpoint: error_description character set (RFC 6749 5.2)', () => {
  // RFC 6749 5.2: 'Values for the "error_description" parameter MUST NOT include characters
  // outside the set %x20-21 / %x23-5B / %x5D-7E.' The descriptions that echo request input
  // have their own tests above and in token-form.test.ts; this sweeps the fixed ones.
  it('sends only allowed characters in every fixed error_description of the token endpoint', async () => {
    const { app } = testApp();
    const form = (body: string | Buffer, authorization?: string) => {
      const req = request(app).post('/token').type('form');
      if (authorization !== undefined) req.set('Authorization', authorization);
      return req.send(body);
    };
    const responses = [
      await request(app).get('/token'),
      await request(app)
        .post('/token')
        .set('Authorization', SERVICE)
        .type('json')
        .send({ grant_type: 'client_credentials' }),
      await request(app)
        .post('/token')
        .set('Authorization', SERVICE)
        .set('Content-Type', 'application/x-www-form-urlencoded; charset=iso-8859-1')
        .send('grant_type=client_credentials'),
      await form(`grant_type=client_credentials&pad=${'a'.repeat(16_384)}`, SERVICE),
      await form('grant_type=%zz', SERVICE),
      await form(Buffer.from([0x67, 0x3d, 0xff]), SERVICE),
      await form('scope=read', SERVICE),
      await form('grant_type=client_credentials', basic('web', secrets.web.secret)),
      await form('grant_type=client_credentials'),
      await form('grant_type=client_credentials', basic('service', 'wrong')),
      await form('grant_type=client_credentials', 'Basic !!'),
      await form('grant_type=client_credentials', 'Bearer abc'),
      await form(`grant_type=client_credentials&client_secret=x`, SERVICE),
      await form('grant_type=client_credentials&client_id=web', SERVICE),
      await form('grant_type=client_credentials&client_secret=x'),
      await form('grant_type=client_credentials&client_id=service'),
      await form('grant_type=refresh_token&client_id=spa&client_secret=x&refresh_token=r'),
      await form('grant_type=refresh_token&client_id=spa&refresh_token=r'),
      await form('grant_type=refresh_token&client_id=spa'),
      await form('grant_type=client_credentials&scope=unknown', SERVICE),
    ];
    for (const res of responses) {
      expect(res.status, res.text).to.be.within(400, 405);
      expect(res.body.error_description, res.text).to.match(ERROR_DESCRIPTION_CHARS);
    }
  });
});

describe('token endpoint: successful response (RFC 6749 5.1)', () => {
  it('answers client_credentials with access_token, token_type Bearer, expires_in 3600 and scope (JWT by default)', async () => {
    const clock = frozenClock();
    const { app } = testApp({ clock });
    const res = await request(app)
      .post('/token')
      .set('Authorization', SERVICE)
      .type('form')
      .send('grant_type=client_credentials');
    const body = expectTokenResponse(res);
    expect(Object.keys(body).sort()).to.deep.equal([
      'access_token',
      'expires_in',
      'scope',
      'token_type',
    ]);
    expect(body['expires_in']).to.equal(3600);
    expect(body['scope']).to.equal('read');
    const token = body['access_token'] as string;
    expect(token).to.match(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const iat = clock() / 1000;
    expect(claims(token)).to.include({
      client_id: 'service',
      sub: 'service',
      scope: 'read',
      iat,
      exp: iat + 3600,
    });
  });

  // RFC 6749 4.4.3: "A refresh token SHOULD NOT be included."
  it('includes no refresh_token in a client_credentials response', async () => {
    const { app } = testApp();
    const res = await request(app)
      .post('/token')
      .set('Authorization', SERVICE)
      .type('form')
      .send('grant_type=client_credentials');
    expect(expectTokenResponse(res)).to.not.have.property('refresh_token');
  });

  it('issues opaque access tokens with accessToken.format "opaque", and they open a protected route', async () => {
    const { app } = testApp({ accessToken: { format: 'opaque' } });
    const res = await request(app)
      .post('/token')
      .set('Authorization', SERVICE)
      .type('form')
      .send('grant_type=client_credentials&scope=read');
    const body = expectTokenResponse(res);
    expect(Object.keys(body).sort()).to.deep.equal([
      'access_token',
      'expires_in',
      'scope',
      'token_type',
    ]);
    expect(body['expires_in']).to.equal(3600);
    expect(body['scope']).to.equal('read');
    // 256 random bits, base64url: at least 43 characters and no JWT structure.
    expect(body['access_token']).to.match(/^[A-Za-z0-9_-]{43,}$/);
    const api = await request(app)
      .get('/api/read')
      .set('Authorization', `Bearer ${body['access_token'] as string}`);
    expect(api.status).to.equal(200);
    expect(api.body).to.deep.equal({ sub: 'service', client_id: 'service', scope: ['read'] });
  });

  it('returns the granted scope as a space-delimited list', async () => {
    const { app } = testApp();
    const res = await request(app)
      .post('/token')
      .set('Authorization', SERVICE)
      .type('form')
      .send('grant_type=client_credentials&scope=read+write');
    expect(expectTokenResponse(res)['scope']).to.equal('read write');
  });

  // RFC 6749 3.2: "The authorization server MUST ignore unrecognized request parameters."
  it('ignores unrecognized request parameters', async () => {
    const { app } = testApp();
    const res = await request(app)
      .post('/token')
      .set('Authorization', SERVICE)
      .type('form')
      .send('grant_type=client_credentials&foo=bar&response_type=code');
    expect(expectTokenResponse(res)['scope']).to.equal('read');
  });
});

/**
 * An access token store whose first `failures` writes fail the way a broken
 * backend's would; everything else goes to a memory store.
 */
class FailingAccessTokenStore implements AccessTokenStore {
  readonly #failure: () => Error;
  readonly #memory = memoryStores().accessTokens;
  #failures: number;
  saves = 0;

  constructor(failure: () => Error, failures = Number.POSITIVE_INFINITY) {
    this.#failure = failure;
    this.#failures = failures;
  }

  async save(record: AccessTokenRecord, ttl: number): Promise<void> {
    this.saves += 1;
    if (this.#failures > 0) {
      this.#failures -= 1;
      throw this.#failure();
    }
    await this.#memory.save(record, ttl);
  }

  find(id: string): Promise<AccessTokenRecord | undefined> {
    return this.#memory.find(id);
  }

  revoke(id: string): Promise<void> {
    return this.#memory.revoke(id);
  }

  revokeGrant(grantId: string, ttl: number): Promise<void> {
    return this.#memory.revokeGrant(grantId, ttl);
  }

  findByUniqueKey(uniqueKey: string): Promise<AccessTokenRecord | undefined> {
    return this.#memory.findByUniqueKey(uniqueKey);
  }
}

/** A logger that keeps what was logged at error level. */
function recordingLogger(): Logger & { errors: object[] } {
  const errors: object[] = [];
  const noop = (): void => {};
  return {
    errors,
    debug: noop,
    info: noop,
    warn: noop,
    error: (obj: object) => void errors.push(obj),
  };
}

const INTERNAL = 'ECONNREFUSED 10.0.0.7:6379 (redis password hunter2)';

describe('token endpoint: failing stores never leak internals', () => {
  it('answers a store that throws a plain Error with a generic 500 server_error', async () => {
    const store = new FailingAccessTokenStore(() => new Error(INTERNAL));
    const logger = recordingLogger();
    const { app } = testApp({
      stores: { accessTokens: store },
      logger,
      accessToken: { format: 'opaque' },
    });
    const res = await request(app)
      .post('/token')
      .set('Authorization', SERVICE)
      .type('form')
      .send('grant_type=client_credentials');
    expect(res.status).to.equal(500);
    expectNoStoreJson(res);
    expect(res.text).to.equal(
      '{"error":"server_error","error_description":"the server encountered an unexpected error"}',
    );
    expect(res.headers['www-authenticate']).to.equal(undefined);
    expect(store.saves).to.equal(1);
    // The private detail goes to the log, not to the client.
    expect(logger.errors).to.have.lengthOf(1);
    expect(String((logger.errors[0] as { err?: unknown }).err)).to.contain(INTERNAL);
  });

  // RFC 6749 5.2 temporarily_unavailable; RFC 9110 15.6.4: "The server MAY send a Retry-After header field".
  it('answers a store that throws StoreUnavailableError with 503 temporarily_unavailable and Retry-After', async () => {
    const store = new FailingAccessTokenStore(() => new StoreUnavailableError(INTERNAL));
    const { app } = testApp({ stores: { accessTokens: store }, accessToken: { format: 'opaque' } });
    const res = await request(app)
      .post('/token')
      .set('Authorization', SERVICE)
      .type('form')
      .send('grant_type=client_credentials');
    expectOAuthError(res, 503, 'temporarily_unavailable');
    expect(res.headers['retry-after']).to.match(/^[1-9]\d*$/);
    expect(res.text).to.not.contain('ECONNREFUSED').and.not.contain('hunter2');
    expect(res.body).to.not.have.property('access_token');
  });

  it('keeps serving after a store failure (no crash; the next request gets a token)', async () => {
    const store = new FailingAccessTokenStore(() => new Error(INTERNAL), 1);
    const { app } = testApp({ stores: { accessTokens: store }, accessToken: { format: 'opaque' } });
    const first = await request(app)
      .post('/token')
      .set('Authorization', SERVICE)
      .type('form')
      .send('grant_type=client_credentials');
    expect(first.status).to.equal(500);
    const second = await request(app)
      .post('/token')
      .set('Authorization', SERVICE)
      .type('form')
      .send('grant_type=client_credentials');
    const token = expectTokenResponse(second)['access_token'] as string;
    expect(store.saves).to.equal(2);
    const api = await request(app).get('/api/read').set('Authorization', `Bearer ${token}`);
    expect(api.status).to.equal(200);
  });
});

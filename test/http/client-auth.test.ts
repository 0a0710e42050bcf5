/**
 * Client authentication at the token endpoint over HTTP (RFC 6749 2.3, 2.3.1,
 * 5.2): client_secret_basic, client_secret_post, public clients (none), and the
 * statuses and challenges of every failure. Secret hashing is unit-tested in
 * client-secrets.test.ts.
 */
import { expect } from 'chai';
import request from 'supertest';
import {
  defineClient,
  generateClientSecret,
  StoreUnavailableError,
  type Client,
  type ClientConfig,
  type ClientStore,
} from '../../index.js';
import { providerOptions, secrets, testApp } from '../support/fixtures.js';
import {
  basic,
  expectNoStoreJson,
  expectOAuthError,
  expectTokenResponse,
  rawBasic,
} from './token-assertions.js';

const GRANT = 'grant_type=client_credentials';
const SERVICE = basic('service', secrets.service.secret);

/** A client whose id and secret hold characters that form-encoding must escape. */
const SPECIAL = { id: 'a b:c%', secret: 'p+ss:wörd ü/=&%' } as const;
const postOnlySecret = generateClientSecret();
const basicOnlySecret = generateClientSecret();
const CHOSEN = 'correct horse battery staple';

const extraClients: readonly Client[] = [
  defineClient({
    id: SPECIAL.id,
    secret: SPECIAL.secret,
    grantTypes: ['client_credentials'],
    scopes: ['read'],
  }),
  defineClient({ id: 'plus', secret: 'a+b', grantTypes: ['client_credentials'] }),
  defineClient({ id: 'space', secret: 'a b', grantTypes: ['client_credentials'] }),
  defineClient({ id: 'chosen', secret: CHOSEN, grantTypes: ['client_credentials'] }),
  defineClient({
    id: 'post-only',
    secretHash: postOnlySecret.secretHash,
    grantTypes: ['client_credentials'],
    tokenEndpointAuthMethods: ['client_secret_post'],
  }),
  defineClient({
    id: 'basic-only',
    secretHash: basicOnlySecret.secretHash,
    grantTypes: ['client_credentials'],
    tokenEndpointAuthMethods: ['client_secret_basic'],
  }),
];
const fixtureClients = providerOptions().clients as readonly (Client | ClientConfig)[];
const { app } = testApp({ clients: [...fixtureClients, ...extraClients] });

/** POSTs a form body to /token, with an Authorization header when given. */
function post(body: string, authorization?: string) {
  const req = request(app).post('/token').type('form');
  if (authorization !== undefined) req.set('Authorization', authorization);
  return req.send(body);
}

describe('client authentication: client_secret_basic (RFC 6749 2.3.1)', () => {
  it('accepts the client id and secret in a Basic header', async () => {
    expectTokenResponse(await post(GRANT, SERVICE));
  });

  // RFC 9110 11.1: "It uses a case-insensitive token to identify the authentication scheme".
  it('accepts the scheme name in lower case ("basic")', async () => {
    expectTokenResponse(await post(GRANT, SERVICE.replace(/^Basic/, 'basic')));
  });

  // RFC 6749 2.3.1: "The client identifier is encoded using the "application/x-www-form-urlencoded"
  // encoding algorithm per Appendix B, and the encoded value is used as the username; the client
  // password is encoded using the same algorithm and used as the password."
  it('decodes form-encoded credentials: id "a b:c%", secret with "+", ":" and non-ASCII', async () => {
    const authorization = basic(SPECIAL.id, SPECIAL.secret);
    expect(Buffer.from(authorization.slice(6), 'base64').toString()).to.equal(
      'a+b%3Ac%25:p%2Bss%3Aw%C3%B6rd+%C3%BC%2F%3D%26%25',
    );
    const body = expectTokenResponse(await post(GRANT, authorization));
    const api = await request(app)
      .get('/api/read')
      .set('Authorization', `Bearer ${body['access_token'] as string}`);
    expect(api.body).to.deep.equal({ sub: SPECIAL.id, client_id: SPECIAL.id, scope: ['read'] });
  });

  it('decodes "+" in the Basic password as a space (secret "a b" sent as a+b)', async () => {
    expectTokenResponse(await post(GRANT, rawBasic('space:a+b')));
  });

  it('refuses a literal "+" that was not form-encoded (secret "a+b" sent as a+b)', async () => {
    expectOAuthError(await post(GRANT, rawBasic('plus:a+b')), 401, 'invalid_client', {
      challenge: true,
    });
  });

  it('accepts the same secret when its "+" is encoded (a%2Bb)', async () => {
    expectTokenResponse(await post(GRANT, rawBasic('plus:a%2Bb')));
  });

  // RFC 6749 5.2 invalid_client: "If the client attempted to authenticate via the "Authorization" request
  // header field, the authorization server MUST respond with an HTTP 401 (Unauthorized) status code and
  // include the "WWW-Authenticate" response header field matching the authentication scheme used by the client."
  it('answers a wrong secret with 401 invalid_client and the Basic challenge', async () => {
    expectOAuthError(
      await post(GRANT, basic('service', secrets.web.secret)),
      401,
      'invalid_client',
      { challenge: true },
    );
  });

  it('answers an unknown client exactly like a wrong secret (no oracle)', async () => {
    const wrong = await post(GRANT, basic('service', 'not-the-secret'));
    const unknown = await post(GRANT, basic('nobody', 'not-the-secret'));
    expectOAuthError(unknown, 401, 'invalid_client', { challenge: true });
    expectOAuthError(wrong, 401, 'invalid_client', { challenge: true });
    expect(unknown.text).to.equal(wrong.text);
  });

  it('answers an empty password for a confidential client with 401 invalid_client', async () => {
    expectOAuthError(await post(GRANT, rawBasic('service:')), 401, 'invalid_client', {
      challenge: true,
    });
  });

  const malformed: ReadonlyArray<[string, string]> = [
    ['credentials that are not base64', 'Basic !!not*base64!!'],
    ['credentials without a colon', rawBasic('service')],
    ['an empty client id', rawBasic(`:${secrets.service.secret}`)],
    ['bad percent-encoding in the client id', rawBasic(`serv%zzice:${secrets.service.secret}`)],
    ['bad percent-encoding in the secret', rawBasic('service:%E0%A4%A')],
    ['the scheme without credentials', 'Basic'],
    ['reserved characters sent without form-encoding', rawBasic(`${SPECIAL.id}:${SPECIAL.secret}`)],
  ];
  for (const [what, header] of malformed) {
    it(`answers a Basic header with ${what} with 401 invalid_client and the challenge`, async () => {
      expectOAuthError(await post(GRANT, header), 401, 'invalid_client', { challenge: true });
    });
  }

  for (const id of ['__proto__', 'constructor', 'hasOwnProperty']) {
    it(`answers the client id ${id} (an Object.prototype key) with 401 invalid_client, not a 500`, async () => {
      expectOAuthError(await post(GRANT, basic(id, 'x')), 401, 'invalid_client', {
        challenge: true,
      });
      expectOAuthError(await post(`${GRANT}&client_id=${id}`), 400, 'invalid_client');
    });
  }

  it('answers a Bearer Authorization header at the token endpoint with 401 invalid_client', async () => {
    expectOAuthError(await post(GRANT, 'Bearer some-access-token'), 401, 'invalid_client', {
      challenge: true,
    });
  });

  it('answers a client registered only for client_secret_post that uses Basic with 401 invalid_client', async () => {
    expectOAuthError(
      await post(GRANT, basic('post-only', postOnlySecret.secret)),
      401,
      'invalid_client',
      { challenge: true },
    );
  });

  it('verifies a scrypt-hashed secret (client defined with `secret`)', async () => {
    expectTokenResponse(await post(GRANT, basic('chosen', CHOSEN)));
    expectOAuthError(await post(GRANT, basic('chosen', `${CHOSEN}!`)), 401, 'invalid_client', {
      challenge: true,
    });
  });
});

describe('client authentication: client_secret_post (RFC 6749 2.3.1)', () => {
  it('accepts client_id and client_secret in the body', async () => {
    expectTokenResponse(
      await post(`${GRANT}&client_id=service&client_secret=${secrets.service.secret}`),
    );
  });

  it('answers a wrong secret with 400 invalid_client and no WWW-Authenticate', async () => {
    expectOAuthError(
      await post(`${GRANT}&client_id=service&client_secret=${secrets.web.secret}`),
      400,
      'invalid_client',
    );
  });

  it('answers an unknown client exactly like a wrong secret (no oracle)', async () => {
    const wrong = await post(`${GRANT}&client_id=service&client_secret=nope`);
    const unknown = await post(`${GRANT}&client_id=nobody&client_secret=nope`);
    expectOAuthError(unknown, 400, 'invalid_client');
    expect(unknown.text).to.equal(wrong.text);
  });

  it('verifies a scrypt-hashed secret sent in the body, with form-decoding', async () => {
    expectTokenResponse(
      await post(`${GRANT}&client_id=chosen&client_secret=correct+horse+battery+staple`),
    );
  });

  it('accepts a client registered only for client_secret_post', async () => {
    expectTokenResponse(
      await post(`${GRANT}&client_id=post-only&client_secret=${postOnlySecret.secret}`),
    );
  });

  it('answers a client registered only for client_secret_basic that uses the body with 400 invalid_client', async () => {
    expectOAuthError(
      await post(`${GRANT}&client_id=basic-only&client_secret=${basicOnlySecret.secret}`),
      400,
      'invalid_client',
    );
  });

  // RFC 6749 2.3.1: "The parameters can only be transmitted in the request-body and MUST NOT be
  // included in the request URI."
  it('ignores credentials in the query string: no credentials, 401 with the challenge', async () => {
    const res = await request(app)
      .post(`/token?client_id=service&client_secret=${secrets.service.secret}`)
      .type('form')
      .send(GRANT);
    expectOAuthError(res, 401, 'invalid_client', { challenge: true });
  });
});

describe('client authentication: one method per request (RFC 6749 2.3)', () => {
  // RFC 6749 2.3: "The client MUST NOT use more than one authentication method in each request."
  it('refuses Basic together with client_secret in the body: 400 invalid_request', async () => {
    expectOAuthError(
      await post(`${GRANT}&client_secret=${secrets.service.secret}`, SERVICE),
      400,
      'invalid_request',
    );
  });

  it('refuses Basic together with client_id and client_secret in the body: 400 invalid_request', async () => {
    expectOAuthError(
      await post(`${GRANT}&client_id=service&client_secret=${secrets.service.secret}`, SERVICE),
      400,
      'invalid_request',
    );
  });

  it('refuses Basic for one client with a different client_id in the body: invalid_request', async () => {
    expectOAuthError(await post(`${GRANT}&client_id=web`, SERVICE), 400, 'invalid_request');
  });

  it('accepts Basic with the same client_id repeated in the body', async () => {
    expectTokenResponse(await post(`${GRANT}&client_id=service`, SERVICE));
  });
});

describe('client authentication: missing credentials and public clients', () => {
  // RFC 6749 5.2 invalid_client: "Client authentication failed (e.g., unknown client, no client
  // authentication included, or unsupported authentication method). The authorization server MAY
  // return an HTTP 401 (Unauthorized) status code to indicate which HTTP authentication schemes are supported."
  it('answers a request with no credentials at all with 401 invalid_client and the Basic challenge', async () => {
    expectOAuthError(await post(GRANT), 401, 'invalid_client', { challenge: true });
  });

  it('refuses client_secret without client_id: invalid_request', async () => {
    expectOAuthError(
      await post(`${GRANT}&client_secret=${secrets.service.secret}`),
      400,
      'invalid_request',
    );
  });

  it('answers a confidential client that sends only client_id with 400 invalid_client', async () => {
    expectOAuthError(await post(`${GRANT}&client_id=service`), 400, 'invalid_client');
  });

  // RFC 6749 3.2: "Parameters sent without a value MUST be treated as if they were omitted from the request."
  it('treats an empty client_secret as absent: a confidential client is then not authenticated', async () => {
    expectOAuthError(
      await post(`${GRANT}&client_id=service&client_secret=`),
      400,
      'invalid_client',
    );
  });

  // RFC 6749 3.2.1: "A client MAY use the "client_id" request parameter to identify itself when
  // sending requests to the token endpoint." invalid_grant (not invalid_client) shows the public
  // client passed authentication and reached the grant.
  it('authenticates a public client by client_id alone (the refresh grant then finds no token: invalid_grant)', async () => {
    expectOAuthError(
      await post('grant_type=refresh_token&client_id=spa&refresh_token=unknown'),
      400,
      'invalid_grant',
    );
  });

  it('answers a public client that sends a client_secret with 400 invalid_client', async () => {
    expectOAuthError(
      await post(
        'grant_type=refresh_token&client_id=spa&client_secret=guess&refresh_token=unknown',
      ),
      400,
      'invalid_client',
    );
  });

  it('answers an unknown client_id without a secret with 400 invalid_client', async () => {
    expectOAuthError(
      await post('grant_type=refresh_token&client_id=nobody&refresh_token=unknown'),
      400,
      'invalid_client',
    );
  });
});

/** A client store that fails the way a broken backend's would. */
class FailingClientStore implements ClientStore {
  readonly #failure: () => Error;

  constructor(failure: () => Error) {
    this.#failure = failure;
  }

  async find(_clientId: string): Promise<Client | undefined> {
    throw this.#failure();
  }
}

describe('client authentication: failing or damaged client stores', () => {
  const INTERNAL = 'connect ETIMEDOUT db.internal:5432 user=oauth';

  it('answers StoreUnavailableError with 503 temporarily_unavailable and Retry-After', async () => {
    const { app: down } = testApp({
      clients: new FailingClientStore(() => new StoreUnavailableError(INTERNAL)),
    });
    const res = await request(down)
      .post('/token')
      .set('Authorization', SERVICE)
      .type('form')
      .send(GRANT);
    expectOAuthError(res, 503, 'temporarily_unavailable');
    expect(res.headers['retry-after']).to.match(/^[1-9]\d*$/);
    expect(res.text).to.not.contain('ETIMEDOUT').and.not.contain('db.internal');
  });

  it('answers a plain Error with the generic 500 server_error body', async () => {
    const { app: broken } = testApp({ clients: new FailingClientStore(() => new Error(INTERNAL)) });
    const res = await request(broken)
      .post('/token')
      .set('Authorization', SERVICE)
      .type('form')
      .send(GRANT);
    expect(res.status).to.equal(500);
    expectNoStoreJson(res);
    expect(res.headers['www-authenticate']).to.equal(undefined);
    expect(res.text).to.equal(
      '{"error":"server_error","error_description":"the server encountered an unexpected error"}',
    );
  });

  // A custom store hands its records over without defineClient()'s checks: a damaged
  // hash is a failed authentication, not a server error.
  it('answers a client whose stored scrypt hash is damaged (r=1.5) with 401 invalid_client, not a 500', async () => {
    const parts = (extraClients.find((c) => c.id === 'chosen')?.secretHash ?? '').split(':');
    parts[2] = '1.5';
    const damaged: Client = {
      ...defineClient({ id: 'damaged', secret: CHOSEN, grantTypes: ['client_credentials'] }),
      secretHash: parts.join(':'),
    };
    const store: ClientStore = { find: async (id) => (id === 'damaged' ? damaged : undefined) };
    const { app: withDamaged } = testApp({ clients: store });
    const res = await request(withDamaged)
      .post('/token')
      .set('Authorization', basic('damaged', CHOSEN))
      .type('form')
      .send(GRANT);
    expectOAuthError(res, 401, 'invalid_client', { challenge: true });
  });
});

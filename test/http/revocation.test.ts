/**
 * The revocation endpoint (RFC 7009) against a real Express app: client
 * authentication, the no-oracle 200, family revocation, hints, and the effect
 * of a revocation on protect() and introspection.
 */
import { expect } from 'chai';
import type express from 'express';
import request from 'supertest';
import type { AuthorizationServer, ProviderOptions } from '../../index.js';
import {
  frozenClock,
  issueCode,
  REDIRECT,
  secrets,
  testApp,
  VERIFIER,
} from '../support/fixtures.js';

type Confidential = 'service' | 'web' | 'other' | 'rs';

interface Pair {
  access: string;
  refresh: string;
}

function setup(overrides: Partial<ProviderOptions> = {}): {
  oauth: AuthorizationServer;
  app: express.Express;
} {
  return testApp({ clock: frozenClock(), ...overrides });
}

/** POST a form as a confidential client (Basic auth) or a public one (client_id only). */
function post(
  app: express.Express,
  path: string,
  client: Confidential | 'spa' | undefined,
  form: Record<string, string>,
): request.Test {
  const req = request(app).post(path).type('form');
  if (client === 'spa') return req.send({ client_id: 'spa', ...form });
  if (client === undefined) return req.send(form);
  return req.auth(client, secrets[client].secret).send(form);
}

async function codePair(
  oauth: AuthorizationServer,
  app: express.Express,
  client: 'web' | 'other' | 'spa' = 'web',
): Promise<Pair> {
  const code = await issueCode(oauth, client, { verifier: VERIFIER });
  const res = await post(app, '/token', client, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    code_verifier: VERIFIER,
  });
  expect(res.status).to.equal(200);
  expect(res.body.refresh_token).to.be.a('string');
  return { access: res.body.access_token as string, refresh: res.body.refresh_token as string };
}

async function serviceToken(app: express.Express): Promise<string> {
  const res = await post(app, '/token', 'service', { grant_type: 'client_credentials' });
  expect(res.status).to.equal(200);
  return res.body.access_token as string;
}

async function apiStatus(app: express.Express, token: string): Promise<number> {
  return (await request(app).get('/api/read').set('Authorization', `Bearer ${token}`)).status;
}

async function refreshStatus(
  app: express.Express,
  client: 'web' | 'spa',
  token: string,
): Promise<number> {
  return (await post(app, '/token', client, { grant_type: 'refresh_token', refresh_token: token }))
    .status;
}

async function introspectActive(app: express.Express, token: string): Promise<boolean> {
  const res = await post(app, '/introspect', 'rs', { token });
  expect(res.status).to.equal(200);
  return res.body.active as boolean;
}

function expectRevokedOk(res: request.Response): void {
  expect(res.status).to.equal(200);
  expect(res.body).to.deep.equal({});
  expect(res.headers['cache-control']).to.equal('no-store');
  expect(res.headers['pragma']).to.equal('no-cache');
}

/** The ways access tokens are kept: opaque (a record each), stateless JWTs (the default), JWTs with a record. */
const MODES = [
  ['opaque', { format: 'opaque' }],
  ['jwt', { format: 'jwt' }],
  ['jwt allow-list', { format: 'jwt', revocation: 'allow-list' }],
] as const;

describe('revocation endpoint (RFC 7009)', () => {
  describe('client authentication and parameters', () => {
    // RFC 6749 5.2 (used by RFC 7009 2.2.1) invalid_client: "If the client attempted to
    // authenticate via the "Authorization" request header field, the authorization server MUST
    // respond with an HTTP 401 (Unauthorized) status code and include the "WWW-Authenticate"
    // response header field matching the authentication scheme used by the client."
    it('no client authentication → 401 invalid_client with a Basic challenge; the token is untouched', async () => {
      const { app } = setup();
      const token = await serviceToken(app);
      const res = await post(app, '/revoke', undefined, { token });
      expect(res.status).to.equal(401);
      expect(res.body.error).to.equal('invalid_client');
      expect(res.headers['www-authenticate']).to.equal('Basic realm="oauth2", charset="UTF-8"');
      expect(res.headers['cache-control']).to.equal('no-store');
      expect(await apiStatus(app, token)).to.equal(200);
    });

    it('a wrong secret in Basic → 401 invalid_client; the token is untouched', async () => {
      const { app } = setup();
      const token = await serviceToken(app);
      const res = await request(app)
        .post('/revoke')
        .auth('service', 'not-the-secret')
        .type('form')
        .send({ token });
      expect(res.status).to.equal(401);
      expect(res.body.error).to.equal('invalid_client');
      expect(res.headers['www-authenticate']).to.equal('Basic realm="oauth2", charset="UTF-8"');
      expect(await apiStatus(app, token)).to.equal(200);
    });

    // RFC 7009 2.1: "token REQUIRED. The token that the client wants to get revoked."
    it('no token → 400 invalid_request', async () => {
      const { app } = setup();
      const res = await post(app, '/revoke', 'service', {});
      expect(res.status).to.equal(400);
      expect(res.body.error).to.equal('invalid_request');
      expect(res.headers['cache-control']).to.equal('no-store');
    });

    // RFC 7009 2.2: "The authorization server responds with HTTP status code 200 if the token
    // has been revoked successfully or if the client submitted an invalid token."
    it('an unknown token → 200 {} with no-store headers', async () => {
      const { app } = setup();
      expectRevokedOk(await post(app, '/revoke', 'service', { token: 'never-issued' }));
      expectRevokedOk(await post(app, '/revoke', 'service', { token: 'aaaa.bbbb.cccc' }));
    });

    it('GET → 405 with Allow: POST', async () => {
      const { app } = setup();
      const res = await request(app).get('/revoke');
      expect(res.status).to.equal(405);
      expect(res.headers['allow']).to.equal('POST');
      expect(res.body.error).to.equal('invalid_request');
    });
  });

  describe('revoking access tokens', () => {
    for (const [format, accessToken] of MODES) {
      it(`a revoked ${format} access token is refused by protect() and inactive at introspection`, async () => {
        const { app } = setup({ accessToken });
        const token = await serviceToken(app);
        expect(await apiStatus(app, token)).to.equal(200);
        expect(await introspectActive(app, token)).to.equal(true);
        expectRevokedOk(await post(app, '/revoke', 'service', { token }));
        expect(await apiStatus(app, token)).to.equal(401);
        expect(await introspectActive(app, token)).to.equal(false);
        // revoking again is still a plain 200
        expectRevokedOk(await post(app, '/revoke', 'service', { token }));
      });

      it(`revoking one ${format} access token leaves the client's other tokens alone`, async () => {
        const { app } = setup({ accessToken });
        const first = await serviceToken(app);
        const second = await serviceToken(app);
        expectRevokedOk(await post(app, '/revoke', 'service', { token: first }));
        expect(await apiStatus(app, first)).to.equal(401);
        expect(await apiStatus(app, second)).to.equal(200);
      });
    }
  });

  describe('revoking refresh tokens', () => {
    // RFC 7009 2.1: "If the particular token is a refresh token and the authorization server
    // supports the revocation of access tokens, then the authorization server SHOULD also
    // invalidate all access tokens based on the same authorization grant"
    for (const [format, accessToken] of MODES) {
      it(`revokes the family: the refresh token and the access token issued with it (${format})`, async () => {
        const { oauth, app } = setup({ accessToken });
        const pair = await codePair(oauth, app);
        const bystander = await codePair(oauth, app);
        expect(await apiStatus(app, pair.access)).to.equal(200);
        expectRevokedOk(await post(app, '/revoke', 'web', { token: pair.refresh }));
        expect(await apiStatus(app, pair.access)).to.equal(401);
        expect(await introspectActive(app, pair.access)).to.equal(false);
        expect(await introspectActive(app, pair.refresh)).to.equal(false);
        const refreshed = await post(app, '/token', 'web', {
          grant_type: 'refresh_token',
          refresh_token: pair.refresh,
        });
        expect(refreshed.status).to.equal(400);
        expect(refreshed.body.error).to.equal('invalid_grant');
        // another grant of the same client is not part of the family
        expect(await apiStatus(app, bystander.access)).to.equal(200);
        expect(await refreshStatus(app, 'web', bystander.refresh)).to.equal(200);
      });
    }

    it('revoking a rotated-in refresh token also kills access tokens issued earlier in the family', async () => {
      const { oauth, app } = setup();
      const pair = await codePair(oauth, app);
      const rotated = await post(app, '/token', 'web', {
        grant_type: 'refresh_token',
        refresh_token: pair.refresh,
      });
      expect(rotated.status).to.equal(200);
      const second: Pair = {
        access: rotated.body.access_token as string,
        refresh: rotated.body.refresh_token as string,
      };
      expect(await apiStatus(app, pair.access)).to.equal(200);
      expectRevokedOk(await post(app, '/revoke', 'web', { token: second.refresh }));
      expect(await apiStatus(app, pair.access)).to.equal(401);
      expect(await apiStatus(app, second.access)).to.equal(401);
      expect(await refreshStatus(app, 'web', second.refresh)).to.equal(400);
    });

    it('revoking an access token leaves its refresh token usable (only that token is revoked)', async () => {
      const { oauth, app } = setup();
      const pair = await codePair(oauth, app);
      expectRevokedOk(await post(app, '/revoke', 'web', { token: pair.access }));
      expect(await apiStatus(app, pair.access)).to.equal(401);
      expect(await refreshStatus(app, 'web', pair.refresh)).to.equal(200);
    });
  });

  describe('token_type_hint', () => {
    // RFC 7009 2.1: "If the server is unable to locate the token using the given hint, it MUST
    // extend its search across all of its supported token types." and "An invalid token type
    // hint value is ignored by the authorization server and does not influence the revocation
    // response."
    for (const hint of [
      undefined,
      'access_token',
      'refresh_token',
      'id_token_or_whatever',
    ] as const) {
      const label = hint === undefined ? 'no hint' : `hint ${hint}`;
      const hinted: Record<string, string> = hint === undefined ? {} : { token_type_hint: hint };
      for (const [format, accessToken] of MODES) {
        it(`${label}: revokes an access token (${format})`, async () => {
          const { oauth, app } = setup({ accessToken });
          const pair = await codePair(oauth, app);
          expectRevokedOk(await post(app, '/revoke', 'web', { token: pair.access, ...hinted }));
          expect(await apiStatus(app, pair.access)).to.equal(401);
        });
      }

      it(`${label}: revokes a refresh token and its family`, async () => {
        const { oauth, app } = setup();
        const pair = await codePair(oauth, app);
        expectRevokedOk(await post(app, '/revoke', 'web', { token: pair.refresh, ...hinted }));
        expect(await refreshStatus(app, 'web', pair.refresh)).to.equal(400);
        expect(await apiStatus(app, pair.access)).to.equal(401);
      });
    }
  });

  describe("another client's tokens", () => {
    // Documented decision (DESIGN.md): revoking another client's token → 200, token untouched.
    // RFC 7009 2.1: "The authorization server first validates the client credentials (in case
    // of a confidential client) and then verifies whether the token was issued to the client
    // making the revocation request."
    for (const [format, accessToken] of MODES) {
      it(`another client revoking an access token → 200 and the token still works (${format})`, async () => {
        const { oauth, app } = setup({ accessToken });
        const pair = await codePair(oauth, app, 'web');
        for (const hint of [
          {},
          { token_type_hint: 'access_token' },
          { token_type_hint: 'refresh_token' },
        ] as Record<string, string>[]) {
          expectRevokedOk(await post(app, '/revoke', 'other', { token: pair.access, ...hint }));
        }
        expect(await apiStatus(app, pair.access)).to.equal(200);
        expect(await introspectActive(app, pair.access)).to.equal(true);
      });
    }

    it('another client revoking a refresh token → 200 and the family still works', async () => {
      const { oauth, app } = setup();
      const pair = await codePair(oauth, app, 'web');
      expectRevokedOk(await post(app, '/revoke', 'other', { token: pair.refresh }));
      expectRevokedOk(await post(app, '/revoke', 'spa', { token: pair.refresh }));
      expect(await apiStatus(app, pair.access)).to.equal(200);
      expect(await refreshStatus(app, 'web', pair.refresh)).to.equal(200);
    });
  });

  describe('public clients', () => {
    it('a public client (spa) revokes its own tokens with just client_id', async () => {
      const { oauth, app } = setup();
      const first = await codePair(oauth, app, 'spa');
      const second = await codePair(oauth, app, 'spa');
      expectRevokedOk(await post(app, '/revoke', 'spa', { token: first.access }));
      expect(await apiStatus(app, first.access)).to.equal(401);
      expectRevokedOk(await post(app, '/revoke', 'spa', { token: second.refresh }));
      expect(await refreshStatus(app, 'spa', second.refresh)).to.equal(400);
      expect(await apiStatus(app, second.access)).to.equal(401);
    });

    it("a public client cannot revoke a confidential client's token", async () => {
      const { oauth, app } = setup();
      const pair = await codePair(oauth, app, 'web');
      expectRevokedOk(await post(app, '/revoke', 'spa', { token: pair.access }));
      expect(await apiStatus(app, pair.access)).to.equal(200);
    });

    it('a confidential client sending only client_id → invalid_client; the token is untouched', async () => {
      const { oauth, app } = setup();
      const pair = await codePair(oauth, app, 'web');
      const res = await request(app)
        .post('/revoke')
        .type('form')
        .send({ client_id: 'web', token: pair.access });
      // no Authorization header was used, so RFC 6749 5.2 allows 400
      expect(res.status).to.equal(400);
      expect(res.body.error).to.equal('invalid_client');
      expect(await apiStatus(app, pair.access)).to.equal(200);
    });
  });
});

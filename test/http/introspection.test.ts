/**
 * The introspection endpoint (RFC 7662) against a real Express app: who may ask,
 * the exact active response, and the bare `{ "active": false }` for everything
 * unknown, expired, revoked, rotated out or not the caller's.
 */
import { expect } from 'chai';
import type express from 'express';
import { decodeJwt } from 'jose';
import request from 'supertest';
import type { AuthorizationServer, ProviderOptions } from '../../index.js';
import {
  frozenClock,
  ISSUER,
  issueCode,
  REDIRECT,
  secrets,
  testApp,
  VERIFIER,
  type FrozenClock,
} from '../support/fixtures.js';

type Confidential = 'service' | 'web' | 'other' | 'rs';

const IAT = Date.UTC(2026, 0, 1) / 1000;
const INACTIVE = { active: false };
/** The whole answer for the access token {@link serviceToken} issues at IAT (a JWT adds its jti). */
const SERVICE_ACTIVE = {
  active: true,
  scope: 'read',
  client_id: 'service',
  token_type: 'Bearer',
  exp: IAT + 3600,
  iat: IAT,
  sub: 'service',
  aud: ISSUER,
  iss: ISSUER,
};

interface Setup {
  clock: FrozenClock;
  oauth: AuthorizationServer;
  app: express.Express;
}

function setup(overrides: Partial<ProviderOptions> = {}): Setup {
  const clock = frozenClock();
  return { clock, ...testApp({ clock, ...overrides }) };
}

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

async function introspect(
  app: express.Express,
  client: Confidential | 'spa' | undefined,
  form: Record<string, string>,
): Promise<request.Response> {
  return post(app, '/introspect', client, form);
}

/** Introspects as `client`, expects 200 with no-store headers, returns the body. */
async function body(
  app: express.Express,
  client: Confidential,
  token: string,
  hint?: string,
): Promise<Record<string, unknown>> {
  const res = await introspect(app, client, {
    token,
    ...(hint === undefined ? {} : { token_type_hint: hint }),
  });
  expect(res.status).to.equal(200);
  expect(res.headers['cache-control']).to.equal('no-store');
  expect(res.headers['pragma']).to.equal('no-cache');
  return res.body as Record<string, unknown>;
}

async function serviceToken(app: express.Express): Promise<string> {
  const res = await post(app, '/token', 'service', { grant_type: 'client_credentials' });
  expect(res.status).to.equal(200);
  return res.body.access_token as string;
}

async function codePair(
  oauth: AuthorizationServer,
  app: express.Express,
): Promise<{ access: string; refresh: string }> {
  const code = await issueCode(oauth, 'web', { verifier: VERIFIER });
  const res = await post(app, '/token', 'web', {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    code_verifier: VERIFIER,
  });
  expect(res.status).to.equal(200);
  return { access: res.body.access_token as string, refresh: res.body.refresh_token as string };
}

/** The ways access tokens are kept: opaque (a record each), stateless JWTs (the default), JWTs with a record. */
const MODES = [
  ['opaque', { format: 'opaque' }],
  ['jwt', { format: 'jwt' }],
  ['jwt allow-list', { format: 'jwt', revocation: 'allow-list' }],
] as const;

describe('introspection endpoint (RFC 7662)', () => {
  describe('who may introspect', () => {
    // RFC 7662 2.1: "To prevent token scanning attacks, the endpoint MUST also require some form
    // of authorization to access this endpoint"
    // RFC 7662 2.3: "If the protected resource uses OAuth 2.0 client credentials to authenticate
    // to the introspection endpoint and its credentials are invalid, the authorization server
    // responds with an HTTP 401 (Unauthorized) as described in Section 5.2 of OAuth 2.0"
    it('no client authentication → 401 invalid_client with a Basic challenge', async () => {
      const { app } = setup();
      const token = await serviceToken(app);
      const res = await introspect(app, undefined, { token });
      expect(res.status).to.equal(401);
      expect(res.body.error).to.equal('invalid_client');
      expect(res.headers['www-authenticate']).to.equal('Basic realm="oauth2", charset="UTF-8"');
      expect(res.body).not.to.have.property('active');
    });

    it('wrong credentials in Basic → 401 invalid_client', async () => {
      const { app } = setup();
      const res = await request(app)
        .post('/introspect')
        .auth('rs', 'wrong')
        .type('form')
        .send({ token: 'x' });
      expect(res.status).to.equal(401);
      expect(res.body.error).to.equal('invalid_client');
    });

    it('a public client (spa, auth method none) → invalid_client, even for its own token', async () => {
      const { oauth, app } = setup();
      const code = await issueCode(oauth, 'spa', { verifier: VERIFIER });
      const tokens = await post(app, '/token', 'spa', {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        code_verifier: VERIFIER,
      });
      expect(tokens.status).to.equal(200);
      const res = await introspect(app, 'spa', { token: tokens.body.access_token as string });
      // no Authorization header was used, so RFC 6749 5.2 allows 400
      expect(res.status).to.equal(400);
      expect(res.body.error).to.equal('invalid_client');
      expect(res.body).not.to.have.property('active');
    });

    // RFC 7662 2.1: "token REQUIRED. The string value of the token."
    it('no token → 400 invalid_request', async () => {
      const { app } = setup();
      const res = await introspect(app, 'rs', {});
      expect(res.status).to.equal(400);
      expect(res.body.error).to.equal('invalid_request');
      expect(res.headers['cache-control']).to.equal('no-store');
    });

    it('GET → 405 with Allow: POST', async () => {
      const { app } = setup();
      const res = await request(app).get('/introspect');
      expect(res.status).to.equal(405);
      expect(res.headers['allow']).to.equal('POST');
    });
  });

  describe('active tokens', () => {
    // RFC 7662 2.2: "active REQUIRED. Boolean indicator of whether or not the presented token
    // is currently active."
    it('own JWT access token → active with scope, client_id, token_type, exp, iat, sub, aud, iss, jti', async () => {
      const { app } = setup();
      const token = await serviceToken(app);
      expect(await body(app, 'service', token)).to.deep.equal({
        ...SERVICE_ACTIVE,
        jti: decodeJwt(token).jti,
      });
    });

    it('own opaque access token → the same, without jti', async () => {
      const { app } = setup({ accessToken: { format: 'opaque' } });
      const token = await serviceToken(app);
      expect(await body(app, 'service', token)).to.deep.equal(SERVICE_ACTIVE);
    });

    it('own access token from a user grant carries the user as sub', async () => {
      const { oauth, app } = setup();
      const pair = await codePair(oauth, app);
      const answer = await body(app, 'web', pair.access);
      expect(answer).to.include({
        active: true,
        sub: 'user-alice',
        client_id: 'web',
        scope: 'read',
        token_type: 'Bearer',
      });
    });

    it('own refresh token → active, without token_type', async () => {
      const { oauth, app } = setup();
      const pair = await codePair(oauth, app);
      const expected = {
        active: true,
        scope: 'read',
        client_id: 'web',
        exp: IAT + 30 * 24 * 3600,
        iat: IAT,
        sub: 'user-alice',
        iss: ISSUER,
      };
      expect(await body(app, 'web', pair.refresh)).to.deep.equal(expected);
      expect(await body(app, 'web', pair.refresh, 'refresh_token')).to.deep.equal(expected);
      expect(await body(app, 'web', pair.refresh, 'access_token')).to.deep.equal(expected);
    });

    it('a wrong or unknown token_type_hint does not hide an access token', async () => {
      const { app } = setup();
      const token = await serviceToken(app);
      expect((await body(app, 'service', token, 'refresh_token')).active).to.equal(true);
      expect((await body(app, 'service', token, 'bogus_hint')).active).to.equal(true);
    });

    it("a resource server client (rs) may introspect any client's token", async () => {
      const { oauth, app } = setup();
      const service = await serviceToken(app);
      const pair = await codePair(oauth, app);
      expect(await body(app, 'rs', service)).to.include({
        active: true,
        client_id: 'service',
        sub: 'service',
      });
      expect(await body(app, 'rs', pair.access)).to.include({
        active: true,
        client_id: 'web',
        sub: 'user-alice',
      });
      expect(await body(app, 'rs', pair.refresh)).to.include({ active: true, client_id: 'web' });
    });
  });

  describe('inactive tokens', () => {
    // RFC 7662 2.2: "If the introspection call is properly authorized but the token is not
    // active, does not exist on this server, or the protected resource is not allowed to
    // introspect this particular token, then the authorization server MUST return an
    // introspection response with the "active" field set to "false"." ... "the authorization
    // server SHOULD NOT include any additional information about an inactive token, including
    // why the token is inactive."
    it('an unknown token → exactly { active: false }', async () => {
      const { app } = setup();
      expect(await body(app, 'rs', 'never-issued')).to.deep.equal(INACTIVE);
      expect(await body(app, 'rs', 'aaaa.bbbb.cccc')).to.deep.equal(INACTIVE);
      expect(await body(app, 'rs', 'never-issued', 'refresh_token')).to.deep.equal(INACTIVE);
    });

    for (const [format, accessToken] of MODES) {
      it(`an expired ${format} access token → exactly { active: false }`, async () => {
        const { app, clock } = setup({ accessToken: { ...accessToken, lifetime: 300 } });
        const token = await serviceToken(app);
        clock.advance(299);
        expect((await body(app, 'service', token)).active).to.equal(true);
        clock.advance(1);
        expect(await body(app, 'service', token)).to.deep.equal(INACTIVE);
        expect(await body(app, 'rs', token)).to.deep.equal(INACTIVE);
      });

      it(`a revoked ${format} access token → exactly { active: false }`, async () => {
        const { app } = setup({ accessToken });
        const token = await serviceToken(app);
        expect((await post(app, '/revoke', 'service', { token })).status).to.equal(200);
        expect(await body(app, 'service', token)).to.deep.equal(INACTIVE);
        expect(await body(app, 'rs', token)).to.deep.equal(INACTIVE);
      });
    }

    it('an expired refresh token → exactly { active: false }', async () => {
      const { oauth, app, clock } = setup({ refreshToken: { lifetime: 1000 } });
      const pair = await codePair(oauth, app);
      clock.advance(999);
      expect((await body(app, 'web', pair.refresh)).active).to.equal(true);
      clock.advance(1);
      expect(await body(app, 'web', pair.refresh)).to.deep.equal(INACTIVE);
    });

    it('a revoked refresh token → exactly { active: false }', async () => {
      const { oauth, app } = setup();
      const pair = await codePair(oauth, app);
      expect((await post(app, '/revoke', 'web', { token: pair.refresh })).status).to.equal(200);
      expect(await body(app, 'web', pair.refresh)).to.deep.equal(INACTIVE);
      expect(await body(app, 'rs', pair.refresh, 'refresh_token')).to.deep.equal(INACTIVE);
    });

    it('a rotated-out refresh token → exactly { active: false }; its successor is active', async () => {
      const { oauth, app } = setup();
      const pair = await codePair(oauth, app);
      const rotated = await post(app, '/token', 'web', {
        grant_type: 'refresh_token',
        refresh_token: pair.refresh,
      });
      expect(rotated.status).to.equal(200);
      expect(await body(app, 'web', pair.refresh)).to.deep.equal(INACTIVE);
      expect(await body(app, 'rs', pair.refresh)).to.deep.equal(INACTIVE);
      expect((await body(app, 'web', rotated.body.refresh_token as string)).active).to.equal(true);
    });

    it("another client's tokens → exactly { active: false }", async () => {
      const { oauth, app } = setup();
      const pair = await codePair(oauth, app);
      const service = await serviceToken(app);
      expect(await body(app, 'other', pair.access)).to.deep.equal(INACTIVE);
      expect(await body(app, 'other', pair.refresh)).to.deep.equal(INACTIVE);
      expect(await body(app, 'web', service)).to.deep.equal(INACTIVE);
      // and the owner still sees them as active: the answer was about visibility only
      expect((await body(app, 'web', pair.access)).active).to.equal(true);
    });

    // RFC 6749 4.1.2: "If an authorization code is used more than once, the authorization
    // server MUST deny the request and SHOULD revoke (when possible) all tokens previously
    // issued based on that authorization code."
    it('a JWT revoked through code replay (issue, redeem, redeem again) → { active: false }', async () => {
      const { oauth, app } = setup();
      const code = await issueCode(oauth, 'web', { verifier: VERIFIER });
      const form = {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        code_verifier: VERIFIER,
      };
      const first = await post(app, '/token', 'web', form);
      expect(first.status).to.equal(200);
      const access = first.body.access_token as string;
      expect(access.split('.')).to.have.length(3);
      expect((await body(app, 'web', access)).active).to.equal(true);
      const replay = await post(app, '/token', 'web', form);
      expect(replay.status).to.equal(400);
      expect(replay.body.error).to.equal('invalid_grant');
      expect(await body(app, 'web', access)).to.deep.equal(INACTIVE);
      expect(await body(app, 'rs', access)).to.deep.equal(INACTIVE);
      expect(await body(app, 'web', first.body.refresh_token as string)).to.deep.equal(INACTIVE);
    });
  });
});

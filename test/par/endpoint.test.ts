/**
 * The pushed authorization request endpoint (RFC 9126 2): the answer, client
 * authentication as at the token endpoint, every authorization parameter checked
 * there with its exact JSON error (never a redirect), the endpoint's own refusals,
 * the event and the abuses a caller could try.
 */
import { expect } from 'chai';
import request from 'supertest';
import type { OAuthEvent } from '../../index.js';
import {
  assertion,
  basic,
  expectJsonError,
  parApp,
  push,
  webRequest,
  webSecret,
} from './support.js';

const WEB = ['web', webSecret.secret] as const;
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

describe('PAR endpoint (RFC 9126 2)', () => {
  describe('a pushed request is accepted', () => {
    // RFC 9126 2.2: "the server MUST generate a request URI and provide it in the response
    // with a 201 HTTP status code" ... request_uri and expires_in.
    it('answers 201 with request_uri (urn:ietf:params:oauth:request_uri:…) and expires_in, no-store', async () => {
      const { app } = parApp();
      const res = await push(app, webRequest(), WEB);
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.headers['content-type']).to.match(/^application\/json/);
      expect(res.headers['cache-control']).to.equal('no-store');
      expect(Object.keys(res.body).sort()).to.deep.equal(['expires_in', 'request_uri']);
      expect(res.body.request_uri).to.match(/^urn:ietf:params:oauth:request_uri:[\w-]{43}$/);
      expect(res.body.expires_in).to.equal(60);
    });

    // RFC 9126 2.2: "it MUST contain some part generated using a cryptographically strong
    // pseudorandom algorithm such that it is computationally infeasible to predict or guess".
    it('makes a new request_uri for every push, also for the same request', async () => {
      const { app } = parApp();
      const uris = await Promise.all(
        Array.from({ length: 20 }, async () => (await push(app, webRequest(), WEB)).body),
      );
      expect(new Set(uris.map((b) => b.request_uri)).size).to.equal(20);
    });

    it('expires_in is the par.lifetime option', async () => {
      const { app } = parApp({ provider: { par: { lifetime: 90 } } });
      expect((await push(app, webRequest(), WEB)).body.expires_in).to.equal(90);
    });

    it('answers browsers cross-origin (the row says cors), without credentials', async () => {
      const { app } = parApp();
      const res = await push(app, { ...webRequest(), client_id: 'spa' }).set(
        'Origin',
        'https://app.example',
      );
      expect(res.status).to.equal(201);
      expect(res.headers['access-control-allow-origin']).to.equal('*');
      expect(res.headers['access-control-allow-credentials']).to.equal(undefined);
    });

    it('emits par.pushed with the client and scope, never the request_uri', async () => {
      const { app, oauth } = parApp();
      const events: OAuthEvent[] = [];
      oauth.provider.events.on('par.pushed', (e) => void events.push(e));
      const res = await push(app, webRequest(), WEB).set('X-Request-Id', 'req-1');
      await new Promise((resolve) => setImmediate(resolve));
      expect(events).to.have.length(1);
      const event = events[0] as OAuthEvent & Record<string, unknown>;
      expect(event).to.deep.include({
        type: 'par.pushed',
        clientId: 'web',
        scope: ['profile', 'read'],
        requestId: 'req-1',
      });
      const uri = String(res.body.request_uri);
      expect(JSON.stringify(event)).to.not.include(uri.slice(uri.lastIndexOf(':') + 1));
    });
  });

  // RFC 9126 2: "The rules for client authentication as defined in [RFC6749] for token
  // endpoint requests, including the applicable authentication methods, apply for the PAR
  // endpoint as well."
  describe('client authentication as at the token endpoint', () => {
    it('no credentials at all: 401 invalid_client with a Basic challenge', async () => {
      const { app } = parApp();
      const { client_id: _id, ...params } = webRequest();
      const res = await push(app, params);
      expectJsonError(res, 401, 'invalid_client', 'client authentication failed');
      expect(res.headers['www-authenticate']).to.match(/^Basic realm="/);
    });

    it('a confidential client sending only its client_id: 400 invalid_client', async () => {
      const { app } = parApp();
      const res = await push(app, webRequest());
      expectJsonError(res, 400, 'invalid_client', 'client authentication failed');
    });

    it('a wrong secret (Basic): 401 invalid_client, the same answer', async () => {
      const { app } = parApp();
      const res = await push(app, webRequest(), ['web', 'wrong-secret']);
      expectJsonError(res, 401, 'invalid_client', 'client authentication failed');
      expect(res.headers['www-authenticate']).to.match(/^Basic realm="/);
    });

    it('an unknown client (Basic): the same 401 invalid_client', async () => {
      const { app } = parApp();
      const res = await push(app, webRequest({ client_id: 'ghost' }), ['ghost', 'x']);
      expectJsonError(res, 401, 'invalid_client', 'client authentication failed');
    });

    it('client_secret_post works; a wrong one is 400 invalid_client', async () => {
      const { app } = parApp();
      const ok = await push(app, webRequest({ client_secret: webSecret.secret }));
      expect(ok.status, JSON.stringify(ok.body)).to.equal(201);
      const wrong = await push(app, webRequest({ client_secret: 'nope' }));
      expectJsonError(wrong, 400, 'invalid_client', 'client authentication failed');
    });

    it('a public client names itself with client_id', async () => {
      const { app } = parApp();
      const res = await push(app, webRequest({ client_id: 'spa' }));
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    });

    it('private_key_jwt: a signed assertion works, a replayed one is invalid_client', async () => {
      const { app, clock } = parApp();
      const jwt = assertion(clock());
      const params = webRequest({
        client_id: 'signer',
        client_assertion_type: JWT_BEARER,
        client_assertion: jwt,
      });
      const ok = await push(app, params);
      expect(ok.status, JSON.stringify(ok.body)).to.equal(201);
      const replay = await push(app, params);
      expectJsonError(replay, 400, 'invalid_client', 'client authentication failed');
    });

    // RFC 9126 2: the server "MUST accept its issuer identifier, token endpoint URL, or pushed
    // authorization request endpoint URL as values that identify it as an intended audience".
    it('private_key_jwt: an assertion for the PAR endpoint URL is accepted', async () => {
      const { app, clock } = parApp();
      const res = await push(
        app,
        webRequest({
          client_id: 'signer',
          client_assertion_type: JWT_BEARER,
          client_assertion: assertion(clock(), { aud: 'https://auth.example.test/par' }),
        }),
      );
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    });

    it('private_key_jwt: an assertion for the token endpoint URL is accepted there too', async () => {
      const { app, clock } = parApp();
      const res = await push(
        app,
        webRequest({
          client_id: 'signer',
          client_assertion_type: JWT_BEARER,
          client_assertion: assertion(clock(), { aud: 'https://auth.example.test/token' }),
        }),
      );
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    });

    it('Basic credentials of one client and client_id of another: invalid_request', async () => {
      const { app } = parApp();
      const res = await push(app, webRequest({ client_id: 'spa' }), WEB);
      expectJsonError(
        res,
        400,
        'invalid_request',
        'client_id in the body differs from the client in the Authorization header',
      );
    });

    // RFC 9126 2.1: "as a required authorization request parameter, it is similarly required
    // in a pushed authorization request."
    it('Basic credentials without client_id in the body: invalid_request', async () => {
      const { app } = parApp();
      const { client_id: _id, ...params } = webRequest();
      const res = await push(app, params, WEB);
      expectJsonError(res, 400, 'invalid_request', 'client_id is required');
    });
  });

  // RFC 9126 2.1: the server MUST "validate the pushed request as it would an authorization
  // request sent to the authorization endpoint"; 2.3: errors as at the token endpoint (JSON).
  describe('every authorization parameter is checked at the push, errors as JSON', () => {
    const cases: [string, Record<string, string>, string, string][] = [
      [
        'an unregistered redirect_uri',
        { redirect_uri: 'https://evil.example/cb' },
        'invalid_request',
        'the redirect_uri is not registered for this client',
      ],
      [
        'no code_challenge (PKCE)',
        { code_challenge: '', code_challenge_method: '' },
        'invalid_request',
        'code_challenge is required (PKCE, RFC 7636)',
      ],
      [
        'code_challenge_method plain',
        { code_challenge_method: 'plain' },
        'invalid_request',
        'code_challenge_method must be S256',
      ],
      ['an unknown scope', { scope: 'profile admin' }, 'invalid_scope', "unknown scope: 'admin'"],
      [
        'an unknown resource',
        { resource: 'https://nowhere.example/api' },
        'invalid_target',
        "the resource 'https://nowhere.example/api' is unknown",
      ],
      [
        'an unsupported response_type',
        { response_type: 'id_token' },
        'unsupported_response_type',
        "the response type 'id_token' is not supported",
      ],
      ['no response_type', { response_type: '' }, 'invalid_request', 'response_type is required'],
      [
        'a state that is not VSCHAR',
        { state: 'caf\u00e9' },
        'invalid_request',
        'state must be 1 to 2048 characters of %x20-7E (RFC 6749 Appendix A.5)',
      ],
    ];
    for (const [what, params, error, description] of cases) {
      it(`${what}: 400 ${error}, never a redirect`, async () => {
        const { app } = parApp();
        const res = await push(app, webRequest(params), WEB);
        expectJsonError(res, 400, error, description);
      });
    }

    it('a response type the client may not use: unauthorized_client', async () => {
      const { app } = parApp({ provider: { grants: { implicit: true } } });
      const res = await push(app, webRequest({ response_type: 'token' }), WEB);
      expectJsonError(
        res,
        400,
        'unauthorized_client',
        "the client may not use the response type 'token'",
      );
    });

    it('a repeated parameter: invalid_request (the form reader)', async () => {
      const { app } = parApp();
      const res = await request(app)
        .post('/par')
        .set('Authorization', basic(...WEB))
        .type('form')
        .send(`${new URLSearchParams(webRequest()).toString()}&scope=write`);
      expectJsonError(res, 400, 'invalid_request', "the parameter 'scope' must not be repeated");
    });

    it('resource may repeat, each one checked (RFC 8707 2)', async () => {
      const { app } = parApp({
        provider: { resources: [{ resource: 'https://api.example.test', scopes: ['read'] }] },
      });
      const body = `${new URLSearchParams(webRequest({ scope: 'read' })).toString()}&resource=${encodeURIComponent('https://api.example.test')}&resource=${encodeURIComponent('https://other.example')}`;
      const res = await request(app)
        .post('/par')
        .set('Authorization', basic(...WEB))
        .type('form')
        .send(body);
      expectJsonError(
        res,
        400,
        'invalid_target',
        "the resource 'https://other.example' is unknown",
      );
    });

    // RFC 9126 2.1: "The request_uri authorization request parameter is one exception, and it
    // MUST NOT be provided."
    it('request_uri inside a push: invalid_request', async () => {
      const { app } = parApp();
      const first = await push(app, webRequest(), WEB);
      const res = await push(app, webRequest({ request_uri: first.body.request_uri }), WEB);
      expectJsonError(
        res,
        400,
        'invalid_request',
        'request_uri must not be sent to the pushed authorization request endpoint (RFC 9126 2.1)',
      );
    });
  });

  describe("the endpoint's own refusals and abuses", () => {
    // RFC 9126 2.3: "405: If the request did not use the POST method".
    it('GET /par: 405 with Allow: POST', async () => {
      const { app } = parApp();
      const res = await request(app).get('/par');
      expect(res.status).to.equal(405);
      expect(res.headers['allow']).to.equal('POST');
    });

    it('a body over the limit is refused before it is read', async () => {
      const { app } = parApp();
      const res = await push(app, webRequest({ state: 'x'.repeat(70_000) }), WEB);
      expect(res.status).to.equal(400);
      expect(res.body.error).to.equal('invalid_request');
      expect(res.body.error_description).to.match(/^the request body is larger than \d+ bytes$/);
    });

    it('__proto__ and constructor parameters are plain junk, ignored', async () => {
      const { app } = parApp();
      const res = await request(app)
        .post('/par')
        .set('Authorization', basic(...WEB))
        .type('form')
        .send(`${new URLSearchParams(webRequest()).toString()}&__proto__=x&constructor=y`);
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    });

    it('par: false: no endpoint, no metadata member', async () => {
      const { app } = parApp({ provider: { par: false } });
      expect((await push(app, webRequest(), WEB)).status).to.equal(404);
      const meta = await request(app).get('/.well-known/oauth-authorization-server');
      expect(meta.body).to.not.have.property('pushed_authorization_request_endpoint');
    });

    it('no authorization endpoint (no code or token response type): no PAR endpoint', async () => {
      const { app } = parApp({
        provider: { grants: { authorizationCode: false, clientCredentials: true } },
      });
      expect((await push(app, webRequest(), WEB)).status).to.equal(404);
    });
  });
});

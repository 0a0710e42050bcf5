/**
 * PAR as the only way in (RFC 9126 4, 5, 6): `par.required` for every client,
 * `requirePushedAuthorizationRequests` per client (configured, stored, or
 * registered as `require_pushed_authorization_requests`), the metadata members,
 * and the `par` option's checks.
 */
import { expect } from 'chai';
import request from 'supertest';
import { createAuthorizationServer, defineClient } from '../../index.js';
import { clientFromMetadata, clientToMetadata } from '../../lib/helpers/stored-client.js';
import {
  authorizePath,
  CB,
  expectErrorRedirect,
  signedIn,
  spaParams,
} from '../support/authorize-app.js';
import { parApp, pushed, usePath, webRequest, webSecret } from './support.js';

const MUST_PUSH =
  'this client must push its authorization requests (PAR, RFC 9126) and send only client_id and request_uri here';

// RFC 9126 4: "the authorization server will refuse, using the invalid_request error code, to
// process any request to the authorization endpoint that does not have a request_uri
// parameter with a value obtained from the PAR endpoint."
describe('required PAR (RFC 9126 4)', () => {
  describe('server-wide: par.required', () => {
    it('a plain request is redirected with invalid_request (and state, iss)', async () => {
      const { app, codes } = parApp({ provider: { par: { required: true } } });
      const agent = await signedIn(app);
      const res = await agent.get(authorizePath(spaParams()));
      const params = expectErrorRedirect(res, 'invalid_request');
      expect(params.get('error_description')).to.equal(MUST_PUSH);
      expect(codes.saved).to.have.length(0);
    });

    it('a plain request with an unknown redirect_uri is still shown, never redirected', async () => {
      const { app } = parApp({ provider: { par: { required: true } } });
      const agent = await signedIn(app);
      const res = await agent.get(
        authorizePath(spaParams({ redirect_uri: 'https://evil.example/cb' })),
      );
      expect(res.status).to.equal(400);
      expect(res.headers['location']).to.equal(undefined);
    });

    it('a pushed request goes through', async () => {
      const { app } = parApp({ provider: { par: { required: true } } });
      const uri = await pushed(app);
      const agent = await signedIn(app);
      expect((await agent.get(usePath(uri))).status).to.equal(200);
    });

    // RFC 9126 5: "require_pushed_authorization_requests Boolean parameter indicating
    // whether the authorization server accepts authorization request data only via PAR."
    it('metadata says require_pushed_authorization_requests: true', async () => {
      const { app } = parApp({ provider: { par: { required: true } } });
      const meta = await request(app).get('/.well-known/oauth-authorization-server');
      expect(meta.body.require_pushed_authorization_requests).to.equal(true);
      expect(meta.body.pushed_authorization_request_endpoint).to.equal(
        'https://auth.example.test/par',
      );
    });
  });

  describe('per client: requirePushedAuthorizationRequests (RFC 9126 6)', () => {
    it("that client's plain request is redirected with invalid_request", async () => {
      const { app } = parApp();
      const agent = await signedIn(app);
      const res = await agent.get(authorizePath(webRequest({ client_id: 'pushy' })));
      const params = expectErrorRedirect(res, 'invalid_request');
      expect(params.get('error_description')).to.equal(MUST_PUSH);
    });

    it('its pushed request goes through; other clients are not bound by it', async () => {
      const { app } = parApp();
      const uri = await pushed(app, webRequest({ client_id: 'pushy' }), [
        'pushy',
        webSecret.secret,
      ]);
      const agent = await signedIn(app);
      expect((await agent.get(usePath(uri, 'pushy'))).status).to.equal(200);
      expect((await agent.get(authorizePath(spaParams()))).status).to.equal(200);
    });

    it('metadata has the endpoint but no require_pushed_authorization_requests', async () => {
      const { app } = parApp();
      const meta = await request(app).get('/.well-known/oauth-authorization-server');
      expect(meta.body.pushed_authorization_request_endpoint).to.equal(
        'https://auth.example.test/par',
      );
      expect(meta.body).to.not.have.property('require_pushed_authorization_requests');
    });

    it('a client store keeps it (require_pushed_authorization_requests), round trip', () => {
      const client = defineClient({
        id: 'c',
        tokenEndpointAuthMethods: ['none'],
        redirectUris: [CB],
        requirePushedAuthorizationRequests: true,
      });
      const metadata = clientToMetadata(client);
      expect(metadata.require_pushed_authorization_requests).to.equal(true);
      expect(
        defineClient(clientFromMetadata(metadata)).requirePushedAuthorizationRequests,
      ).to.equal(true);
      const plain = clientToMetadata(defineClient({ id: 'd', tokenEndpointAuthMethods: ['none'] }));
      expect(plain).to.not.have.property('require_pushed_authorization_requests');
    });

    it('a client option that is not a boolean is a TypeError naming it', () => {
      expect(() =>
        defineClient({
          id: 'c',
          tokenEndpointAuthMethods: ['none'],
          requirePushedAuthorizationRequests: 'yes' as never,
        }),
      ).to.throw(TypeError, 'client "c": requirePushedAuthorizationRequests must be a boolean');
    });

    it('a client registers with it (RFC 7591): echoed, kept and enforced', async () => {
      const { app } = parApp({ provider: { registration: { policy: 'open' } } });
      const reg = await request(app)
        .post('/register')
        .send({
          redirect_uris: [CB],
          token_endpoint_auth_method: 'none',
          require_pushed_authorization_requests: true,
        });
      expect(reg.status, JSON.stringify(reg.body)).to.equal(201);
      expect(reg.body.require_pushed_authorization_requests).to.equal(true);
      const agent = await signedIn(app);
      const plain = await agent.get(
        authorizePath(spaParams({ client_id: reg.body.client_id as string })),
      );
      expectErrorRedirect(plain, 'invalid_request');
    });

    it('a registration with a non-boolean value: invalid_client_metadata', async () => {
      const { app } = parApp({ provider: { registration: { policy: 'open' } } });
      const reg = await request(app)
        .post('/register')
        .send({
          redirect_uris: [CB],
          token_endpoint_auth_method: 'none',
          require_pushed_authorization_requests: 'true',
        });
      expect(reg.status).to.equal(400);
      expect(reg.body).to.deep.equal({
        error: 'invalid_client_metadata',
        error_description: 'require_pushed_authorization_requests must be a boolean',
      });
    });
  });

  describe('the par option', () => {
    const make = (par: unknown) => () =>
      createAuthorizationServer({ issuer: 'https://auth.example.test', par: par as never });

    for (const lifetime of [0, 601, 1.5, '60']) {
      it(`lifetime ${JSON.stringify(lifetime)}: a TypeError naming the option`, () => {
        expect(make({ lifetime })).to.throw(
          TypeError,
          'options.par.lifetime must be a whole number of seconds from 1 to 600 (RFC 9126 2.2)',
        );
      });
    }

    it('required that is not a boolean, an unknown key, or not an object: TypeErrors', () => {
      expect(make({ required: 'yes' })).to.throw(
        TypeError,
        'options.par.required must be true or false',
      );
      expect(make({ lifetme: 60 })).to.throw(TypeError, /options\.par.*"lifetme".*"lifetime"/);
      expect(make(true)).to.throw(
        TypeError,
        'options.par must be an options object, or false to turn PAR off',
      );
    });

    it('lifetime 600 and required false are accepted', () => {
      expect(make({ lifetime: 600, required: false })).to.not.throw();
    });
  });
});

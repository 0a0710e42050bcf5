import { expect } from 'chai';
import request from 'supertest';
import { createDemoApp } from '../../examples/demo-app.js';
import { INVALID_GRANT } from '../../index.js';

for (const format of ['jwt', 'opaque'] as const) {
  describe(`examples/demo-app (${format} access tokens)`, () => {
    const { app } = createDemoApp({ issuer: 'http://localhost:3000', accessTokenFormat: format });

    it('publishes metadata listing its endpoints', async () => {
      const res = await request(app).get('/.well-known/oauth-authorization-server');
      expect(res.status).to.equal(200);
      expect(res.body).to.include({
        issuer: 'http://localhost:3000',
        token_endpoint: 'http://localhost:3000/token',
        revocation_endpoint: 'http://localhost:3000/revoke',
        introspection_endpoint: 'http://localhost:3000/introspect',
        jwks_uri: 'http://localhost:3000/jwks',
      });
      expect(res.body.authorization_endpoint).to.equal('http://localhost:3000/authorize');
      expect(res.body.authorization_response_iss_parameter_supported).to.equal(true);
    });

    it('the endpoints the metadata lists are served by the app', async () => {
      const meta = (await request(app).get('/.well-known/oauth-authorization-server'))
        .body as Record<string, string>;
      const jwks = await request(app).get(new URL(meta['jwks_uri']!).pathname);
      expect(jwks.status).to.equal(200);
      expect(jwks.body.keys).to.be.an('array');
      // the token, revocation and introspection endpoints answer a POST without client credentials as OAuth errors, not 404
      for (const name of ['token_endpoint', 'revocation_endpoint', 'introspection_endpoint']) {
        const res = await request(app).post(new URL(meta[name]!).pathname).type('form').send({});
        expect(res.status, name).to.be.oneOf([400, 401]);
        expect(res.body.error, name).to.be.a('string');
      }
      const authorize = await request(app)
        .get(new URL(meta['authorization_endpoint']!).pathname)
        .query({ client_id: 'nobody' });
      expect(authorize.status).to.equal(400);
      expect(authorize.headers['content-type']).to.match(/^text\/html/);
    });

    it('demo-service gets a read token by client_credentials and reads /api/data, not /api/me', async () => {
      const token = await request(app)
        .post('/token')
        .auth('demo-service', 'demo-service-secret')
        .type('form')
        .send({ grant_type: 'client_credentials' });
      expect(token.status).to.equal(200);
      expect(token.body.scope).to.equal('read');
      if (format === 'jwt') expect(token.body.access_token.split('.')).to.have.length(3);
      else expect(token.body.access_token).to.match(/^[A-Za-z0-9_-]{43}$/);
      const data = await request(app)
        .get('/api/data')
        .set('Authorization', `Bearer ${token.body.access_token}`);
      expect(data.status).to.equal(200);
      expect(data.body).to.deep.equal({
        items: ['apple', 'banana', 'cherry'],
        for: 'demo-service',
      });
      const me = await request(app)
        .get('/api/me')
        .set('Authorization', `Bearer ${token.body.access_token}`);
      expect(me.status).to.equal(403);
      expect(me.headers['www-authenticate']).to.equal(
        'Bearer realm="api", error="insufficient_scope", scope="profile"',
      );
    });

    it('demo-cli signs alice in with the password grant; /api/me answers her stable sub', async () => {
      const token = await request(app)
        .post('/token')
        .auth('demo-cli', 'demo-cli-secret')
        .type('form')
        .send({
          grant_type: 'password',
          username: 'alice',
          password: 'wonderland',
          scope: 'profile read',
        });
      expect(token.status).to.equal(200);
      expect(token.body.refresh_token).to.be.a('string');
      const me = await request(app)
        .get('/api/me')
        .set('Authorization', `Bearer ${token.body.access_token}`);
      expect(me.status).to.equal(200);
      expect(me.body).to.deep.equal({
        sub: 'user-7a1ce',
        client_id: 'demo-cli',
        scope: 'profile read',
      });
      const wrong = await request(app)
        .post('/token')
        .auth('demo-cli', 'demo-cli-secret')
        .type('form')
        .send({ grant_type: 'password', username: 'alice', password: 'looking-glass' });
      expect(wrong.status).to.equal(400);
      expect(wrong.body).to.deep.equal({
        error: 'invalid_grant',
        // Every invalid_grant has one public text; which check failed is private.
        error_description: INVALID_GRANT,
      });
    });
  });
}

describe('examples/demo-app defaults', () => {
  it('with no options the issuer is http://localhost:3000 and access tokens are JWTs', async () => {
    const { app } = createDemoApp();
    const meta = await request(app).get('/.well-known/oauth-authorization-server');
    expect(meta.body.issuer).to.equal('http://localhost:3000');
    const token = await request(app)
      .post('/token')
      .auth('demo-service', 'demo-service-secret')
      .type('form')
      .send({ grant_type: 'client_credentials' });
    expect(token.status).to.equal(200);
    expect(token.body.access_token.split('.')).to.have.length(3);
  });

  it('an issuer with another origin moves every endpoint under it', async () => {
    const { app } = createDemoApp({ issuer: 'http://127.0.0.1:4567' });
    const meta = (await request(app).get('/.well-known/oauth-authorization-server')).body as Record<
      string,
      unknown
    >;
    expect(meta['issuer']).to.equal('http://127.0.0.1:4567');
    for (const name of [
      'authorization_endpoint',
      'token_endpoint',
      'revocation_endpoint',
      'introspection_endpoint',
      'jwks_uri',
    ]) {
      expect(String(meta[name]).startsWith('http://127.0.0.1:4567/'), name).to.equal(true);
    }
  });
});

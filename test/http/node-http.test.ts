/**
 * The handlers take Node's req/res only, so they work without Express
 * (Connect, or a bare node:http server).
 */
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import request from 'supertest';
import { createAuthorizationServer } from '../../index.js';
import { providerOptions, secrets } from '../support/fixtures.js';

describe('handlers on a bare node:http server', () => {
  let server: Server;

  before(() => {
    const oauth = createAuthorizationServer(providerOptions());
    const token = oauth.token();
    const protect = oauth.protect({ scope: 'read' });
    server = createServer((req, res) => {
      if (req.url === '/token') {
        token(req as never, res as never, () => {});
        return;
      }
      if (req.url === '/api') {
        protect(req as never, res as never, () => {
          res.setHeader('Content-Type', 'application/json');
          res.end(
            JSON.stringify({
              sub: (req as { oauth2?: { token: { subject: string } } }).oauth2?.token.subject,
            }),
          );
        });
        return;
      }
      res.statusCode = 404;
      res.end();
    });
  });

  it('issues a token and guards a route', async () => {
    const token = await request(server)
      .post('/token')
      .auth('service', secrets.service.secret)
      .type('form')
      .send('grant_type=client_credentials');
    expect(token.status).to.equal(200);
    expect(token.headers['cache-control']).to.equal('no-store');
    const api = await request(server)
      .get('/api')
      .set('Authorization', `Bearer ${token.body.access_token}`);
    expect(api.status).to.equal(200);
    expect(api.body).to.deep.equal({ sub: 'service' });
  });

  it('answers errors as JSON', async () => {
    const res = await request(server).post('/token').type('form').send('grant_type=nope');
    expect(res.status).to.equal(400);
    expect(res.headers['content-type']).to.equal('application/json; charset=utf-8');
    expect(res.body).to.deep.equal({
      error: 'unsupported_grant_type',
      error_description: "the grant type 'nope' is not supported",
    });
  });
});

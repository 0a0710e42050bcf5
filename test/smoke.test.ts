import { expect } from 'chai';
import request from 'supertest';
import { secrets, testApp } from './support/fixtures.js';

describe('smoke: client_credentials then protect()', () => {
  it('issues a token that opens a protected route', async () => {
    const { app } = testApp();
    const token = await request(app)
      .post('/token')
      .auth('service', secrets.service.secret)
      .type('form')
      .send({ grant_type: 'client_credentials' });
    expect(token.status).to.equal(200);
    const api = await request(app)
      .get('/api/read')
      .set('Authorization', `Bearer ${token.body.access_token}`);
    expect(api.status).to.equal(200);
    expect(api.body).to.deep.equal({ sub: 'service', client_id: 'service', scope: ['read'] });
  });
});

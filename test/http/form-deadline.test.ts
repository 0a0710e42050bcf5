/**
 * Slow bodies: the form reader's read deadline (`bodyTimeout`, seconds, default 10).
 * A client that trickles its body byte by byte (the "slow POST" attack) gets a
 * 400 invalid_request in JSON once the deadline passes, and the server closes the
 * connection; before, such a connection stayed open as long as the client liked.
 * Clients here trickle a byte every 25 ms against a deadline of 0.3 s.
 */
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { createAuthorizationServer } from '../../index.js';
import { DEFAULT_BODY_TIMEOUT } from '../../lib/http/endpoints.js';
import { providerOptions, secrets } from '../support/fixtures.js';
import { listen, trickle, type Listening } from '../support/raw-http.js';
import { basic } from './token-assertions.js';

const SERVICE = basic('service', secrets.service.secret);

function head(path: string, length: number): string {
  return [
    `POST ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    `Authorization: ${SERVICE}`,
    'Content-Type: application/x-www-form-urlencoded',
    `Content-Length: ${length}`,
    '',
    '',
  ].join('\r\n');
}

describe('form bodies: the read deadline (bodyTimeout)', () => {
  let listening: Listening;

  before(async () => {
    const oauth = createAuthorizationServer(providerOptions());
    const app = express();
    app.post('/slow-token', oauth.token({ bodyTimeout: 0.3 }));
    app.use('/routed', oauth.router({ bodyTimeout: 0.3 }));
    app.post('/default-token', oauth.token());
    listening = await listen(app);
  });

  after(() => listening.close());

  for (const path of ['/slow-token', '/routed/token', '/routed/revoke', '/routed/introspect']) {
    it(`${path}: a trickling body → 400 invalid_request, Connection: close, and the server closes the connection`, async () => {
      const { answer, closedByServer, sent } = await trickle(listening.port, head(path, 1000), {
        maxBytes: 100,
      });
      expect(answer.status, answer.body).to.equal(400);
      expect(answer.headers['content-type']).to.match(/^application\/json/);
      expect(answer.headers['cache-control']).to.equal('no-store');
      expect(answer.headers['connection']).to.equal('close');
      expect(JSON.parse(answer.body)).to.deep.equal({
        error: 'invalid_request',
        error_description: 'the request body did not arrive within 0.3 seconds',
      });
      expect(closedByServer, 'the server closed the connection').to.equal(true);
      expect(sent, 'the whole body was never sent').to.be.below(1000);
    });
  }

  it('the default deadline is 10 seconds, and a body that arrives in time is read', async () => {
    expect(DEFAULT_BODY_TIMEOUT).to.equal(10);
    const res = await request(listening.server)
      .post('/default-token')
      .set('Authorization', SERVICE)
      .type('form')
      .send('grant_type=client_credentials');
    expect(res.status, res.text).to.equal(200);
  });

  for (const bodyTimeout of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '10', 3_000_000]) {
    it(`rejects bodyTimeout ${String(bodyTimeout)} with a TypeError naming the option, when the handler is made`, () => {
      const oauth = createAuthorizationServer(providerOptions());
      expect(() => oauth.token({ bodyTimeout: bodyTimeout as number })).to.throw(
        TypeError,
        /options\.bodyTimeout must be a positive number of seconds/,
      );
    });
  }
});

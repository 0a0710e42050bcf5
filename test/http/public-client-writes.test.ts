/**
 * The `public_client_writes` rate limit (lib/engine/attempt-limit.ts): pushed
 * authorization requests (RFC 9126 2) and device authorization requests (RFC
 * 8628 3.1) of public clients, counted per source address before anything is
 * written; confidential clients never counted.
 *
 * The abuse: anyone who knows a public client's `client_id` can make the server
 * keep a record (60 s for a push, 600 s for a device code) per request.
 */
import { expect } from 'chai';
import request from 'supertest';
import type { OAuthEvent, ProviderOptions } from '../../index.js';
import { basic } from '../support/engine.js';
import { deviceApp, tvSecret } from '../device/support.js';
import { webRequest, webSecret } from '../par/support.js';
import type { AuthorizeApp } from '../support/authorize-app.js';

const REFUSED = {
  error: 'temporarily_unavailable',
  error_description: 'too many failed attempts: try again later',
};

/** The device app (PAR on too), trusting X-Forwarded-For, with `rateLimits`. */
function app(rateLimits?: ProviderOptions['rateLimits']): AuthorizeApp & { events: OAuthEvent[] } {
  const made = deviceApp({
    configure: (express) => express.set('trust proxy', true),
    provider: rateLimits === undefined ? {} : { rateLimits },
  });
  const events: OAuthEvent[] = [];
  made.oauth.provider.events.on('rate_limited', (e) => void events.push(e));
  made.oauth.provider.events.on('par.pushed', (e) => void events.push(e));
  made.oauth.provider.events.on('device.authorization_started', (e) => void events.push(e));
  return { ...made, events };
}

const LIMIT_3 = { publicClientWrites: { failures: 3, window: 60, block: 60 } };

/** POSTs a form to `path` from `ip`, with Basic credentials when `auth` is given. */
function post(
  target: AuthorizeApp['app'],
  path: string,
  fields: Record<string, string>,
  ip: string,
  auth?: readonly [string, string],
): request.Test {
  const req = request(target).post(path).type('form').set('X-Forwarded-For', ip);
  if (auth !== undefined) req.set('Authorization', basic(auth[0], auth[1]));
  return req.send(fields);
}

const spaPush = (target: AuthorizeApp['app'], ip: string) =>
  post(target, '/par', webRequest({ client_id: 'spa' }), ip);
const tvStart = (target: AuthorizeApp['app'], ip: string) =>
  post(target, '/device_authorization', { client_id: 'tv', scope: 'profile' }, ip);

function expectRefused(res: request.Response): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(429);
  expect(res.body).to.deep.equal(REFUSED);
  expect(Number(res.headers['retry-after'])).to.be.within(1, 60);
  expect(res.headers['cache-control']).to.equal('no-store');
  expect(res.headers['content-type']).to.match(/^application\/json/);
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const types = (events: readonly OAuthEvent[]) => events.map((e) => e.type);

describe('rateLimits.publicClientWrites', () => {
  it('/par: a public client past the limit is 429 with Retry-After and a rate_limited event; nothing is kept', async () => {
    const { app: target, events } = app(LIMIT_3);
    for (let i = 0; i < 3; i += 1)
      expect((await spaPush(target, '192.0.2.10')).status).to.equal(201);
    expectRefused(await spaPush(target, '192.0.2.10'));
    await settle();
    expect(types(events)).to.deep.equal(['par.pushed', 'par.pushed', 'par.pushed', 'rate_limited']);
    expect(events[3]).to.deep.include({
      limit: 'public_client_writes',
      clientId: 'spa',
      ip: '192.0.2.10',
    });
    expect((events[3] as { retryAfter: number }).retryAfter).to.be.within(1, 60);
  });

  it('/device_authorization: a public client past the limit is 429 with Retry-After and a rate_limited event; no code is made', async () => {
    const { app: target, events } = app(LIMIT_3);
    for (let i = 0; i < 3; i += 1)
      expect((await tvStart(target, '192.0.2.20')).status).to.equal(200);
    const refused = await tvStart(target, '192.0.2.20');
    expectRefused(refused);
    expect(refused.body).to.not.have.property('device_code');
    await settle();
    expect(types(events)).to.deep.equal([
      'device.authorization_started',
      'device.authorization_started',
      'device.authorization_started',
      'rate_limited',
    ]);
    expect(events[3]).to.deep.include({
      limit: 'public_client_writes',
      clientId: 'tv',
      ip: '192.0.2.20',
    });
  });

  it('another address is not affected; an IPv6 address counts by its /64', async () => {
    const { app: target } = app(LIMIT_3);
    for (let i = 0; i < 3; i += 1) await spaPush(target, '2001:db8:0:7::1');
    expectRefused(await spaPush(target, '2001:db8:0:7::beef'));
    expectRefused(await tvStart(target, '2001:db8:0:7::2'));
    expect((await spaPush(target, '2001:db8:0:8::1')).status).to.equal(201);
    expect((await tvStart(target, '192.0.2.31')).status).to.equal(200);
  });

  it('one budget per address across both endpoints and every public client', async () => {
    const { app: target } = app(LIMIT_3);
    expect((await spaPush(target, '192.0.2.40')).status).to.equal(201);
    expect((await tvStart(target, '192.0.2.40')).status).to.equal(200);
    const other = await post(
      target,
      '/device_authorization',
      { client_id: 'console', scope: 'profile' },
      '192.0.2.40',
    );
    expect(other.status).to.equal(200);
    expectRefused(await post(target, '/par', webRequest({ client_id: 'evil' }), '192.0.2.40'));
  });

  it('every request counts, also a refused one (bad scope, a client without the device grant)', async () => {
    const { app: target } = app(LIMIT_3);
    const badScope = await post(
      target,
      '/par',
      webRequest({ client_id: 'spa', scope: 'admin' }),
      '192.0.2.50',
    );
    expect(badScope.status).to.equal(400);
    const noGrant = await post(target, '/device_authorization', { client_id: 'spa' }, '192.0.2.50');
    expect(noGrant.body).to.deep.equal({
      error: 'unauthorized_client',
      error_description: 'the client may not use the device_code grant',
    });
    expect((await tvStart(target, '192.0.2.50')).status).to.equal(200);
    expectRefused(await tvStart(target, '192.0.2.50'));
  });

  it('counts after client authentication: requests naming an unknown client use none of it', async () => {
    const { app: target } = app(LIMIT_3);
    for (let i = 0; i < 5; i += 1) {
      const res = await post(target, '/par', webRequest({ client_id: 'ghost' }), '192.0.2.60');
      expect(res.body).to.deep.equal({
        error: 'invalid_client',
        error_description: 'client authentication failed',
      });
    }
    for (let i = 0; i < 3; i += 1)
      expect((await tvStart(target, '192.0.2.60')).status).to.equal(200);
  });

  it('a confidential client is never counted, at either endpoint', async () => {
    const { app: target, events } = app({
      publicClientWrites: { failures: 1, window: 60, block: 60 },
    });
    for (let i = 0; i < 6; i += 1) {
      const pushed = await post(target, '/par', webRequest(), '192.0.2.70', [
        'web',
        webSecret.secret,
      ]);
      expect(pushed.status, JSON.stringify(pushed.body)).to.equal(201);
      const started = await post(
        target,
        '/device_authorization',
        { client_id: 'tv-confidential', client_secret: tvSecret.secret },
        '192.0.2.70',
      );
      expect(started.status, JSON.stringify(started.body)).to.equal(200);
    }
    // The address's one public request is still there to use.
    expect((await tvStart(target, '192.0.2.70')).status).to.equal(200);
    expectRefused(await tvStart(target, '192.0.2.70'));
    await settle();
    expect(types(events).filter((t) => t === 'rate_limited')).to.have.length(1);
  });

  it('parallel requests from one address: exactly the limit get through', async () => {
    const { app: target } = app(LIMIT_3);
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        i % 2 === 0 ? spaPush(target, '192.0.2.80') : tvStart(target, '192.0.2.80'),
      ),
    );
    const through = answers.filter((res) => res.status === 201 || res.status === 200);
    expect(through).to.have.length(3);
    expect(answers.filter((res) => res.status === 429)).to.have.length(9);
  });

  it('the default allows 30 a minute per address', async () => {
    const { app: target } = app();
    for (let i = 0; i < 30; i += 1)
      expect((await spaPush(target, '192.0.2.90')).status).to.equal(201);
    expectRefused(await tvStart(target, '192.0.2.90'));
  });

  it('rateLimits.publicClientWrites: false turns it off', async () => {
    const { app: target, events } = app({ publicClientWrites: false });
    for (let i = 0; i < 20; i += 1) {
      expect((await spaPush(target, '192.0.2.100')).status).to.equal(201);
      expect((await tvStart(target, '192.0.2.100')).status).to.equal(200);
    }
    await settle();
    expect(types(events)).to.not.include('rate_limited');
  });
});

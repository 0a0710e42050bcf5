/**
 * The device_code grant at the token endpoint (RFC 8628 3.4, 3.5): every answer
 * of a poll with its exact body, the interval growing with `slow_down`, expiry
 * by the provider's clock, a device code of another client, resources, and races:
 * parallel polls of an approved code give exactly one token response.
 * The user's answer is given through the engine (`provider.device.verification`);
 * the page itself is tested in ./page.test.ts.
 */
import { expect } from 'chai';
import { INVALID_GRANT, type OAuthEvent } from '../../index.js';
import type { AuthorizeApp } from '../support/authorize-app.js';
import { deviceApp, DEVICE_CODE_GRANT_TYPE, expectOAuthError, poll, start } from './support.js';

/** The user answers the request of `userCode` as `subject` (through the engine). */
async function answerAs(
  target: AuthorizeApp,
  userCode: string,
  decision: 'allow' | 'deny',
  subject = 'user-alice',
): Promise<string> {
  const flow = target.oauth.provider.device!;
  const entered = await flow.verification.enter(userCode, { ip: '203.0.113.9', session: 's1' });
  if (entered.kind !== 'valid') throw new Error(`the code is ${entered.kind}`);
  return flow.verification.decide(entered.deviceId, subject, decision);
}

const PENDING = 'the user has not yet answered';

describe('device_code grant (RFC 8628 3.4, 3.5)', () => {
  let target: AuthorizeApp;
  beforeEach(() => {
    target = deviceApp();
  });

  it('requires device_code: invalid_request', async () => {
    const res = await poll(target.app, '').send({ device_code: undefined });
    expectOAuthError(res, 400, 'invalid_request', 'device_code is required');
  });

  it('refuses an unknown device code: invalid_grant', async () => {
    expectOAuthError(await poll(target.app, 'not-a-code'), 400, 'invalid_grant', INVALID_GRANT);
  });

  it('answers authorization_pending until the user answers', async () => {
    const started = await start(target.app);
    // RFC 8628 3.5: "The authorization request is still pending as the end user
    // hasn't yet completed the user-interaction steps".
    expectOAuthError(
      await poll(target.app, started.device_code),
      400,
      'authorization_pending',
      PENDING,
    );
    target.clock.advance(5);
    expectOAuthError(
      await poll(target.app, started.device_code),
      400,
      'authorization_pending',
      PENDING,
    );
  });

  it('answers slow_down to a poll sooner than the interval, and the interval grows by 5 s for good', async () => {
    const started = await start(target.app);
    await poll(target.app, started.device_code);
    target.clock.advance(4);
    // RFC 8628 3.5: "the interval MUST be increased by 5 seconds for this and all subsequent requests."
    expectOAuthError(
      await poll(target.app, started.device_code),
      400,
      'slow_down',
      'polling too fast: wait 10 seconds between requests',
    );
    target.clock.advance(9);
    expectOAuthError(
      await poll(target.app, started.device_code),
      400,
      'slow_down',
      'polling too fast: wait 15 seconds between requests',
    );
    target.clock.advance(15);
    expectOAuthError(
      await poll(target.app, started.device_code),
      400,
      'authorization_pending',
      PENDING,
    );
    target.clock.advance(14);
    expectOAuthError(
      await poll(target.app, started.device_code),
      400,
      'slow_down',
      'polling too fast: wait 20 seconds between requests',
    );
  });

  it('answers expired_token once the device code expired, answered or not', async () => {
    const pending = await start(target.app);
    const approved = await start(target.app);
    await answerAs(target, approved.user_code, 'allow');
    target.clock.advance(600);
    // RFC 8628 3.5: "The "device_code" has expired".
    for (const started of [pending, approved])
      expectOAuthError(
        await poll(target.app, started.device_code),
        400,
        'expired_token',
        'the device code has expired',
      );
  });

  it('answers access_denied once the user denied', async () => {
    const started = await start(target.app);
    expect(await answerAs(target, started.user_code, 'deny')).to.equal('denied');
    for (let i = 0; i < 2; i++) {
      expectOAuthError(
        await poll(target.app, started.device_code),
        400,
        'access_denied',
        'the user denied the request',
      );
      target.clock.advance(5);
    }
  });

  it('issues tokens once the user approved, with a refresh token for a client that may refresh', async () => {
    const started = await start(target.app);
    expect(await answerAs(target, started.user_code, 'allow')).to.equal('approved');
    const res = await poll(target.app, started.device_code);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(res.body.token_type).to.equal('Bearer');
    expect(res.body.scope).to.equal('profile read');
    expect(res.body.refresh_token).to.be.a('string');
    const info = await target.oauth.provider.verifyAccessToken(res.body.access_token);
    expect(info.subject).to.equal('user-alice');
    expect(info.clientId).to.equal('tv');
    // The refresh token works like any other.
    const refreshed = await poll(target.app, '').send({
      grant_type: 'refresh_token',
      refresh_token: res.body.refresh_token,
      device_code: undefined,
    });
    expect(refreshed.status, JSON.stringify(refreshed.body)).to.equal(200);
  });

  it('issues no refresh token to a client without the refresh_token grant', async () => {
    const started = await start(target.app, { client_id: 'console', scope: 'profile' });
    await answerAs(target, started.user_code, 'allow');
    const res = await poll(target.app, started.device_code, { client_id: 'console' });
    expect(res.status).to.equal(200);
    expect(res.body).to.not.have.property('refresh_token');
  });

  it('gives tokens once: the device code is then gone (invalid_grant)', async () => {
    const started = await start(target.app);
    await answerAs(target, started.user_code, 'allow');
    expect((await poll(target.app, started.device_code)).status).to.equal(200);
    target.clock.advance(5);
    expectOAuthError(
      await poll(target.app, started.device_code),
      400,
      'invalid_grant',
      INVALID_GRANT,
    );
  });

  it("refuses another client's device code (invalid_grant) and leaves it usable to its own", async () => {
    const started = await start(target.app);
    await answerAs(target, started.user_code, 'allow');
    const res = await poll(target.app, started.device_code, { client_id: 'console' });
    expectOAuthError(res, 400, 'invalid_grant', INVALID_GRANT);
    expect((await poll(target.app, started.device_code)).status).to.equal(200);
  });

  it('refuses a client not registered for the grant: unauthorized_client', async () => {
    const started = await start(target.app);
    const res = await poll(target.app, started.device_code, { client_id: 'spa' });
    expectOAuthError(
      res,
      400,
      'unauthorized_client',
      `the client may not use the ${DEVICE_CODE_GRANT_TYPE} grant`,
    );
  });

  it('of 20 parallel polls of an approved code, exactly one gets tokens', async () => {
    const started = await start(target.app);
    await answerAs(target, started.user_code, 'allow');
    const results = await Promise.all(
      Array.from({ length: 20 }, () => poll(target.app, started.device_code)),
    );
    expect(results.filter((r) => r.status === 200)).to.have.length(1);
    for (const r of results.filter((r) => r.status !== 200))
      expectOAuthError(r, 400, 'invalid_grant', INVALID_GRANT);
  });

  it('of 20 parallel polls of a pending code, one is authorization_pending and the rest slow_down', async () => {
    const started = await start(target.app);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => poll(target.app, started.device_code)),
    );
    const errors = results.map((r) => r.body.error as string);
    expect(errors.filter((e) => e === 'authorization_pending')).to.have.length(1);
    expect(errors.filter((e) => e === 'slow_down')).to.have.length(19);
  });

  it('emits device.approved and token.issued with the grant type, never a code', async () => {
    const seen: OAuthEvent[] = [];
    target.oauth.provider.events.on('device.approved', (e) => void seen.push(e));
    target.oauth.provider.events.on('token.issued', (e) => void seen.push(e));
    const started = await start(target.app);
    await answerAs(target, started.user_code, 'allow');
    await poll(target.app, started.device_code);
    await new Promise((r) => setImmediate(r));
    expect(seen.map((e) => e.type)).to.deep.equal(['device.approved', 'token.issued']);
    const [approved, issued] = seen as [
      OAuthEvent & { clientId: string; subject: string; grantId: string },
      OAuthEvent & { grantType: string; grantId: string },
    ];
    expect(approved.clientId).to.equal('tv');
    expect(approved.subject).to.equal('user-alice');
    expect(issued.grantType).to.equal(DEVICE_CODE_GRANT_TYPE);
    expect(issued.grantId).to.equal(approved.grantId);
    expect(JSON.stringify(seen)).to.not.include(started.device_code);
  });
});

describe('device_code grant with resources (RFC 8707)', () => {
  const API = 'https://api.example/photos';
  const OTHER = 'https://api.example/other';
  let target: AuthorizeApp;
  beforeEach(() => {
    target = deviceApp({
      provider: {
        resources: [
          { resource: API, scopes: ['read'] },
          { resource: OTHER, scopes: ['read'] },
        ],
      },
    });
  });

  it('issues a token for the granted resource, and refuses another without using the code', async () => {
    const started = await start(target.app, { scope: 'read', resource: API });
    await answerAs(target, started.user_code, 'allow');
    expectOAuthError(
      await poll(target.app, started.device_code, { resource: OTHER }),
      400,
      'invalid_target',
      `the resource '${OTHER}' was not granted to this authorization`,
    );
    const res = await poll(target.app, started.device_code);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const info = await target.oauth.provider.verifyAccessToken(res.body.access_token, {
      audience: API,
    });
    expect(info.scope).to.deep.equal(['read']);
  });
});

/**
 * The device flow driven end to end by a client library written by others,
 * openid-client (v6): `initiateDeviceAuthorization` + `pollDeviceAuthorizationGrant`
 * against an app of this test on a loopback port, with a browser (plain HTTP,
 * cookie jar) entering the code, signing in and allowing, or denying, in between.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import * as client from 'openid-client';
import { createAuthorizationServer, DEVICE_CODE_GRANT_TYPE } from '../../index.js';
import { HttpBrowser, location, parseConsentForm } from '../e2e/http-browser.js';

interface Running {
  issuer: string;
  close(): Promise<void>;
}

/** An app with the device grant on (interval 1 s, so polling is quick), on a free loopback port. */
async function startApp(): Promise<Running> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const oauth = createAuthorizationServer({
    issuer,
    scopes: { available: ['profile', 'read'] },
    clients: [
      {
        id: 'cli',
        name: 'Command Line Tool',
        tokenEndpointAuthMethods: ['none'],
        grantTypes: [DEVICE_CODE_GRANT_TYPE, 'refresh_token'],
      },
    ],
    grants: { deviceCode: { interval: 1 } },
  });
  const auth = new passport.Passport();
  auth.use(
    new LocalStrategy((username, password, done) =>
      done(null, username === 'alice' && password === 'wonderland' ? { id: 'user-alice' } : false),
    ),
  );
  auth.serializeUser<string>((user, done) => done(null, (user as { id: string }).id));
  auth.deserializeUser<string>((id, done) => done(null, { id }));
  const app = express();
  app.use(session({ secret: 'e2e', resave: false, saveUninitialized: false }));
  app.use(auth.initialize());
  app.use(auth.session());
  app.post(
    '/login',
    express.urlencoded({ extended: false }),
    auth.authenticate('local', { successReturnToOrRedirect: '/', keepSessionInfo: true }),
  );
  app.use(oauth.router({ authorize: { loginUrl: '/login' } }));
  app.get('/api/me', oauth.protect({ scope: 'profile' }), (req, res) => {
    res.json({ sub: req.oauth2?.token.subject, client_id: req.oauth2?.token.clientId });
  });
  server.on('request', app);
  return {
    issuer,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The browser's part: open verification_uri_complete, submit the code, sign in, answer. */
async function browserAnswers(
  issuer: string,
  response: client.DeviceAuthorizationResponse,
  decision: 'allow' | 'deny',
): Promise<string> {
  const browser = new HttpBrowser();
  const pageUrl = new URL(response.verification_uri_complete!);
  const page = await browser.get(pageUrl);
  expect(page.status).to.equal(200);
  const codeForm = parseConsentForm(await page.text(), pageUrl);
  codeForm.hidden.set('user_code', response.user_code);
  const toLogin = await browser.postForm(codeForm.action, codeForm.hidden);
  expect(toLogin.status).to.equal(302);
  const login = await browser.postForm(
    new URL('/login', issuer),
    new URLSearchParams({ username: 'alice', password: 'wonderland' }),
  );
  const back = location(login, issuer);
  const consent = await browser.get(back);
  expect(consent.status).to.equal(200);
  const form = parseConsentForm(await consent.text(), back);
  form.hidden.set('decision', decision);
  const done = await browser.postForm(form.action, form.hidden);
  expect(done.status).to.equal(200);
  return done.text();
}

describe('e2e: openid-client runs the device flow (RFC 8628)', function () {
  this.timeout(30_000);
  let running: Running;
  let config: client.Configuration;

  before(async () => {
    running = await startApp();
    config = await client.discovery(new URL(running.issuer), 'cli', undefined, client.None(), {
      algorithm: 'oauth2',
      execute: [client.allowInsecureRequests],
    });
  });
  after(() => running.close());

  it('initiateDeviceAuthorization, a browser allows, pollDeviceAuthorizationGrant gets tokens', async () => {
    const response = await client.initiateDeviceAuthorization(config, { scope: 'profile read' });
    expect(response.user_code).to.match(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(response.verification_uri).to.equal(`${running.issuer}/device`);
    const [tokens, page] = await Promise.all([
      client.pollDeviceAuthorizationGrant(config, response),
      browserAnswers(running.issuer, response, 'allow'),
    ]);
    expect(page).to.include('You may return to your device.');
    expect(tokens.scope).to.equal('profile read');
    expect(tokens.refresh_token).to.be.a('string');
    const me = await client.fetchProtectedResource(
      config,
      tokens.access_token,
      new URL('/api/me', running.issuer),
      'GET',
    );
    expect(await me.json()).to.deep.equal({ sub: 'user-alice', client_id: 'cli' });
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).to.be.a('string');
  });

  it('a browser denies: pollDeviceAuthorizationGrant rejects with access_denied', async () => {
    const response = await client.initiateDeviceAuthorization(config, { scope: 'profile' });
    const [outcome, page] = await Promise.all([
      client.pollDeviceAuthorizationGrant(config, response).then(
        () => expect.fail('expected access_denied'),
        (err: unknown) => err,
      ),
      browserAnswers(running.issuer, response, 'deny'),
    ]);
    expect(page).to.include('Access denied');
    expect((outcome as client.ResponseBodyError).error).to.equal('access_denied');
  });
});

/**
 * Pushed authorization requests driven by a client library written by others,
 * openid-client (v6): `buildAuthorizationUrlWithPAR` against an app of this test
 * on a loopback port (a confidential client with client_secret_basic and a public
 * one), a browser (plain HTTP, cookie jar) signing in and allowing, then
 * `authorizationCodeGrant`. The `request_uri` works once; a required-PAR server
 * refuses the plain URL.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import * as client from 'openid-client';
import { createAuthorizationServer } from '../../index.js';
import type { ParOptions } from '../../lib/endpoints/par/options.js';
import { HttpBrowser, location, parseConsentForm } from '../e2e/http-browser.js';

const SECRET = 'par-test-secret-0123456789abcdef';
const REDIRECT_URI = 'http://127.0.0.1/cb';

interface Running {
  issuer: string;
  close(): Promise<void>;
}

/** An app on a free loopback port with a confidential and a public client. */
async function startApp(par: ParOptions = {}): Promise<Running> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const oauth = createAuthorizationServer({
    issuer,
    scopes: { available: ['profile', 'read'] },
    clients: [
      { id: 'web', name: 'Web App', secret: SECRET, redirectUris: [REDIRECT_URI] },
      {
        id: 'spa',
        name: 'Single Page',
        tokenEndpointAuthMethods: ['none'],
        redirectUris: [REDIRECT_URI],
      },
    ],
    par,
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

/** A new browser opens `url` (to the login), signs alice in, allows; returns the callback URL. */
async function approve(issuer: string, url: URL): Promise<URL> {
  const browser = new HttpBrowser();
  const first = await browser.get(url);
  expect(first.status).to.equal(302);
  const login = await browser.postForm(
    new URL('/login', issuer),
    new URLSearchParams({ username: 'alice', password: 'wonderland' }),
  );
  const back = location(login, issuer);
  const consent = await browser.get(back);
  expect(consent.status).to.equal(200);
  const { action, hidden } = parseConsentForm(await consent.text(), back);
  hidden.set('decision', 'allow');
  return location(await browser.postForm(action, hidden), action);
}

const OPTIONS = { algorithm: 'oauth2' as const, execute: [client.allowInsecureRequests] };

describe('e2e: openid-client pushes authorization requests (RFC 9126)', function () {
  this.timeout(30_000);

  for (const [who, discover] of [
    [
      'a confidential client (client_secret_basic)',
      (issuer: string) =>
        client.discovery(new URL(issuer), 'web', SECRET, client.ClientSecretBasic(SECRET), OPTIONS),
    ],
    [
      'a public client (client_id only)',
      (issuer: string) =>
        client.discovery(new URL(issuer), 'spa', undefined, client.None(), OPTIONS),
    ],
  ] as const) {
    it(`${who}: buildAuthorizationUrlWithPAR, login, consent, tokens; the request_uri works once`, async () => {
      const running = await startApp();
      try {
        const config = await discover(running.issuer);
        expect(config.serverMetadata().pushed_authorization_request_endpoint).to.equal(
          `${running.issuer}/par`,
        );
        const verifier = client.randomPKCECodeVerifier();
        const state = client.randomState();
        const url = await client.buildAuthorizationUrlWithPAR(config, {
          redirect_uri: REDIRECT_URI,
          scope: 'profile read',
          state,
          code_challenge: await client.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
        });
        expect([...url.searchParams.keys()].sort()).to.deep.equal(['client_id', 'request_uri']);
        const callback = await approve(running.issuer, url);
        const tokens = await client.authorizationCodeGrant(config, callback, {
          pkceCodeVerifier: verifier,
          expectedState: state,
        });
        expect(tokens.scope).to.equal('profile read');
        const me = await client.fetchProtectedResource(
          config,
          tokens.access_token,
          new URL('/api/me', running.issuer),
          'GET',
        );
        expect(await me.json()).to.deep.include({ sub: 'user-alice' });
        // RFC 9126 4: the request_uri is one-time: the same URL again is the error page.
        const reused = await new HttpBrowser().get(url);
        expect(reused.status).to.equal(400);
        expect(reused.headers.get('location')).to.equal(null);
        expect(await reused.text()).to.include('invalid_request_uri');
      } finally {
        await running.close();
      }
    });
  }

  it('a push with a wrong secret (Basic) fails in openid-client: 401 with a Basic challenge', async () => {
    const running = await startApp();
    try {
      const config = await client.discovery(
        new URL(running.issuer),
        'web',
        'wrong-secret',
        client.ClientSecretBasic('wrong-secret'),
        OPTIONS,
      );
      const err = await client
        .buildAuthorizationUrlWithPAR(config, {
          redirect_uri: REDIRECT_URI,
          code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
          code_challenge_method: 'S256',
        })
        .then(
          () => expect.fail('expected the push to fail'),
          (e: unknown) => e as { code?: string; status?: number; cause?: unknown },
        );
      // A 401 with a Basic challenge (RFC 6749 5.2): openid-client reports the challenge.
      expect(err.status).to.equal(401);
      expect(err.code).to.equal('OAUTH_WWW_AUTHENTICATE_CHALLENGE');
      expect(err.cause).to.deep.equal([
        { scheme: 'basic', parameters: { realm: 'oauth2', charset: 'UTF-8' } },
      ]);
    } finally {
      await running.close();
    }
  });

  it('par.required: the plain URL is refused with invalid_request; the pushed one works', async () => {
    const running = await startApp({ required: true });
    try {
      const config = await client.discovery(
        new URL(running.issuer),
        'web',
        SECRET,
        client.ClientSecretBasic(SECRET),
        OPTIONS,
      );
      expect(config.serverMetadata().require_pushed_authorization_requests).to.equal(true);
      const parameters = {
        redirect_uri: REDIRECT_URI,
        scope: 'profile',
        state: 'st',
        code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
      };
      const plain = await new HttpBrowser().get(client.buildAuthorizationUrl(config, parameters));
      expect(plain.status).to.equal(302);
      const refused = location(plain, running.issuer);
      expect(refused.origin + refused.pathname).to.equal(REDIRECT_URI);
      expect(refused.searchParams.get('error')).to.equal('invalid_request');
      const url = await client
        .buildAuthorizationUrlWithPAR(config, parameters)
        .catch((e: { cause?: unknown }) => expect.fail(JSON.stringify(e.cause)));
      const callback = await approve(running.issuer, url);
      expect(callback.searchParams.get('code')).to.be.a('string');
    } finally {
      await running.close();
    }
  });
});

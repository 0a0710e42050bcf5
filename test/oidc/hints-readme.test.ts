/**
 * README.md's "Request hints" block, run as written (test/support/readme-blocks.ts)
 * behind express-session and Passport: `requireNonce` refuses an `openid`
 * request without `nonce`, and the block's own site adapter gets the
 * request's `login_hint` and `ui_locales` and puts them in its login URL.
 */
import { expect } from 'chai';
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import request from 'supertest';
import type { AuthorizationServer, SiteAdapter } from '../../index.js';
import { CHALLENGE } from '../support/authorize-app.js';
import { readmeBlock, runReadmeBlock } from '../support/readme-blocks.js';

interface Block {
  oauth: AuthorizationServer;
  siteAdapter: SiteAdapter;
  authorize: express.RequestHandler;
}

function params(extra: Record<string, string> = {}): string {
  return new URLSearchParams({
    response_type: 'code',
    client_id: 'spa',
    redirect_uri: 'https://app.example/cb',
    scope: 'openid',
    state: 's1',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    ...extra,
  }).toString();
}

describe('README: request hints', () => {
  let app: express.Express;

  before(async () => {
    const block = await runReadmeBlock<Block>(
      'request-hints',
      readmeBlock('### Request hints: id_token_hint, login_hint, ui_locales, nonce'),
    );
    const auth = new passport.Passport();
    auth.serializeUser((user, done) => done(null, user));
    auth.deserializeUser((user: Express.User, done) => done(null, user));
    app = express()
      .use(session({ secret: 'readme', resave: false, saveUninitialized: false }))
      .use(auth.initialize())
      .use(auth.session())
      .get('/authorize', block.authorize);
  });

  it('requireNonce: no nonce → invalid_request "nonce is required", redirected with state and iss', async () => {
    const res = await request(app).get(`/authorize?${params()}`);
    expect(res.status).to.equal(302);
    expect(res.headers['location']).to.equal(
      'https://app.example/cb?error=invalid_request&error_description=nonce+is+required&state=s1&iss=https%3A%2F%2Fauth.example.com',
    );
  });

  it('the custom adapter turns login_hint and ui_locales into its own login URL', async () => {
    const res = await request(app).get(
      `/authorize?${params({ nonce: 'n1', login_hint: 'alice@example.com', ui_locales: 'de fr' })}`,
    );
    expect(res.status).to.equal(302);
    expect(res.headers['location']).to.equal(
      'https://id.example.com/sign-in?username=alice%40example.com&lang=de',
    );
    expect(res.headers['cache-control']).to.equal('no-store');
  });
});

/**
 * The extension-grant example (examples/extension-grant.ts): a "magic link"
 * grant written only against the public API, driven over HTTP with supertest:
 * the token it gives works at `protect()`, and every bad link is refused with
 * its exact error; a link works once, also under parallel use.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import type express from 'express';
import {
  magicLinks,
  magicLinkServer,
  MAGIC_LINK_GRANT_TYPE,
  type MagicLinks,
} from '../../examples/extension-grant.js';
import { generateClientSecret, INVALID_GRANT } from '../../index.js';
import { frozenClock, type FrozenClock } from '../support/fixtures.js';

const ISSUER = 'https://auth.example.test';
const cli = generateClientSecret();
const CLI = `Basic ${Buffer.from(`cli:${cli.secret}`).toString('base64')}`;

describe('examples/extension-grant.ts: a magic-link grant through the public door', () => {
  let clock: FrozenClock;
  let links: MagicLinks;
  let app: express.Express;

  beforeEach(() => {
    clock = frozenClock();
    links = magicLinks({ secret: randomBytes(32), clock });
    ({ app } = magicLinkServer(links, { issuer: ISSUER, cliSecretHash: cli.secretHash, clock }));
  });

  const redeem = (fields: Record<string, string>) =>
    request(app)
      .post('/token')
      .set('Authorization', CLI)
      .type('form')
      .send({ grant_type: MAGIC_LINK_GRANT_TYPE, ...fields });

  const expectError = (res: request.Response, error: string, description: string): void => {
    expect(res.status, JSON.stringify(res.body)).to.equal(400);
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(res.body).to.deep.equal({ error, error_description: description });
  };

  it('is listed in metadata', async () => {
    const res = await request(app).get('/.well-known/oauth-authorization-server');
    expect(res.body.grant_types_supported).to.deep.equal([
      'authorization_code',
      'client_credentials',
      'refresh_token',
      MAGIC_LINK_GRANT_TYPE,
    ]);
  });

  it("trades a link for alice's access token, which the API accepts", async () => {
    const res = await redeem({ link_token: links.create('user-alice', 'cli') });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(res.body).to.include({ token_type: 'Bearer', expires_in: 900, scope: 'read' });
    const me = await request(app)
      .get('/api/me')
      .set('Authorization', `Bearer ${res.body.access_token}`);
    expect(me.body).to.deep.equal({ sub: 'user-alice', client_id: 'cli' });
  });

  it('works once: a second use is invalid_grant', async () => {
    const link = links.create('user-alice', 'cli');
    expect((await redeem({ link_token: link })).status).to.equal(200);
    expectError(await redeem({ link_token: link }), 'invalid_grant', INVALID_GRANT);
  });

  it('of 10 parallel uses of one link, exactly one gets a token', async () => {
    const link = links.create('user-alice', 'cli');
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => redeem({ link_token: link })),
    );
    expect(answers.filter((res) => res.status === 200)).to.have.length(1);
    for (const res of answers.filter((r) => r.status !== 200))
      expect(res.body).to.deep.equal({ error: 'invalid_grant', error_description: INVALID_GRANT });
  });

  it('refuses a missing link_token (invalid_request)', async () => {
    expectError(await redeem({}), 'invalid_request', 'link_token is required');
  });

  it('refuses a forged link: another subject under the old signature, another key (invalid_grant)', async () => {
    const [, signature] = links.create('user-alice', 'cli').split('.');
    const payload = Buffer.from(
      JSON.stringify({ sub: 'user-admin', client_id: 'cli', exp: 9e9, jti: 'x' }),
    ).toString('base64url');
    expectError(
      await redeem({ link_token: `${payload}.${signature}` }),
      'invalid_grant',
      INVALID_GRANT,
    );
    const other = magicLinks({ secret: randomBytes(32), clock }).create('user-alice', 'cli');
    expectError(await redeem({ link_token: other }), 'invalid_grant', INVALID_GRANT);
    expectError(await redeem({ link_token: 'a.b.c' }), 'invalid_grant', INVALID_GRANT);
  });

  it('refuses an expired link and one made for another client (invalid_grant)', async () => {
    const link = links.create('user-alice', 'cli');
    clock.advance(600);
    expectError(await redeem({ link_token: link }), 'invalid_grant', INVALID_GRANT);
    expectError(
      await redeem({ link_token: links.create('user-alice', 'another-client') }),
      'invalid_grant',
      INVALID_GRANT,
    );
  });

  it('refuses an unknown scope without spending the link', async () => {
    const link = links.create('user-alice', 'cli');
    expectError(
      await redeem({ link_token: link, scope: 'admin' }),
      'invalid_scope',
      "unknown scope: 'admin'",
    );
    const res = await redeem({ link_token: link, scope: 'read write' });
    expect(res.status).to.equal(200);
    expect(res.body.scope).to.equal('read write');
  });

  it('refuses a short secret when made', () => {
    expect(() => magicLinks({ secret: Buffer.alloc(16) })).to.throw(
      TypeError,
      'magicLinks(): secret must be a Buffer of at least 32 bytes',
    );
  });
});

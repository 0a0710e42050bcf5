/**
 * README.md's block under "### How the user signed in, and claims in their
 * language", run as written (test/support/readme-blocks.ts): the options it
 * shows are accepted, discovery lists what it declares, its `claims()` answers
 * a tagged name for `de`, and its `acr`/`amr` functions reach the id_token.
 */
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import type { AuthorizationServer, Client } from '../../index.js';
import { readmeBlock, runReadmeBlock } from '../support/readme-blocks.js';

const PRELUDE = `const users = { find: async (subject) => ({ name: 'Alice ' + subject, nameDe: 'Alicia ' + subject }) };`;

interface Block {
  oauth: AuthorizationServer;
  authorize: express.RequestHandler;
}

describe('README: acr, amr and claims_locales', () => {
  let block: Block;
  before(async () => {
    block = await runReadmeBlock<Block>(
      'readme-acr-amr-claims-locales',
      readmeBlock('### How the user signed in'),
      { prelude: PRELUDE },
    );
  });

  it('discovery lists acr_values_supported and claims_locales_supported', async () => {
    const app = express().use(block.oauth.router());
    const res = await request(app).get('/.well-known/openid-configuration');
    expect(res.body.acr_values_supported).to.deep.equal(['urn:example:loa:1', 'urn:example:loa:2']);
    expect(res.body.claims_locales_supported).to.deep.equal(['en', 'de']);
  });

  it('claims() answers name#de for the locales [de] only', async () => {
    const claims = block.oauth.provider.config.openid!.claims;
    const client = { id: 'c' } as Client;
    expect(await claims('u1', ['openid', 'profile'], client, { locales: ['de'] })).to.deep.equal({
      name: 'Alice u1',
      'name#de': 'Alicia u1',
    });
    expect(await claims('u1', ['openid'], client, { locales: [] })).to.deep.equal({
      name: 'Alice u1',
    });
  });

  for (const mfa of [true, false]) {
    it(`its authorize() acr/amr functions answer acceptable values (mfa: ${mfa}): no SetupError`, async () => {
      // authorize() reads the signed-in user, through the functions, before the request's
      // client is looked up: an unknown client is then the 400 page; a bad answer would be a 500.
      const app = express();
      app.use((req, _res, next) => {
        const user = { id: 'u1' };
        Object.assign(req, {
          session: { mfa },
          sessionID: 's1',
          user,
          isAuthenticated: () => true,
        });
        next();
      });
      app.get('/authorize', block.authorize);
      app.use((err: Error, _req: express.Request, res: express.Response, _next: unknown) => {
        res.status(500).type('text').send(err.message);
      });
      const res = await request(app).get('/authorize?response_type=code&client_id=nobody');
      expect(res.status, res.text).to.equal(400);
      expect(res.text).to.include('invalid_client');
    });
  }
});

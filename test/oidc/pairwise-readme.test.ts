/**
 * README.md's "Pairwise subjects and client metadata" block, run as written
 * (test/support/readme-blocks.ts) with the environment a host would give it:
 * the configured partner is pairwise, discovery offers pairwise, and without
 * PAIRWISE_KEY the same code is a TypeError naming the option.
 */
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { generateClientSecret, type AuthorizationServer } from '../../index.js';
import { readmeBlock, runReadmeBlock } from '../support/readme-blocks.js';

const HEADING = '### Pairwise subjects and client metadata';

async function run(name: string, key: string | undefined): Promise<AuthorizationServer> {
  const saved = { key: process.env['PAIRWISE_KEY'], hash: process.env['PARTNER_SECRET_HASH'] };
  if (key === undefined) delete process.env['PAIRWISE_KEY'];
  else process.env['PAIRWISE_KEY'] = key;
  process.env['PARTNER_SECRET_HASH'] = generateClientSecret().secretHash;
  try {
    return (await runReadmeBlock<{ oauth: AuthorizationServer }>(name, readmeBlock(HEADING))).oauth;
  } finally {
    for (const [env, value] of [
      ['PAIRWISE_KEY', saved.key],
      ['PARTNER_SECRET_HASH', saved.hash],
    ] as const)
      if (value === undefined) delete process.env[env];
      else process.env[env] = value;
  }
}

describe('README: pairwise subjects', () => {
  it('runs: the partner is pairwise with its default max age, discovery offers pairwise', async () => {
    const oauth = await run('pairwise', 'a-key-of-at-least-32-bytes-from-the-env');
    const partner = await oauth.provider.stores.clients.find('partner');
    expect(partner).to.deep.include({ subjectType: 'pairwise', defaultMaxAge: 3600 });
    const app = express().use(oauth.router());
    const res = await request(app).get('/.well-known/openid-configuration');
    expect(res.body.subject_types_supported).to.deep.equal(['public', 'pairwise']);
  });

  it('without PAIRWISE_KEY it stops at start with a TypeError naming the option', async () => {
    let error: unknown;
    await run('pairwise-no-key', undefined).catch((err: unknown) => {
      error = err;
    });
    expect(error).to.be.instanceOf(TypeError);
    expect((error as Error).message).to.equal(
      'client "partner": subjectType "pairwise" needs a pairwise key: set options.openid.pairwiseKey (a secret of at least 32 bytes)',
    );
  });
});

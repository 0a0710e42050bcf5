/**
 * README.md's "UserInfo without Express" block, run as written: the provider
 * and `fetchHandler()` it makes answer UserInfo for a token of the code flow,
 * with the claims the comment promises. The test only supplies `clients` and
 * `users`, which the block takes from the host.
 */
import { expect } from 'chai';
import {
  generateClientSecret,
  s256Challenge,
  type FetchHandler,
  type Provider,
} from '../../index.js';
import { readmeBlock, runReadmeBlock } from '../support/readme-blocks.js';
import { basic } from './token-assertions.js';

interface Block {
  provider: Provider;
  handle: FetchHandler;
}

const ISSUER = 'https://auth.example.com';
const REDIRECT = 'https://app.example.com/callback';
const VERIFIER = 'readme-userinfo-verifier-0123456789-abcdefghijkl';
const secret = generateClientSecret();

const prelude = `
const clients = [
  {
    id: 'app',
    secretHash: ${JSON.stringify(secret.secretHash)},
    redirectUris: [${JSON.stringify(REDIRECT)}],
    grantTypes: ['authorization_code'],
  },
];
const users = {
  claims: (subject) => ({ name: 'Alice', email: 'alice@example.com', seen: subject }),
};`;

/** An access token of the code flow for `app`, for Alice, with `scope`. */
async function codeFlowToken(block: Block, scope: string[]): Promise<string> {
  const client = await block.provider.stores.clients.find('app');
  if (client === undefined) throw new Error('the block has no client app');
  const { code } = await block.provider.issueAuthorizationCode({
    client,
    subject: 'user-alice',
    scope,
    redirectUri: REDIRECT,
    redirectUriSent: true,
    codeChallenge: s256Challenge(VERIFIER),
  });
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    code_verifier: VERIFIER,
  });
  const response = await block.handle(
    new Request(`${ISSUER}/token`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: basic('app', secret.secret),
      },
      body: form.toString(),
    }),
  );
  const body = (await response?.json()) as { access_token: string };
  expect(response?.status, JSON.stringify(body)).to.equal(200);
  return body.access_token;
}

describe('README: UserInfo without Express', () => {
  let block: Block;

  before(async () => {
    block = await runReadmeBlock<Block>(
      'fetch-userinfo',
      readmeBlock('#### UserInfo without Express'),
      { prelude, epilogue: 'export { provider, handle };' },
    );
  });

  it('GET /userinfo with a Bearer token: 200, sub and the claims of the scopes only, no-store', async () => {
    const token = await codeFlowToken(block, ['openid', 'profile']);
    const response = await block.handle(
      new Request(`${ISSUER}/userinfo`, { headers: { Authorization: `Bearer ${token}` } }),
    );
    expect(response?.status).to.equal(200);
    expect(response?.headers.get('cache-control')).to.equal('no-store');
    expect(await response?.json()).to.deep.equal({ sub: 'user-alice', name: 'Alice' });
  });
});

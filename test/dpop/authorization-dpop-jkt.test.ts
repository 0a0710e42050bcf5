/**
 * `dpop_jkt` at the authorization endpoint (RFC 9449 10): a code from a request
 * with it is bound to that key, through the login and the consent page.
 */
import { expect } from 'chai';
import {
  authorizeApp,
  CB,
  consentPage,
  decide,
  expectErrorRedirect,
  expectRedirect,
  redeem,
  signedIn,
  spaParams,
} from '../support/authorize-app.js';
import { newKey, signProof, type Key } from './token-support.js';

describe('dpop_jkt at the authorization endpoint (RFC 9449 10)', () => {
  let key: Key;
  let other: Key;
  before(async () => {
    key = await newKey();
    other = await newKey();
  });

  /** The code of an allowed request with `extra` parameters. */
  async function allowedCode(app: Parameters<typeof signedIn>[0], extra: Record<string, string>) {
    const agent = await signedIn(app);
    const { form } = await consentPage(agent, spaParams(extra));
    const params = expectRedirect(await decide(agent, { ...form, decision: 'allow' }), CB, {
      status: 303,
    });
    return params.get('code') as string;
  }

  const proofFor = (k: Key, clock: () => number) =>
    signProof(k, clock, { htu: 'https://auth.example.test/token' });

  it('binds the code: only a proof of that key redeems it', async () => {
    const { app, clock } = authorizeApp();
    const code = await allowedCode(app, { dpop_jkt: key.jkt });
    const wrong = await redeem(app, { code }).set('DPoP', await proofFor(other, clock));
    expect(wrong.status).to.equal(400);
    expect(wrong.body.error).to.equal('invalid_grant');
    const none = await redeem(app, { code });
    expect(none.body).to.deep.equal({
      error: 'invalid_dpop_proof',
      error_description: 'a DPoP proof is required: the authorization code is bound to a key',
    });
    const right = await redeem(app, { code }).set('DPoP', await proofFor(key, clock));
    expect(right.status, right.text).to.equal(200);
    expect(right.body.token_type).to.equal('DPoP');
  });

  it('refuses a dpop_jkt that is not a thumbprint (redirected invalid_request)', async () => {
    const { app } = authorizeApp();
    const agent = await signedIn(app);
    for (const bad of ['short', `${key.jkt}=`, `${key.jkt.slice(0, 42)}+`]) {
      const res = await agent.get(
        `/authorize?${new URLSearchParams(spaParams({ dpop_jkt: bad }))}`,
      );
      const params = expectErrorRedirect(res, 'invalid_request');
      expect(params.get('error_description')).to.equal(
        'dpop_jkt must be a base64url SHA-256 JWK thumbprint',
      );
    }
  });

  it('a code without dpop_jkt is not bound', async () => {
    const { app } = authorizeApp();
    const code = await allowedCode(app, {});
    const res = await redeem(app, { code });
    expect(res.status, res.text).to.equal(200);
    expect(res.body.token_type).to.equal('Bearer');
  });
});

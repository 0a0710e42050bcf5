/**
 * verifyBearer() (the Fetch adapter) with DPoP-bound tokens: the same answers as
 * protect() (RFC 9449 7), with `htu` built from the configured origin and the
 * Request's path, never its host.
 */
import { expect } from 'chai';
import { verifyBearer, type ProtectedTokenInfo } from '../../index.js';
import { ISSUER } from '../support/fixtures.js';
import {
  ALGS,
  dpopApp,
  dpopRefusal,
  proof,
  proofKey,
  serviceToken,
  type DpopSetup,
  type ProofKey,
} from './resource-support.js';

const READ = `${ISSUER}/api/token`;

interface Bound extends DpopSetup {
  key: ProofKey;
  token: string;
}

async function bound(overrides = {}): Promise<Bound> {
  const setup = dpopApp(overrides);
  const key = await proofKey();
  return { ...setup, key, token: await serviceToken(setup, key) };
}

/** A Fetch request as a runtime would make it: its URL carries whatever Host the client sent. */
function api(
  authorization: string | undefined,
  dpop?: string | string[],
  url = 'http://127.0.0.1:3000/api/token',
  method = 'GET',
): Request {
  const headers = new Headers();
  if (authorization !== undefined) headers.set('Authorization', authorization);
  for (const value of dpop === undefined ? [] : [dpop].flat()) headers.append('DPoP', value);
  return new Request(url, { method, headers });
}

async function refusal(answer: ProtectedTokenInfo | Response, error: string, description: string) {
  expect(answer).to.be.instanceOf(Response);
  const res = answer as Response;
  expect(res.status).to.equal(401);
  expect(await res.json()).to.deep.equal({ error, error_description: description });
  expect(res.headers.get('www-authenticate')).to.equal(dpopRefusal(error, description));
  return res;
}

describe('verifyBearer() with DPoP (RFC 9449 7, Fetch)', () => {
  it('a valid proof: the token data with jkt and dpop: true', async () => {
    const { oauth, clock, key, token } = await bound();
    const dpop = await proof(key, clock, { htu: READ, token });
    const info = await verifyBearer(oauth.provider, api(`DPoP ${token}`, dpop), { scope: 'read' });
    expect(info).not.to.be.instanceOf(Response);
    expect(info).to.include({ clientId: 'service', jkt: key.jkt, dpop: true });
  });

  it('no credentials: 401 with the Bearer challenge alone and no body', async () => {
    const { oauth } = dpopApp();
    const res = (await verifyBearer(oauth.provider, api(undefined))) as Response;
    expect(res.status).to.equal(401);
    expect(res.headers.get('www-authenticate')).to.equal('Bearer realm="api"');
    expect(await res.text()).to.equal('');
  });

  it("htu is the configured origin + the Request's path: the Request's host is never used", async () => {
    const { oauth, clock, key, token } = await bound();
    const evil = 'https://evil.example/api/token';
    const forged = await proof(key, clock, { htu: evil, token });
    await refusal(
      await verifyBearer(oauth.provider, api(`DPoP ${token}`, forged, evil)),
      'invalid_dpop_proof',
      'the DPoP proof htu does not match the request URL',
    );
    const good = await proof(key, clock, { htu: READ, token });
    const info = await verifyBearer(oauth.provider, api(`DPoP ${token}`, good, evil));
    expect(info).not.to.be.instanceOf(Response);
  });

  it('with origin: htu on that origin', async () => {
    const { oauth, clock, key, token } = await bound();
    const htu = 'https://api.example.com/api/token';
    const dpop = await proof(key, clock, { htu, token });
    const options = { origin: 'https://api.example.com' };
    const info = await verifyBearer(oauth.provider, api(`DPoP ${token}`, dpop), options);
    expect(info).not.to.be.instanceOf(Response);
  });

  it('wrong htm', async () => {
    const { oauth, clock, key, token } = await bound();
    const dpop = await proof(key, clock, { htu: READ, token });
    await refusal(
      await verifyBearer(oauth.provider, api(`DPoP ${token}`, dpop, undefined, 'DELETE')),
      'invalid_dpop_proof',
      'the DPoP proof htm does not match the request method',
    );
  });

  it('wrong htu: a trailing slash', async () => {
    const { oauth, clock, key, token } = await bound();
    const dpop = await proof(key, clock, { htu: `${READ}/`, token });
    await refusal(
      await verifyBearer(oauth.provider, api(`DPoP ${token}`, dpop)),
      'invalid_dpop_proof',
      'the DPoP proof htu does not match the request URL',
    );
  });

  it('a replayed proof', async () => {
    const { oauth, clock, key, token } = await bound();
    const dpop = await proof(key, clock, { htu: READ, token });
    const first = await verifyBearer(oauth.provider, api(`DPoP ${token}`, dpop));
    expect(first).not.to.be.instanceOf(Response);
    await refusal(
      await verifyBearer(oauth.provider, api(`DPoP ${token}`, dpop)),
      'invalid_dpop_proof',
      'the DPoP proof was used before',
    );
  });

  it('two DPoP headers (joined by Headers.get)', async () => {
    const { oauth, clock, key, token } = await bound();
    const one = await proof(key, clock, { htu: READ, token });
    const two = await proof(key, clock, { htu: READ, token });
    await refusal(
      await verifyBearer(oauth.provider, api(`DPoP ${token}`, [one, two])),
      'invalid_dpop_proof',
      'the request must carry exactly one DPoP header',
    );
  });

  it('wrong ath', async () => {
    const { oauth, clock, key, token } = await bound();
    const dpop = await proof(key, clock, { htu: READ, ath: 'AAAA' });
    await refusal(
      await verifyBearer(oauth.provider, api(`DPoP ${token}`, dpop)),
      'invalid_dpop_proof',
      'the DPoP proof ath does not match the access token',
    );
  });

  it("another key's proof → invalid_token", async () => {
    const { oauth, clock, token } = await bound();
    const dpop = await proof(await proofKey(), clock, { htu: READ, token });
    await refusal(
      await verifyBearer(oauth.provider, api(`DPoP ${token}`, dpop)),
      'invalid_token',
      'the DPoP proof key is not the key the access token is bound to',
    );
  });

  it('a bound token as Bearer → invalid_token in the Bearer challenge', async () => {
    const { oauth, token } = await bound();
    const res = (await verifyBearer(oauth.provider, api(`Bearer ${token}`))) as Response;
    const description =
      'the access token is bound to a DPoP key: send it with the DPoP scheme and a proof';
    expect(res.status).to.equal(401);
    expect(res.headers.get('www-authenticate')).to.equal(
      `Bearer realm="api", error="invalid_token", error_description="${description}"`,
    );
  });

  it('an unbound token with the DPoP scheme → invalid_token', async () => {
    const setup = dpopApp();
    const token = await serviceToken(setup);
    const dpop = await proof(await proofKey(), setup.clock, { htu: READ, token });
    await refusal(
      await verifyBearer(setup.oauth.provider, api(`DPoP ${token}`, dpop)),
      'invalid_token',
      'the access token is not bound to a DPoP key',
    );
  });

  it('server nonces: use_dpop_nonce with DPoP-Nonce, then success with it', async () => {
    const { oauth, clock, key, token } = await bound({ dpop: { nonces: true } });
    const first = (await verifyBearer(
      oauth.provider,
      api(`DPoP ${token}`, await proof(key, clock, { htu: READ, token })),
    )) as Response;
    await refusal(
      first,
      'use_dpop_nonce',
      'the DPoP proof must carry the nonce the server provides',
    );
    const nonce = first.headers.get('dpop-nonce') as string;
    expect(nonce).to.be.a('string');
    const dpop = await proof(key, clock, { htu: READ, token, nonce });
    const info = await verifyBearer(oauth.provider, api(`DPoP ${token}`, dpop));
    expect(info).not.to.be.instanceOf(Response);
  });

  it('dpop: required → a bearer token gets the bare DPoP challenge', async () => {
    const setup = dpopApp();
    const token = await serviceToken(setup);
    const res = (await verifyBearer(setup.oauth.provider, api(`Bearer ${token}`), {
      dpop: 'required',
    })) as Response;
    expect(res.status).to.equal(401);
    expect(res.headers.get('www-authenticate')).to.equal(`DPoP realm="api", algs="${ALGS}"`);
  });
});

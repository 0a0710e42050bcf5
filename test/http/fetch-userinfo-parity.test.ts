/**
 * UserInfo under `router()` (Express) and under `fetchHandler()` answer alike:
 * the same requests go to both (one provider, so a token works at either) and
 * status, body and every header a client or browser reads must match, so the
 * two adapters cannot drift. A DPoP case signs a fresh proof for each side.
 */
import { expect } from 'chai';
import request from 'supertest';
import { proof, proofKey, type ProofKey } from '../dpop/resource-support.js';
import {
  aliceToken,
  FORM,
  machineToken,
  USERINFO,
  userInfoSetup,
  type UserInfoSetup,
} from './userinfo-support.js';

/** The headers compared: what a client, a cache or a browser reads. */
const COMPARED = [
  'content-type',
  'cache-control',
  'pragma',
  'www-authenticate',
  'allow',
  'dpop-nonce',
  'vary',
  'access-control-allow-origin',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-max-age',
  'access-control-allow-credentials',
];

interface Sent {
  method: string;
  /** The path below the host (the issuer has none here). */
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}

interface Seen {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

async function viaFetch(setup: UserInfoSetup, sent: Sent): Promise<Seen> {
  const init: RequestInit = { method: sent.method, headers: sent.headers ?? {} };
  if (sent.body !== undefined) init.body = sent.body;
  const response = await setup.handle(new Request(USERINFO + (sent.path ?? ''), init));
  if (response === undefined) return { status: 404, headers: {}, body: '' };
  const headers = Object.fromEntries(
    COMPARED.map((name) => [name, response.headers.get(name) ?? undefined]),
  );
  return { status: response.status, headers, body: await response.text() };
}

async function viaExpress(setup: UserInfoSetup, sent: Sent): Promise<Seen> {
  const method = sent.method.toLowerCase() as 'get' | 'post' | 'put' | 'head' | 'options';
  let test = request(setup.app)[method](`/userinfo${sent.path ?? ''}`);
  for (const [name, value] of Object.entries(sent.headers ?? {})) test = test.set(name, value);
  const res = await (sent.body === undefined ? test : test.send(sent.body));
  if (res.status === 404) return { status: 404, headers: {}, body: '' };
  const headers = Object.fromEntries(
    COMPARED.map((name) => [name, res.headers[name] as string | undefined]),
  );
  return { status: res.status, headers, body: res.text ?? '' };
}

/** Sends `make()`'s request to both adapters (made twice: a proof is good once) and compares. */
async function same(setup: UserInfoSetup, make: () => Sent | Promise<Sent>): Promise<Seen> {
  const fetched = await viaFetch(setup, await make());
  const expressed = await viaExpress(setup, await make());
  expect(fetched).to.deep.equal(expressed);
  return fetched;
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

async function dpopSent(
  setup: UserInfoSetup,
  key: ProofKey,
  token: string,
  method = 'GET',
  nonce?: string,
): Promise<Sent> {
  const dpop = await proof(key, setup.clock, { htm: method, htu: USERINFO, token, nonce });
  return { method, headers: { Authorization: `DPoP ${token}`, DPoP: dpop } };
}

describe('UserInfo: Express router() and fetchHandler() answer alike', () => {
  it('bearer tokens: claims, refusals, challenges, methods', async () => {
    const setup = userInfoSetup();
    const alice = await aliceToken(setup);
    const emailOnly = await aliceToken(setup, 'openid email');
    const noOpenId = await aliceToken(setup, 'profile');
    const machine = await machineToken(setup);
    const cases: Sent[] = [
      { method: 'GET', headers: bearer(alice) },
      { method: 'POST', headers: bearer(alice) },
      { method: 'POST', headers: { ...bearer(emailOnly), 'Content-Type': FORM }, body: 'a=b' },
      { method: 'GET', path: '/', headers: bearer(alice) },
      { method: 'GET', headers: bearer(noOpenId) },
      { method: 'GET', headers: bearer(machine) },
      { method: 'POST', headers: bearer(machine) },
      { method: 'GET', headers: bearer('nope') },
      { method: 'GET' },
      { method: 'POST', headers: { 'Content-Type': FORM }, body: `access_token=${alice}` },
      { method: 'GET', path: `?access_token=${alice}` },
      { method: 'GET', headers: { Authorization: 'Bearer a b' } },
      { method: 'GET', headers: { Authorization: '__proto__ x' } },
      { method: 'PUT', headers: bearer(alice) },
      { method: 'HEAD', headers: bearer(alice) },
      {
        method: 'OPTIONS',
        headers: { Origin: 'https://app.example.test', 'Access-Control-Request-Method': 'POST' },
      },
    ];
    const statuses: number[] = [];
    for (const sent of cases) statuses.push((await same(setup, () => sent)).status);
    expect(statuses).to.deep.equal([
      200, 200, 200, 200, 403, 401, 401, 401, 401, 401, 401, 400, 401, 405, 405, 204,
    ]);
  });

  it('DPoP: a bound token with a proof, sent as Bearer, with a bad proof', async () => {
    const setup = userInfoSetup();
    const key = await proofKey();
    const token = await aliceToken(setup, 'openid profile', key);
    expect((await same(setup, () => dpopSent(setup, key, token))).status).to.equal(200);
    expect((await same(setup, () => dpopSent(setup, key, token, 'POST'))).status).to.equal(200);
    expect((await same(setup, () => ({ method: 'GET', headers: bearer(token) }))).status).to.equal(
      401,
    );
    const wrongMethod = async () => ({ ...(await dpopSent(setup, key, token)), method: 'POST' });
    expect((await same(setup, wrongMethod)).status).to.equal(401);
    const noProof = { method: 'GET', headers: { Authorization: `DPoP ${token}` } };
    expect((await same(setup, () => noProof)).status).to.equal(401);
  });

  it('DPoP server nonces: the use_dpop_nonce refusal and the nonce on success', async () => {
    const setup = userInfoSetup({ dpop: { nonces: { secret: 'b'.repeat(32) } } });
    const key = await proofKey();
    const token = await aliceToken(setup, 'openid profile', key);
    const first = await same(setup, () => dpopSent(setup, key, token));
    expect(first.status).to.equal(401);
    const nonce = first.headers['dpop-nonce'] as string;
    const second = await same(setup, () => dpopSent(setup, key, token, 'GET', nonce));
    expect(second.status).to.equal(200);
    expect(second.headers['dpop-nonce']).to.equal(nonce);
  });

  it('an origin policy, CORS off, and OpenID Connect off', async () => {
    const listed = userInfoSetup({ cors: { origins: ['https://app.example.test'] } });
    const token = await aliceToken(listed);
    for (const origin of ['https://app.example.test', 'https://evil.example']) {
      await same(listed, () => ({ method: 'GET', headers: { ...bearer(token), Origin: origin } }));
      await same(listed, () => ({ method: 'OPTIONS', headers: { Origin: origin } }));
    }
    const off = userInfoSetup({ cors: false });
    expect((await same(off, () => ({ method: 'OPTIONS' }))).status).to.equal(405);
    const oauthOnly = userInfoSetup({ openid: undefined as never });
    expect((await same(oauthOnly, () => ({ method: 'GET' }))).status).to.equal(404);
  });
});

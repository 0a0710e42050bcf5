/**
 * The demo's contract as issue 11 extends it ("Tokens a thief cannot use and
 * requests nobody can tamper with"), driven the way a test outside this
 * repository would, with proofs signed by jose: the metadata has the PAR
 * endpoint and the DPoP algorithms (ES256 among them); any demo client may send
 * a DPoP proof at the token endpoint (token type DPoP; a JWT's `cnf.jkt` is the
 * proof key's thumbprint); /api/me and /api/data take a bound token with a valid
 * proof and refuse it as Bearer or with another key's proof (401); demo-web
 * pushes requests with client_secret_basic, a pushed request_uri works once,
 * and a push with a wrong secret is 401 invalid_client. (openid-client drives
 * the same in test/e2e/openid-client-dpop-par.test.ts.)
 */
import { createHash, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose';
import request from 'supertest';
import { createDemoApp } from '../../examples/demo-app.js';

const ISSUER = 'http://localhost:3000';
const CALLBACK = 'http://127.0.0.1:8080/callback';

type App = ReturnType<typeof createDemoApp>['app'];

interface ProofKey {
  privateKey: CryptoKey;
  jwk: JWK;
  jkt: string;
}

async function proofKey(): Promise<ProofKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

/** A DPoP proof (RFC 9449 4.2) for `htm` `htu`, with `ath` when a token is given. */
function proof(key: ProofKey, htm: string, htu: string, accessToken?: string): Promise<string> {
  const claims: Record<string, string> = { htm, htu };
  if (accessToken !== undefined)
    claims['ath'] = createHash('sha256').update(accessToken).digest('base64url');
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk })
    .setJti(randomUUID())
    .setIssuedAt()
    .sign(key.privateKey);
}

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

const claimsOf = (jwt: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;

describe('demo contract, issue 11: DPoP and pushed authorization requests', function () {
  this.timeout(20_000);
  let app: App;
  before(() => {
    ({ app } = createDemoApp({ issuer: ISSUER }));
  });

  it('metadata: pushed_authorization_request_endpoint and dpop_signing_alg_values_supported with ES256', async () => {
    const { body } = await request(app).get('/.well-known/oauth-authorization-server');
    expect(body.pushed_authorization_request_endpoint).to.equal(`${ISSUER}/par`);
    expect(body.dpop_signing_alg_values_supported).to.include('ES256');
  });

  describe('DPoP', () => {
    /** A DPoP token for demo-service (client_credentials, scope read). */
    async function dpopToken(key: ProofKey): Promise<Record<string, string>> {
      const res = await request(app)
        .post('/token')
        .set('authorization', basic('demo-service', 'demo-service-secret'))
        .set('dpop', await proof(key, 'POST', `${ISSUER}/token`))
        .type('form')
        .send({ grant_type: 'client_credentials', scope: 'read' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      return res.body as Record<string, string>;
    }

    it('a proof at the token endpoint: token_type DPoP, and the JWT carries cnf.jkt of the proof key', async () => {
      const key = await proofKey();
      const body = await dpopToken(key);
      expect(body['token_type']).to.equal('DPoP');
      expect(claimsOf(body['access_token']!)['cnf']).to.deep.equal({ jkt: key.jkt });
    });

    it('/api/data takes the bound token with a valid proof; refuses it as Bearer and with another key (401)', async () => {
      const key = await proofKey();
      const token = (await dpopToken(key))['access_token']!;
      const url = `${ISSUER}/api/data`;
      const ok = await request(app)
        .get('/api/data')
        .set('authorization', `DPoP ${token}`)
        .set('dpop', await proof(key, 'GET', url, token));
      expect(ok.status, ok.text).to.equal(200);
      const bearer = await request(app).get('/api/data').set('authorization', `Bearer ${token}`);
      expect(bearer.status).to.equal(401);
      const thief = await proofKey();
      const stolen = await request(app)
        .get('/api/data')
        .set('authorization', `DPoP ${token}`)
        .set('dpop', await proof(thief, 'GET', url, token));
      expect(stolen.status).to.equal(401);
    });

    it('/api/me takes a bound token of the code flow (demo-spa, public) with its proof', async () => {
      const key = await proofKey();
      const verifier = 'a-verifier-for-the-issue-11-contract-0123456789';
      const agent = request.agent(app);
      const path = `/authorize?${new URLSearchParams({
        response_type: 'code',
        client_id: 'demo-spa',
        redirect_uri: CALLBACK,
        scope: 'profile',
        state: 'st',
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
      })}`;
      await agent.get(path);
      await agent.post('/login').type('form').send({ username: 'alice', password: 'wonderland' });
      const page = await agent.get(path);
      const field = (name: string) =>
        new RegExp(`name="${name}" value="([^"]+)"`).exec(page.text)?.[1] ?? '';
      const decided = await agent
        .post('/authorize')
        .type('form')
        .send({
          transaction_id: field('transaction_id'),
          csrf_token: field('csrf_token'),
          decision: 'allow',
        });
      const code = new URL(decided.headers['location'] as string).searchParams.get('code')!;
      const token = await request(app)
        .post('/token')
        .set('dpop', await proof(key, 'POST', `${ISSUER}/token`))
        .type('form')
        .send({
          grant_type: 'authorization_code',
          client_id: 'demo-spa',
          code,
          redirect_uri: CALLBACK,
          code_verifier: verifier,
        });
      expect(token.status, JSON.stringify(token.body)).to.equal(200);
      expect(token.body.token_type).to.equal('DPoP');
      const me = await request(app)
        .get('/api/me')
        .set('authorization', `DPoP ${token.body.access_token}`)
        .set('dpop', await proof(key, 'GET', `${ISSUER}/api/me`, token.body.access_token));
      expect(me.status, me.text).to.equal(200);
      expect(me.body.sub).to.equal('user-7a1ce');
    });
  });

  describe('pushed authorization requests', () => {
    const push = (secret: string) =>
      request(app).post('/par').set('authorization', basic('demo-web', secret)).type('form').send({
        // RFC 9126 2.1: client_id is required in a push, as in any authorization request.
        client_id: 'demo-web',
        response_type: 'code',
        redirect_uri: CALLBACK,
        scope: 'profile',
        state: 'st',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      });

    it('demo-web pushes with client_secret_basic: 201 with a request_uri that works once', async () => {
      const pushed = await push('demo-web-secret');
      expect(pushed.status, JSON.stringify(pushed.body)).to.equal(201);
      expect(pushed.body.request_uri).to.match(/^urn:ietf:params:oauth:request_uri:/);
      expect(pushed.body.expires_in).to.be.a('number');
      const path = `/authorize?${new URLSearchParams({
        client_id: 'demo-web',
        request_uri: pushed.body.request_uri,
      })}`;
      const agent = request.agent(app);
      await agent.post('/login').type('form').send({ username: 'alice', password: 'wonderland' });
      const first = await agent.get(path);
      expect(first.status).to.equal(200);
      expect(first.text).to.include('Demo web app');
      const again = await agent.get(path);
      expect(again.status).to.equal(400);
      expect(again.headers['location']).to.equal(undefined);
    });

    it('a push with a wrong secret is 401 invalid_client', async () => {
      const res = await push('wrong');
      expect(res.status).to.equal(401);
      expect(res.body).to.deep.equal({
        error: 'invalid_client',
        error_description: 'client authentication failed',
      });
    });
  });
});

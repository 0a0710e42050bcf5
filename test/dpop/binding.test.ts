/**
 * What a DPoP proof binds beyond the access token (RFC 9449 5, 5.2, 10): public
 * clients' refresh tokens, codes from requests with `dpop_jkt`, and clients
 * registered with `dpop_bound_access_tokens`.
 */
import { expect } from 'chai';
import request from 'supertest';
import { clientFromMetadata, clientToMetadata } from '../../lib/helpers/stored-client.js';
import { defineClient } from '../../lib/helpers/clients.js';
import { s256Challenge } from '../../index.js';
import { INVALID_GRANT } from '../../lib/errors.js';
import { REDIRECT, secrets, VERIFIER } from '../support/fixtures.js';
import { expectOAuthError } from '../http/token-assertions.js';
import { register, registrationApp } from '../registration/support.js';
import { jwtClaims, newKey, setup, signProof, type Key, type Setup } from './token-support.js';

/** A code for `clientId`, bound to `dpopJkt` when given. */
async function code(s: Setup, clientId: string, dpopJkt?: string): Promise<string> {
  const client = await s.oauth.provider.stores.clients.find(clientId);
  if (client === undefined) throw new Error(clientId);
  const issued = await s.oauth.provider.issueAuthorizationCode({
    client,
    subject: 'user-alice',
    scope: ['read'],
    redirectUri: REDIRECT,
    codeChallenge: s256Challenge(VERIFIER),
    dpopJkt,
  });
  return issued.code;
}

/** Redeems a code of `spa` (public) or `web` (confidential), with a proof of `key` if given. */
async function redeem(s: Setup, clientId: 'spa' | 'web', theCode: string, key?: Key) {
  const req = request(s.app).post('/token');
  if (clientId === 'web') req.auth('web', secrets.web.secret);
  if (key !== undefined) req.set('DPoP', await signProof(key, s.clock));
  return req.type('form').send({
    grant_type: 'authorization_code',
    code: theCode,
    redirect_uri: REDIRECT,
    code_verifier: VERIFIER,
    ...(clientId === 'spa' ? { client_id: 'spa' } : {}),
  });
}

async function refresh(s: Setup, clientId: 'spa' | 'web', token: string, key?: Key) {
  const req = request(s.app).post('/token');
  if (clientId === 'web') req.auth('web', secrets.web.secret);
  if (key !== undefined) req.set('DPoP', await signProof(key, s.clock));
  return req.type('form').send({
    grant_type: 'refresh_token',
    refresh_token: token,
    ...(clientId === 'spa' ? { client_id: 'spa' } : {}),
  });
}

describe('DPoP binding of grants (RFC 9449 5, 5.2, 10)', () => {
  let key: Key;
  let other: Key;
  before(async () => {
    key = await newKey();
    other = await newKey('EdDSA');
  });

  describe("a public client's refresh token (RFC 9449 5)", () => {
    // RFC 9449 5: "Refresh tokens issued to public clients are bound to the public key of the
    // DPoP proof ... the authorization server MUST ensure that ... the DPoP proof in a refresh
    // request is signed by the same key".
    async function boundRefresh(s: Setup): Promise<string> {
      const res = await redeem(s, 'spa', await code(s, 'spa'), key);
      expect(res.status, res.text).to.equal(200);
      expect(res.body.token_type).to.equal('DPoP');
      return res.body.refresh_token as string;
    }

    it('is bound: a refresh with the same key works and stays bound', async () => {
      const s = setup();
      const token = await boundRefresh(s);
      const res = await refresh(s, 'spa', token, key);
      expect(res.status, res.text).to.equal(200);
      expect(res.body.token_type).to.equal('DPoP');
      expect(jwtClaims(res.body.access_token as string)['cnf']).to.deep.equal({ jkt: key.jkt });
      const next = await refresh(s, 'spa', res.body.refresh_token as string);
      expectOAuthError(next, 400, 'invalid_dpop_proof', {
        description: 'a DPoP proof is required: the refresh token is bound to a key',
      });
    });

    it("refuses another key's proof: invalid_grant, and the token is not retired", async () => {
      const s = setup();
      const token = await boundRefresh(s);
      const res = await refresh(s, 'spa', token, other);
      expectOAuthError(res, 400, 'invalid_grant', { description: INVALID_GRANT });
      expect((await refresh(s, 'spa', token, key)).status).to.equal(200);
    });

    it('refuses a refresh without a proof: invalid_dpop_proof', async () => {
      const s = setup();
      const token = await boundRefresh(s);
      const res = await refresh(s, 'spa', token);
      expectOAuthError(res, 400, 'invalid_dpop_proof', {
        description: 'a DPoP proof is required: the refresh token is bound to a key',
      });
    });

    it('a public client without a proof gets an unbound refresh token', async () => {
      const s = setup();
      const res = await redeem(s, 'spa', await code(s, 'spa'));
      expect(res.body.token_type).to.equal('Bearer');
      const again = await refresh(s, 'spa', res.body.refresh_token as string);
      expect(again.status, again.text).to.equal(200);
    });
  });

  describe("a confidential client's refresh token (RFC 9449 5: not bound)", () => {
    it('takes a proof of any key, or none, and binds each new access token to its proof', async () => {
      const s = setup();
      const first = await redeem(s, 'web', await code(s, 'web'), key);
      expect(first.body.token_type).to.equal('DPoP');
      const withOther = await refresh(s, 'web', first.body.refresh_token as string, other);
      expect(withOther.status, withOther.text).to.equal(200);
      expect(jwtClaims(withOther.body.access_token as string)['cnf']).to.deep.equal({
        jkt: other.jkt,
      });
      const bearer = await refresh(s, 'web', withOther.body.refresh_token as string);
      expect(bearer.status, bearer.text).to.equal(200);
      expect(bearer.body.token_type).to.equal('Bearer');
    });
  });

  describe('a code bound with dpop_jkt (RFC 9449 10)', () => {
    // RFC 9449 10: "the authorization server ... binds the issued authorization code to the
    // public key identified by dpop_jkt ... [and] MUST check that the DPoP proof key
    // matches".
    it('is redeemed with a proof of that key, and its tokens are bound to it', async () => {
      const s = setup();
      const res = await redeem(s, 'web', await code(s, 'web', key.jkt), key);
      expect(res.status, res.text).to.equal(200);
      expect(res.body.token_type).to.equal('DPoP');
      expect(jwtClaims(res.body.access_token as string)['cnf']).to.deep.equal({ jkt: key.jkt });
    });

    it("refuses another key's proof with invalid_grant, without burning the code", async () => {
      const s = setup();
      const theCode = await code(s, 'spa', key.jkt);
      const res = await redeem(s, 'spa', theCode, other);
      expectOAuthError(res, 400, 'invalid_grant', { description: INVALID_GRANT });
      expect((await redeem(s, 'spa', theCode, key)).status).to.equal(200);
    });

    it('refuses a redemption without a proof: invalid_dpop_proof', async () => {
      const s = setup();
      const res = await redeem(s, 'web', await code(s, 'web', key.jkt));
      expectOAuthError(res, 400, 'invalid_dpop_proof', {
        description: 'a DPoP proof is required: the authorization code is bound to a key',
      });
    });

    it('is kept on the code record', async () => {
      const s = setup();
      const theCode = await code(s, 'web', key.jkt);
      const { sha256 } = await import('../../lib/helpers/secrets.js');
      const record = await s.oauth.provider.stores.authorizationCodes.find(sha256(theCode));
      expect(record?.dpopJkt).to.equal(key.jkt);
    });
  });

  describe('clients with dpop_bound_access_tokens (RFC 9449 5.2)', () => {
    const bound = {
      id: 'bound',
      secretHash: secrets.service.secretHash,
      grantTypes: ['client_credentials' as const],
      dpopBoundAccessTokens: true,
    };
    const post = (s: Setup, dpop?: string) => {
      const req = request(s.app).post('/token').auth('bound', secrets.service.secret);
      if (dpop !== undefined) req.set('DPoP', dpop);
      return req.type('form').send({ grant_type: 'client_credentials' });
    };

    // RFC 9449 5.2: "the authorization server MUST reject token requests from this client
    // that do not contain the DPoP header".
    it('must send a proof', async () => {
      const s = setup({ clients: [bound] });
      expectOAuthError(await post(s), 400, 'invalid_dpop_proof', {
        description: 'this client must send a DPoP proof',
      });
      const ok = await post(s, await signProof(key, s.clock));
      expect(ok.status, ok.text).to.equal(200);
      expect(ok.body.token_type).to.equal('DPoP');
    });

    it('is a boolean in the configuration', () => {
      expect(() => defineClient({ ...bound, dpopBoundAccessTokens: 'yes' as never })).to.throw(
        TypeError,
        'client "bound": dpopBoundAccessTokens must be a boolean',
      );
      expect(defineClient(bound).dpopBoundAccessTokens).to.equal(true);
      expect(defineClient({ ...bound, dpopBoundAccessTokens: false })).to.not.have.property(
        'dpopBoundAccessTokens',
      );
    });

    it('round-trips through the stored form', () => {
      const client = defineClient(bound);
      const metadata = clientToMetadata(client);
      expect(metadata.dpop_bound_access_tokens).to.equal(true);
      expect(defineClient(clientFromMetadata(metadata)).dpopBoundAccessTokens).to.equal(true);
      const plain = clientToMetadata(defineClient({ ...bound, dpopBoundAccessTokens: false }));
      expect(plain).to.not.have.property('dpop_bound_access_tokens');
    });

    it('is registered (RFC 7591) and echoed, and then enforced', async () => {
      const { app, oauth } = registrationApp();
      const res = await register(app, {
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
        dpop_bound_access_tokens: true,
      });
      expect(res.status, res.text).to.equal(201);
      expect(res.body.dpop_bound_access_tokens).to.equal(true);
      const stored = await oauth.provider.stores.clients.find(res.body.client_id as string);
      expect(stored?.dpopBoundAccessTokens).to.equal(true);
      const token = await request(app)
        .post('/token')
        .auth(res.body.client_id as string, res.body.client_secret as string)
        .type('form')
        .send({ grant_type: 'client_credentials' });
      expectOAuthError(token, 400, 'invalid_dpop_proof', {
        description: 'this client must send a DPoP proof',
      });
    });

    it('refuses a registration whose dpop_bound_access_tokens is not a boolean', async () => {
      const { app } = registrationApp();
      const res = await register(app, {
        grant_types: ['client_credentials'],
        dpop_bound_access_tokens: 'true',
      });
      expect(res.status).to.equal(400);
      expect(res.body).to.deep.equal({
        error: 'invalid_client_metadata',
        error_description: 'dpop_bound_access_tokens must be a boolean',
      });
    });
  });
});

/**
 * Token exchange (RFC 8693) through the engine (`provider.token`), without
 * HTTP: who may exchange, every bad parameter and token with its exact error,
 * scope narrowing, and the target (`resource`, `audience`). The `act` claim,
 * introspection, the policy hook and the options are in
 * ./token-exchange-act.test.ts.
 */
import { expect } from 'chai';
import {
  defineClient,
  generateClientSecret,
  generateSigningKey,
  KeySet,
  Provider,
} from '../../index.js';
import { signAccessToken } from '../../lib/tokens/jwt.js';
import { basic } from '../support/engine.js';
import { ISSUER } from '../support/fixtures.js';
import {
  ACCESS_TOKEN_TYPE,
  CLI,
  DOWNSTREAM,
  exchange,
  exchangeOptions,
  exchangeProvider,
  expectErrorBody,
  expectExchanged,
  expectInvalidGrant,
  GATEWAY,
  ORDERS,
  payloadOf,
  TOKEN_EXCHANGE_GRANT_TYPE,
  userToken,
  WEB,
} from '../support/token-exchange.js';

describe('token exchange grant (engine)', () => {
  let provider: Provider;
  let clock: ReturnType<typeof exchangeProvider>['clock'];
  let alice: string;

  beforeEach(async () => {
    ({ provider, clock } = exchangeProvider());
    alice = await userToken(provider);
  });

  describe('the grant', () => {
    it('is off by default: unsupported_grant_type, and metadata does not list it', async () => {
      const { provider: off } = exchangeProvider(false);
      expect(off.metadata().grant_types_supported).to.not.include(TOKEN_EXCHANGE_GRANT_TYPE);
      expectErrorBody(
        await exchange(off, await userToken(off)),
        400,
        'unsupported_grant_type',
        "the grant type 'urn:ietf:params:oauth:grant-type:token-e...' is not supported",
      );
    });

    it('is listed in metadata when on', () => {
      expect(provider.metadata().grant_types_supported).to.include(TOKEN_EXCHANGE_GRANT_TYPE);
    });

    it("exchanges alice's token: her subject, the caller as client, her scope, no refresh token", async () => {
      // RFC 8693 2.2.1: "issued_token_type REQUIRED. An identifier ... for the representation of the
      // issued security token."
      const body = expectExchanged(await exchange(provider, alice));
      expect(body.scope).to.equal('read profile');
      expect(body.expires_in).to.equal(3600);
      const info = await provider.verifyAccessToken(body.access_token);
      expect(info).to.include({ subject: 'user-alice', clientId: 'gateway' });
      expect(info.scope).to.deep.equal(['read', 'profile']);
      expect(info.actor).to.deep.equal({ sub: 'gateway' });
      expect(payloadOf(body.access_token)).to.include({ aud: ISSUER, client_id: 'gateway' });
    });

    it("gives the user's delegated scope, not the caller's own registered scopes", async () => {
      // gateway may only ask `write` for itself; alice's token has `read profile`.
      const body = expectExchanged(await exchange(provider, alice, { scope: 'profile' }));
      expect(body.scope).to.equal('profile');
    });

    it('accepts requested_token_type access_token', async () => {
      // RFC 8693 2.1: requested_token_type "OPTIONAL. An identifier ... for the type of the
      // requested security token."
      expectExchanged(await exchange(provider, alice, { requested_token_type: ACCESS_TOKEN_TYPE }));
    });

    it('does not outlive the subject token', async () => {
      clock.advance(3000);
      const body = expectExchanged(await exchange(provider, alice));
      expect(body.expires_in).to.equal(600);
      clock.advance(600);
      expectInvalidGrant(
        await exchange(provider, body.access_token, {}, { authorization: DOWNSTREAM }),
      );
    });

    it('emits token.issued with the grant type and the actor', async () => {
      const events: unknown[] = [];
      provider.events.on('token.issued', (e) => void events.push(e));
      expectExchanged(await exchange(provider, alice));
      await new Promise((resolve) => setImmediate(resolve));
      expect(events).to.have.length(1);
      expect(events[0]).to.include({
        grantType: TOKEN_EXCHANGE_GRANT_TYPE,
        clientId: 'gateway',
        subject: 'user-alice',
        actor: 'gateway',
        refreshToken: false,
      });
    });
  });

  describe('who may exchange', () => {
    it('refuses a client not configured with the grant type (unauthorized_client)', async () => {
      // RFC 6749 5.2, unauthorized_client: "The authenticated client is not authorized to use this
      // authorization grant type."
      expectErrorBody(
        await exchange(provider, alice, {}, { authorization: WEB }),
        400,
        'unauthorized_client',
        `the client may not use the ${TOKEN_EXCHANGE_GRANT_TYPE} grant`,
      );
    });

    it('refuses a public client listing the grant type (unauthorized_client)', async () => {
      const res = await exchange(
        provider,
        alice,
        { client_id: 'public-exchanger' },
        { authorization: '' },
      );
      expectErrorBody(res, 400, 'unauthorized_client', 'a public client cannot use token exchange');
    });

    it('refuses a client that registered itself, even listing the grant type', async () => {
      const secret = generateClientSecret();
      const client = defineClient({
        id: 'self-registered',
        secretHash: secret.secretHash,
        grantTypes: [TOKEN_EXCHANGE_GRANT_TYPE],
      });
      await provider.stores.clients.save?.({ ...client, source: 'registration' });
      const res = await exchange(
        provider,
        alice,
        {},
        { authorization: basic('self-registered', secret.secret) },
      );
      expectErrorBody(
        res,
        400,
        'unauthorized_client',
        'only a client the operator configured may use token exchange',
      );
    });

    it('refuses a wrong client secret (invalid_client) before looking at the tokens', async () => {
      const res = await exchange(provider, 'forged', {}, { authorization: basic('gateway', 'x') });
      expect(res.status).to.equal(401);
      expect(res.body).to.deep.equal({
        error: 'invalid_client',
        error_description: 'client authentication failed',
      });
    });
  });

  describe('the token parameters (RFC 8693 2.1, 2.2.2)', () => {
    it('refuses a missing subject_token (invalid_request)', async () => {
      // RFC 8693 2.1: subject_token "REQUIRED."
      expectErrorBody(
        await exchange(provider, alice, { subject_token: undefined }),
        400,
        'invalid_request',
        'subject_token is required',
      );
    });

    it('refuses a missing subject_token_type (invalid_request)', async () => {
      // RFC 8693 2.1: subject_token_type "REQUIRED."
      expectErrorBody(
        await exchange(provider, alice, { subject_token_type: undefined }),
        400,
        'invalid_request',
        'subject_token_type is required',
      );
    });

    for (const type of [
      'urn:ietf:params:oauth:token-type:refresh_token',
      'urn:ietf:params:oauth:token-type:jwt',
      'urn:ietf:params:oauth:token-type:id_token',
      'access_token',
    ]) {
      it(`refuses subject_token_type ${type} (invalid_request)`, async () => {
        expectErrorBody(
          await exchange(provider, alice, { subject_token_type: type }),
          400,
          'invalid_request',
          `the subject_token_type '${type.length > 40 ? `${type.slice(0, 40)}...` : type}' is not supported: only ${ACCESS_TOKEN_TYPE}`,
        );
      });
    }

    it('refuses another requested_token_type (invalid_request)', async () => {
      expectErrorBody(
        await exchange(provider, alice, {
          requested_token_type: 'urn:ietf:params:oauth:token-type:id_token',
        }),
        400,
        'invalid_request',
        `the requested_token_type 'urn:ietf:params:oauth:token-type:id_toke...' is not supported: only ${ACCESS_TOKEN_TYPE}`,
      );
    });

    it('refuses actor_token without actor_token_type, and the other way round', async () => {
      // RFC 8693 2.1: actor_token_type "REQUIRED when the actor_token parameter is present in the
      // request but MUST NOT be included otherwise."
      expectErrorBody(
        await exchange(provider, alice, { actor_token: alice }),
        400,
        'invalid_request',
        'actor_token_type is required',
      );
      expectErrorBody(
        await exchange(provider, alice, { actor_token_type: ACCESS_TOKEN_TYPE }),
        400,
        'invalid_request',
        'actor_token_type is only allowed with actor_token',
      );
    });

    it('refuses another actor_token_type (invalid_request)', async () => {
      expectErrorBody(
        await exchange(provider, alice, {
          actor_token: alice,
          actor_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        }),
        400,
        'invalid_request',
        `the actor_token_type 'urn:ietf:params:oauth:token-type:jwt' is not supported: only ${ACCESS_TOKEN_TYPE}`,
      );
    });
  });

  describe('the subject token: only a live access token of this server', () => {
    it('refuses a revoked one (invalid_grant)', async () => {
      const revoked = await provider.revoke({ params: { token: alice }, authorization: CLI });
      expect(revoked.status).to.equal(200);
      expectInvalidGrant(await exchange(provider, alice));
    });

    it('refuses one whose grant was revoked (invalid_grant)', async () => {
      const events: { grantId: string }[] = [];
      provider.events.on('token.issued', (e) => void events.push(e));
      const token = await userToken(provider);
      await new Promise((resolve) => setImmediate(resolve));
      expectExchanged(await exchange(provider, token));
      await provider.revokeGrant(events[0]?.grantId ?? '');
      expectInvalidGrant(await exchange(provider, token));
    });

    it('refuses an expired one (invalid_grant)', async () => {
      clock.advance(3600);
      expectInvalidGrant(await exchange(provider, alice));
    });

    it('refuses one signed by another key (invalid_grant)', async () => {
      const other = new Provider(
        exchangeOptions(clock, true, { signingKeys: [generateSigningKey('ES256')] }),
      );
      const forged = await userToken(other);
      expectInvalidGrant(await exchange(provider, forged));
    });

    it('refuses a tampered one: the payload changed, the signature kept (invalid_grant)', async () => {
      const [header, , signature] = alice.split('.');
      const claims = { ...payloadOf(alice), sub: 'user-bob' };
      const tampered = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
      expectInvalidGrant(await exchange(provider, tampered));
    });

    it('refuses a token of another issuer signed with a key of the same kid (invalid_grant)', async () => {
      const keys = new KeySet([generateSigningKey('ES256')]);
      const now = Math.floor(clock() / 1000);
      const token = signAccessToken(keys, {
        iss: 'https://evil.example.test',
        sub: 'user-alice',
        aud: ISSUER,
        client_id: 'cli',
        scope: 'read',
        jti: 'x',
        iat: now,
        exp: now + 60,
      });
      expectInvalidGrant(await exchange(provider, token));
    });

    it('refuses garbage, a refresh token, an oversize token (invalid_grant)', async () => {
      const res = await provider.token({
        params: {
          grant_type: 'password',
          username: 'alice',
          password: 'wonderland',
          scope: 'read',
        },
        authorization: CLI,
      });
      const refresh = (res.body as { refresh_token: string }).refresh_token;
      expect(refresh).to.be.a('string');
      for (const token of ['garbage', 'a.b.c', refresh, 'x'.repeat(20_000)])
        expectInvalidGrant(await exchange(provider, token));
    });

    it('says why in the private detail only (client.authentication_failed is not involved)', async () => {
      const logged: unknown[] = [];
      const { provider: logging } = exchangeProvider(true, {
        logger: {
          debug: (obj: unknown) => void logged.push(obj),
          info: () => undefined,
          warn: () => undefined,
          error: () => undefined,
        },
      });
      expectInvalidGrant(await exchange(logging, 'garbage'));
      expect(JSON.stringify(logged)).to.include(
        'the subject token is not a live access token of this server',
      );
    });

    it('refuses a token of an audience not accepted (invalid_grant)', async () => {
      // Only tokens for the orders API may be exchanged here.
      const { provider: strict } = exchangeProvider({ subjectAudiences: [ORDERS] });
      const forDefault = await userToken(strict);
      expectInvalidGrant(await exchange(strict, forDefault));
      const forOrders = await userToken(strict, { scope: 'read', resource: ORDERS });
      expect(payloadOf(forOrders).aud).to.equal(ORDERS);
      expectExchanged(await exchange(strict, forOrders));
    });

    it('accepts, by default, a token of any audience the server issues for', async () => {
      const forOrders = await userToken(provider, { scope: 'read', resource: ORDERS });
      const body = expectExchanged(await exchange(provider, forOrders));
      // The new token is for the default audience unless a target is named.
      expect(payloadOf(body.access_token).aud).to.equal(ISSUER);
    });
  });

  describe('the actor token', () => {
    it('refuses a forged or revoked actor token (invalid_grant)', async () => {
      const bob = await userToken(provider, {
        username: 'bob',
        scope: 'write',
        authorization: GATEWAY,
      });
      const params = { actor_token_type: ACCESS_TOKEN_TYPE };
      expectInvalidGrant(await exchange(provider, alice, { ...params, actor_token: 'forged' }));
      expectExchanged(await exchange(provider, alice, { ...params, actor_token: bob }));
      await provider.revoke({ params: { token: bob }, authorization: GATEWAY });
      expectInvalidGrant(await exchange(provider, alice, { ...params, actor_token: bob }));
    });

    it('refuses an actor token issued to another client (invalid_grant)', async () => {
      const other = await userToken(provider, { username: 'bob' }); // issued to cli
      expectInvalidGrant(
        await exchange(provider, alice, {
          actor_token: other,
          actor_token_type: ACCESS_TOKEN_TYPE,
        }),
      );
    });

    it('makes the actor token subject the actor, and caps the new token at its expiry', async () => {
      const bob = await userToken(provider, {
        username: 'bob',
        scope: 'write',
        authorization: GATEWAY,
      });
      clock.advance(1000);
      const later = await userToken(provider);
      clock.advance(2000); // bob: 600 s left; alice's later token: 1600 s left
      const params = { actor_token: bob, actor_token_type: ACCESS_TOKEN_TYPE };
      const body = expectExchanged(await exchange(provider, later, params));
      expect(body.expires_in).to.equal(600);
      expect(payloadOf(body.access_token).act).to.deep.equal({ sub: 'user-bob' });
      clock.advance(600); // bob's token has expired; alice's has not
      expectInvalidGrant(await exchange(provider, later, params));
      expectExchanged(await exchange(provider, later));
    });
  });

  describe('scope (may narrow, never widen)', () => {
    it('narrows to the scope asked for', async () => {
      const body = expectExchanged(await exchange(provider, alice, { scope: 'read' }));
      expect(body.scope).to.equal('read');
      expect((await provider.verifyAccessToken(body.access_token)).scope).to.deep.equal(['read']);
    });

    it('refuses a scope the subject token lacks (invalid_scope)', async () => {
      expectErrorBody(
        await exchange(provider, alice, { scope: 'read write' }),
        400,
        'invalid_scope',
        "the scope 'write' is not in the subject token's scope: an exchange may narrow it, never widen it",
      );
    });

    it('refuses a malformed scope (invalid_scope)', async () => {
      expectErrorBody(
        await exchange(provider, alice, { scope: 'read"' }),
        400,
        'invalid_scope',
        'the scope parameter holds a malformed scope',
      );
    });
  });

  describe('the target: resource (RFC 8707) and audience (RFC 8693 2.1)', () => {
    it('issues for a configured resource, narrowing a default scope to what it accepts', async () => {
      const body = expectExchanged(await exchange(provider, alice, { resource: ORDERS }));
      expect(body.scope).to.equal('read');
      expect(payloadOf(body.access_token).aud).to.equal(ORDERS);
      const info = await provider.verifyAccessToken(body.access_token, { audience: ORDERS });
      expect(info.subject).to.equal('user-alice');
    });

    it('refuses a scope named explicitly that the resource does not accept (invalid_scope)', async () => {
      expectErrorBody(
        await exchange(provider, alice, { resource: ORDERS, scope: 'profile' }),
        400,
        'invalid_scope',
        "the resource does not accept the scope 'profile'",
      );
    });

    it('refuses an unknown resource (invalid_target)', async () => {
      // RFC 8693 2.2.2: "If the authorization server is unwilling or unable to issue a token for any
      // target service indicated by the resource or audience parameters, the invalid_target error
      // code SHOULD be used in the error response."
      expectErrorBody(
        await exchange(provider, alice, { resource: 'https://unknown.example.test/' }),
        400,
        'invalid_target',
        "the resource 'https://unknown.example.test/' is unknown",
      );
    });

    it('refuses two resources (invalid_target): one token, one audience', async () => {
      const lists = { resource: [ORDERS, 'https://other.example.test/'] };
      const res = await exchange(provider, alice, { resource: ORDERS }, { lists });
      expect(res.status).to.equal(400);
      expect((res.body as { error: string }).error).to.equal('invalid_target');
    });

    it('maps audience to a configured resource or to the default audience', async () => {
      const orders = expectExchanged(await exchange(provider, alice, { audience: ORDERS }));
      expect(payloadOf(orders.access_token).aud).to.equal(ORDERS);
      const own = expectExchanged(await exchange(provider, alice, { audience: ISSUER }));
      expect(payloadOf(own.access_token).aud).to.equal(ISSUER);
      expect(own.scope).to.equal('read profile');
    });

    it('refuses an unknown audience, and __proto__ (invalid_target)', async () => {
      for (const audience of ['billing', '__proto__', 'constructor'])
        expectErrorBody(
          await exchange(provider, alice, { audience }),
          400,
          'invalid_target',
          `the audience '${audience}' is unknown`,
        );
    });

    it('refuses two audiences, and a resource and an audience naming different targets', async () => {
      expectErrorBody(
        await exchange(
          provider,
          alice,
          { audience: ORDERS },
          { lists: { audience: [ORDERS, ISSUER] } },
        ),
        400,
        'invalid_target',
        'one audience per access token: name at most one audience',
      );
      expectErrorBody(
        await exchange(provider, alice, { audience: ISSUER, resource: ORDERS }),
        400,
        'invalid_target',
        'resource and audience name different targets',
      );
      const same = await exchange(provider, alice, { audience: ORDERS, resource: ORDERS });
      expect(payloadOf(expectExchanged(same).access_token).aud).to.equal(ORDERS);
    });
  });
});

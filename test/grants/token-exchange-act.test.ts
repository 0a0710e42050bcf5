/**
 * Token exchange (RFC 8693): the `act` claim of the new token (JWT, opaque
 * record, introspection, `AccessTokenInfo.actor`), delegation chains, the
 * policy hook and the options. The parameters and their errors are in
 * ./token-exchange.test.ts.
 */
import { expect } from 'chai';
import { createLocalJWKSet, jwtVerify } from 'jose';
import {
  generateSigningKey,
  InvalidTargetError,
  InvalidTokenError,
  KeySet,
  Provider,
  type TokenExchangeInput,
} from '../../index.js';
import { sha256 } from '../../lib/helpers/secrets.js';
import { signAccessToken, type AccessTokenClaims } from '../../lib/tokens/jwt.js';
import { MAX_ACTOR_DEPTH, verifyAccessToken } from '../../lib/tokens/jwt-verify.js';
import { basic, expectTokens } from '../support/engine.js';
import { frozenClock, ISSUER, secrets } from '../support/fixtures.js';
import {
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
  userToken,
} from '../support/token-exchange.js';

const RS = basic('rs', secrets.rs.secret);

describe('token exchange: the act claim (RFC 8693 4.1)', () => {
  it('signs act into the JWT; jose verifies it against the published keys', async () => {
    // RFC 8693 4.1: "The act (actor) claim provides a means within a JWT to express that delegation
    // has occurred and identify the acting party to whom authority has been delegated."
    const { provider } = exchangeProvider();
    const body = expectExchanged(await exchange(provider, await userToken(provider)));
    const { payload, protectedHeader } = await jwtVerify(
      body.access_token,
      createLocalJWKSet(provider.jwks() as Parameters<typeof createLocalJWKSet>[0]),
      { issuer: ISSUER, audience: ISSUER, currentDate: new Date(Date.UTC(2026, 0, 1)) },
    );
    expect(protectedHeader.typ).to.equal('at+jwt');
    expect(payload).to.include({ sub: 'user-alice', client_id: 'gateway', scope: 'read profile' });
    expect(payload.act).to.deep.equal({ sub: 'gateway' });
  });

  it('nests the earlier actor when a delegated token is exchanged again', async () => {
    // RFC 8693 4.1: "the outermost act claim represents the current actor while nested act claims
    // represent prior actors."
    const { provider } = exchangeProvider();
    const first = expectExchanged(await exchange(provider, await userToken(provider)));
    const second = expectExchanged(
      await exchange(provider, first.access_token, {}, { authorization: DOWNSTREAM }),
    );
    const info = await provider.verifyAccessToken(second.access_token);
    expect(info).to.include({ subject: 'user-alice', clientId: 'downstream' });
    expect(info.actor).to.deep.equal({ sub: 'downstream', act: { sub: 'gateway' } });
    expect(payloadOf(second.access_token).act).to.deep.equal(info.actor);
  });

  it(`refuses a chain longer than ${MAX_ACTOR_DEPTH} actors (invalid_grant)`, async () => {
    const { provider } = exchangeProvider();
    let token = await userToken(provider);
    for (let i = 0; i < MAX_ACTOR_DEPTH; i += 1)
      token = expectExchanged(await exchange(provider, token)).access_token;
    let depth = 0;
    for (let a = payloadOf(token).act as { act?: unknown } | undefined; a; a = a.act as never)
      depth += 1;
    expect(depth).to.equal(MAX_ACTOR_DEPTH);
    expectInvalidGrant(await exchange(provider, token));
  });

  it('keeps act in an opaque token record, and introspection answers it', async () => {
    const { provider } = exchangeProvider(true, { accessToken: { format: 'opaque' } });
    const first = expectExchanged(await exchange(provider, await userToken(provider)));
    const second = expectExchanged(
      await exchange(provider, first.access_token, {}, { authorization: DOWNSTREAM }),
    );
    expect(second.access_token.split('.')).to.have.length(1);
    const record = await provider.stores.accessTokens.find(sha256(second.access_token));
    expect(record?.act).to.deep.equal({ sub: 'downstream', act: { sub: 'gateway' } });
    const res = await provider.introspect({
      params: { token: second.access_token },
      authorization: RS,
    });
    expect(res.body).to.include({ active: true, sub: 'user-alice', client_id: 'downstream' });
    expect((res.body as { act: unknown }).act).to.deep.equal({
      sub: 'downstream',
      act: { sub: 'gateway' },
    });
    expect((await provider.verifyAccessToken(second.access_token)).actor).to.deep.equal(
      record?.act,
    );
  });

  it('introspection answers act for a JWT too, and none for a token that was not exchanged', async () => {
    const { provider } = exchangeProvider();
    const alice = await userToken(provider);
    const body = expectExchanged(await exchange(provider, alice));
    const exchanged = await provider.introspect({
      params: { token: body.access_token },
      authorization: GATEWAY,
    });
    expect(exchanged.body).to.include({ active: true, client_id: 'gateway' });
    expect((exchanged.body as { act: unknown }).act).to.deep.equal({ sub: 'gateway' });
    const plain = await provider.introspect({ params: { token: alice }, authorization: RS });
    expect(plain.body).to.include({ active: true }).and.not.have.property('act');
  });

  it('revoking the exchanged token leaves the subject token alone', async () => {
    const { provider } = exchangeProvider();
    const alice = await userToken(provider);
    const body = expectExchanged(await exchange(provider, alice));
    await provider.revoke({ params: { token: body.access_token }, authorization: GATEWAY });
    const refused = await provider.verifyAccessToken(body.access_token).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(InvalidTokenError);
    expect((await provider.verifyAccessToken(alice)).subject).to.equal('user-alice');
  });

  it('parallel exchanges of one subject token each get a token of their own', async () => {
    // An exchange consumes nothing: the subject token stays the caller's to present again.
    const { provider } = exchangeProvider();
    const alice = await userToken(provider);
    const answers = await Promise.all(Array.from({ length: 10 }, () => exchange(provider, alice)));
    const tokens = answers.map((res) => expectExchanged(res).access_token);
    expect(new Set(tokens).size).to.equal(10);
  });

  describe('the JWT verifier checks act (it is only ever signed here, but never trusted blindly)', () => {
    const keys = new KeySet([generateSigningKey('ES256')]);
    const now = Date.UTC(2026, 0, 1);
    const sign = (act: unknown): string =>
      signAccessToken(keys, {
        iss: ISSUER,
        sub: 'user-alice',
        aud: ISSUER,
        client_id: 'gateway',
        scope: 'read',
        jti: 'j',
        iat: now / 1000,
        exp: now / 1000 + 60,
        act,
      } as AccessTokenClaims);
    const verify = (act: unknown) =>
      verifyAccessToken(keys, sign(act), { issuer: ISSUER, audience: ISSUER, now });
    const chain = (n: number): unknown =>
      n === 0 ? undefined : { sub: `a${n}`, act: chain(n - 1) };

    it('accepts a chain of at most 8 actors and keeps only sub and act', () => {
      expect(verify(chain(MAX_ACTOR_DEPTH)).act).to.deep.equal(
        JSON.parse(JSON.stringify(chain(MAX_ACTOR_DEPTH))),
      );
      expect(verify({ sub: 'x', exp: 1, act: { sub: 'y', aud: 'z' } }).act).to.deep.equal({
        sub: 'x',
        act: { sub: 'y' },
      });
    });

    it('refuses a malformed act and a chain too long', () => {
      for (const act of ['gateway', ['x'], null, {}, { sub: '' }, { sub: 1 }, chain(9)])
        expect(() => verify(act), JSON.stringify(act)).to.throw(InvalidTokenError);
    });
  });
});

describe('token exchange: the policy hook', () => {
  it('sees the exchange that passed every check, frozen', async () => {
    let seen: TokenExchangeInput | undefined;
    const { provider } = exchangeProvider({
      policy: (input) => {
        seen = input;
        return true;
      },
    });
    expectExchanged(await exchange(provider, await userToken(provider), { resource: ORDERS }));
    expect(seen?.client.id).to.equal('gateway');
    expect(seen?.subjectToken).to.include({ subject: 'user-alice', clientId: 'cli' });
    expect(seen?.actorToken).to.equal(undefined);
    expect(seen?.scope).to.deep.equal(['read']);
    expect(seen?.audience).to.equal(ORDERS);
    expect(seen?.actor).to.deep.equal({ sub: 'gateway' });
    expect(seen?.request.url).to.equal(`${ISSUER}/token`);
    expect(Object.isFrozen(seen?.subjectToken) && Object.isFrozen(seen?.scope)).to.equal(true);
  });

  it('refuses when it answers false (invalid_grant)', async () => {
    const { provider } = exchangeProvider({ policy: async () => false });
    expectInvalidGrant(await exchange(provider, await userToken(provider)));
  });

  it('narrows the scope when it answers { scope }', async () => {
    const { provider } = exchangeProvider({
      policy: ({ client }) => (client.id === 'gateway' ? { scope: ['profile'] } : true),
    });
    const body = expectExchanged(await exchange(provider, await userToken(provider)));
    expect(body.scope).to.equal('profile');
  });

  it('cannot widen: an answer outside the scope is a server error, not a token', async () => {
    const { provider } = exchangeProvider({ policy: () => ({ scope: ['write'] }) });
    expectErrorBody(
      await exchange(provider, await userToken(provider)),
      500,
      'server_error',
      'the server encountered an unexpected error',
    );
  });

  it('may refuse with an error of its own choosing', async () => {
    const { provider } = exchangeProvider({
      policy: () => {
        throw new InvalidTargetError('gateway may not reach that service');
      },
    });
    expectErrorBody(
      await exchange(provider, await userToken(provider)),
      400,
      'invalid_target',
      'gateway may not reach that service',
    );
  });

  it('is not asked when a check failed before it', async () => {
    let asked = 0;
    const { provider } = exchangeProvider({ policy: () => void (asked += 1) });
    expectInvalidGrant(await exchange(provider, 'forged'));
    expect(asked).to.equal(0);
  });
});

describe('token exchange: options', () => {
  const make = (tokenExchange: unknown): Provider =>
    new Provider(exchangeOptions(frozenClock(), tokenExchange as boolean));

  it('sets the lifetime of exchanged tokens', async () => {
    const provider = make({ accessTokenLifetime: 300 });
    const body = expectExchanged(await exchange(provider, await userToken(provider)));
    expect(body.expires_in).to.equal(300);
  });

  it('refuses wrong options with a TypeError naming them', () => {
    const where = 'options.grants.tokenExchange';
    expect(() => make({ subjectAudience: [ORDERS] })).to.throw(
      TypeError,
      `${where} has an unknown key "subjectAudience"; did you mean "subjectAudiences"?`,
    );
    expect(() => make({ subjectAudiences: ['https://elsewhere.example.test/'] })).to.throw(
      TypeError,
      `${where}.subjectAudiences: "https://elsewhere.example.test/" is neither accessToken.audience nor a configured resource`,
    );
    expect(() => make({ subjectAudiences: [] })).to.throw(TypeError, 'non-empty array');
    expect(() => make({ accessTokenLifetime: 0 })).to.throw(
      TypeError,
      `${where}.accessTokenLifetime must be a positive whole number of seconds`,
    );
    expect(() => make({ policy: 'allow' })).to.throw(
      TypeError,
      `${where}.policy must be a function`,
    );
    expect(() => make('yes')).to.throw(
      TypeError,
      `${where} must be a boolean or an options object`,
    );
  });

  it("the caller's own client_credentials token carries no act", async () => {
    const { provider } = exchangeProvider();
    const res = await provider.token({
      params: { grant_type: 'client_credentials', scope: 'write' },
      authorization: GATEWAY,
    });
    const info = await provider.verifyAccessToken(expectTokens(res).access_token);
    expect(info.actor).to.equal(undefined);
    expect(payloadOf(expectTokens(res).access_token)).to.not.have.property('act');
  });
});

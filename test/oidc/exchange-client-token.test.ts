/**
 * A client's own token (client_credentials: no end-user) carrying `openid`,
 * swapped by token exchange (RFC 8693): the new token has no `openid`, asking
 * for it is `invalid_scope`, and UserInfo (OpenID Connect Core 5.3, "returns
 * Claims about the authenticated End-User") never reaches the host's `claims()`
 * with a client id as the subject. A user's token keeps `openid` through an
 * exchange.
 */
import { expect } from 'chai';
import express, { type Express } from 'express';
import request from 'supertest';
import {
  createAuthorizationServer,
  type ClientConfig,
  type Provider,
  type ProviderOptions,
} from '../../index.js';
import { expectTokens } from '../support/engine.js';
import { frozenClock } from '../support/fixtures.js';
import {
  exchange,
  exchangeOptions,
  expectErrorBody,
  expectExchanged,
  GATEWAY,
  gatewaySecret,
  TOKEN_EXCHANGE_GRANT_TYPE,
  userToken,
} from '../support/token-exchange.js';

describe('token exchange of a client_credentials token with openid', () => {
  let provider: Provider;
  let app: Express;
  const asked: string[] = [];

  beforeEach(() => {
    asked.length = 0;
    const base = exchangeOptions(frozenClock());
    const gateway: ClientConfig = {
      id: 'gateway',
      secretHash: gatewaySecret.secretHash,
      grantTypes: [TOKEN_EXCHANGE_GRANT_TYPE, 'password', 'client_credentials'],
      scopes: ['openid', 'profile', 'read', 'write'],
    };
    const options: ProviderOptions = {
      ...base,
      clients: [...(base.clients as ClientConfig[]).filter((c) => c.id !== 'gateway'), gateway],
      openid: {
        claims(subject) {
          asked.push(subject);
          return { name: `name of ${subject}` };
        },
      },
    };
    const server = createAuthorizationServer(options);
    provider = server.provider;
    app = express();
    app.use(server.router());
  });

  async function clientToken(scope: string): Promise<string> {
    const res = await provider.token({
      params: { grant_type: 'client_credentials', scope },
      authorization: GATEWAY,
    });
    return expectTokens(res).access_token;
  }

  it('the exchanged token drops openid; UserInfo is 403 insufficient_scope and claims() is never asked', async () => {
    const subjectToken = await clientToken('openid read');
    const body = expectExchanged(await exchange(provider, subjectToken));
    expect(body.scope).to.equal('read');
    const info = await request(app)
      .get('/userinfo')
      .set('authorization', `Bearer ${body.access_token}`);
    expect(info.status).to.equal(403);
    expect(info.headers['www-authenticate']).to.match(/^Bearer .*error="insufficient_scope"/);
    expect(asked).to.deep.equal([]);
  });

  it('asking for openid in the exchange is invalid_scope, with the reason', async () => {
    const subjectToken = await clientToken('openid read');
    expectErrorBody(
      await exchange(provider, subjectToken, { scope: 'openid read' }),
      400,
      'invalid_scope',
      "the scope 'openid' needs an end-user: the subject token is a client's own (client_credentials)",
    );
  });

  it("a user's token keeps openid through an exchange, and UserInfo answers for the user", async () => {
    const subjectToken = await userToken(provider, {
      scope: 'openid profile read',
      authorization: GATEWAY,
    });
    const body = expectExchanged(await exchange(provider, subjectToken));
    expect(body.scope?.split(' ')).to.have.members(['openid', 'profile', 'read']);
    const info = await request(app)
      .get('/userinfo')
      .set('authorization', `Bearer ${body.access_token}`);
    expect(info.status).to.equal(200);
    expect(info.body).to.deep.equal({ sub: 'user-alice', name: 'name of user-alice' });
    expect(asked).to.deep.equal(['user-alice']);
  });
});

/**
 * The password grant (resource owner password credentials), driven through the
 * engine (`provider.token`) without HTTP.
 */
import { expect } from 'chai';
import { Provider, type EngineResponse, type PasswordCredentials } from '../../index.js';
import { frozenClock, providerOptions, secrets } from '../support/fixtures.js';
import { basic, expectBearerFor, expectError, expectTokens } from '../support/engine.js';

const CLI = basic('cli', secrets.cli.secret);

function login(
  provider: Provider,
  params: Record<string, string>,
  authorization = CLI,
): Promise<EngineResponse> {
  return provider.token({ params: { grant_type: 'password', ...params }, authorization });
}

describe('password grant (engine)', () => {
  let provider: Provider;

  beforeEach(() => {
    provider = new Provider(providerOptions({ clock: frozenClock() }));
  });

  it('issues tokens, a refresh token included, for the right credentials', async () => {
    const body = expectTokens(await login(provider, { username: 'alice', password: 'wonderland' }));
    expect(body.access_token).to.be.a('string');
    expect(body.refresh_token).to.be.a('string');
    await expectBearerFor(provider, body, {
      subject: 'user-alice',
      clientId: 'cli',
      scope: 'read',
    });

    const refreshed = expectTokens(
      await provider.token({
        params: { grant_type: 'refresh_token', refresh_token: body.refresh_token as string },
        authorization: CLI,
      }),
    );
    expect((await provider.verifyAccessToken(refreshed.access_token)).subject).to.equal(
      'user-alice',
    );
  });

  it('refuses a wrong password with invalid_grant, not invalid_client', async () => {
    // RFC 6749 5.2, invalid_grant: "The provided authorization grant (e.g., authorization code, resource
    // owner credentials) [...] is invalid, expired, revoked [...]". The seed answered invalid_client.
    const res = await login(provider, { username: 'alice', password: 'looking-glass' });
    expectError(res, 400, 'invalid_grant');
    expect(res.headers).to.not.have.property('WWW-Authenticate');
  });

  it('refuses an unknown user with invalid_grant', async () => {
    expectError(
      await login(provider, { username: 'mallory', password: 'wonderland' }),
      400,
      'invalid_grant',
    );
  });

  it('requires username and password (invalid_request)', async () => {
    // RFC 6749 4.3.2: "username REQUIRED. The resource owner username." and "password REQUIRED. The
    // resource owner password."
    expectError(await login(provider, { password: 'wonderland' }), 400, 'invalid_request');
    expectError(await login(provider, { username: 'alice' }), 400, 'invalid_request');
  });

  it('passes the client and the resolved scope to verify()', async () => {
    const seen: PasswordCredentials[] = [];
    provider = new Provider(
      providerOptions({
        grants: {
          password: {
            async verify(credentials) {
              seen.push(credentials);
              return { subject: 'user-bob' };
            },
          },
        },
      }),
    );
    const body = expectTokens(
      await login(provider, { username: 'bob', password: 'secret', scope: 'profile write' }),
    );
    expect(body.scope).to.equal('profile write');
    expect(seen).to.have.length(1);
    expect(seen[0]?.username).to.equal('bob');
    expect(seen[0]?.password).to.equal('secret');
    expect(seen[0]?.client.id).to.equal('cli');
    expect(seen[0]?.scope).to.deep.equal(['profile', 'write']);
    expect((await provider.verifyAccessToken(body.access_token)).subject).to.equal('user-bob');
  });

  it('is unsupported_grant_type on a provider without the password grant', async () => {
    // RFC 6749 5.2, unsupported_grant_type: "The authorization grant type is not supported by the
    // authorization server."
    provider = new Provider(providerOptions({ grants: {} }));
    expect(provider.grantTypes).to.not.include('password');
    expectError(
      await login(provider, { username: 'alice', password: 'wonderland' }),
      400,
      'unsupported_grant_type',
    );
  });

  it('refuses a client not registered for the password grant (unauthorized_client)', async () => {
    const res = await login(
      provider,
      { username: 'alice', password: 'wonderland' },
      basic('web', secrets.web.secret),
    );
    expectError(res, 400, 'unauthorized_client');
  });
});

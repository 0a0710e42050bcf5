/**
 * The refresh_token grant, driven through the engine (`provider.token`) without
 * HTTP: rotation with reuse detection, scope narrowing, client binding, expiry,
 * the grace window (the same successor, never a fork) and `rotate: false`.
 */
import { expect } from 'chai';
import {
  createAuthorizationServer,
  InvalidTokenError,
  Provider,
  type EngineResponse,
  type ProviderOptions,
  type TokenResponseBody,
} from '../../index.js';
import {
  frozenClock,
  issueCode,
  providerOptions,
  REDIRECT,
  secrets,
  VERIFIER,
  type FrozenClock,
} from '../support/fixtures.js';
import { findSuccessor, SUCCESSOR_KIND } from '../../lib/grants/refresh-successor.js';
import { sha256 } from '../../lib/helpers/secrets.js';
import {
  basic,
  expectBearerFor,
  expectError,
  expectOneWinner,
  expectTokens,
  rejection,
} from '../support/engine.js';

const WEB = basic('web', secrets.web.secret);
const OTHER = basic('other', secrets.other.secret);

/** The refresh token of a response, which must be there. */
function refreshTokenOf(body: TokenResponseBody): string {
  expect(body.refresh_token, 'refresh_token').to.be.a('string');
  return body.refresh_token as string;
}

/** Tokens for `web` from a fresh authorization code with the given scope. */
async function authorize(
  provider: Provider,
  scope: string[] = ['read', 'write'],
): Promise<TokenResponseBody> {
  const code = await issueCode(createAuthorizationServer(provider), 'web', {
    verifier: VERIFIER,
    scope,
  });
  return expectTokens(
    await provider.token({
      params: {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        code_verifier: VERIFIER,
      },
      authorization: WEB,
    }),
  );
}

function refresh(
  provider: Provider,
  token: string,
  extra: Record<string, string> = {},
  authorization = WEB,
): Promise<EngineResponse> {
  return provider.token({
    params: { grant_type: 'refresh_token', refresh_token: token, ...extra },
    authorization,
  });
}

describe('refresh_token grant (engine)', () => {
  let clock: FrozenClock;
  let provider: Provider;
  const make = (overrides: Partial<ProviderOptions> = {}): Provider =>
    new Provider(providerOptions({ clock, ...overrides }));

  beforeEach(() => {
    clock = frozenClock();
    provider = make();
  });

  it('refuses a request without refresh_token (invalid_request)', async () => {
    // RFC 6749 6: "refresh_token REQUIRED. The refresh token issued to the client."
    const res = await provider.token({
      params: { grant_type: 'refresh_token' },
      authorization: WEB,
    });
    expectError(res, 400, 'invalid_request');
  });

  it('refuses an unknown refresh token (invalid_grant)', async () => {
    expectError(await refresh(provider, 'no-such-token'), 400, 'invalid_grant');
  });

  describe('rotation', () => {
    it('returns a new refresh token and a new access token for the same subject and scope', async () => {
      const first = await authorize(provider);
      const body = expectTokens(await refresh(provider, refreshTokenOf(first)));
      expect(refreshTokenOf(body)).to.not.equal(first.refresh_token);
      expect(body.access_token).to.not.equal(first.access_token);
      await expectBearerFor(provider, body, {
        subject: 'user-alice',
        clientId: 'web',
        scope: 'read write',
      });
      // The chain goes on with the new token.
      expectTokens(await refresh(provider, refreshTokenOf(body)));
    });

    it('refuses the old refresh token after rotation and revokes the whole family', async () => {
      // RFC 9700 4.14.2: "If a refresh token is compromised and subsequently used by both the attacker
      // and the legitimate client, one of them will present an invalidated refresh token, which will
      // inform the authorization server of the breach. The authorization server cannot determine which
      // party submitted the invalid refresh token, but it will revoke the active refresh token."
      const first = await authorize(provider);
      const old = refreshTokenOf(first);
      const second = expectTokens(await refresh(provider, old));
      expect((await provider.verifyAccessToken(second.access_token)).subject).to.equal(
        'user-alice',
      );

      expectError(await refresh(provider, old), 400, 'invalid_grant');

      expectError(await refresh(provider, refreshTokenOf(second)), 400, 'invalid_grant');
      expect(await rejection(provider.verifyAccessToken(second.access_token))).to.be.instanceOf(
        InvalidTokenError,
      );
      expect(await rejection(provider.verifyAccessToken(first.access_token))).to.be.instanceOf(
        InvalidTokenError,
      );
    });

    it('lets exactly one of 10 parallel refreshes with one token succeed', async () => {
      const token = refreshTokenOf(await authorize(provider));
      const results = await Promise.all(Array.from({ length: 10 }, () => refresh(provider, token)));
      expect(results).to.have.length(10);
      expectOneWinner(results);
    });
  });

  describe('scope', () => {
    it('narrows the access token scope while the new refresh token keeps the original scope', async () => {
      // RFC 6749 6: "The requested scope MUST NOT include any scope not originally granted by the
      // resource owner, and if omitted is treated as equal to the scope originally granted by the
      // resource owner." and "If a new refresh token is issued, the refresh token scope MUST be
      // identical to that of the refresh token included by the client in the request."
      const first = await authorize(provider, ['read', 'write']);
      const narrowed = expectTokens(
        await refresh(provider, refreshTokenOf(first), { scope: 'read' }),
      );
      expect(narrowed.scope).to.equal('read');
      expect((await provider.verifyAccessToken(narrowed.access_token)).scope).to.deep.equal([
        'read',
      ]);

      const again = expectTokens(await refresh(provider, refreshTokenOf(narrowed)));
      expect(again.scope).to.equal('read write');
      expect((await provider.verifyAccessToken(again.access_token)).scope).to.deep.equal([
        'read',
        'write',
      ]);
    });

    it('refuses widening the scope (invalid_scope) without burning the refresh token', async () => {
      // RFC 6749 5.2, invalid_scope: "The requested scope is invalid, unknown, malformed, or exceeds the
      // scope granted by the resource owner."
      const token = refreshTokenOf(await authorize(provider, ['read']));
      expectError(await refresh(provider, token, { scope: 'read write' }), 400, 'invalid_scope');
      expectError(await refresh(provider, token, { scope: 'profile' }), 400, 'invalid_scope');
      expect(expectTokens(await refresh(provider, token)).scope).to.equal('read');
    });
  });

  describe('binding and expiry', () => {
    it("refuses another client's refresh token (invalid_grant); the owner can still use it", async () => {
      // RFC 6749 5.2, invalid_grant: "The provided authorization grant (e.g., authorization code, resource
      // owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection
      // URI used in the authorization request, or was issued to another client."
      const token = refreshTokenOf(await authorize(provider));
      expectError(await refresh(provider, token, {}, OTHER), 400, 'invalid_grant');
      expectTokens(await refresh(provider, token));
    });

    it('refuses an expired refresh token (invalid_grant)', async () => {
      provider = make({ refreshToken: { lifetime: 100 } });
      const token = refreshTokenOf(await authorize(provider));
      clock.advance(101);
      expectError(await refresh(provider, token), 400, 'invalid_grant');
    });

    it('accepts a refresh token just before its lifetime ends', async () => {
      provider = make({ refreshToken: { lifetime: 100 } });
      const token = refreshTokenOf(await authorize(provider));
      clock.advance(99);
      expectTokens(await refresh(provider, token));
    });
  });

  describe('reuseGracePeriod', () => {
    beforeEach(() => {
      provider = make({ grants: { refreshToken: { reuseGracePeriod: 10 } } });
    });

    it('answers a retry within the grace period with a new access token and the same successor', async () => {
      const old = refreshTokenOf(await authorize(provider));
      const second = expectTokens(await refresh(provider, old));
      clock.advance(5);
      const retry = expectTokens(await refresh(provider, old));
      expect(refreshTokenOf(retry)).to.equal(second.refresh_token);
      expect(retry.access_token).to.not.equal(second.access_token);
      expect((await provider.verifyAccessToken(retry.access_token)).subject).to.equal('user-alice');
      // Nothing was revoked: the one chain goes on.
      expectTokens(await refresh(provider, refreshTokenOf(second)));
    });

    it('never forks the family: after a grace replay only one refresh token chain stays usable', async () => {
      // The attack: replay the rotated-out token inside the window, then keep both answers.
      // Before, the replay got a second successor and both chains rotated forever.
      const old = refreshTokenOf(await authorize(provider));
      const first = refreshTokenOf(expectTokens(await refresh(provider, old)));
      clock.advance(5);
      const replayed = refreshTokenOf(expectTokens(await refresh(provider, old)));
      clock.advance(11);
      const next = expectTokens(await refresh(provider, first));
      clock.advance(11);
      // Before, the replay's token was a second live branch and rotated here.
      expectError(await refresh(provider, replayed), 400, 'invalid_grant');
      expectError(await refresh(provider, refreshTokenOf(next)), 400, 'invalid_grant');
      expect(replayed, 'the replay was handed the same successor').to.equal(first);
    });

    it('keeps the scope narrowing of a retry to its access token', async () => {
      const old = refreshTokenOf(await authorize(provider));
      const second = expectTokens(await refresh(provider, old));
      const retry = expectTokens(await refresh(provider, old, { scope: 'read' }));
      expect(retry.scope).to.equal('read');
      expect(retry.refresh_token).to.equal(second.refresh_token);
      expect(expectTokens(await refresh(provider, refreshTokenOf(second))).scope).to.equal(
        'read write',
      );
    });

    it('takes a retry after the successor was used for reuse: the family is revoked', async () => {
      const old = refreshTokenOf(await authorize(provider));
      const second = expectTokens(await refresh(provider, old));
      const third = expectTokens(await refresh(provider, refreshTokenOf(second)));
      clock.advance(5);
      expectError(await refresh(provider, old), 400, 'invalid_grant');
      expectError(await refresh(provider, refreshTokenOf(third)), 400, 'invalid_grant');
      expect(await rejection(provider.verifyAccessToken(third.access_token))).to.be.instanceOf(
        InvalidTokenError,
      );
    });

    it('gives 10 parallel refreshes with one token one successor between them', async () => {
      const token = refreshTokenOf(await authorize(provider));
      const results = await Promise.all(Array.from({ length: 10 }, () => refresh(provider, token)));
      const issued = new Set<string>();
      for (const res of results) {
        if (res.status === 200) issued.add(refreshTokenOf(res.body as TokenResponseBody));
        else expectError(res, 400, 'invalid_grant');
      }
      expect(issued.size, 'distinct refresh tokens handed out').to.equal(1);
      expectTokens(await refresh(provider, [...issued][0] as string));
    });

    it('keeps the successor sealed: the store holds neither it nor a way to open it without the old token', async () => {
      const old = refreshTokenOf(await authorize(provider));
      const successor = refreshTokenOf(expectTokens(await refresh(provider, old)));
      const stored = await provider.stores.records.get(SUCCESSOR_KIND, sha256(old));
      expect(stored, 'a sealed successor').to.not.equal(undefined);
      expect(JSON.stringify(stored?.value)).to.not.include(successor);
      expect(await findSuccessor(provider.stores.records, sha256(old), 'another-token')).to.equal(
        undefined,
      );
      expect(await findSuccessor(provider.stores.records, sha256(old), old)).to.equal(successor);
    });

    it('revokes the family when the retired token comes back after the grace period', async () => {
      const old = refreshTokenOf(await authorize(provider));
      const second = expectTokens(await refresh(provider, old));
      clock.advance(11);
      expectError(await refresh(provider, old), 400, 'invalid_grant');
      expectError(await refresh(provider, refreshTokenOf(second)), 400, 'invalid_grant');
      expect(await rejection(provider.verifyAccessToken(second.access_token))).to.be.instanceOf(
        InvalidTokenError,
      );
    });
  });

  describe('rotate: false', () => {
    it('returns no new refresh token and the same one keeps working', async () => {
      // RFC 6749 6: "The authorization server MAY issue a new refresh token, in which case the client
      // MUST discard the old refresh token and replace it with the new refresh token."
      provider = make({ grants: { refreshToken: { rotate: false } } });
      const token = refreshTokenOf(await authorize(provider));
      const a = expectTokens(await refresh(provider, token));
      expect(a).to.not.have.property('refresh_token');
      const b = expectTokens(await refresh(provider, token));
      expect(b).to.not.have.property('refresh_token');
      expect(b.access_token).to.not.equal(a.access_token);
      expect((await provider.verifyAccessToken(a.access_token)).subject).to.equal('user-alice');
      expect((await provider.verifyAccessToken(b.access_token)).subject).to.equal('user-alice');
    });

    it('still narrows the scope', async () => {
      provider = make({ grants: { refreshToken: { rotate: false } } });
      const token = refreshTokenOf(await authorize(provider));
      expect(expectTokens(await refresh(provider, token, { scope: 'write' })).scope).to.equal(
        'write',
      );
      expectError(await refresh(provider, token, { scope: 'profile' }), 400, 'invalid_scope');
    });
  });
});

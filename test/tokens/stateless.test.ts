/**
 * Stateless JWT access tokens (`accessToken.revocation: 'deny-list'`, the
 * default for JWTs) through the engine: the options and their TypeErrors,
 * issuing that writes nothing per token, revocations that write deny-list
 * entries living as long as what they cover (with the events as before), and
 * the unique-token attack: a second authorization handed the first grant's
 * token, which the replay of its own code then could not revoke.
 */
import { expect } from 'chai';
import { decodeJwt } from 'jose';
import {
  MemoryRecordStore,
  Provider,
  type EngineResponse,
  type ProviderOptions,
  type RecordLookups,
  type RecordValue,
  type TokenGrant,
} from '../../index.js';
import { DENY_MARGIN } from '../../lib/tokens/checker.js';
import { grantReference } from '../../lib/tokens/jwt.js';
import { basic, expectError, expectTokens } from '../support/engine.js';
import {
  frozenClock,
  issueCode,
  providerOptions,
  REDIRECT,
  secrets,
  VERIFIER,
  type FrozenClock,
} from '../support/fixtures.js';

const SERVICE = basic('service', secrets.service.secret);
const WEB = basic('web', secrets.web.secret);

/** A memory store that counts puts by kind. */
class CountingStore extends MemoryRecordStore {
  readonly puts = new Map<string, number>();
  override put(
    kind: string,
    id: string,
    value: RecordValue,
    ttl: number | undefined,
    lookups?: RecordLookups,
  ): Promise<void> {
    this.puts.set(kind, (this.puts.get(kind) ?? 0) + 1);
    return super.put(kind, id, value, ttl, lookups);
  }
}

interface Setup {
  clock: FrozenClock;
  records: CountingStore;
  provider: Provider;
}

function setup(overrides: Partial<ProviderOptions> = {}): Setup {
  const clock = frozenClock();
  const records = new CountingStore({ clock });
  const provider = new Provider(providerOptions({ clock, stores: { records }, ...overrides }));
  return { clock, records, provider };
}

function clientCredentials(provider: Provider): Promise<EngineResponse> {
  return provider.token({ params: { grant_type: 'client_credentials' }, authorization: SERVICE });
}

/** Redeems a code made for `web` (alice, scope read). */
async function redeem(provider: Provider, code: string): Promise<EngineResponse> {
  return provider.token({
    params: {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: VERIFIER,
    },
    authorization: WEB,
  });
}

/** The provider's `oauth` stand-in for issueCode(). */
const server = (provider: Provider) => ({ provider }) as Parameters<typeof issueCode>[0];

async function isLive(provider: Provider, token: string): Promise<boolean> {
  return provider.verifyAccessToken(token).then(
    () => true,
    () => false,
  );
}

describe('stateless JWT access tokens (engine)', () => {
  describe('options', () => {
    for (const grant of ['authorizationCode', 'clientCredentials', 'password', 'implicit']) {
      it(`grants.${grant}.uniqueTokens with stateless JWTs → TypeError naming the option and the fix`, () => {
        const grants = {
          [grant]: {
            uniqueTokens: true,
            ...(grant === 'password' ? { verify: async () => undefined } : {}),
          },
        };
        expect(() => new Provider(providerOptions({ grants }))).to.throw(
          TypeError,
          `options.grants.${grant}.uniqueTokens needs a record per access token, which stateless JWTs do not have: set options.accessToken.revocation to "allow-list" (or accessToken.format to "opaque"), or drop uniqueTokens`,
        );
      });
    }

    it('uniqueTokens is fine with allow-list JWTs and with opaque tokens', () => {
      const grants = { clientCredentials: { uniqueTokens: true } };
      expect(
        () => new Provider(providerOptions({ grants, accessToken: { revocation: 'allow-list' } })),
      ).not.to.throw();
      expect(
        () => new Provider(providerOptions({ grants, accessToken: { format: 'opaque' } })),
      ).not.to.throw();
    });

    it('revocation "deny-list" with opaque tokens, or an unknown value → TypeError', () => {
      expect(
        () =>
          new Provider(
            providerOptions({ accessToken: { format: 'opaque', revocation: 'deny-list' } }),
          ),
      ).to.throw(
        TypeError,
        'options.accessToken.revocation "deny-list" is for JWT access tokens; opaque tokens always have a record (drop the option, or set accessToken.format to "jwt")',
      );
      const revocation = 'denylist' as 'deny-list';
      expect(() => new Provider(providerOptions({ accessToken: { revocation } }))).to.throw(
        TypeError,
        'options.accessToken.revocation must be "deny-list" or "allow-list"',
      );
    });
  });

  describe('issuing writes nothing per access token', () => {
    it('100 client_credentials JWTs: no put at all; each carries grant_ref', async () => {
      const { provider, records } = setup();
      for (let i = 0; i < 100; i++) {
        const body = expectTokens(await clientCredentials(provider));
        expect(decodeJwt(body.access_token)['grant_ref']).to.match(/^[A-Za-z0-9_-]{22}$/);
      }
      expect([...records.puts]).to.deep.equal([]);
    });

    it('the code flow writes the code and the refresh token, not the access token', async () => {
      const { provider, records } = setup();
      const code = await issueCode(server(provider), 'web', { verifier: VERIFIER });
      const body = expectTokens(await redeem(provider, code));
      expect(body.refresh_token).to.be.a('string');
      // user-grant (authorized apps): written with the code, extended at its first use.
      expect(Object.fromEntries(records.puts)).to.deep.equal({
        code: 1,
        refresh: 1,
        'user-grant': 2,
      });
    });

    it('allow-list mode (the option) saves a record per JWT, as opaque tokens always do', async () => {
      for (const accessToken of [
        { revocation: 'allow-list' as const },
        { format: 'opaque' as const },
      ]) {
        const { provider, records } = setup({ accessToken });
        for (let i = 0; i < 3; i++) expectTokens(await clientCredentials(provider));
        expect(Object.fromEntries(records.puts)).to.deep.equal({ access: 3 });
      }
    });

    it('grant_ref names the grant opaquely: a truncated hash, not the grant id', async () => {
      const { provider } = setup();
      let grantId = '';
      provider.events.on('token.issued', (e) => {
        grantId = e.grantId;
      });
      const body = expectTokens(await clientCredentials(provider));
      const claims = decodeJwt(body.access_token);
      expect(claims['grant_ref']).to.equal(grantReference(grantId));
      expect(JSON.stringify(claims)).not.to.contain(grantId);
    });
  });

  describe('revocation writes deny-list entries', () => {
    it('revoking a JWT: one deny-token entry until exp plus the margin; token.revoked as before', async () => {
      const { provider, records, clock } = setup({ accessToken: { lifetime: 600 } });
      const token = expectTokens(await clientCredentials(provider)).access_token;
      const { jti, exp } = decodeJwt(token);
      const events: unknown[] = [];
      provider.events.on('token.revoked', (e) => {
        events.push(e);
      });
      clock.advance(100);
      const res = await provider.revoke({ params: { token }, authorization: SERVICE });
      expect(res.status).to.equal(200);
      const entry = await records.get('deny-token', jti as string);
      expect(entry?.expiresAt).to.equal(((exp as number) + DENY_MARGIN) * 1000);
      expect(Object.fromEntries(records.puts)).to.deep.equal({ 'deny-token': 1 });
      expect(events).to.deep.equal([
        {
          type: 'token.revoked',
          time: clock(),
          clientId: 'service',
          tokenType: 'access_token',
          tokenId: jti,
        },
      ]);
      expect(await isLive(provider, token)).to.equal(false);
      const introspection = await provider.introspect({
        params: { token },
        authorization: SERVICE,
      });
      expect(introspection.body).to.deep.equal({ active: false });
    });

    it('a code replay denies the grant for the longest access token lifetime plus the margin; grant.revoked as before', async () => {
      const { provider, records, clock } = setup({
        accessToken: { lifetime: 600 },
        grants: { clientCredentials: { accessTokenLifetime: 900 } },
      });
      const code = await issueCode(server(provider), 'web', { verifier: VERIFIER });
      const body = expectTokens(await redeem(provider, code));
      expect(await isLive(provider, body.access_token)).to.equal(true);
      const revoked: unknown[] = [];
      provider.events.on('grant.revoked', (e) => {
        revoked.push(e.reason);
      });
      expectError(await redeem(provider, code), 400, 'invalid_grant');
      expect(revoked).to.deep.equal(['code_replayed']);
      const ref = decodeJwt(body.access_token)['grant_ref'] as string;
      expect((await records.get('deny-grant', ref))?.expiresAt).to.equal(
        clock() + (900 + DENY_MARGIN) * 1000,
      );
      expect(await isLive(provider, body.access_token)).to.equal(false);
      // The refresh token of the grant is dead too (its marker, as before).
      const refresh = await provider.token({
        params: { grant_type: 'refresh_token', refresh_token: body.refresh_token as string },
        authorization: WEB,
      });
      expectError(refresh, 400, 'invalid_grant');
    });

    it('the entry ends when the tokens it covers could no longer be accepted', async () => {
      const { provider, clock } = setup({ accessToken: { lifetime: 600 } });
      const token = expectTokens(await clientCredentials(provider)).access_token;
      await provider.revoke({ params: { token }, authorization: SERVICE });
      clock.advance(599);
      expect(await isLive(provider, token)).to.equal(false);
      clock.advance(1);
      // Expired now; refused for that reason.
      const err = await provider.verifyAccessToken(token).catch((e: Error) => e);
      expect((err as { description?: string }).description).to.equal('the access token expired');
    });

    it('introspection answers from the verified claims and the deny-list (no access record read)', async () => {
      const { provider, records } = setup();
      let reads = 0;
      const get = records.get.bind(records);
      records.get = (kind, id) => {
        if (kind === 'access') reads++;
        return get(kind, id);
      };
      const token = expectTokens(await clientCredentials(provider)).access_token;
      const claims = decodeJwt(token);
      const res = await provider.introspect({ params: { token }, authorization: SERVICE });
      expect(res.body).to.deep.equal({
        active: true,
        scope: 'read',
        client_id: 'service',
        token_type: 'Bearer',
        exp: claims.exp,
        iat: claims.iat,
        sub: 'service',
        aud: claims.aud,
        iss: claims.iss,
        jti: claims.jti,
      });
      expect(reads).to.equal(0);
    });
  });

  describe('extension grants', () => {
    const grant = (options: { unique?: boolean; lifetime?: number }): TokenGrant => ({
      grantType: 'urn:example:params:oauth:grant-type:test',
      handle: ({ client }, context) =>
        context.tokens.issue({
          client,
          subject: 'ext',
          scope: [],
          grantType: 'urn:example:params:oauth:grant-type:test',
          grantId: context.tokens.newGrantId(),
          accessTokenLifetime: options.lifetime ?? 60,
          unique: options.unique,
        }),
    });
    const options = (g: TokenGrant): Partial<ProviderOptions> => ({
      extensionGrants: [g],
      clients: [
        {
          id: 'ext',
          secretHash: secrets.service.secretHash,
          grantTypes: ['urn:example:params:oauth:grant-type:test'],
        },
      ],
    });
    const ask = (provider: Provider) =>
      provider.token({
        params: { grant_type: 'urn:example:params:oauth:grant-type:test' },
        authorization: basic('ext', secrets.service.secret),
      });

    it('asking for unique tokens, or a JWT outliving the longest configured lifetime → 500, never a token', async () => {
      for (const g of [grant({ unique: true }), grant({ lifetime: 3601 })]) {
        const logged: unknown[] = [];
        const { provider } = setup({
          ...options(g),
          logger: {
            debug: () => undefined,
            info: () => undefined,
            warn: () => undefined,
            error: (obj: unknown) => logged.push(obj),
          },
        });
        expectError(await ask(provider), 500, 'server_error');
        expect(String((logged[0] as { err: unknown }).err)).to.match(/^TypeError: urn:example/);
      }
      expectTokens(await ask(setup(options(grant({ lifetime: 3600 }))).provider));
    });
  });

  describe('unique tokens belong to their grant (the attack)', () => {
    for (const accessToken of [
      { revocation: 'allow-list' as const },
      { format: 'opaque' as const },
    ]) {
      const label = accessToken.format ?? 'jwt allow-list';

      it(`a second authorization gets its own token, and replaying its code revokes that token only (${label})`, async () => {
        const { provider } = setup({
          accessToken,
          grants: { authorizationCode: { uniqueTokens: true } },
        });
        // The user authorizes the client twice (same client, user and scope).
        const first = expectTokens(
          await redeem(provider, await issueCode(server(provider), 'web', { verifier: VERIFIER })),
        );
        const code = await issueCode(server(provider), 'web', { verifier: VERIFIER });
        // The attacker redeems the second code first (it leaked).
        const second = expectTokens(await redeem(provider, code));
        expect(second.access_token, "another grant's token").not.to.equal(first.access_token);
        expect(second.refresh_token).to.be.a('string');
        // The client redeems it too: a replay, which revokes everything of that grant.
        expectError(await redeem(provider, code), 400, 'invalid_grant');
        expect(await isLive(provider, second.access_token)).to.equal(false);
        expect(await isLive(provider, first.access_token)).to.equal(true);
      });
    }

    it('client_credentials still hands out the same live token (its requests hold no grant of their own)', async () => {
      const { provider } = setup({
        accessToken: { revocation: 'allow-list' },
        grants: { clientCredentials: { uniqueTokens: true } },
      });
      const a = expectTokens(await clientCredentials(provider)).access_token;
      expect(expectTokens(await clientCredentials(provider)).access_token).to.equal(a);
    });
  });
});

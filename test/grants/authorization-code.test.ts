/**
 * The authorization_code grant, driven through the engine (`provider.token`)
 * without HTTP: redemption rules, PKCE, one-time use and issueAuthorizationCode's checks.
 */
import { expect } from 'chai';
import {
  INVALID_GRANT,
  createAuthorizationServer,
  InvalidRequestError,
  InvalidTokenError,
  Provider,
  s256Challenge,
  type Client,
  type ClientConfig,
  type EngineResponse,
  type ProviderOptions,
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
import {
  basic,
  expectBearerFor,
  expectError,
  expectOneWinner,
  expectTokens,
  form,
  rejection,
} from '../support/engine.js';

const WEB = basic('web', secrets.web.secret);
const OTHER = basic('other', secrets.other.secret);
const legacySecret = secrets.service; // reused: any generated secret will do for the extra clients
const LEGACY = basic('legacy', legacySecret.secret);
const NOREFRESH = basic('norefresh', legacySecret.secret);
/** Another well-formed verifier (43 characters) that does not answer {@link VERIFIER}'s challenge. */
const WRONG_VERIFIER = 'wrong-verifier-0123456789-abcdefghijklmnopqrs';

/** The fixture clients plus a confidential client that opted out of PKCE and one without the refresh_token grant. */
function clients(): ClientConfig[] {
  return [
    ...(providerOptions().clients as readonly ClientConfig[]),
    {
      id: 'legacy',
      secretHash: legacySecret.secretHash,
      redirectUris: [REDIRECT],
      grantTypes: ['authorization_code', 'refresh_token'],
      requirePkce: false,
    },
    {
      id: 'norefresh',
      secretHash: legacySecret.secretHash,
      redirectUris: [REDIRECT],
      grantTypes: ['authorization_code'],
    },
  ];
}

function makeProvider(clock: FrozenClock, overrides: Partial<ProviderOptions> = {}): Provider {
  return new Provider(providerOptions({ clock, clients: clients(), ...overrides }));
}

/** Redeems `code` as `web` (Basic auth) unless told otherwise; `authorization: null` sends no header. */
function redeem(
  provider: Provider,
  code: string | undefined,
  extra: Record<string, string | undefined> = {},
  authorization: string | null = WEB,
): Promise<EngineResponse> {
  return provider.token({
    params: form({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: VERIFIER,
      ...extra,
    }),
    authorization: authorization ?? undefined,
  });
}

async function clientOf(provider: Provider, id: string): Promise<Client> {
  const client = await provider.stores.clients.find(id);
  if (client === undefined) throw new Error(`no client ${id}`);
  return client;
}

describe('authorization_code grant (engine)', () => {
  let clock: FrozenClock;
  let provider: Provider;
  /** A code for `clientId`, with {@link VERIFIER}'s S256 challenge unless told otherwise. */
  const code = (clientId = 'web', options: Parameters<typeof issueCode>[2] = {}): Promise<string> =>
    issueCode(createAuthorizationServer(provider), clientId, { verifier: VERIFIER, ...options });

  beforeEach(() => {
    clock = frozenClock();
    provider = makeProvider(clock);
  });

  describe('success', () => {
    it('redeems a code with PKCE for an access token and a refresh token', async () => {
      const res = await redeem(provider, await code('web', { scope: ['read', 'profile'] }));
      const body = expectTokens(res);
      expect(body.access_token).to.be.a('string').and.not.equal('');
      expect(body.refresh_token).to.be.a('string').and.not.equal('');
      await expectBearerFor(provider, body, {
        subject: 'user-alice',
        clientId: 'web',
        scope: 'read profile',
      });
    });

    it('sends Cache-Control: no-store and Pragma: no-cache', async () => {
      // RFC 6749 5.1: "The authorization server MUST include the HTTP "Cache-Control" response header
      // field [RFC2616] with a value of "no-store" in any response containing tokens, credentials, or
      // other sensitive information, as well as the "Pragma" response header field [RFC2616] with a
      // value of "no-cache"."
      const res = await redeem(provider, await code());
      expectTokens(res);
      expect(res.headers['Cache-Control']).to.equal('no-store');
      expect(res.headers['Pragma']).to.equal('no-cache');
    });

    it('lets a public client redeem with client_id and its verifier', async () => {
      const res = await redeem(provider, await code('spa'), { client_id: 'spa' }, null);
      const body = expectTokens(res);
      expect((await provider.verifyAccessToken(body.access_token)).clientId).to.equal('spa');
    });
  });

  describe('refusals', () => {
    it('refuses a request without code (invalid_request)', async () => {
      // RFC 6749 5.2, invalid_request: "The request is missing a required parameter, ..."
      expectError(await redeem(provider, undefined), 400, 'invalid_request');
    });

    it('refuses an unknown code (invalid_grant)', async () => {
      expectError(await redeem(provider, 'no-such-code'), 400, 'invalid_grant');
    });

    it('refuses another client redeeming the code (invalid_grant) and does not burn it', async () => {
      // RFC 6749 4.1.3: "ensure that the authorization code was issued to the authenticated
      // confidential client, or if the client is public, ensure that the code was issued to
      // "client_id" in the request"
      const c = await code('web');
      expectError(await redeem(provider, c, {}, OTHER), 400, 'invalid_grant');
      expectError(await redeem(provider, c, { client_id: 'spa' }, null), 400, 'invalid_grant');
      expectTokens(await redeem(provider, c));
    });

    it('requires redirect_uri when it was sent at authorization (invalid_request) and does not burn the code', async () => {
      // RFC 6749 4.1.3: "ensure that the "redirect_uri" parameter is present if the "redirect_uri"
      // parameter was included in the initial authorization request as described in Section 4.1.1,
      // and if included ensure that their values are identical."
      const c = await code();
      expectError(await redeem(provider, c, { redirect_uri: undefined }), 400, 'invalid_request');
      expectTokens(await redeem(provider, c));
    });

    it('refuses a mismatching redirect_uri (invalid_grant) and does not burn the code', async () => {
      // RFC 6749 5.2, invalid_grant: "... does not match the redirection URI used in the authorization request ..."
      const c = await code();
      expectError(
        await redeem(provider, c, { redirect_uri: 'https://app.example.test/other' }),
        400,
        'invalid_grant',
      );
      expectError(
        await redeem(provider, c, { redirect_uri: `${REDIRECT}/` }),
        400,
        'invalid_grant',
      );
      expectTokens(await redeem(provider, c));
    });

    it('lets redirect_uri be omitted when it was not sent at authorization', async () => {
      const c = await code('web', { redirectUriSent: false });
      expectTokens(await redeem(provider, c, { redirect_uri: undefined }));
    });

    it('still checks a redirect_uri given when none was sent at authorization', async () => {
      const c = await code('web', { redirectUriSent: false });
      expectError(
        await redeem(provider, c, { redirect_uri: 'https://app.example.test/other' }),
        400,
        'invalid_grant',
      );
      expectTokens(await redeem(provider, c, { redirect_uri: REDIRECT }));
    });

    it('refuses a wrong code_verifier (invalid_grant) and does not burn the code', async () => {
      // RFC 7636 4.6: "If the values are not equal, an error response indicating "invalid_grant" as
      // described in Section 5.2 of [RFC6749] MUST be returned."
      const c = await code();
      expectError(
        await redeem(provider, c, { code_verifier: WRONG_VERIFIER }),
        400,
        'invalid_grant',
      );
      expectTokens(await redeem(provider, c, { code_verifier: VERIFIER }));
    });

    it('requires code_verifier when a challenge was stored (invalid_request)', async () => {
      const c = await code();
      expectError(await redeem(provider, c, { code_verifier: undefined }), 400, 'invalid_request');
      expectTokens(await redeem(provider, c));
    });

    it('refuses a code_verifier when no challenge was stored (invalid_request)', async () => {
      // RFC 9700 4.8.2: "the authorization server MUST ensure that if there was no code_challenge in
      // the authorization request, a request to the token endpoint containing a code_verifier is rejected."
      const c = await code('legacy', { verifier: undefined });
      expectError(
        await redeem(provider, c, { code_verifier: VERIFIER }, LEGACY),
        400,
        'invalid_request',
      );
      expectTokens(await redeem(provider, c, { code_verifier: undefined }, LEGACY));
    });

    it('refuses an expired code (invalid_grant)', async () => {
      // RFC 6749 4.1.2: "The authorization code MUST expire shortly after it is issued to mitigate the
      // risk of leaks."
      const c = await code();
      clock.advance(61);
      expectError(await redeem(provider, c), 400, 'invalid_grant');
    });

    it('accepts a code just before its 60 s lifetime ends', async () => {
      const c = await code();
      clock.advance(59);
      expectTokens(await redeem(provider, c));
    });
  });

  describe('one-time use', () => {
    it('refuses a second redemption and revokes the tokens of the first', async () => {
      // RFC 6749 4.1.2: "If an authorization code is used more than once, the authorization server
      // MUST deny the request and SHOULD revoke (when possible) all tokens previously issued based on
      // that authorization code."
      const c = await code();
      const first = expectTokens(await redeem(provider, c));
      expect((await provider.verifyAccessToken(first.access_token)).subject).to.equal('user-alice');

      expectError(await redeem(provider, c), 400, 'invalid_grant');

      const err = await rejection(provider.verifyAccessToken(first.access_token));
      expect(err).to.be.instanceOf(InvalidTokenError);
      expect(first.refresh_token).to.be.a('string');
      const refreshed = await provider.token({
        params: { grant_type: 'refresh_token', refresh_token: first.refresh_token as string },
        authorization: WEB,
      });
      expectError(refreshed, 400, 'invalid_grant');
    });

    it('does not revoke anything when a used code comes with a wrong verifier', async () => {
      // Someone who saw a used code but lacks its verifier must not be able to get the
      // owner's tokens revoked: the replay is judged only after the PKCE check.
      const c = await code();
      const first = expectTokens(await redeem(provider, c));
      expectError(
        await redeem(provider, c, { code_verifier: WRONG_VERIFIER }),
        400,
        'invalid_grant',
      );
      expect((await provider.verifyAccessToken(first.access_token)).subject).to.equal('user-alice');
      const stranger = await redeem(provider, c, {}, OTHER);
      expectError(stranger, 400, 'invalid_grant');
      // The public text is the same for every invalid_grant (the reason is private);
      // that the owner's token still works shows the replay path was not taken.
      expect((stranger.body as { error_description: string }).error_description).to.equal(
        INVALID_GRANT,
      );
      expect((await provider.verifyAccessToken(first.access_token)).subject).to.equal('user-alice');
    });

    it('lets exactly one of 10 parallel redemptions of one code win', async () => {
      const c = await code();
      const results = await Promise.all(Array.from({ length: 10 }, () => redeem(provider, c)));
      expect(results).to.have.length(10);
      expectOneWinner(results);
    });
  });

  describe('refresh tokens', () => {
    it('issues none when the client may not use the refresh_token grant', async () => {
      const body = expectTokens(await redeem(provider, await code('norefresh'), {}, NOREFRESH));
      expect(body).to.not.have.property('refresh_token');
      expect(body.access_token).to.be.a('string');
    });

    it('issues none when the refresh_token grant is disabled', async () => {
      provider = makeProvider(clock, { grants: { refreshToken: false } });
      const body = expectTokens(await redeem(provider, await code('web')));
      expect(body).to.not.have.property('refresh_token');
      const refreshed = await provider.token({
        params: { grant_type: 'refresh_token', refresh_token: 'anything' },
        authorization: WEB,
      });
      expectError(refreshed, 400, 'unsupported_grant_type');
    });
  });

  describe('issueAuthorizationCode', () => {
    const challenge = s256Challenge(VERIFIER);

    it('refuses a public client without code_challenge (InvalidRequestError)', async () => {
      const client = await clientOf(provider, 'spa');
      const err = await rejection(
        provider.issueAuthorizationCode({
          client,
          subject: 'user-alice',
          scope: ['read'],
          redirectUri: REDIRECT,
        }),
      );
      expect(err).to.be.instanceOf(InvalidRequestError);
      expect((err as InvalidRequestError).error).to.equal('invalid_request');
    });

    it('refuses a confidential client without code_challenge unless it opted out of PKCE', async () => {
      const web = await clientOf(provider, 'web');
      expect(
        await rejection(
          provider.issueAuthorizationCode({
            client: web,
            subject: 'u',
            scope: ['read'],
            redirectUri: REDIRECT,
          }),
        ),
      ).to.be.instanceOf(InvalidRequestError);
      const legacy = await clientOf(provider, 'legacy');
      const issued = await provider.issueAuthorizationCode({
        client: legacy,
        subject: 'u',
        scope: ['read'],
        redirectUri: REDIRECT,
      });
      expect(issued.code).to.be.a('string');
      expect(issued.expiresIn).to.equal(60);
    });

    it('refuses the plain method unless pkce.allowPlain', async () => {
      // RFC 9700 2.1.1: "When using PKCE, clients SHOULD use PKCE code challenge methods that do not
      // expose the PKCE verifier in the authorization request. [...] Currently, S256 is the only such method."
      const client = await clientOf(provider, 'spa');
      const input = {
        client,
        subject: 'user-alice',
        scope: ['read'],
        redirectUri: REDIRECT,
        codeChallenge: VERIFIER,
        codeChallengeMethod: 'plain' as const,
      };
      expect(await rejection(provider.issueAuthorizationCode(input))).to.be.instanceOf(
        InvalidRequestError,
      );

      provider = makeProvider(clock, { pkce: { allowPlain: true } });
      const plainClient = await clientOf(provider, 'spa');
      const { code: c } = await provider.issueAuthorizationCode({ ...input, client: plainClient });
      expectError(
        await redeem(provider, c, { client_id: 'spa', code_verifier: WRONG_VERIFIER }, null),
        400,
        'invalid_grant',
      );
      expectTokens(await redeem(provider, c, { client_id: 'spa', code_verifier: VERIFIER }, null));
    });

    it('refuses a malformed code_challenge', async () => {
      // RFC 7636 4.2: "code-challenge = 43*128unreserved"
      const client = await clientOf(provider, 'spa');
      for (const bad of [
        'too-short',
        'a'.repeat(129),
        `${challenge.slice(0, -1)}+`,
        `${challenge.slice(0, -1)}=`,
      ]) {
        const err = await rejection(
          provider.issueAuthorizationCode({
            client,
            subject: 'u',
            scope: ['read'],
            redirectUri: REDIRECT,
            codeChallenge: bad,
          }),
        );
        expect(err, bad).to.be.instanceOf(InvalidRequestError);
      }
    });

    it('refuses an unregistered redirect URI with a TypeError', async () => {
      const client = await clientOf(provider, 'spa');
      const err = await rejection(
        provider.issueAuthorizationCode({
          client,
          subject: 'u',
          scope: ['read'],
          redirectUri: 'https://evil.example.test/callback',
          codeChallenge: challenge,
        }),
      );
      expect(err).to.be.instanceOf(TypeError);
      expect((err as Error).message).to.match(/redirectUri/);
    });
  });
});

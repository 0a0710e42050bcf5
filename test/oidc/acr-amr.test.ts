/**
 * OpenID Connect `acr` and `amr` (OIDC Core 2): what the site adapter says of
 * how the user signed in travels with the code and the refresh token into every
 * id_token of the login; a bad answer from the host is a SetupError, never a
 * token. id_tokens are verified with jose against the JWKS.
 */
import { expect } from 'chai';
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import request from 'supertest';
import {
  SetupError,
  type AuthorizeOptions,
  type OpenIdOptions,
  type ProviderOptions,
  type SiteAdapter,
  type SiteUser,
} from '../../index.js';
import {
  authorizeApp,
  authorizePath,
  CB,
  consentPage,
  decide,
  expectRedirect,
  ISSUER,
  redeem,
  signedIn,
  spaParams,
  type Agent,
  type AuthorizeApp,
} from '../support/authorize-app.js';

const ACR = 'urn:example:loa:2';

function oidcApp(
  authorize: AuthorizeOptions = { loginUrl: '/login' },
  openid: Partial<OpenIdOptions> = {},
  provider: Partial<ProviderOptions> = {},
): AuthorizeApp {
  return authorizeApp({
    authorize,
    provider: {
      openid: { claims: () => ({ name: 'Alice' }), ...openid },
      grants: { authorizationCode: {}, refreshToken: {} },
      ...provider,
    },
  });
}

type Tokens = { access_token: string; id_token: string; refresh_token: string };

/** Consents as `agent` and redeems the code. */
async function tokensWith(fixture: AuthorizeApp, agent: Agent): Promise<Tokens> {
  const { form } = await consentPage(agent, spaParams({ scope: 'openid profile' }));
  const res = await decide(agent, { ...form, decision: 'allow' });
  const code = expectRedirect(res, CB, { status: 303 }).get('code') as string;
  const token = await redeem(fixture.app, { code });
  expect(token.status, token.text).to.equal(200);
  return token.body as Tokens;
}

async function refreshed(fixture: AuthorizeApp, refreshToken: string): Promise<Tokens> {
  const res = await request(fixture.app)
    .post('/token')
    .type('form')
    .send({ grant_type: 'refresh_token', client_id: 'spa', refresh_token: refreshToken });
  expect(res.status, res.text).to.equal(200);
  return res.body as Tokens;
}

async function idClaims(fixture: AuthorizeApp, idToken: string): Promise<JWTPayload> {
  const jwks = (await request(fixture.app).get('/jwks')).body;
  const { payload } = await jwtVerify(idToken, createLocalJWKSet(jwks), {
    issuer: ISSUER,
    audience: 'spa',
    currentDate: new Date(fixture.clock()),
  });
  return payload;
}

/** GET /authorize as a signed-in user whose adapter answers badly: the SetupError that reached the host. */
async function setupError(fixture: AuthorizeApp): Promise<SetupError> {
  const agent = await signedIn(fixture.app);
  const res = await agent.get(authorizePath(spaParams({ scope: 'openid' })));
  expect(res.status, res.text).to.equal(500);
  expect(res.text).to.equal('host error handler');
  expect(res.headers['location']).to.equal(undefined);
  expect(fixture.codes.saved).to.have.length(0);
  expect(fixture.errors).to.have.length(1);
  expect(fixture.errors[0]).to.be.instanceOf(SetupError);
  return fixture.errors[0] as SetupError;
}

const ACR_RULE =
  'must give undefined or a string of 1 to 256 characters of %x21-7E (an OpenID Connect acr)';
const AMR_RULE =
  'must give undefined or an array of at most 10 strings of 1 to 64 characters of %x21-7E (OpenID Connect amr, RFC 8176)';

describe('OpenID Connect acr/amr from the Passport site adapter (OIDC Core 2)', () => {
  it('the id_token from the code carries acr and amr; the refresh keeps the values of the login', async () => {
    // OIDC Core 12.2: the refreshed id_token's claims describe the original authentication.
    let mfa = true;
    const fixture = oidcApp({
      loginUrl: '/login',
      acr: (_user, req) => (req.session?.['passport'] !== undefined && mfa ? ACR : 'loa1'),
      amr: () => (mfa ? ['pwd', 'otp', 'pwd'] : ['pwd']),
    });
    const body = await tokensWith(fixture, await signedIn(fixture.app));
    const first = await idClaims(fixture, body.id_token);
    expect(first['acr']).to.equal(ACR);
    // Repeated values are kept once.
    expect(first['amr']).to.deep.equal(['pwd', 'otp']);
    expect(fixture.codes.saved[0]).to.include({ acr: ACR });
    expect(fixture.codes.saved[0]?.amr).to.deep.equal(['pwd', 'otp']);

    mfa = false; // what the adapter would say now does not rewrite that login
    const again = await idClaims(fixture, (await refreshed(fixture, body.refresh_token)).id_token);
    expect(again['acr']).to.equal(ACR);
    expect(again['amr']).to.deep.equal(['pwd', 'otp']);
    expect(again['auth_time']).to.equal(first['auth_time']);
  });

  it('a refresh that narrows openid away keeps the login for a later refresh that asks for it again', async () => {
    const fixture = oidcApp({ loginUrl: '/login', acr: () => ACR, amr: () => ['pwd'] });
    const body = await tokensWith(fixture, await signedIn(fixture.app));
    const first = await idClaims(fixture, body.id_token);
    const narrowed = await request(fixture.app).post('/token').type('form').send({
      grant_type: 'refresh_token',
      client_id: 'spa',
      refresh_token: body.refresh_token,
      scope: 'profile',
    });
    expect(narrowed.status, narrowed.text).to.equal(200);
    expect(narrowed.body).not.to.have.property('id_token');
    const again = await idClaims(
      fixture,
      (await refreshed(fixture, narrowed.body.refresh_token)).id_token,
    );
    expect([again['auth_time'], again['acr'], again['amr']]).to.deep.equal([
      first['auth_time'],
      ACR,
      ['pwd'],
    ]);
  });

  it('the adapter says nothing: no acr, no amr claim, from the code or a refresh', async () => {
    const fixture = oidcApp();
    const body = await tokensWith(fixture, await signedIn(fixture.app));
    const claims = await idClaims(fixture, body.id_token);
    expect(claims).not.to.have.property('acr');
    expect(claims).not.to.have.property('amr');
    expect(fixture.codes.saved[0]).not.to.have.property('acr');
    const again = await idClaims(fixture, (await refreshed(fixture, body.refresh_token)).id_token);
    expect(again).not.to.have.property('acr');
    expect(again).not.to.have.property('amr');
  });

  it('undefined and an empty amr mean unknown: no claim', async () => {
    const fixture = oidcApp({ loginUrl: '/login', acr: () => undefined, amr: () => [] });
    const body = await tokensWith(fixture, await signedIn(fixture.app));
    const claims = await idClaims(fixture, body.id_token);
    expect(claims).not.to.have.property('acr');
    expect(claims).not.to.have.property('amr');
  });

  it('the functions get the Passport user and the request', async () => {
    const seen: unknown[] = [];
    const fixture = oidcApp({
      loginUrl: '/login',
      acr: (user, req) => {
        seen.push(user, typeof req.headers);
        return ACR;
      },
    });
    await tokensWith(fixture, await signedIn(fixture.app));
    expect(seen[0]).to.deep.include({ id: 'user-alice', username: 'alice' });
    expect(seen[1]).to.equal('object');
  });

  const BAD_ACR: readonly [string, unknown, string][] = [
    ['a number', 2, 'a number'],
    ['null', null, 'null'],
    ['an empty string', '', 'a string of 0 characters'],
    ['257 characters', 'a'.repeat(257), 'a string of 257 characters'],
    ['a space (acr_values are space-separated)', 'loa 2', 'a string of 5 characters'],
    ['a newline', 'loa\r\n2', 'a string of 6 characters'],
    ['a non-ASCII character', 'lоa2', 'a string of 4 characters'],
    ['an array', [ACR], 'an array of 1'],
  ];
  for (const [what, value, gave] of BAD_ACR) {
    it(`acr answering ${what} → SetupError naming authorize(): options.acr, no code`, async () => {
      const fixture = oidcApp({ loginUrl: '/login', acr: () => value as string });
      const err = await setupError(fixture);
      expect(err.message).to.equal(
        `oauth2-stateless: authorize(): options.acr ${ACR_RULE}; it gave ${gave}`,
      );
    });
  }

  const BAD_AMR: readonly [string, unknown, string][] = [
    ['a string', 'pwd', 'a string of 3 characters'],
    ['11 values', Array.from({ length: 11 }, (_, i) => `m${i}`), 'an array of 11'],
    ['a number inside', ['pwd', 1], 'an array of 2'],
    ['an empty value', ['pwd', ''], 'an array of 2'],
    ['a value of 65 characters', ['x'.repeat(65)], 'an array of 1'],
    ['a value with a space', ['one time'], 'an array of 1'],
    ['an object', { 0: 'pwd', length: 1 }, 'an object'],
  ];
  for (const [what, value, gave] of BAD_AMR) {
    it(`amr answering ${what} → SetupError naming authorize(): options.amr, no code`, async () => {
      const fixture = oidcApp({ loginUrl: '/login', amr: () => value as string[] });
      const err = await setupError(fixture);
      expect(err.message).to.equal(
        `oauth2-stateless: authorize(): options.amr ${AMR_RULE}; it gave ${gave}`,
      );
    });
  }

  it('the bounds themselves pass: acr of 256, ten amr values of 64', async () => {
    const acr = 'a'.repeat(256);
    const amr = Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(64, 'x'));
    const fixture = oidcApp({ loginUrl: '/login', acr: () => acr, amr: () => amr });
    const claims = await idClaims(
      fixture,
      (await tokensWith(fixture, await signedIn(fixture.app))).id_token,
    );
    expect(claims['acr']).to.equal(acr);
    expect(claims['amr']).to.deep.equal(amr);
  });

  it('options that are not functions are TypeErrors naming the option', () => {
    const { oauth } = oidcApp();
    expect(() => oauth.authorize({ acr: ACR as never })).to.throw(
      TypeError,
      'authorize(): options.acr must be a function (user, req) => string | undefined',
    );
    expect(() => oauth.authorize({ amr: ['pwd'] as never })).to.throw(
      TypeError,
      'authorize(): options.amr must be a function (user, req) => string[] | undefined (RFC 8176 values)',
    );
    expect(() => oauth.authorize({ acrs: () => ACR } as never)).to.throw(
      TypeError,
      'authorize(): options has an unknown key "acrs"; did you mean "acr"?',
    );
    expect(() =>
      oauth.router({ authorize: { loginUrl: '/login', acr: () => ACR, amr: () => ['pwd'] } }),
    ).not.to.throw();
  });
});

describe('OpenID Connect acr/amr from a custom site adapter', () => {
  function adapter(user: SiteUser): SiteAdapter {
    return {
      currentUser: () => user,
      login: () => {
        throw new Error('not used');
      },
    };
  }

  it('its SiteUser acr and amr reach the id_token, and the refresh', async () => {
    const carol = { subject: 'user-carol', acr: ACR, amr: ['hwk', 'mfa'] } as const;
    const fixture = oidcApp({ siteAdapter: adapter(carol) });
    const body = await tokensWith(fixture, request.agent(fixture.app));
    const claims = await idClaims(fixture, body.id_token);
    expect(claims.sub).to.equal('user-carol');
    expect(claims['acr']).to.equal(ACR);
    expect(claims['amr']).to.deep.equal(['hwk', 'mfa']);
    const again = await idClaims(fixture, (await refreshed(fixture, body.refresh_token)).id_token);
    expect([again['acr'], again['amr']]).to.deep.equal([ACR, ['hwk', 'mfa']]);
  });

  it('a malformed acr → SetupError naming currentUser() when the user allows; nothing issued', async () => {
    const fixture = oidcApp({
      siteAdapter: adapter({ subject: 'user-carol', acr: 'has space' }),
    });
    const agent = request.agent(fixture.app);
    const { form } = await consentPage(agent, spaParams({ scope: 'openid' }));
    const res = await decide(agent, { ...form, decision: 'allow' });
    expect(res.status).to.equal(500);
    expect(res.text).to.equal('host error handler');
    expect(fixture.codes.saved).to.have.length(0);
    expect(fixture.errors[0]).to.be.instanceOf(SetupError);
    expect((fixture.errors[0] as Error).message).to.equal(
      `oauth2-stateless: the site adapter's currentUser().acr ${ACR_RULE}; it gave a string of 9 characters`,
    );
  });

  it('a malformed amr → SetupError naming currentUser(), also when consent is skipped', async () => {
    const fixture = oidcApp(
      { siteAdapter: adapter({ subject: 'user-carol', amr: 'pwd' as never }) },
      {},
      { consent: { skipForFirstParty: true } },
    );
    const res = await request(fixture.app).get(
      authorizePath(spaParams({ client_id: 'first', scope: 'openid' })),
    );
    expect(res.status).to.equal(500);
    expect(fixture.codes.saved).to.have.length(0);
    expect((fixture.errors[0] as Error).message).to.equal(
      `oauth2-stateless: the site adapter's currentUser().amr ${AMR_RULE}; it gave a string of 3 characters`,
    );
  });
});

describe('OpenID Connect acr/amr through provider.issueAuthorizationCode', () => {
  it('a code issued by host code carries them; a malformed one is a SetupError and nothing is saved', async () => {
    const fixture = oidcApp();
    const provider = fixture.oauth.provider;
    const client = await provider.stores.clients.find('spa');
    const input = {
      client: client!,
      subject: 'user-alice',
      scope: ['openid'],
      redirectUri: CB,
      codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    };
    await provider.issueAuthorizationCode({ ...input, acr: ACR, amr: ['pwd'] });
    expect(fixture.codes.saved[0]).to.include({ acr: ACR });
    let thrown: unknown;
    await provider.issueAuthorizationCode({ ...input, amr: [''] }).catch((e) => (thrown = e));
    expect(thrown).to.be.instanceOf(SetupError);
    expect((thrown as Error).message).to.equal(
      `oauth2-stateless: issueAuthorizationCode: input.amr ${AMR_RULE}; it gave an array of 1`,
    );
    expect(fixture.codes.saved).to.have.length(1);
  });
});

describe('OpenID Connect acr_values_supported (OIDC Discovery 1.0 3)', () => {
  it('listed only when options.openid.acrValues declares them', async () => {
    const declared = oidcApp(undefined, { acrValues: ['loa1', ACR, 'loa1'] });
    const res = await request(declared.app).get('/.well-known/openid-configuration');
    expect(res.body.acr_values_supported).to.deep.equal(['loa1', ACR]);
    const none = await request(oidcApp().app).get('/.well-known/openid-configuration');
    expect(none.body).not.to.have.property('acr_values_supported');
  });

  it('acr_values at the authorization endpoint is accepted and not acted on', async () => {
    const fixture = oidcApp({ loginUrl: '/login', acr: () => 'loa1' });
    const agent = await signedIn(fixture.app);
    const { form } = await consentPage(
      agent,
      spaParams({ scope: 'openid', acr_values: `${ACR} loa3` }),
    );
    const res = await decide(agent, { ...form, decision: 'allow' });
    const code = expectRedirect(res, CB, { status: 303 }).get('code') as string;
    const body = (await redeem(fixture.app, { code })).body as Tokens;
    expect((await idClaims(fixture, body.id_token))['acr']).to.equal('loa1');
  });

  const BAD: readonly [unknown, string][] = [
    ['loa1', 'options.openid.acrValues must be a non-empty array of at most 100 strings'],
    [[], 'options.openid.acrValues must be a non-empty array of at most 100 strings'],
    [Array(101).fill('x'), 'options.openid.acrValues must be a non-empty array of at most 100'],
    [
      ['ok', 'has space'],
      `options.openid.acrValues must be a non-empty array of at most 100 strings of 1 to 256 characters of %x21-7E (acr values, e.g. 'urn:example:loa:2'): "has space" is not one`,
    ],
    [[7], '7 is not one'],
  ];
  for (const [value, message] of BAD) {
    it(`acrValues ${JSON.stringify(value).slice(0, 30)} → TypeError`, () => {
      expect(() => oidcApp(undefined, { acrValues: value as string[] })).to.throw(
        TypeError,
        message,
      );
    });
  }
});

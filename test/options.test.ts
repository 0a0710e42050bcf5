/**
 * The provider's option checks (lib/options.ts) and client registration checks
 * (lib/clients.ts): a wrong option is a TypeError that names it, at construction.
 */
import { expect } from 'chai';
import {
  defineClient,
  generateClientSecret,
  Provider,
  type ClientConfig,
  type PasswordGrantOptions,
  type ProviderOptions,
} from '../index.js';
import { ISSUER, providerOptions, REDIRECT } from './support/fixtures.js';

const { secretHash } = generateClientSecret();

/** Makes a provider with the fixture options plus `overrides`. */
const make = (overrides: Partial<ProviderOptions>): Provider =>
  new Provider(providerOptions(overrides));

describe('Provider options', () => {
  describe('issuer', () => {
    it('is required', () => {
      expect(() => new Provider({} as ProviderOptions)).to.throw(TypeError, /options\.issuer/);
      expect(() => new Provider({ issuer: 42 } as unknown as ProviderOptions)).to.throw(
        TypeError,
        /options\.issuer/,
      );
    });

    it('must be a URL', () => {
      expect(() => make({ issuer: 'not a url' })).to.throw(TypeError, /options\.issuer.*not a URL/);
      expect(() => make({ issuer: '/relative/path' })).to.throw(TypeError, /options\.issuer/);
    });

    it('must use https, except on a loopback host', () => {
      // RFC 8414 2: "The authorization server's issuer identifier, which is a URL that uses the "https"
      // scheme and has no query or fragment components."
      expect(() => make({ issuer: 'http://auth.example.test' })).to.throw(
        TypeError,
        /options\.issuer/,
      );
      expect(() => make({ issuer: 'http://localhost.example.test' })).to.throw(
        TypeError,
        /options\.issuer/,
      );
      expect(() => make({ issuer: 'ftp://auth.example.test' })).to.throw(
        TypeError,
        /options\.issuer/,
      );
      expect(make({ issuer: 'http://localhost:3000' }).config.issuer).to.equal(
        'http://localhost:3000',
      );
      expect(make({ issuer: 'http://127.0.0.1:8080' }).config.issuer).to.equal(
        'http://127.0.0.1:8080',
      );
      expect(make({ issuer: 'http://[::1]:8080' }).config.issuer).to.equal('http://[::1]:8080');
    });

    it('must have no query and no fragment', () => {
      expect(() => make({ issuer: `${ISSUER}/?tenant=1` })).to.throw(
        TypeError,
        /options\.issuer.*query/,
      );
      expect(() => make({ issuer: `${ISSUER}/#top` })).to.throw(
        TypeError,
        /options\.issuer.*fragment/,
      );
      expect(() => make({ issuer: `${ISSUER}?` })).to.throw(TypeError, /options\.issuer/);
      expect(() => make({ issuer: `${ISSUER}#` })).to.throw(TypeError, /options\.issuer/);
    });

    it('loses a trailing slash', () => {
      const provider = make({ issuer: `${ISSUER}/` });
      expect(provider.config.issuer).to.equal(ISSUER);
      expect(provider.metadata().issuer).to.equal(ISSUER);
      expect(provider.metadata().token_endpoint).to.equal(`${ISSUER}/token`);
      expect(make({ issuer: `${ISSUER}/tenant/` }).config.issuer).to.equal(`${ISSUER}/tenant`);
    });
  });

  describe('lifetimes', () => {
    const bad = [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '60' as unknown as number];

    it('must be positive whole numbers of seconds', () => {
      for (const value of bad) {
        const label = String(value);
        expect(() => make({ accessToken: { lifetime: value } }), label).to.throw(
          TypeError,
          /options\.accessToken\.lifetime/,
        );
        expect(() => make({ refreshToken: { lifetime: value } }), label).to.throw(
          TypeError,
          /options\.refreshToken\.lifetime/,
        );
        expect(() => make({ authorizationCode: { lifetime: value } }), label).to.throw(
          TypeError,
          /options\.authorizationCode\.lifetime/,
        );
        expect(
          () => make({ grants: { clientCredentials: { accessTokenLifetime: value } } }),
          label,
        ).to.throw(TypeError, /options\.grants\.clientCredentials\.accessTokenLifetime/);
      }
    });

    it('default to 3600 s, 30 days and 60 s', () => {
      const { config } = make({});
      expect(config.accessTokenLifetime).to.equal(3600);
      expect(config.refreshTokenLifetime).to.equal(2592000);
      expect(config.codeLifetime).to.equal(60);
      expect(config.grants.clientCredentials?.accessTokenLifetime).to.equal(3600);
    });
  });

  describe('grants', () => {
    it('refuses the password grant without verify', () => {
      expect(() => make({ grants: { password: {} as PasswordGrantOptions } })).to.throw(
        TypeError,
        /options\.grants\.password\.verify/,
      );
    });

    it('leaves the password grant off unless enabled', () => {
      // RFC 9700 2.4: "The resource owner password credentials grant [RFC6749] MUST NOT be used."
      const provider = make({ grants: {} });
      expect(provider.grantTypes).to.have.members([
        'authorization_code',
        'client_credentials',
        'refresh_token',
      ]);
      expect(make({}).grantTypes).to.include('password');
    });

    it('refuses null as grant options with a message naming the grant', () => {
      expect(() => make({ grants: { clientCredentials: null as unknown as boolean } })).to.throw(
        TypeError,
        /options\.grants\.clientCredentials must be a boolean or an options object/,
      );
    });

    it('refuses a negative reuseGracePeriod', () => {
      expect(() => make({ grants: { refreshToken: { reuseGracePeriod: -1 } } })).to.throw(
        TypeError,
        /reuseGracePeriod/,
      );
    });
  });

  describe('consent', () => {
    it('refuses a remember option that is neither a boolean nor { lifetime } in seconds', () => {
      expect(() => make({ consent: { remember: 'yes' as unknown as boolean } })).to.throw(
        TypeError,
        /options\.consent\.remember must be a boolean or \{ lifetime \}/,
      );
      expect(() => make({ consent: { remember: { lifetime: 0 } } })).to.throw(
        TypeError,
        /options\.consent\.remember\.lifetime must be a positive whole number of seconds/,
      );
    });

    it('remembers for 30 days with true, or the given lifetime, and not at all by default', () => {
      expect(make({}).config.consent.rememberLifetime).to.equal(undefined);
      expect(make({ consent: { remember: true } }).config.consent.rememberLifetime).to.equal(
        30 * 24 * 3600,
      );
      expect(
        make({ consent: { remember: { lifetime: 600 } } }).config.consent.rememberLifetime,
      ).to.equal(600);
    });
  });

  describe('endpoints', () => {
    it('must be paths starting with "/"', () => {
      expect(() => make({ endpoints: { token: 'token' } })).to.throw(
        TypeError,
        /options\.endpoints\.token/,
      );
      expect(() => make({ endpoints: { jwks: 'https://elsewhere.test/jwks' } })).to.throw(
        TypeError,
        /options\.endpoints\.jwks/,
      );
      expect(make({ endpoints: { token: '/oauth/token' } }).config.endpoints.token).to.equal(
        '/oauth/token',
      );
    });
  });

  describe('clients', () => {
    it('refuses two clients with one id', () => {
      const clients: ClientConfig[] = [
        { id: 'dup', secretHash, grantTypes: ['client_credentials'] },
        { id: 'dup', secretHash, grantTypes: ['client_credentials'] },
      ];
      expect(() => make({ clients })).to.throw(TypeError, /options\.clients.*"dup"/);
    });

    it('checks each client config', () => {
      expect(() =>
        make({
          clients: [
            { id: 'pub', grantTypes: ['client_credentials'], tokenEndpointAuthMethods: ['none'] },
          ],
        }),
      ).to.throw(TypeError, /client "pub": grantTypes/);
    });
  });

  it('freezes the resolved configuration', () => {
    const options = providerOptions();
    const provider = new Provider(options);
    expect(Object.isFrozen(provider.config)).to.equal(true);
    expect(Object.isFrozen(provider.config.grants)).to.equal(true);
    expect(options.issuer).to.equal(ISSUER);
  });
});

describe('defineClient', () => {
  it('refuses a public client with a secret', () => {
    expect(() =>
      defineClient({ id: 'x', secretHash, tokenEndpointAuthMethods: ['none'] }),
    ).to.throw(TypeError, /client "x": secret/);
  });

  it('refuses a confidential client without a secret', () => {
    expect(() =>
      defineClient({ id: 'x', tokenEndpointAuthMethods: ['client_secret_basic'] }),
    ).to.throw(TypeError, /client "x": secret is required/);
  });

  it('refuses a public client with client_credentials', () => {
    // RFC 6749 4.4: "The client credentials grant type MUST only be used by confidential clients."
    expect(() =>
      defineClient({
        id: 'x',
        grantTypes: ['client_credentials'],
        tokenEndpointAuthMethods: ['none'],
      }),
    ).to.throw(TypeError, /client "x": grantTypes/);
  });

  it('refuses a redirect URI with a fragment', () => {
    // RFC 6749 3.1.2: "The endpoint URI MUST NOT include a fragment component."
    expect(() =>
      defineClient({ id: 'x', secretHash, redirectUris: ['https://app.example.test/cb#frag'] }),
    ).to.throw(TypeError, /client "x": redirectUris/);
    expect(() =>
      defineClient({ id: 'x', secretHash, redirectUris: ['https://app.example.test/cb#'] }),
    ).to.throw(TypeError, /client "x": redirectUris/);
  });

  it('refuses a relative redirect URI', () => {
    expect(() => defineClient({ id: 'x', secretHash, redirectUris: ['/callback'] })).to.throw(
      TypeError,
      /client "x": redirectUris/,
    );
  });

  it('refuses requirePkce: false on a public client but allows it on a confidential one', () => {
    expect(() =>
      defineClient({ id: 'x', requirePkce: false, tokenEndpointAuthMethods: ['none'] }),
    ).to.throw(TypeError, /client "x": requirePkce/);
    expect(
      defineClient({ id: 'y', secretHash, redirectUris: [REDIRECT], requirePkce: false })
        .requirePkce,
    ).to.equal(false);
    expect(defineClient({ id: 'z', secretHash }).requirePkce).to.equal(true);
  });

  it('refuses a missing id', () => {
    expect(() => defineClient({ id: '' })).to.throw(TypeError, /id/);
  });
});

describe('unknown option keys (lib/helpers/option-keys.ts)', () => {
  // Each case: the options, then the exact message. A misspelled key used to be ignored.
  const cases: [string, Partial<ProviderOptions>, string][] = [
    [
      'a top-level key',
      { accesToken: { format: 'opaque' } } as never,
      'options has an unknown key "accesToken"; did you mean "accessToken"?',
    ],
    [
      'a key of accessToken',
      { accessToken: { lifeTime: 60 } } as never,
      'options.accessToken has an unknown key "lifeTime"; did you mean "lifetime"?',
    ],
    [
      'a grant name',
      { grants: { client_credentials: false } } as never,
      'options.grants has an unknown key "client_credentials"; did you mean "clientCredentials"?',
    ],
    [
      'a key of a grant',
      { grants: { refreshToken: { reuseGracePeriode: 5 } } } as never,
      'options.grants.refreshToken has an unknown key "reuseGracePeriode"; did you mean "reuseGracePeriod"?',
    ],
    [
      'a key of the password grant',
      { grants: { password: { verify: async () => undefined, uniqueToken: true } } } as never,
      'options.grants.password has an unknown key "uniqueToken"; did you mean "uniqueTokens"?',
    ],
    [
      'a key of consent',
      { consent: { remeber: true } } as never,
      'options.consent has an unknown key "remeber"; did you mean "remember"?',
    ],
    [
      'a key of consent.remember',
      { consent: { remember: { lifeTime: 60 } } } as never,
      'options.consent.remember has an unknown key "lifeTime"; did you mean "lifetime"?',
    ],
    [
      'a key of pkce',
      { pkce: { allow_plain: true } } as never,
      'options.pkce has an unknown key "allow_plain"; did you mean "allowPlain"?',
    ],
    [
      'a key of scopes',
      { scopes: { available: ['read'], defaults: ['read'] } } as never,
      'options.scopes has an unknown key "defaults"; did you mean "default"?',
    ],
    [
      'a key of a signing key',
      { signingKeys: [{ pme: '-----BEGIN PRIVATE KEY-----' }] } as never,
      'options.signingKeys[0] has an unknown key "pme"; did you mean "pem"?',
    ],
    [
      'a key nothing is near: every known key is listed',
      { pkce: { s256Only: true } } as never,
      'options.pkce has an unknown key "s256Only"; the known keys are allowPlain',
    ],
  ];
  for (const [label, overrides, message] of cases) {
    it(`${label} → TypeError: ${message}`, () => {
      expect(() => make(overrides)).to.throw(TypeError, message);
    });
  }

  it('a key whose value is undefined is checked too', () => {
    expect(() => make({ refreshTokens: undefined } as never)).to.throw(
      TypeError,
      'options has an unknown key "refreshTokens"; did you mean "refreshToken"?',
    );
  });

  it('every key the types declare is accepted (the fixture and a full set of options)', () => {
    expect(() =>
      make({
        accessToken: { format: 'jwt', lifetime: 600, audience: 'https://api.example.test' },
        refreshToken: { lifetime: 3600 },
        authorizationCode: { lifetime: 30 },
        consent: { remember: { lifetime: 60 }, skipForFirstParty: true },
        pkce: { allowPlain: false },
        endpoints: { token: '/oauth/token' },
      }),
    ).not.to.throw();
  });

  it('a misspelled endpoint name is still refused (by the endpoint table)', () => {
    expect(() => make({ endpoints: { introspect: '/x' } })).to.throw(
      TypeError,
      /options\.endpoints\.introspect/,
    );
  });
});

describe('defineClient: fields and public clients', () => {
  it('an unknown field is a TypeError naming the client, the key and the nearest field', () => {
    expect(() =>
      defineClient({ id: 'web', secretHash, redirectUri: [REDIRECT] } as unknown as ClientConfig),
    ).to.throw(
      TypeError,
      'client "web" has an unknown key "redirectUri"; did you mean "redirectUris"?',
    );
    expect(() =>
      defineClient({
        id: 'web',
        secretHash,
        grant_types: ['client_credentials'],
      } as unknown as ClientConfig),
    ).to.throw(
      TypeError,
      'client "web" has an unknown key "grant_types"; did you mean "grantTypes"?',
    );
    expect(() =>
      make({ clients: [{ id: 'web', secretHash, scope: ['read'] } as unknown as ClientConfig] }),
    ).to.throw(TypeError, 'client "web" has an unknown key "scope"; did you mean "scopes"?');
  });

  it('secretHash: process.env.X with X unset is a TypeError, not a public client', () => {
    const env = process.env['OAUTH2_TEST_UNSET_SECRET_HASH'];
    expect(env).to.equal(undefined);
    expect(() =>
      make({
        clients: [{ id: 'web', secretHash: env, redirectUris: [REDIRECT] }],
      }),
    ).to.throw(
      TypeError,
      `client "web": secret is missing: give secret or secretHash (is the environment variable it comes from set?), or make the client public with tokenEndpointAuthMethods: ['none']`,
    );
    expect(() => defineClient({ id: 'bare' })).to.throw(
      TypeError,
      /client "bare": secret is missing/,
    );
  });

  it("a client is public when it says so: tokenEndpointAuthMethods: ['none']", () => {
    const client = defineClient({
      id: 'spa',
      redirectUris: [REDIRECT],
      tokenEndpointAuthMethods: ['none'],
    });
    expect(client.tokenEndpointAuthMethods).to.deep.equal(['none']);
    expect(client.secretHash).to.equal(undefined);
    expect(client.requirePkce).to.equal(true);
  });

  it('a client with a secret and no methods gets client_secret_basic and client_secret_post', () => {
    expect(defineClient({ id: 'web', secretHash }).tokenEndpointAuthMethods).to.deep.equal([
      'client_secret_basic',
      'client_secret_post',
    ]);
  });
});

describe('unknown keys in the options of the helpers called directly', () => {
  it('recordStores(), createMongoIndexes() and passportSiteAdapter() name the unknown key and the nearest one', async () => {
    const { recordStores, MemoryRecordStore, passportSiteAdapter } = await import('../index.js');
    const { createMongoIndexes } = await import('../lib/stores/mongodb.js');
    expect(() =>
      recordStores(new MemoryRecordStore(), { client: false } as unknown as { clients: boolean }),
    ).to.throw(
      TypeError,
      /recordStores\(\): options has an unknown key "client"; did you mean "clients"\?/,
    );
    expect(() =>
      passportSiteAdapter({ loginURL: '/login' } as unknown as { loginUrl: string }),
    ).to.throw(
      TypeError,
      /passportSiteAdapter\(\): options has an unknown key "loginURL"; did you mean "loginUrl"\?/,
    );
    let thrown: unknown;
    try {
      await createMongoIndexes({} as never, { collection: 'x' } as never);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).to.be.instanceOf(TypeError);
    expect(String(thrown)).to.match(/unknown key "collection"; did you mean "collectionName"\?/);
  });
});

describe('options.stores', () => {
  it('a misspelled store is a TypeError naming the nearest; a factory result with extra methods is fine', async () => {
    const { Provider, memoryStores } = await import('../index.js');
    const stores = memoryStores();
    expect(
      () =>
        new Provider({
          issuer: 'https://auth.example.test',
          stores: { accesTokens: stores.accessTokens } as never,
        }),
    ).to.throw(
      TypeError,
      /options\.stores has an unknown key "accesTokens"; did you mean "accessTokens"\?/,
    );
    const withExtra = { ...stores, deleteExpired: async () => 0 };
    expect(
      () => new Provider({ issuer: 'https://auth.example.test', stores: withExtra }),
    ).not.to.throw();
  });
});

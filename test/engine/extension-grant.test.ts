/**
 * An extension grant (RFC 6749 4.5) added from outside the package, with nothing
 * but what the package's entry point exports: a `TokenGrant` with an absolute-URI
 * grant type that declares `resource` repeatable (RFC 8707), registered through
 * the `extensionGrants` option and through `provider.registerGrant()`, and driven
 * over HTTP (Express `token()` / `router()`, and `fetchHandler()`).
 *
 * Rules checked:
 * - the grant answers its grant type and metadata lists it (RFC 8414 2);
 * - a client not registered for it is `unauthorized_client` (RFC 6749 5.2);
 * - `resource` sent twice reaches the grant as two values; any other repeated
 *   parameter is still `invalid_request` (RFC 6749 3.2) and the grant never runs;
 * - registering a grant type twice, or a malformed grant, is a TypeError, as is an
 *   unknown `options.endpoints` name (named in the message);
 * - what a grant sees as `request.url` is `provider.endpointUrl('token')`, made
 *   from the issuer and the configured path, never from the Host header.
 *
 * This file imports nothing from lib/: it is what a host app can do.
 */
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import {
  createAuthorizationServer,
  defineClient,
  fetchHandler,
  generateClientSecret,
  InvalidGrantError,
  Provider,
  type AuthorizationServer,
  type Client,
  type ClientConfig,
  type ProviderOptions,
  type TokenGrant,
} from '../../index.js';
import { ISSUER, providerOptions, secrets } from '../support/fixtures.js';
import { basic, expectOAuthError, expectTokenResponse } from '../http/token-assertions.js';

const DEMO = 'urn:example:params:oauth:grant-type:demo-otp';
const OTP = '123456';
const RESOURCE_A = 'https://api-a.example.test/';
const RESOURCE_B = 'https://api-b.example.test/';
const FORM = 'application/x-www-form-urlencoded';
const METADATA = '/.well-known/oauth-authorization-server';

/** What the grant saw on each call. */
interface Seen {
  readonly resources: readonly string[];
  readonly url: string;
  readonly clientId: string;
}

/**
 * The demo grant: `otp` must be {@link OTP}; every `resource` is recorded; the
 * token's subject is `otp-user` and its scope `read`.
 */
function demoGrant(seen: Seen[]): TokenGrant {
  return {
    grantType: DEMO,
    repeatable: ['resource'],
    async handle({ params, client, request: context }, grantContext) {
      seen.push({ resources: [...context.all('resource')], url: context.url, clientId: client.id });
      if (params['otp'] !== OTP) throw new InvalidGrantError('wrong one-time password');
      return grantContext.tokens.issue({
        client,
        subject: 'otp-user',
        scope: ['read'],
        grantType: DEMO,
        grantId: grantContext.tokens.newGrantId(),
        accessTokenLifetime: 600,
      });
    },
  };
}

const deviceSecret = generateClientSecret();
const DEVICE = basic('device', deviceSecret.secret);
/** `service` is registered for client_credentials only. */
const SERVICE = basic('service', secrets.service.secret);

/** The fixture clients and `device`, registered for the demo grant only. */
function clients(): (Client | ClientConfig)[] {
  const fixture = providerOptions().clients as readonly (Client | ClientConfig)[];
  const device = defineClient({
    id: 'device',
    secretHash: deviceSecret.secretHash,
    grantTypes: [DEMO],
  });
  return [...fixture, device];
}

function options(overrides: Partial<ProviderOptions> = {}): ProviderOptions {
  return providerOptions({ clients: clients(), ...overrides });
}

/** A demo request body: the grant type, the OTP and whatever else is given. */
function demoBody(...extra: string[]): string {
  return [`grant_type=${encodeURIComponent(DEMO)}`, `otp=${OTP}`, ...extra].join('&');
}

interface Setup {
  readonly name: string;
  /** Makes the toolkit with the demo grant registered; `seen` hears every call. */
  make(seen: Seen[], overrides?: Partial<ProviderOptions>): AuthorizationServer;
}

const setups: readonly Setup[] = [
  {
    name: 'the extensionGrants option',
    make: (seen, overrides) =>
      createAuthorizationServer(options({ extensionGrants: [demoGrant(seen)], ...overrides })),
  },
  {
    name: 'provider.registerGrant()',
    make(seen, overrides) {
      const provider = new Provider(options(overrides));
      provider.registerGrant(demoGrant(seen));
      return createAuthorizationServer(provider);
    },
  },
];

for (const setup of setups) {
  describe(`extension grant registered with ${setup.name}`, () => {
    let seen: Seen[];
    let oauth: AuthorizationServer;
    let app: express.Express;

    beforeEach(() => {
      seen = [];
      oauth = setup.make(seen);
      app = express();
      app.post('/token', oauth.token());
      app.use('/r', oauth.router());
    });

    // RFC 6749 4.5: "The client uses an extension grant type by specifying the grant type
    // using an absolute URI (defined by the authorization server) as the value of the
    // "grant_type" parameter of the token endpoint, and by adding any additional parameters
    // necessary."
    for (const path of ['/token', '/r/token']) {
      it(`issues a token for its grant type at ${path}`, async () => {
        const res = await request(app)
          .post(path)
          .set('Authorization', DEVICE)
          .type('form')
          .send(demoBody());
        const body = expectTokenResponse(res);
        expect(body['expires_in']).to.equal(600);
        expect(body['scope']).to.equal('read');
        expect(body).not.to.have.property('refresh_token');
        const info = await oauth.provider.verifyAccessToken(body['access_token'] as string);
        expect(info.subject).to.equal('otp-user');
        expect(info.clientId).to.equal('device');
        expect(info.scope).to.deep.equal(['read']);
        expect(seen).to.have.length(1);
      });
    }

    it('lets the grant refuse with its own error (a wrong otp is invalid_grant)', async () => {
      const body = `grant_type=${encodeURIComponent(DEMO)}&otp=000000`;
      const res = await request(app)
        .post('/token')
        .set('Authorization', DEVICE)
        .type('form')
        .send(body);
      expectOAuthError(res, 400, 'invalid_grant');
      expect(seen).to.have.length(1);
    });

    // RFC 8414 2: "grant_types_supported OPTIONAL. JSON array containing a list of the OAuth
    // 2.0 grant type values that this authorization server supports."
    it('is listed in grant_types_supported of the metadata document', async () => {
      const res = await request(app).get(`/r${METADATA}`);
      expect(res.status).to.equal(200);
      expect(res.body.grant_types_supported).to.include(DEMO);
      expect(res.body.grant_types_supported).to.include('client_credentials');
      expect(oauth.provider.metadata().grant_types_supported).to.include(DEMO);
    });

    // RFC 6749 5.2: "unauthorized_client The authenticated client is not authorized to use
    // this authorization grant type."
    it('refuses a client not registered for the grant type with 400 unauthorized_client', async () => {
      const res = await request(app)
        .post('/token')
        .set('Authorization', SERVICE)
        .type('form')
        .send(demoBody());
      expectOAuthError(res, 400, 'unauthorized_client');
      expect(seen, 'the grant never ran').to.have.length(0);
    });

    // RFC 8707 2: "Multiple "resource" parameters MAY be used to indicate that the requested
    // token is intended to be used at multiple resources."
    it('hands both values of a repeated resource parameter to the grant', async () => {
      const body = demoBody(
        `resource=${encodeURIComponent(RESOURCE_A)}`,
        `resource=${encodeURIComponent(RESOURCE_B)}`,
      );
      const res = await request(app)
        .post('/token')
        .set('Authorization', DEVICE)
        .type('form')
        .send(body);
      expectTokenResponse(res);
      expect(seen.map((s) => s.resources)).to.deep.equal([[RESOURCE_A, RESOURCE_B]]);
    });

    it('hands a single resource parameter to the grant as one value, and none as none', async () => {
      const one = demoBody(`resource=${encodeURIComponent(RESOURCE_A)}`);
      expectTokenResponse(
        await request(app).post('/token').set('Authorization', DEVICE).type('form').send(one),
      );
      expectTokenResponse(
        await request(app)
          .post('/token')
          .set('Authorization', DEVICE)
          .type('form')
          .send(demoBody()),
      );
      expect(seen.map((s) => s.resources)).to.deep.equal([[RESOURCE_A], []]);
    });

    // RFC 6749 3.2: "Request and response parameters MUST NOT be included more than once."
    const repeats: Readonly<Record<string, string>> = {
      scope: 'scope=read&scope=read',
      otp: `otp=${OTP}`,
      grant_type: `grant_type=${encodeURIComponent(DEMO)}`,
    };
    for (const [name, extra] of Object.entries(repeats)) {
      it(`still refuses a repeated ${name} with 400 invalid_request, before the grant runs`, async () => {
        const res = await request(app)
          .post('/token')
          .set('Authorization', DEVICE)
          .type('form')
          .send(demoBody(extra));
        expectOAuthError(res, 400, 'invalid_request', {
          description: `the parameter '${name}' must not be repeated`,
        });
        expect(seen, 'the grant never ran').to.have.length(0);
      });
    }

    it('sees request.url built from the issuer even when the Host header names another host', async () => {
      const res = await request(app)
        .post('/token')
        .set('Host', 'attacker.example.test')
        .set('X-Forwarded-Host', 'attacker.example.test')
        .set('Authorization', DEVICE)
        .type('form')
        .send(demoBody());
      expectTokenResponse(res);
      expect(oauth.provider.endpointUrl('token')).to.equal(`${ISSUER}/token`);
      expect(seen.map((s) => s.url)).to.deep.equal([`${ISSUER}/token`]);
    });

    it('sees the configured path of options.endpoints.token in request.url', async () => {
      const custom = setup.make(seen, { endpoints: { token: '/oauth2/token' } });
      const customApp = express().use(custom.router());
      expect(custom.provider.endpointUrl('token')).to.equal(`${ISSUER}/oauth2/token`);
      const res = await request(customApp)
        .post('/oauth2/token')
        .set('Host', 'attacker.example.test')
        .set('Authorization', DEVICE)
        .type('form')
        .send(demoBody());
      expectTokenResponse(res);
      expect(seen.map((s) => s.url)).to.deep.equal([`${ISSUER}/oauth2/token`]);
      const metadata = await request(customApp).get(METADATA);
      expect(metadata.body.token_endpoint).to.equal(`${ISSUER}/oauth2/token`);
    });

    describe('over the Fetch handler', () => {
      /** POSTs a form to the token endpoint through fetchHandler(). */
      async function fetchToken(
        body: string,
        authorization: string,
        url = `${ISSUER}/token`,
      ): Promise<{ status: number; body: Record<string, unknown> }> {
        const handle = fetchHandler(oauth.provider);
        const res = await handle(
          new Request(url, {
            method: 'POST',
            headers: { 'Content-Type': FORM, Authorization: authorization },
            body,
          }),
        );
        expect(res, 'a response for the token path').not.to.equal(undefined);
        const response = res as Response;
        expect(response.headers.get('cache-control')).to.equal('no-store');
        return {
          status: response.status,
          body: (await response.json()) as Record<string, unknown>,
        };
      }

      it('issues a token and hands both resource values to the grant', async () => {
        const body = demoBody(
          `resource=${encodeURIComponent(RESOURCE_A)}`,
          `resource=${encodeURIComponent(RESOURCE_B)}`,
        );
        const res = await fetchToken(body, DEVICE);
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        const info = await oauth.provider.verifyAccessToken(res.body['access_token'] as string);
        expect(info.subject).to.equal('otp-user');
        expect(seen.map((s) => s.resources)).to.deep.equal([[RESOURCE_A, RESOURCE_B]]);
      });

      it('refuses a repeated scope with 400 invalid_request, before the grant runs', async () => {
        const res = await fetchToken(`${demoBody()}&scope=read&scope=read`, DEVICE);
        expect(res.status).to.equal(400);
        expect(res.body).to.deep.equal({
          error: 'invalid_request',
          error_description: "the parameter 'scope' must not be repeated",
        });
        expect(seen).to.have.length(0);
      });

      it('refuses a client not registered for the grant type with 400 unauthorized_client', async () => {
        const res = await fetchToken(demoBody(), SERVICE);
        expect(res.status).to.equal(400);
        expect(res.body['error']).to.equal('unauthorized_client');
        expect(seen).to.have.length(0);
      });

      it('gives the grant the issuer URL as request.url, whatever host the Request names', async () => {
        const res = await fetchToken(demoBody(), DEVICE, 'http://attacker.example.test/token');
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(seen.map((s) => s.url)).to.deep.equal([oauth.provider.endpointUrl('token')]);
      });

      it('lists the grant type in the metadata document', async () => {
        const res = await fetchHandler(oauth.provider)(new Request(`${ISSUER}${METADATA}`));
        const metadata = (await (res as Response).json()) as { grant_types_supported: string[] };
        expect(metadata.grant_types_supported).to.include(DEMO);
      });
    });
  });
}

describe('extension grant registered after the handlers were made', () => {
  // registerGrant() "Adds a grant type to the token endpoint": the token endpoint
  // already mounted should then serve it whole, repeatable parameters included.
  it('is served, with its repeatable resource, by a router() mounted before registration', async () => {
    const seen: Seen[] = [];
    const oauth = createAuthorizationServer(options());
    const app = express().use(oauth.router());
    const handle = fetchHandler(oauth.provider);
    oauth.provider.registerGrant(demoGrant(seen));
    const body = demoBody(
      `resource=${encodeURIComponent(RESOURCE_A)}`,
      `resource=${encodeURIComponent(RESOURCE_B)}`,
    );
    const res = await request(app)
      .post('/token')
      .set('Authorization', DEVICE)
      .type('form')
      .send(body);
    expectTokenResponse(res);
    const fetched = await handle(
      new Request(`${ISSUER}/token`, {
        method: 'POST',
        headers: { 'Content-Type': FORM, Authorization: DEVICE },
        body,
      }),
    );
    expect((fetched as Response).status, await (fetched as Response).clone().text()).to.equal(200);
    expect(seen.map((s) => s.resources)).to.deep.equal([
      [RESOURCE_A, RESOURCE_B],
      [RESOURCE_A, RESOURCE_B],
    ]);
  });
});

describe('extension grant registration errors', () => {
  const handle: TokenGrant['handle'] = async () => {
    throw new Error('never called');
  };

  it('refuses to register a grant type twice (registerGrant) with a TypeError naming it', () => {
    const provider = new Provider(options({ extensionGrants: [demoGrant([])] }));
    expect(() => provider.registerGrant(demoGrant([]))).to.throw(TypeError, DEMO);
    expect(provider.grantTypes.filter((t) => t === DEMO)).to.have.length(1);
  });

  it('refuses the same grant type twice in the extensionGrants option', () => {
    expect(
      () => new Provider(options({ extensionGrants: [demoGrant([]), demoGrant([])] })),
    ).to.throw(TypeError, DEMO);
  });

  it('refuses an extension grant that takes over a built-in grant type', () => {
    const provider = new Provider(options());
    expect(() => provider.registerGrant({ grantType: 'client_credentials', handle })).to.throw(
      TypeError,
      'client_credentials',
    );
  });

  it('refuses a grant without a handle function', () => {
    const provider = new Provider(options());
    const grant = { grantType: DEMO } as unknown as TokenGrant;
    expect(() => provider.registerGrant(grant)).to.throw(TypeError, /handle/);
    expect(() => new Provider(options({ extensionGrants: [grant] }))).to.throw(TypeError, /handle/);
    expect(provider.grantTypes).not.to.include(DEMO);
  });

  for (const grantType of ['', 'demo otp', 'urn:example:a\nb', undefined, 42]) {
    it(`refuses the grant type ${JSON.stringify(grantType)}`, () => {
      const provider = new Provider(options());
      const grant = { grantType, handle } as unknown as TokenGrant;
      expect(() => provider.registerGrant(grant)).to.throw(TypeError, /grantType/);
      expect(() => new Provider(options({ extensionGrants: [grant] }))).to.throw(
        TypeError,
        /grantType/,
      );
    });
  }

  it('refuses repeatable that is not a list of parameter names', () => {
    const provider = new Provider(options());
    for (const repeatable of ['resource', [''], [1]]) {
      const grant = { grantType: DEMO, repeatable, handle } as unknown as TokenGrant;
      expect(() => provider.registerGrant(grant)).to.throw(TypeError, /repeatable/);
    }
  });

  it('refuses null and non-objects as a grant', () => {
    const provider = new Provider(options());
    for (const grant of [null, 'grant', 1]) {
      expect(() => provider.registerGrant(grant as unknown as TokenGrant)).to.throw(TypeError);
    }
  });

  it('refuses an unknown options.endpoints name with a TypeError naming it', () => {
    expect(() => new Provider(options({ endpoints: { foo: '/foo' } }))).to.throw(
      TypeError,
      'options.endpoints.foo',
    );
  });

  it('accepts every known options.endpoints name', () => {
    const provider = new Provider(
      options({
        endpoints: {
          authorization: '/a',
          token: '/t',
          revocation: '/r',
          introspection: '/i',
          jwks: '/k',
        },
      }),
    );
    expect(provider.endpointUrl('token')).to.equal(`${ISSUER}/t`);
    expect(provider.endpointUrl('revocation')).to.equal(`${ISSUER}/r`);
  });
});

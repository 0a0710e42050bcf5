/**
 * Resource indicators: the `resources` option's checks, and access token
 * verification per audience (RFC 8707 2, RFC 9068 4) for both token formats,
 * with per-resource format and lifetime on a frozen clock.
 */
import { expect } from 'chai';
import {
  createAuthorizationServer,
  type AccessTokenInfo,
  type Provider,
  type ProviderOptions,
  type ResourceConfig,
} from '../../index.js';
import { basic, rejection } from '../support/engine.js';
import { frozenClock, ISSUER, providerOptions, secrets } from '../support/fixtures.js';
import { ALL, FILES, MCP, RESOURCES, UNKNOWN } from './support.js';

const SERVICE = basic('service', secrets.service.secret);

function setupError(resources: unknown, extra: Partial<ProviderOptions> = {}): string {
  try {
    createAuthorizationServer(
      providerOptions({ resources: resources as ResourceConfig[], ...extra }),
    );
  } catch (err) {
    expect(err).to.be.instanceOf(TypeError);
    return (err as Error).message;
  }
  throw new Error('expected a TypeError');
}

/** A client_credentials token for `service`, through the engine. */
async function serviceToken(provider: Provider, resources: string[], scope = 'read') {
  const res = await provider.token({
    params: {
      grant_type: 'client_credentials',
      scope,
      ...(resources[0] ? { resource: resources[0] } : {}),
    },
    lists: { resource: resources },
    authorization: SERVICE,
  });
  expect(res.status, JSON.stringify(res.body)).to.equal(200);
  return res.body as { access_token: string; expires_in: number; scope: string };
}

async function refusedWith(promise: Promise<AccessTokenInfo>): Promise<void> {
  const err = (await rejection(promise)) as { error?: string; status?: number };
  expect(err.error).to.equal('invalid_token');
  expect(err.status).to.equal(401);
}

describe('resource indicators: the resources option', () => {
  const cases: readonly (readonly [string, unknown, string])[] = [
    ['not an array', { resource: MCP }, 'options.resources must be an array'],
    [
      'a relative URI',
      [{ resource: '/mcp' }],
      'options.resources[0].resource "/mcp" is not an absolute URI (RFC 8707 2)',
    ],
    [
      'a fragment',
      [{ resource: `${MCP}#x` }],
      `options.resources[0].resource "${MCP}#x" has a fragment (RFC 8707 2)`,
    ],
    [
      'a duplicate',
      [{ resource: MCP }, { resource: MCP }],
      `options.resources[1]: the resource "${MCP}" is listed twice`,
    ],
    [
      'a scope the server does not offer',
      [{ resource: MCP, scopes: ['admin'] }],
      'options.resources[0].scopes: "admin" is not in options.scopes.available',
    ],
    [
      'a lifetime that is not whole seconds',
      [{ resource: MCP, accessTokenLifetime: 1.5 }],
      'options.resources[0].accessTokenLifetime must be a positive whole number of seconds',
    ],
    [
      'a zero lifetime',
      [{ resource: MCP, accessTokenLifetime: 0 }],
      'options.resources[0].accessTokenLifetime must be a positive whole number of seconds',
    ],
    [
      'an unknown format',
      [{ resource: MCP, accessTokenFormat: 'paseto' }],
      'options.resources[0].accessTokenFormat must be "jwt" or "opaque"',
    ],
    [
      'a missing resource',
      [{ scopes: ['read'] }],
      'options.resources[0].resource must be an absolute URI (RFC 8707 2)',
    ],
  ];
  for (const [name, value, message] of cases) {
    it(`refuses ${name} with a TypeError naming the option`, () => {
      expect(setupError(value)).to.equal(message);
    });
  }

  it('refuses an unknown key, naming the nearest one', () => {
    expect(setupError([{ resource: MCP, scope: ['read'] }])).to.match(
      /^options\.resources\[0\] has an unknown key "scope"; did you mean "scopes"\?/,
    );
  });

  it('resolves and freezes provider.config.resources (scopes default to every scope)', () => {
    const { provider } = createAuthorizationServer(providerOptions({ resources: RESOURCES }));
    const resources = provider.config.resources;
    expect([...resources.keys()]).to.deep.equal([MCP, FILES, ALL]);
    expect(resources.get(ALL)).to.deep.equal({
      resource: ALL,
      scopes: ['read', 'write', 'profile'],
      accessTokenFormat: 'jwt',
      accessTokenLifetime: 120,
    });
    expect(resources.get(FILES)?.accessTokenFormat).to.equal('opaque');
    expect(Object.isFrozen(resources.get(MCP))).to.equal(true);
    expect(() => (resources as Map<string, unknown>).set(UNKNOWN, {})).to.throw(TypeError);
    expect(() => (resources as Map<string, unknown>).delete(MCP)).to.throw(TypeError);
    expect(resources.has(UNKNOWN)).to.equal(false);
    expect(resources.get('__proto__')).to.equal(undefined);
  });

  it('no resources: an empty map, and tokens as before', () => {
    const { provider } = createAuthorizationServer(providerOptions());
    expect(provider.config.resources.size).to.equal(0);
  });

  it('a resource lifetime longer than the server’s still issues stateless JWTs (the deny-list covers it)', async () => {
    const { provider } = createAuthorizationServer(
      providerOptions({ resources: [{ resource: MCP, accessTokenLifetime: 7200 }] }),
    );
    const body = await serviceToken(provider, [MCP]);
    expect(body.expires_in).to.equal(7200);
  });
});

describe('resource indicators: verifying the audience (RFC 8707, RFC 9068 4)', () => {
  function setup() {
    const clock = frozenClock();
    const { provider } = createAuthorizationServer(
      providerOptions({ resources: RESOURCES, clock }),
    );
    return { provider, clock };
  }

  it('a JWT for resource X is refused for audience Y and for the default audience', async () => {
    const { provider } = setup();
    const { access_token: token } = await serviceToken(provider, [MCP]);
    expect((await provider.verifyAccessToken(token, { audience: MCP })).audience).to.equal(MCP);
    await refusedWith(provider.verifyAccessToken(token, { audience: ALL }));
    await refusedWith(provider.verifyAccessToken(token));
    // The cache of verified claims never lets a check for another audience through.
    await provider.verifyAccessToken(token, { audience: MCP });
    await refusedWith(provider.verifyAccessToken(token, { audience: ISSUER }));
  });

  it('an opaque token for resource X is refused for audience Y and for the default audience', async () => {
    const { provider } = setup();
    const { access_token: token } = await serviceToken(provider, [FILES], 'write');
    expect((await provider.verifyAccessToken(token, { audience: FILES })).format).to.equal(
      'opaque',
    );
    await refusedWith(provider.verifyAccessToken(token, { audience: MCP }));
    await refusedWith(provider.verifyAccessToken(token));
  });

  it('a default-audience token is refused for a resource', async () => {
    const { provider } = setup();
    const { access_token: jwt } = await serviceToken(provider, []);
    await provider.verifyAccessToken(jwt);
    await refusedWith(provider.verifyAccessToken(jwt, { audience: MCP }));
    const opaque = createAuthorizationServer(
      providerOptions({ resources: RESOURCES, accessToken: { format: 'opaque' } }),
    ).provider;
    const { access_token: token } = await serviceToken(opaque, []);
    await opaque.verifyAccessToken(token);
    await refusedWith(opaque.verifyAccessToken(token, { audience: MCP }));
  });

  it('per-resource lifetime and format are honoured (frozen clock)', async () => {
    const { provider, clock } = setup();
    const all = await serviceToken(provider, [ALL]);
    const files = await serviceToken(provider, [FILES], 'write');
    const plain = await serviceToken(provider, []);
    expect([all.expires_in, files.expires_in, plain.expires_in]).to.deep.equal([120, 600, 3600]);
    expect(all.access_token.split('.')).to.have.length(3);
    expect(files.access_token.split('.')).to.have.length(1);
    clock.advance(119);
    await provider.verifyAccessToken(all.access_token, { audience: ALL });
    clock.advance(1);
    await refusedWith(provider.verifyAccessToken(all.access_token, { audience: ALL }));
    clock.advance(479);
    await provider.verifyAccessToken(files.access_token, { audience: FILES });
    clock.advance(1);
    await refusedWith(provider.verifyAccessToken(files.access_token, { audience: FILES }));
    await provider.verifyAccessToken(plain.access_token);
  });

  it('unique tokens are unique per audience: never handed out for another resource', async () => {
    const { provider } = createAuthorizationServer(
      providerOptions({
        resources: RESOURCES,
        accessToken: { revocation: 'allow-list' },
        grants: { clientCredentials: { uniqueTokens: true } },
      }),
    );
    const mcp = await serviceToken(provider, [MCP]);
    const again = await serviceToken(provider, [MCP]);
    const all = await serviceToken(provider, [ALL]);
    const plain = await serviceToken(provider, []);
    expect(again.access_token).to.equal(mcp.access_token);
    expect(all.access_token).to.not.equal(mcp.access_token);
    expect(plain.access_token).to.not.equal(mcp.access_token);
    expect(
      (await provider.verifyAccessToken(all.access_token, { audience: ALL })).audience,
    ).to.equal(ALL);
  });

  it('a resource token is revoked like any other (RFC 7009)', async () => {
    const { provider } = setup();
    const { access_token: token } = await serviceToken(provider, [MCP]);
    const res = await provider.revoke({ params: { token }, authorization: SERVICE });
    expect(res.status).to.equal(200);
    await refusedWith(provider.verifyAccessToken(token, { audience: MCP }));
  });

  it('a JWT resource on an opaque server is kept as a record and checked for its audience', async () => {
    const { provider } = createAuthorizationServer(
      providerOptions({
        accessToken: { format: 'opaque' },
        resources: [{ resource: MCP, accessTokenFormat: 'jwt' }],
      }),
    );
    const { access_token: token } = await serviceToken(provider, [MCP]);
    expect(token.split('.')).to.have.length(3);
    expect((await provider.verifyAccessToken(token, { audience: MCP })).format).to.equal('jwt');
    await refusedWith(provider.verifyAccessToken(token));
  });
});

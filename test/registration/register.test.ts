/**
 * RFC 7591 3.1 and 3.2.1: what a successful registration answers, the policies
 * (closed, open, initial access token), the options, and the metadata document.
 */
import { expect } from 'chai';
import request from 'supertest';
import {
  createAuthorizationServer,
  InvalidClientMetadataError,
  Provider,
  type OAuthEvent,
} from '../../index.js';
import {
  expectError,
  ISSUER,
  MCP_CLIENT,
  register,
  registrationApp,
  WEB_CB,
  WEB_CLIENT,
} from './support.js';

const ISSUED_AT = Date.UTC(2026, 0, 1) / 1000;

describe('registration: a successful registration (RFC 7591 3.2.1)', () => {
  it('answers 201, no-store, with the metadata echoed and the server fields', async () => {
    const { app } = registrationApp();
    const body = {
      ...WEB_CLIENT,
      client_uri: 'https://app.example.test/',
      logo_uri: 'https://app.example.test/logo.png',
      tos_uri: 'https://app.example.test/tos',
      policy_uri: 'https://app.example.test/privacy',
      contacts: ['ops@app.example.test'],
      software_id: '4NRB1-0XZABZI9E6-5SM3R',
      software_version: '2.1',
    };
    const res = await register(app, body);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(res.headers['content-type']).to.equal('application/json; charset=utf-8');
    const { client_id, client_secret, registration_access_token, ...rest } = res.body;
    expect(client_id).to.match(/^[0-9a-f-]{36}$/);
    expect(client_secret).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(registration_access_token).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(rest).to.deep.equal({
      client_id_issued_at: ISSUED_AT,
      client_secret_expires_at: 0,
      redirect_uris: [WEB_CB],
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      application_type: 'web',
      client_name: 'Web app',
      client_uri: 'https://app.example.test/',
      logo_uri: 'https://app.example.test/logo.png',
      tos_uri: 'https://app.example.test/tos',
      policy_uri: 'https://app.example.test/privacy',
      contacts: ['ops@app.example.test'],
      scope: 'read profile',
      software_id: '4NRB1-0XZABZI9E6-5SM3R',
      software_version: '2.1',
      registration_client_uri: `${ISSUER}/register/${client_id}`,
    });
  });

  it('stores the client as registered: hashed secret and token, never first-party', async () => {
    const { app, oauth } = registrationApp();
    const res = await register(app, WEB_CLIENT);
    const client = await oauth.provider.stores.clients.find(res.body.client_id);
    expect(client?.source).to.equal('registration');
    expect(client?.firstParty).to.equal(false);
    expect(client?.resourceServer).to.equal(false);
    expect(client?.requirePkce).to.equal(true);
    expect(client?.secretHash).to.match(/^sha256:/);
    expect(client?.secretHash).to.not.contain(res.body.client_secret);
    expect(client?.registrationTokenHash).to.not.equal(res.body.registration_access_token);
    expect(JSON.stringify(client)).to.not.contain(res.body.client_secret);
    expect(JSON.stringify(client)).to.not.contain(res.body.registration_access_token);
  });

  it('echoes redirect_uris byte for byte (clients compare the echo)', async () => {
    const { app } = registrationApp();
    const uris = [
      'https://App.Example.test:443/cb/../x?b=2&a=1',
      'https://app.example.test/%7Euser',
    ];
    const res = await register(app, { ...WEB_CLIENT, redirect_uris: uris });
    expect(res.status).to.equal(201);
    expect(res.body.redirect_uris).to.deep.equal(uris);
  });

  it('registers a native public client as the MCP SDK sends it (no application_type): native', async () => {
    const { app } = registrationApp();
    const res = await register(app, MCP_CLIENT);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.application_type).to.equal('native');
    expect(res.body).to.not.have.property('client_secret');
    expect(res.body).to.not.have.property('client_secret_expires_at');
    expect(res.body.token_endpoint_auth_method).to.equal('none');
  });

  for (const uri of [
    'http://localhost:8080/cb',
    'http://[::1]/cb',
    'com.example.app:/oauth2redirect',
    'cursor://anysphere.cursor-retrieval/oauth/callback',
  ]) {
    it(`accepts the native redirect URI ${uri} without application_type`, async () => {
      const { app } = registrationApp();
      const res = await register(app, { ...MCP_CLIENT, redirect_uris: [uri] });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.application_type).to.equal('native');
    });
  }

  it('accepts an https claimed URL for a native client', async () => {
    const { app } = registrationApp();
    const res = await register(app, {
      ...MCP_CLIENT,
      application_type: 'native',
      redirect_uris: ['https://app.example.test/native-cb', 'http://127.0.0.1/cb'],
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
  });

  it('registers a client_credentials-only client with no redirect URIs and response_types []', async () => {
    const { app } = registrationApp();
    const res = await register(app, {
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_post',
      scope: 'read',
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.redirect_uris).to.deep.equal([]);
    expect(res.body.response_types).to.deep.equal([]);
    expect(res.body.grant_types).to.deep.equal(['client_credentials']);
  });

  it('defaults (RFC 7591 2): authorization_code, code, client_secret_basic, web; no scope = every scope', async () => {
    const { app } = registrationApp();
    const res = await register(app, { redirect_uris: [WEB_CB] });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.grant_types).to.deep.equal(['authorization_code']);
    expect(res.body.response_types).to.deep.equal(['code']);
    expect(res.body.token_endpoint_auth_method).to.equal('client_secret_basic');
    expect(res.body.application_type).to.equal('web');
    expect(res.body).to.not.have.property('scope');
  });

  it('ignores unknown members and null values (RFC 7591 2)', async () => {
    const { app } = registrationApp();
    const res = await register(app, { ...MCP_CLIENT, frobnicate: 1, client_uri: null });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body).to.not.have.property('frobnicate');
    expect(res.body).to.not.have.property('client_uri');
  });

  it('emits client.registered once, without any secret', async () => {
    const { app, oauth } = registrationApp();
    const events: OAuthEvent[] = [];
    oauth.provider.events.on('client.registered', (e) => void events.push(e));
    oauth.provider.events.on('client.updated', (e) => void events.push(e));
    const res = await register(app, WEB_CLIENT);
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).to.deep.equal([
      { type: 'client.registered', time: Date.UTC(2026, 0, 1), clientId: res.body.client_id },
    ]);
  });

  it('with secretLifetime, client_secret_expires_at is issue time + lifetime', async () => {
    const { app } = registrationApp({ registration: { policy: 'open', secretLifetime: 3600 } });
    const res = await register(app, WEB_CLIENT);
    expect(res.body.client_secret_expires_at).to.equal(ISSUED_AT + 3600);
  });

  it('with management: false, no registration_access_token nor registration_client_uri', async () => {
    const { app } = registrationApp({ registration: { policy: 'open', management: false } });
    const res = await register(app, WEB_CLIENT);
    expect(res.status).to.equal(201);
    expect(res.body).to.not.have.property('registration_access_token');
    expect(res.body).to.not.have.property('registration_client_uri');
    const read = await request(app)
      .get(`/register/${res.body.client_id}`)
      .set('Authorization', 'Bearer anything');
    expectError(read, 401, 'invalid_token', 'the registration access token is missing or invalid');
  });
});

describe('registration: the inspect hook', () => {
  it('sees the checked metadata and the request context', async () => {
    const seen: unknown[] = [];
    const { app } = registrationApp({
      registration: { policy: 'open', inspect: (r) => void seen.push(r) },
    });
    const res = await register(app, MCP_CLIENT, { ip: '192.0.2.77', 'X-Request-Id': 'req-1' });
    expect(seen).to.deep.equal([
      {
        operation: 'register',
        clientId: res.body.client_id,
        metadata: {
          redirect_uris: MCP_CLIENT.redirect_uris,
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          application_type: 'native',
          client_name: 'MCP client',
        },
        ip: '192.0.2.77',
        requestId: 'req-1',
      },
    ]);
  });

  it('may amend the metadata, which is checked again', async () => {
    const { app } = registrationApp({
      registration: { policy: 'open', inspect: (r) => ({ ...r.metadata, scope: 'read' }) },
    });
    const res = await register(app, MCP_CLIENT);
    expect(res.body.scope).to.equal('read');
  });

  it('cannot amend past the rules (first_party stays off, unknown scopes refused)', async () => {
    const { app, oauth } = registrationApp({
      registration: {
        policy: 'open',
        inspect: (r) =>
          r.metadata.client_name === 'bad scope'
            ? { ...r.metadata, scope: 'admin' }
            : ({ ...r.metadata, first_party: true } as never),
      },
    });
    const refused = await register(app, { ...MCP_CLIENT, client_name: 'bad scope' });
    expectError(
      refused,
      400,
      'invalid_client_metadata',
      "scope has 'admin', which this server does not offer",
    );
    const res = await register(app, MCP_CLIENT);
    const client = await oauth.provider.stores.clients.find(res.body.client_id);
    expect(client?.firstParty).to.equal(false);
  });

  it('may refuse with InvalidClientMetadataError', async () => {
    const { app } = registrationApp({
      registration: {
        policy: 'open',
        inspect: () => {
          throw new InvalidClientMetadataError('client_name is not allowed here');
        },
      },
    });
    const res = await register(app, MCP_CLIENT);
    expectError(res, 400, 'invalid_client_metadata', 'client_name is not allowed here');
  });

  it('a hook that fails otherwise is a 500 server_error, and nothing is saved', async () => {
    let saved = 0;
    const { app, oauth } = registrationApp({
      registration: {
        policy: 'open',
        inspect: () => {
          throw new Error('database is on fire');
        },
      },
    });
    oauth.provider.events.on('client.registered', () => void (saved += 1));
    const res = await register(app, MCP_CLIENT);
    expectError(res, 500, 'server_error', 'the server encountered an unexpected error');
    expect(saved).to.equal(0);
  });
});

describe('registration: policies', () => {
  it('closed (the default): no endpoint (404), no registration_endpoint in metadata', async () => {
    const { app } = registrationApp({ registration: undefined });
    const res = await register(app, MCP_CLIENT);
    expect(res.status).to.equal(404);
    const metadata = await request(app).get('/.well-known/oauth-authorization-server');
    expect(metadata.body).to.not.have.property('registration_endpoint');
    const oauth = createAuthorizationServer({ issuer: ISSUER });
    expect(() => oauth.register()).to.throw(TypeError, /registration is closed/);
  });

  it('open: metadata lists registration_endpoint (RFC 8414 2)', async () => {
    const { app } = registrationApp();
    const metadata = await request(app).get('/.well-known/oauth-authorization-server');
    expect(metadata.body.registration_endpoint).to.equal(`${ISSUER}/register`);
  });

  describe('initial-access-token (RFC 7591 3)', () => {
    const IAT = 'iat-0123456789abcdef-0123';
    const { app } = registrationApp({
      registration: { policy: 'initial-access-token', initialAccessToken: [IAT] },
    });

    it('registers with the token', async () => {
      const res = await register(app, MCP_CLIENT, { Authorization: `Bearer ${IAT}` });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    });

    for (const [title, header] of [
      ['missing', undefined],
      ['wrong', `Bearer ${IAT}x`],
      ['a prefix of it', `Bearer ${IAT.slice(0, -1)}`],
      ['in another scheme', `Basic ${IAT}`],
      ['malformed', `Bearer ${IAT} extra`],
    ] as const) {
      it(`refuses a ${title} token: 401 invalid_token with a Bearer challenge`, async () => {
        const res = await register(
          app,
          MCP_CLIENT,
          header === undefined ? {} : { Authorization: header },
        );
        expectError(res, 401, 'invalid_token', 'the initial access token is missing or invalid');
        expect(res.headers['www-authenticate']).to.equal('Bearer error="invalid_token"');
      });
    }

    it('takes a function instead of a list', async () => {
      const seen: string[] = [];
      const { app: other } = registrationApp({
        registration: {
          policy: 'initial-access-token',
          initialAccessToken: async (token) => {
            seen.push(token);
            return token === 'from-a-database';
          },
        },
      });
      const ok = await register(other, MCP_CLIENT, { Authorization: 'Bearer from-a-database' });
      expect(ok.status).to.equal(201);
      const refused = await register(other, MCP_CLIENT, { Authorization: 'Bearer nope' });
      expect(refused.status).to.equal(401);
      expect(seen).to.deep.equal(['from-a-database', 'nope']);
    });
  });
});

describe('registration: options are checked at construction (TypeError naming the option)', () => {
  const make = (registration: unknown) => () =>
    new Provider({ issuer: ISSUER, registration: registration as never });
  it('a misspelled key names the nearest', () => {
    expect(make({ polcy: 'open' })).to.throw(TypeError, /options\.registration.*polcy.*policy/);
  });
  it('an unknown policy', () => {
    expect(make({ policy: 'anyone' })).to.throw(
      TypeError,
      "options.registration.policy must be 'closed', 'open' or 'initial-access-token'",
    );
  });
  it('initial-access-token without tokens', () => {
    expect(make({ policy: 'initial-access-token' })).to.throw(
      TypeError,
      /initialAccessToken is required with policy 'initial-access-token'/,
    );
  });
  it('a short initial access token', () => {
    expect(make({ policy: 'initial-access-token', initialAccessToken: ['short'] })).to.throw(
      TypeError,
      'options.registration.initialAccessToken[0] must be a string of at least 16 characters',
    );
  });
  it('initialAccessToken with another policy', () => {
    expect(make({ policy: 'open', initialAccessToken: ['0123456789abcdef'] })).to.throw(
      TypeError,
      "options.registration.initialAccessToken is only for policy 'initial-access-token'",
    );
  });
  it('a bad secretLifetime, management or inspect', () => {
    expect(make({ policy: 'open', secretLifetime: -1 })).to.throw(TypeError, /secretLifetime/);
    expect(make({ policy: 'open', management: 'yes' })).to.throw(TypeError, /management/);
    expect(make({ policy: 'open', inspect: 'no' })).to.throw(TypeError, /inspect/);
  });
  it('a read-only client store', () => {
    expect(
      () =>
        new Provider({
          issuer: ISSUER,
          clients: { find: async () => undefined },
          registration: { policy: 'open' },
        }),
    ).to.throw(TypeError, /writable client registry/);
  });
});

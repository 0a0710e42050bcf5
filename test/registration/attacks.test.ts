/**
 * Abuse of the registration endpoint: prototype keys, server-only fields,
 * parallel registrations, and the per-address rate limit.
 */
import { expect } from 'chai';
import type { OAuthEvent } from '../../index.js';
import { expectError, MCP_CLIENT, register, registrationApp, WEB_CLIENT } from './support.js';

describe('registration attacks', () => {
  it('__proto__ and constructor keys pollute nothing and grant nothing', async () => {
    const { app, oauth } = registrationApp();
    const body = `{"__proto__": {"first_party": true, "polluted": 1, "scope": "admin"},
      "constructor": {"prototype": {"polluted": 2}},
      "client_name": "proto", "redirect_uris": ["http://127.0.0.1/cb"],
      "token_endpoint_auth_method": "none", "grant_types": ["authorization_code"]}`;
    const res = await register(app, body);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body).to.not.have.property('scope');
    expect(res.body).to.not.have.property('polluted');
    expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
    expect(({} as Record<string, unknown>)['first_party']).to.equal(undefined);
    const client = await oauth.provider.stores.clients.find(res.body.client_id);
    expect(client?.firstParty).to.equal(false);
    expect(client?.scopes).to.equal(undefined);
  });

  it('members inside __proto__ do not count as sent', async () => {
    const { app } = registrationApp();
    const res = await register(
      app,
      '{"__proto__": {"redirect_uris": ["http://127.0.0.1/cb"]}, "token_endpoint_auth_method": "none"}',
    );
    expectError(
      res,
      400,
      'invalid_redirect_uri',
      'redirect_uris is required for authorization_code and implicit',
    );
  });

  it('server-only fields are ignored: no first_party, resource_server, PKCE opt-out, chosen id or secret', async () => {
    const { app, oauth } = registrationApp();
    const res = await register(app, {
      ...WEB_CLIENT,
      client_id: 'configured',
      client_secret: 'chosen-secret',
      client_secret_hash: 'sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      first_party: true,
      resource_server: true,
      require_pkce: false,
      source: 'metadata-document',
      registration_access_token: 'chosen-token',
      registration_token_hash: 'x',
      client_id_issued_at: 1,
      client_secret_expires_at: 1,
      default_scope: 'write',
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.client_id).to.not.equal('configured');
    expect(res.body.client_secret).to.not.equal('chosen-secret');
    expect(res.body.registration_access_token).to.not.equal('chosen-token');
    expect(res.body.client_secret_expires_at).to.equal(0);
    const client = await oauth.provider.stores.clients.find(res.body.client_id);
    expect(client).to.include({
      firstParty: false,
      resourceServer: false,
      requirePkce: true,
      source: 'registration',
    });
    expect(client?.defaultScopes).to.equal(undefined);
    expect(client?.secretHash).to.not.equal('sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    const configured = await oauth.provider.stores.clients.find('configured');
    expect(configured?.source).to.equal(undefined);
  });

  it('parallel registrations each get their own id, and all are saved', async () => {
    const { app, oauth } = registrationApp({ rateLimits: { registration: false } });
    const answers = await Promise.all(Array.from({ length: 20 }, () => register(app, MCP_CLIENT)));
    const ids = answers.map((res) => res.body.client_id as string);
    expect(answers.map((res) => res.status)).to.deep.equal(Array(20).fill(201));
    expect(new Set(ids).size).to.equal(20);
    for (const id of ids)
      expect(await oauth.provider.stores.clients.find(id)).to.not.equal(undefined);
  });

  describe('the rate limit per source address', () => {
    it('answers 429 with Retry-After after 10 attempts from one address; another address is fine', async () => {
      const { app, oauth } = registrationApp();
      const events: OAuthEvent[] = [];
      oauth.provider.events.on('rate_limited', (e) => void events.push(e));
      // Failed attempts count as well: every attempt does.
      for (let i = 0; i < 5; i += 1)
        expect((await register(app, [], { ip: '192.0.2.50' })).status).to.equal(400);
      for (let i = 0; i < 5; i += 1)
        expect((await register(app, MCP_CLIENT, { ip: '192.0.2.50' })).status).to.equal(201);
      const refused = await register(app, MCP_CLIENT, { ip: '192.0.2.50' });
      expectError(
        refused,
        429,
        'temporarily_unavailable',
        'too many failed attempts: try again later',
      );
      expect(Number(refused.headers['retry-after'])).to.be.within(1, 60);
      expect((await register(app, MCP_CLIENT, { ip: '192.0.2.51' })).status).to.equal(201);
      await new Promise((resolve) => setImmediate(resolve));
      expect(events).to.have.length(1);
      expect(events[0]).to.include({
        type: 'rate_limited',
        limit: 'registration',
        ip: '192.0.2.50',
      });
    });

    it('counts an IPv6 /64 as one address', async () => {
      const { app } = registrationApp({
        rateLimits: { registration: { failures: 2, window: 60, block: 60 } },
      });
      expect((await register(app, MCP_CLIENT, { ip: '2001:db8::1' })).status).to.equal(201);
      expect((await register(app, MCP_CLIENT, { ip: '2001:db8::2' })).status).to.equal(201);
      expect((await register(app, MCP_CLIENT, { ip: '2001:db8::3' })).status).to.equal(429);
      expect((await register(app, MCP_CLIENT, { ip: '2001:db8:0:1::1' })).status).to.equal(201);
    });

    it('rateLimits.registration: false turns it off', async () => {
      const { app } = registrationApp({ rateLimits: { registration: false } });
      for (let i = 0; i < 12; i += 1)
        expect((await register(app, MCP_CLIENT, { ip: '192.0.2.60' })).status).to.equal(201);
    });
  });
});

/**
 * The provider's typed events (lib/engine/events.ts), driven through the engine
 * (`provider.token`, `provider.revoke`) and, where a header matters, over HTTP.
 *
 * Rules checked:
 * - each event comes once per occurrence, with its documented fields and the
 *   provider's clock as `time`;
 * - no event carries a secret: the JSON of every event seen holds none of the
 *   access tokens, refresh tokens, codes, code verifiers and client secrets used;
 * - `client.authentication_failed` tells the private reason and the method, and
 *   the `X-Request-Id` of the HTTP request;
 * - a listener that throws or rejects changes no response and is logged at error
 *   by the provider's logger; other listeners still hear the event;
 * - `off()` and the function `on()` returns remove a listener; with no listener,
 *   `wants()` is false.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import {
  createAuthorizationServer,
  Provider,
  s256Challenge,
  type EngineResponse,
  type Logger,
  type ProviderOptions,
  type TokenResponseBody,
} from '../../index.js';
import type { OAuthEvent, OAuthEventType } from '../../lib/engine/events.js';
import {
  frozenClock,
  providerOptions,
  REDIRECT,
  secrets,
  VERIFIER,
  type FrozenClock,
} from '../support/fixtures.js';
import { basic, expectError, expectTokens } from '../support/engine.js';

/** Every event type of the documented union. */
const TYPES: readonly OAuthEventType[] = [
  'token.issued',
  'code.issued',
  'code.replayed',
  'refresh.rotated',
  'refresh.reuse_detected',
  'token.revoked',
  'grant.revoked',
  'client.authentication_failed',
  'consent.granted',
  'consent.denied',
  'consent.remembered',
  'client.registered',
  'client.updated',
  'client.deleted',
];

const SERVICE = basic('service', secrets.service.secret);
const WEB = basic('web', secrets.web.secret);
const WRONG_SECRET = 'not-the-secret-of-service-0123456789';

/** The SHA-256 of a token, base64url: the id of an opaque token or a refresh token. */
function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** The `jti` of a JWT access token. */
function jtiOf(jwt: string): string {
  const payload = jwt.split('.')[1] ?? '';
  return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { jti: string }).jti;
}

/** Lets every queued microtask and promise callback (event delivery) run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A provider, every event it emits, and every secret the test hands it. */
class Harness {
  readonly clock: FrozenClock = frozenClock();
  readonly provider: Provider;
  readonly events: OAuthEvent[] = [];
  /** Secrets the test used: none may appear in any event. */
  readonly secrets = new Set<string>(Object.values(secrets).map((s) => s.secret));

  constructor(overrides: Partial<ProviderOptions> = {}) {
    this.provider = new Provider(providerOptions({ clock: this.clock, ...overrides }));
    for (const type of TYPES) {
      this.provider.events.on(type, (event) => {
        this.events.push(event as OAuthEvent);
      });
    }
  }

  /** Keeps a secret the test used, to check later that no event carries it. */
  used(...values: (string | undefined)[]): void {
    for (const value of values) if (value !== undefined) this.secrets.add(value);
  }

  /** The events seen since the last call, after delivery. */
  async take(): Promise<OAuthEvent[]> {
    await settle();
    const taken = this.events.splice(0);
    this.expectNoSecret(taken);
    return taken;
  }

  /** Tokens for `service` (client_credentials). */
  async clientCredentials(scope = 'read'): Promise<TokenResponseBody> {
    const body = expectTokens(
      await this.provider.token({
        params: { grant_type: 'client_credentials', scope },
        authorization: SERVICE,
      }),
    );
    this.used(body.access_token);
    return body;
  }

  /** A code for `web` with PKCE, and the grant id it starts. */
  async code(): Promise<{ code: string; grantId: string }> {
    const client = await this.provider.stores.clients.find('web');
    if (client === undefined) throw new Error('no web client');
    const { code, grantId } = await this.provider.issueAuthorizationCode({
      client,
      subject: 'user-alice',
      scope: ['read', 'write'],
      redirectUri: REDIRECT,
      codeChallenge: s256Challenge(VERIFIER),
      codeChallengeMethod: 'S256',
    });
    this.used(code, VERIFIER);
    return { code, grantId };
  }

  /** Redeems a code for `web`. */
  async redeem(code: string): Promise<EngineResponse> {
    const res = await this.provider.token({
      params: {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        code_verifier: VERIFIER,
      },
      authorization: WEB,
    });
    const body = res.body as Partial<TokenResponseBody>;
    this.used(body.access_token, body.refresh_token);
    return res;
  }

  /** Uses a refresh token of `web`. */
  async refresh(refreshToken: string): Promise<EngineResponse> {
    const res = await this.provider.token({
      params: { grant_type: 'refresh_token', refresh_token: refreshToken },
      authorization: WEB,
    });
    const body = res.body as Partial<TokenResponseBody>;
    this.used(body.access_token, body.refresh_token);
    return res;
  }

  /** The JSON of `events` holds none of the secrets used. */
  expectNoSecret(events: readonly OAuthEvent[]): void {
    const json = JSON.stringify(events);
    for (const secret of this.secrets) {
      expect(json.includes(secret), `an event carries the secret ${secret.slice(0, 12)}...`).to.be
        .false;
    }
  }
}

/** The one event of `type` in `events`; fails unless there is exactly one. */
function only<K extends OAuthEventType>(
  events: readonly OAuthEvent[],
  type: K,
): Extract<OAuthEvent, { type: K }> {
  const found = events.filter((e) => e.type === type);
  expect(found, `${type} events`).to.have.length(1);
  return found[0] as Extract<OAuthEvent, { type: K }>;
}

/** The types of `events`, sorted (delivery order between types is not a promise). */
function typesOf(events: readonly OAuthEvent[]): string[] {
  return events.map((e) => e.type).sort();
}

describe('events: token.issued', () => {
  it('comes once for client_credentials, with the jti as tokenId and no refresh token', async () => {
    const h = new Harness();
    const body = await h.clientCredentials('read write');
    const events = await h.take();
    expect(typesOf(events)).to.deep.equal(['token.issued']);
    const event = only(events, 'token.issued');
    expect(event).to.deep.equal({
      type: 'token.issued',
      time: h.clock(),
      grantType: 'client_credentials',
      clientId: 'service',
      subject: 'service',
      scope: ['read', 'write'],
      tokenId: jtiOf(body.access_token),
      grantId: event.grantId,
      refreshToken: false,
    });
    expect(event.grantId).to.be.a('string').that.is.not.empty;
  });

  it('names an opaque access token by its SHA-256, never by the token', async () => {
    const h = new Harness({ accessToken: { format: 'opaque' } });
    const body = await h.clientCredentials();
    const event = only(await h.take(), 'token.issued');
    expect(event.tokenId).to.equal(sha256(body.access_token));
  });

  it('comes once for authorization_code with a refresh token, in the code grant family', async () => {
    const h = new Harness();
    const { code, grantId } = await h.code();
    const issued = only(await h.take(), 'code.issued');
    expect(issued).to.deep.equal({
      type: 'code.issued',
      time: h.clock(),
      clientId: 'web',
      subject: 'user-alice',
      scope: ['read', 'write'],
      grantId,
    });
    const body = expectTokens(await h.redeem(code));
    expect(body.refresh_token).to.be.a('string');
    const events = await h.take();
    expect(typesOf(events)).to.deep.equal(['token.issued']);
    expect(only(events, 'token.issued')).to.deep.equal({
      type: 'token.issued',
      time: h.clock(),
      grantType: 'authorization_code',
      clientId: 'web',
      subject: 'user-alice',
      scope: ['read', 'write'],
      tokenId: jtiOf(body.access_token),
      grantId,
      refreshToken: true,
    });
  });

  it('comes once with refresh.rotated when a refresh token is rotated', async () => {
    const h = new Harness();
    const { code, grantId } = await h.code();
    const first = expectTokens(await h.redeem(code));
    await h.take();
    h.clock.advance(60);
    const second = expectTokens(await h.refresh(first.refresh_token as string));
    expect(second.refresh_token).to.be.a('string').and.not.equal(first.refresh_token);
    const events = await h.take();
    expect(typesOf(events)).to.deep.equal(['refresh.rotated', 'token.issued']);
    expect(only(events, 'token.issued')).to.deep.equal({
      type: 'token.issued',
      time: h.clock(),
      grantType: 'refresh_token',
      clientId: 'web',
      subject: 'user-alice',
      scope: ['read', 'write'],
      tokenId: jtiOf(second.access_token),
      grantId,
      refreshToken: true,
    });
    expect(only(events, 'refresh.rotated')).to.deep.equal({
      type: 'refresh.rotated',
      time: h.clock(),
      clientId: 'web',
      grantId,
    });
  });
});

describe('events: the secret check of this file', () => {
  it('fails when an event carries a token the test used', async () => {
    const h = new Harness();
    const body = await h.clientCredentials();
    await h.take();
    h.provider.events.emit('grant.revoked', { time: 0, grantId: 'g', reason: body.access_token });
    let failure: unknown;
    try {
      await h.take();
    } catch (err) {
      failure = err;
    }
    expect(String(failure)).to.match(/an event carries the secret/);
  });
});

describe('events: reuse and replay', () => {
  // RFC 9700 4.14.2: "If a refresh token is compromised and subsequently used by both the
  // attacker and the legitimate client, one of them will present an invalidated refresh
  // token, which will inform the authorization server of the breach."
  it('reports a retired refresh token as refresh.reuse_detected and grant.revoked (refresh_reuse)', async () => {
    const h = new Harness();
    const { code, grantId } = await h.code();
    const first = expectTokens(await h.redeem(code));
    expectTokens(await h.refresh(first.refresh_token as string));
    await h.take();
    expectError(await h.refresh(first.refresh_token as string), 400, 'invalid_grant');
    const events = await h.take();
    expect(typesOf(events)).to.deep.equal(['grant.revoked', 'refresh.reuse_detected']);
    expect(only(events, 'refresh.reuse_detected')).to.deep.equal({
      type: 'refresh.reuse_detected',
      time: h.clock(),
      clientId: 'web',
      grantId,
    });
    expect(only(events, 'grant.revoked')).to.deep.equal({
      type: 'grant.revoked',
      time: h.clock(),
      grantId,
      reason: 'refresh_reuse',
    });
  });

  // RFC 6749 4.1.2: "If an authorization code is used more than once, the authorization
  // server MUST deny the request and SHOULD revoke (when possible) all tokens previously
  // issued based on that authorization code."
  it('reports a used code as code.replayed and grant.revoked (code_replayed)', async () => {
    const h = new Harness();
    const { code, grantId } = await h.code();
    expectTokens(await h.redeem(code));
    await h.take();
    expectError(await h.redeem(code), 400, 'invalid_grant');
    const events = await h.take();
    expect(typesOf(events)).to.deep.equal(['code.replayed', 'grant.revoked']);
    expect(only(events, 'code.replayed')).to.deep.equal({
      type: 'code.replayed',
      time: h.clock(),
      clientId: 'web',
      grantId,
    });
    expect(only(events, 'grant.revoked')).to.deep.equal({
      type: 'grant.revoked',
      time: h.clock(),
      grantId,
      reason: 'code_replayed',
    });
  });
});

describe('events: token.revoked (RFC 7009)', () => {
  it('reports a revoked access token by its id, and revokes no grant', async () => {
    const h = new Harness();
    const body = await h.clientCredentials();
    await h.take();
    const res = await h.provider.revoke({
      params: { token: body.access_token, token_type_hint: 'access_token' },
      authorization: SERVICE,
    });
    expect(res.status).to.equal(200);
    const events = await h.take();
    expect(typesOf(events)).to.deep.equal(['token.revoked']);
    expect(only(events, 'token.revoked')).to.deep.equal({
      type: 'token.revoked',
      time: h.clock(),
      clientId: 'service',
      tokenType: 'access_token',
      tokenId: jtiOf(body.access_token),
    });
  });

  // RFC 7009 2.1: "If the particular token is a refresh token and the authorization server
  // supports the revocation of access tokens, then the authorization server SHOULD also
  // invalidate all access tokens based on the same authorization grant".
  it('reports a revoked refresh token by its SHA-256, with grant.revoked (revocation)', async () => {
    const h = new Harness();
    const { code, grantId } = await h.code();
    const body = expectTokens(await h.redeem(code));
    const refreshToken = body.refresh_token as string;
    await h.take();
    const res = await h.provider.revoke({
      params: { token: refreshToken, token_type_hint: 'refresh_token' },
      authorization: WEB,
    });
    expect(res.status).to.equal(200);
    const events = await h.take();
    expect(typesOf(events)).to.deep.equal(['grant.revoked', 'token.revoked']);
    expect(only(events, 'token.revoked')).to.deep.equal({
      type: 'token.revoked',
      time: h.clock(),
      clientId: 'web',
      tokenType: 'refresh_token',
      tokenId: sha256(refreshToken),
    });
    expect(only(events, 'grant.revoked')).to.deep.equal({
      type: 'grant.revoked',
      time: h.clock(),
      grantId,
      reason: 'revocation',
    });
  });

  it('reports nothing for an unknown token or another client’s token', async () => {
    const h = new Harness();
    const body = await h.clientCredentials();
    await h.take();
    const unknown = await h.provider.revoke({
      params: { token: 'no-such-token' },
      authorization: WEB,
    });
    const others = await h.provider.revoke({
      params: { token: body.access_token },
      authorization: WEB,
    });
    expect([unknown.status, others.status]).to.deep.equal([200, 200]);
    expect(await h.take()).to.deep.equal([]);
  });
});

describe('events: client.authentication_failed', () => {
  const cases: readonly {
    name: string;
    authorization?: string;
    params: Record<string, string>;
    clientId: string;
    method: string;
    reason: RegExp;
  }[] = [
    {
      name: 'an unknown client (Basic)',
      authorization: basic('nobody', WRONG_SECRET),
      params: {},
      clientId: 'nobody',
      method: 'client_secret_basic',
      reason: /unknown/i,
    },
    {
      name: 'a wrong secret (Basic)',
      authorization: basic('service', WRONG_SECRET),
      params: {},
      clientId: 'service',
      method: 'client_secret_basic',
      reason: /wrong|secret|credential/i,
    },
    {
      name: 'a wrong secret (client_secret_post)',
      params: { client_id: 'service', client_secret: WRONG_SECRET },
      clientId: 'service',
      method: 'client_secret_post',
      reason: /wrong|secret|credential/i,
    },
    {
      name: 'a public client using client_secret_post',
      params: { client_id: 'spa', client_secret: WRONG_SECRET },
      clientId: 'spa',
      method: 'client_secret_post',
      reason: /client_secret_post|registered/i,
    },
    {
      name: 'a confidential client sending no secret (none)',
      params: { client_id: 'service' },
      clientId: 'service',
      method: 'none',
      reason: /authenticate|none|registered/i,
    },
  ];

  for (const c of cases) {
    it(`comes once for ${c.name}, with clientId, method and reason`, async () => {
      const h = new Harness();
      h.used(WRONG_SECRET);
      const res = await h.provider.token({
        params: { grant_type: 'client_credentials', ...c.params },
        authorization: c.authorization,
        meta: { requestId: 'req-engine-1' },
      });
      expectError(res, c.authorization === undefined ? 400 : 401, 'invalid_client');
      const events = await h.take();
      expect(typesOf(events)).to.deep.equal(['client.authentication_failed']);
      const event = only(events, 'client.authentication_failed');
      expect(event).to.deep.equal({
        type: 'client.authentication_failed',
        time: h.clock(),
        requestId: 'req-engine-1',
        clientId: c.clientId,
        method: c.method,
        reason: event.reason,
      });
      expect(event.reason).to.match(c.reason);
    });
  }

  it('gives a different private reason for an unknown client, a wrong secret and a wrong method', async () => {
    const h = new Harness();
    h.used(WRONG_SECRET);
    for (const params of [
      { client_id: 'nobody', client_secret: WRONG_SECRET },
      { client_id: 'service', client_secret: WRONG_SECRET },
      { client_id: 'spa', client_secret: WRONG_SECRET },
    ]) {
      await h.provider.token({ params: { grant_type: 'client_credentials', ...params } });
    }
    const reasons = (await h.take()).map((e) =>
      e.type === 'client.authentication_failed' ? e.reason : e.type,
    );
    expect(reasons).to.have.length(3);
    expect(new Set(reasons).size, reasons.join(' | ')).to.equal(3);
  });

  it('carries the X-Request-Id of an HTTP request, at the token, revocation and introspection endpoints', async () => {
    const h = new Harness();
    h.used(WRONG_SECRET);
    const app = express().use(createAuthorizationServer(h.provider).router());
    const sent: [string, string, string][] = [
      ['/token', 'grant_type=client_credentials', 'req-token-7'],
      ['/revoke', 'token=whatever', 'req-revoke-8'],
      ['/introspect', 'token=whatever', 'req-introspect-9'],
    ];
    for (const [path, body, id] of sent) {
      const res = await request(app)
        .post(path)
        .set('X-Request-Id', id)
        .set('Authorization', basic('service', WRONG_SECRET))
        .type('form')
        .send(body);
      expect(res.status, `${path}: ${res.text}`).to.equal(401);
    }
    const events = await h.take();
    expect(events.map((e) => e.type)).to.deep.equal(Array(3).fill('client.authentication_failed'));
    expect(events.map((e) => e.requestId)).to.deep.equal(sent.map((s) => s[2]));
    for (const e of events) {
      expect(e).to.include({ clientId: 'service', method: 'client_secret_basic' });
    }
  });
});

/** A logger that keeps what it is told. */
function recordingLogger(): Logger & { entries: { level: string; obj: object; msg?: string }[] } {
  const entries: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => {
    entries.push({ level, obj, ...(msg === undefined ? {} : { msg }) });
  };
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('events: listener isolation', () => {
  it('answers as usual when listeners throw and reject, and logs each failure at error', async () => {
    const logger = recordingLogger();
    const h = new Harness({ logger });
    const thrown = new Error('listener threw');
    const rejected = new Error('listener rejected');
    h.provider.events.on('token.issued', () => {
      throw thrown;
    });
    h.provider.events.on('token.issued', async () => {
      throw rejected;
    });
    const res = await h.provider.token({
      params: { grant_type: 'client_credentials' },
      authorization: SERVICE,
    });
    const body = expectTokens(res);
    h.used(body.access_token);
    expect(res.headers).to.deep.equal({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    expect(Object.keys(body).sort()).to.deep.equal([
      'access_token',
      'expires_in',
      'scope',
      'token_type',
    ]);
    expect((await h.provider.verifyAccessToken(body.access_token)).clientId).to.equal('service');
    await settle();
    await settle();
    const errors = logger.entries.filter((e) => e.level === 'error');
    expect(errors.map((e) => (e.obj as { err: unknown }).err)).to.have.members([thrown, rejected]);
    for (const e of errors) expect(e.obj).to.include({ event: 'token.issued' });
    expect(typesOf(await h.take()), 'the other listeners still heard it').to.deep.equal([
      'token.issued',
    ]);
  });

  it('answers a failed authentication as usual when its listener throws', async () => {
    const logger = recordingLogger();
    const h = new Harness({ logger });
    h.provider.events.on('client.authentication_failed', () => {
      throw new Error('boom');
    });
    const res = await h.provider.token({
      params: { grant_type: 'client_credentials' },
      authorization: basic('nobody', WRONG_SECRET),
    });
    expect(res.status).to.equal(401);
    expect(res.body).to.deep.equal({
      error: 'invalid_client',
      error_description: 'client authentication failed',
    });
    await settle();
    const errors = logger.entries.filter((e) => e.level === 'error');
    expect(errors).to.have.length(1);
    expect(errors[0]?.obj).to.include({ event: 'client.authentication_failed' });
  });
});

describe('events: on, off and wants', () => {
  it('wants() nothing when no one listens (the default silent logger listens to nothing)', () => {
    const provider = new Provider(providerOptions());
    for (const type of TYPES) expect(provider.events.wants(type), type).to.equal(false);
  });

  it('removes a listener with off(), and wants() is false again', async () => {
    const provider = new Provider(providerOptions());
    const heard: OAuthEvent[] = [];
    const listener = (e: OAuthEvent) => void heard.push(e);
    provider.events.on('token.issued', listener);
    expect(provider.events.wants('token.issued')).to.equal(true);
    expect(provider.events.wants('grant.revoked')).to.equal(false);
    provider.events.off('token.issued', listener);
    expect(provider.events.wants('token.issued')).to.equal(false);
    await provider.token({ params: { grant_type: 'client_credentials' }, authorization: SERVICE });
    await settle();
    expect(heard).to.deep.equal([]);
  });

  it('removes a listener with the function on() returned, leaving the others', async () => {
    const provider = new Provider(providerOptions());
    const removed: OAuthEvent[] = [];
    const kept: OAuthEvent[] = [];
    const stop = provider.events.on('token.issued', (e) => void removed.push(e));
    provider.events.on('token.issued', (e) => void kept.push(e));
    stop();
    expect(provider.events.wants('token.issued')).to.equal(true);
    await provider.token({ params: { grant_type: 'client_credentials' }, authorization: SERVICE });
    await settle();
    expect(removed).to.deep.equal([]);
    expect(kept.map((e) => e.type)).to.deep.equal(['token.issued']);
  });

  it('delivers after the emitting call returns, never during it', async () => {
    const provider = new Provider(providerOptions());
    const heard: string[] = [];
    provider.events.on('token.issued', (e) => void heard.push(e.type));
    provider.events.emit('token.issued', {
      time: 0,
      grantType: 'client_credentials',
      clientId: 'c',
      subject: 's',
      scope: [],
      tokenId: 't',
      grantId: 'g',
      refreshToken: false,
    });
    expect(heard, 'nothing before the current step ends').to.deep.equal([]);
    await settle();
    expect(heard).to.deep.equal(['token.issued']);
  });

  it('refuses a listener that is not a function with a TypeError', () => {
    const provider = new Provider(providerOptions());
    expect(() => provider.events.on('token.issued', 'nope' as never)).to.throw(TypeError);
  });
});

/**
 * The Fetch-API adapter: fetchHandler() and verifyBearer() driven with real
 * `Request` objects, compared with the Express handlers' answers to the same
 * input (same provider, so a token from one works at the other), and once behind
 * node:http through a small Request/Response bridge.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import {
  createAuthorizationServer,
  fetchHandler,
  Provider,
  verifyBearer,
  type AccessTokenInfo,
  type AuthorizationServer,
} from '../../index.js';
import { ISSUER, providerOptions, secrets } from '../support/fixtures.js';
import { basic, BASIC_CHALLENGE, postChunked } from './token-assertions.js';

const FORM = 'application/x-www-form-urlencoded';
const SERVICE = basic('service', secrets.service.secret);
const RS = basic('rs', secrets.rs.secret);
const GRANT = 'grant_type=client_credentials';

interface Sent {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

interface Answer {
  status: number;
  headers: Record<string, string | undefined>;
  body: unknown;
}

const COMPARED = [
  'content-type',
  'cache-control',
  'pragma',
  'www-authenticate',
  'allow',
  'access-control-allow-origin',
];

function setup(): {
  oauth: AuthorizationServer;
  app: express.Express;
  handle: ReturnType<typeof fetchHandler>;
} {
  const oauth = createAuthorizationServer(providerOptions());
  const app = express();
  app.use(oauth.router());
  app.get('/api/read', oauth.protect({ scope: 'read' }), (_req, res) => res.json({ ok: true }));
  app.get('/api/write', oauth.protect({ scope: ['read', 'write'] }), (_req, res) =>
    res.json({ ok: true }),
  );
  return { oauth, app, handle: fetchHandler(oauth.provider) };
}

function toRequest(sent: Sent): Request {
  const init: RequestInit = { method: sent.method ?? 'POST', headers: sent.headers ?? {} };
  if (sent.body !== undefined) init.body = sent.body;
  return new Request(ISSUER + sent.path, init);
}

async function fromResponse(res: Response | undefined): Promise<Answer> {
  if (res === undefined) throw new Error('the fetch handler did not answer');
  const text = await res.text();
  const headers: Record<string, string | undefined> = {};
  for (const name of [...COMPARED, 'connection', 'content-length'])
    headers[name] = res.headers.get(name) ?? undefined;
  return { status: res.status, headers, body: text === '' ? undefined : JSON.parse(text) };
}

async function viaExpress(app: express.Express, sent: Sent): Promise<Answer> {
  const method = (sent.method ?? 'POST').toLowerCase() as 'get' | 'post' | 'put';
  let test = request(app)[method](sent.path);
  for (const [name, value] of Object.entries(sent.headers ?? {})) test = test.set(name, value);
  const res = await (sent.body === undefined
    ? test
    : test.send(typeof sent.body === 'string' ? sent.body : Buffer.from(sent.body)));
  const headers: Record<string, string | undefined> = {};
  for (const name of COMPARED) headers[name] = res.headers[name] as string | undefined;
  return { status: res.status, headers, body: res.text === '' ? undefined : JSON.parse(res.text) };
}

/** A body with its fresh access token (different at every call) masked. */
function masked(body: unknown): unknown {
  return typeof body === 'object' && body !== null && 'access_token' in body
    ? { ...body, access_token: '…' }
    : body;
}

/** The fetch handler's answer, after checking the Express one is the same (but for a fresh token). */
async function same(ctx: ReturnType<typeof setup>, sent: Sent): Promise<Answer> {
  const viaFetch = await fromResponse(await ctx.handle(toRequest(sent)));
  const express = await viaExpress(ctx.app, sent);
  const compared = Object.fromEntries(COMPARED.map((name) => [name, viaFetch.headers[name]]));
  expect({ status: viaFetch.status, headers: compared, body: masked(viaFetch.body) }).to.deep.equal(
    { ...express, body: masked(express.body) },
  );
  return viaFetch;
}

function expectError(answer: Answer, status: number, error: string): void {
  expect(answer.status, JSON.stringify(answer.body)).to.equal(status);
  expect(answer.headers['content-type']).to.equal('application/json; charset=utf-8');
  expect(answer.headers['cache-control']).to.equal('no-store');
  expect(answer.headers['pragma']).to.equal('no-cache');
  expect(Object.keys(answer.body as object).sort()).to.deep.equal(['error', 'error_description']);
  expect((answer.body as { error: string }).error).to.equal(error);
}

async function serviceToken(
  handle: ReturnType<typeof fetchHandler>,
  scope = 'read',
): Promise<string> {
  const answer = await fromResponse(
    await handle(
      toRequest({
        path: '/token',
        headers: { 'Content-Type': FORM, Authorization: SERVICE },
        body: `${GRANT}&scope=${scope}`,
      }),
    ),
  );
  expect(answer.status).to.equal(200);
  return (answer.body as { access_token: string }).access_token;
}

/** A body stream that never ends by itself; counts the bytes it handed out. */
function endless(chunk: number): {
  stream: ReadableStream<Uint8Array>;
  pulled: () => number;
  cancelled: () => boolean;
} {
  let pulled = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled += chunk;
      controller.enqueue(new Uint8Array(chunk).fill(0x61));
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, pulled: () => pulled, cancelled: () => cancelled };
}

describe('fetchHandler: the token endpoint', () => {
  const ctx = setup();

  it('issues a client_credentials token with no-store headers, as Express does', async () => {
    const res = await ctx.handle(
      toRequest({
        path: '/token',
        headers: { 'Content-Type': FORM, Authorization: SERVICE },
        body: GRANT,
      }),
    );
    const answer = await fromResponse(res);
    expect(answer.status).to.equal(200);
    expect(answer.headers['content-type']).to.equal('application/json; charset=utf-8');
    expect(answer.headers['cache-control']).to.equal('no-store');
    expect(answer.headers['pragma']).to.equal('no-cache');
    const body = answer.body as Record<string, unknown>;
    expect(body['token_type']).to.equal('Bearer');
    expect(body['access_token']).to.be.a('string').that.is.not.empty;
    expect(body['scope']).to.equal('read');
    const viaExpressBody = (
      await viaExpress(ctx.app, {
        path: '/token',
        headers: { 'Content-Type': FORM, Authorization: SERVICE },
        body: GRANT,
      })
    ).body as Record<string, unknown>;
    expect(Object.keys(body).sort()).to.deep.equal(Object.keys(viaExpressBody).sort());
  });

  it('answers GET with 405 and Allow: POST', async () => {
    const answer = await same(ctx, { method: 'GET', path: '/token' });
    expectError(answer, 405, 'invalid_request');
    expect(answer.headers['allow']).to.equal('POST');
  });

  it('refuses a JSON body', async () => {
    expectError(
      await same(ctx, {
        path: '/token',
        headers: { 'Content-Type': 'application/json', Authorization: SERVICE },
        body: '{"grant_type":"client_credentials"}',
      }),
      400,
      'invalid_request',
    );
  });

  it('refuses a body without Content-Type', async () => {
    const answer = await fromResponse(
      await ctx.handle(
        toRequest({
          path: '/token',
          headers: { Authorization: SERVICE },
          body: new TextEncoder().encode(GRANT),
        }),
      ),
    );
    expectError(answer, 400, 'invalid_request');
  });

  it('refuses charset=iso-8859-1 and accepts a quoted charset="UTF-8"', async () => {
    expectError(
      await same(ctx, {
        path: '/token',
        headers: { 'Content-Type': `${FORM}; charset=iso-8859-1`, Authorization: SERVICE },
        body: GRANT,
      }),
      400,
      'invalid_request',
    );
    expect(
      (
        await same(ctx, {
          path: '/token',
          headers: { 'Content-Type': `${FORM}; charset="UTF-8"`, Authorization: SERVICE },
          body: `${GRANT}&scope=read`,
        })
      ).status,
    ).to.equal(200);
  });

  it('refuses a body over the limit with Content-Length, closing the connection', async () => {
    const body = `${GRANT}&pad=${'a'.repeat(16_384)}`;
    const answer = await same(ctx, {
      path: '/token',
      headers: { 'Content-Type': FORM, Authorization: SERVICE },
      body,
    });
    expectError(answer, 400, 'invalid_request');
    expect(answer.headers['connection']).to.equal('close');
  });

  it('accepts a body of exactly the limit', async () => {
    const head = `${GRANT}&scope=read&pad=`;
    const answer = await same(ctx, {
      path: '/token',
      headers: { 'Content-Type': FORM, Authorization: SERVICE },
      body: head + 'a'.repeat(16_384 - head.length),
    });
    expect(answer.status).to.equal(200);
  });

  it('refuses a streamed body without Content-Length once it passes the limit, and stops reading it (never cancelling it: the connection is closed instead)', async () => {
    const { stream, pulled, cancelled } = endless(1000);
    const req = new Request(`${ISSUER}/token`, {
      method: 'POST',
      headers: { 'Content-Type': FORM, Authorization: SERVICE },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(req.headers.get('content-length')).to.equal(null);
    const answer = await fromResponse(await ctx.handle(req));
    expectError(answer, 400, 'invalid_request');
    expect(answer.headers['connection']).to.equal('close');
    // Cancelling a Readable.toWeb() bridge would destroy the socket before the answer is written
    // (see fetch-bridge.test.ts): the body is left alone and Connection: close ends it.
    expect(cancelled()).to.equal(false);
    const stopped = pulled();
    expect(stopped).to.be.below(16_384 + 64 * 1024);
    await new Promise((resolve) => setImmediate(resolve));
    expect(pulled(), 'nothing more was read').to.be.at.most(stopped + 1000);
    const chunked = await postChunked(
      ctx.app,
      '/token',
      { 'Content-Type': FORM, Authorization: SERVICE },
      Array.from({ length: 17 }, () => Buffer.alloc(1000, 0x61)),
    );
    expect(answer.body).to.deep.equal(JSON.parse(chunked.body));
  });

  it('checks the media type and Content-Length before touching the body, and closes the connection', async () => {
    for (const headers of [
      { 'Content-Type': 'text/plain', Authorization: SERVICE },
      { 'Content-Type': FORM, 'Content-Length': '100000', Authorization: SERVICE },
    ]) {
      const { stream, cancelled } = endless(1000);
      const req = new Request(`${ISSUER}/token`, {
        method: 'POST',
        headers,
        body: stream,
        duplex: 'half',
      } as RequestInit);
      const answer = await fromResponse(await ctx.handle(req));
      expectError(answer, 400, 'invalid_request');
      expect(answer.headers['connection']).to.equal('close');
      expect(req.body?.locked, 'the body was never read').to.equal(false);
      expect(cancelled()).to.equal(false);
    }
  });

  it('refuses malformed percent-encoding', async () => {
    expectError(
      await same(ctx, {
        path: '/token',
        headers: { 'Content-Type': FORM, Authorization: SERVICE },
        body: 'grant_type=%zz',
      }),
      400,
      'invalid_request',
    );
  });

  it('refuses a body that is not UTF-8', async () => {
    const body = new Uint8Array([...new TextEncoder().encode(`${GRANT}&x=`), 0xff]);
    const answer = await fromResponse(
      await ctx.handle(
        toRequest({
          path: '/token',
          headers: { 'Content-Type': FORM, Authorization: SERVICE },
          body,
        }),
      ),
    );
    expectError(answer, 400, 'invalid_request');
    expect((answer.body as { error_description: string }).error_description).to.equal(
      'the request body is not valid UTF-8',
    );
  });

  it('refuses a repeated parameter', async () => {
    expectError(
      await same(ctx, {
        path: '/token',
        headers: { 'Content-Type': FORM, Authorization: SERVICE },
        body: `${GRANT}&${GRANT}`,
      }),
      400,
      'invalid_request',
    );
  });

  it('answers invalid_client after Basic with 401 and the Basic challenge', async () => {
    const answer = await same(ctx, {
      path: '/token',
      headers: { 'Content-Type': FORM, Authorization: basic('service', 'wrong') },
      body: GRANT,
    });
    expectError(answer, 401, 'invalid_client');
    expect(answer.headers['www-authenticate']).to.equal(BASIC_CHALLENGE);
  });

  it('answers an unsupported grant type as Express does', async () => {
    expectError(
      await same(ctx, {
        path: '/token',
        headers: { 'Content-Type': FORM },
        body: 'grant_type=nope',
      }),
      400,
      'unsupported_grant_type',
    );
  });
});

describe('fetchHandler: revocation, introspection, metadata, JWKS and routing', () => {
  const ctx = setup();

  it('introspects a live token, revokes it, then introspects it as inactive', async () => {
    const token = await serviceToken(ctx.handle);
    const introspect = (): Promise<Answer> =>
      same(ctx, {
        path: '/introspect',
        headers: { 'Content-Type': FORM, Authorization: RS },
        body: `token=${token}`,
      });
    const live = await introspect();
    expect(live.status).to.equal(200);
    expect(live.headers['cache-control']).to.equal('no-store');
    expect(live.body).to.include({
      active: true,
      client_id: 'service',
      scope: 'read',
      sub: 'service',
    });
    const revoked = await fromResponse(
      await ctx.handle(
        toRequest({
          path: '/revoke',
          headers: { 'Content-Type': FORM, Authorization: SERVICE },
          body: `token=${token}`,
        }),
      ),
    );
    expect(revoked.status).to.equal(200);
    expect(revoked.body).to.deep.equal({});
    expect(revoked.headers['cache-control']).to.equal('no-store');
    expect((await introspect()).body).to.deep.equal({ active: false });
  });

  it('refuses introspection by a public client with invalid_client', async () => {
    expectError(
      await same(ctx, {
        path: '/introspect',
        headers: { 'Content-Type': FORM },
        body: 'token=x&client_id=spa',
      }),
      400,
      'invalid_client',
    );
  });

  it('serves the metadata document and the JWKS as Express does, cacheable and cross-origin', async () => {
    const metadata = await same(ctx, {
      method: 'GET',
      path: '/.well-known/oauth-authorization-server',
    });
    expect(metadata.status).to.equal(200);
    expect(metadata.headers['cache-control']).to.equal('public, max-age=3600');
    expect(metadata.headers['access-control-allow-origin']).to.equal('*');
    expect(metadata.body).to.include({ issuer: ISSUER, token_endpoint: `${ISSUER}/token` });
    const jwks = await same(ctx, { method: 'GET', path: '/jwks' });
    expect(jwks.headers['cache-control']).to.equal('public, max-age=300');
    expect(jwks.body).to.have.property('keys').that.is.an('array');
  });

  it('answers HEAD without a body and POST to a document with 405 Allow: GET, HEAD', async () => {
    const head = await ctx.handle(toRequest({ method: 'HEAD', path: '/jwks' }));
    expect(head?.status).to.equal(200);
    expect(await head?.text()).to.equal('');
    const post = await same(ctx, { method: 'POST', path: '/jwks' });
    expect(post.status).to.equal(405);
    expect(post.headers['allow']).to.equal('GET, HEAD');
  });

  it('returns undefined for paths that are not its own, so the host can route them', async () => {
    expect(await ctx.handle(toRequest({ method: 'GET', path: '/api/read' }))).to.equal(undefined);
    expect(await ctx.handle(toRequest({ method: 'GET', path: '/authorize' }))).to.equal(undefined);
    expect(
      await ctx.handle(
        toRequest({ path: '/token/extra', headers: { 'Content-Type': FORM }, body: GRANT }),
      ),
    ).to.equal(undefined);
  });

  it('routes below an issuer with a path, and serves the metadata at its RFC 8414 place', async () => {
    const provider = new Provider(
      providerOptions({
        issuer: 'https://auth.example.test/tenant',
        endpoints: { token: '/oauth/token' },
      }),
    );
    const handle = fetchHandler(provider);
    const ok = await handle(
      new Request('https://auth.example.test/tenant/oauth/token', {
        method: 'POST',
        headers: { 'Content-Type': FORM, Authorization: SERVICE },
        body: GRANT,
      }),
    );
    expect(ok?.status).to.equal(200);
    expect(
      await handle(new Request('https://auth.example.test/oauth/token', { method: 'POST' })),
    ).to.equal(undefined);
    for (const path of [
      '/.well-known/oauth-authorization-server/tenant',
      '/tenant/.well-known/oauth-authorization-server',
    ]) {
      const res = await handle(new Request(`https://auth.example.test${path}`));
      expect(res?.status, path).to.equal(200);
      expect(((await res?.json()) as { token_endpoint: string }).token_endpoint).to.equal(
        'https://auth.example.test/tenant/oauth/token',
      );
    }
  });

  it('checks bodyLimit when made', () => {
    expect(() => fetchHandler(ctx.oauth.provider, { bodyLimit: 0 })).to.throw(
      TypeError,
      /bodyLimit/,
    );
    expect(() => fetchHandler(ctx.oauth.provider, { bodyLimit: 1.5 })).to.throw(
      TypeError,
      /bodyLimit/,
    );
  });

  it('applies a smaller bodyLimit', async () => {
    const handle = fetchHandler(ctx.oauth.provider, { bodyLimit: 10 });
    const answer = await fromResponse(
      await handle(
        toRequest({
          path: '/token',
          headers: { 'Content-Type': FORM, Authorization: SERVICE },
          body: GRANT,
        }),
      ),
    );
    expectError(answer, 400, 'invalid_request');
    expect((answer.body as { error_description: string }).error_description).to.equal(
      'the request body is larger than 10 bytes',
    );
  });
});

describe('verifyBearer', () => {
  const ctx = setup();
  const api = (authorization?: string): Request =>
    new Request(
      `${ISSUER}/api/read`,
      authorization === undefined ? {} : { headers: { Authorization: authorization } },
    );

  /** verifyBearer's refusal, checked against protect()'s answer at `path`. */
  async function refusal(
    path: '/api/read' | '/api/write',
    authorization: string | undefined,
    scope: string | string[],
  ): Promise<Answer> {
    const result = await verifyBearer(ctx.oauth.provider, api(authorization), { scope });
    expect(result).to.be.instanceOf(Response);
    const answer = await fromResponse(result as Response);
    const viaProtect = await viaExpress(ctx.app, {
      method: 'GET',
      path,
      headers: authorization === undefined ? {} : { Authorization: authorization },
    });
    expect({
      status: answer.status,
      www: answer.headers['www-authenticate'],
      body: answer.body,
      type: answer.headers['content-type'],
    }).to.deep.equal({
      status: viaProtect.status,
      www: viaProtect.headers['www-authenticate'],
      body: viaProtect.body,
      type: viaProtect.headers['content-type'],
    });
    return answer;
  }

  it('answers no credentials with 401 Bearer realm="api", no error code and no body', async () => {
    const answer = await refusal('/api/read', undefined, 'read');
    expect(answer.status).to.equal(401);
    expect(answer.headers['www-authenticate']).to.equal('Bearer realm="api"');
    expect(answer.body).to.equal(undefined);
    expect((await refusal('/api/read', 'Basic abc', 'read')).headers['www-authenticate']).to.equal(
      'Bearer realm="api"',
    );
  });

  it('answers an unknown token with 401 invalid_token', async () => {
    const answer = await refusal('/api/read', 'Bearer not-a-real-token', 'read');
    expect(answer.status).to.equal(401);
    expect(answer.headers['www-authenticate']).to.match(
      /^Bearer realm="api", error="invalid_token"/,
    );
    expect((answer.body as { error: string }).error).to.equal('invalid_token');
  });

  it('answers a malformed header with 400 invalid_request', async () => {
    const answer = await refusal('/api/read', 'Bearer a b', 'read');
    expect(answer.status).to.equal(400);
    expect(answer.headers['www-authenticate']).to.match(
      /^Bearer realm="api", error="invalid_request"/,
    );
  });

  it('answers a token without the scope with 403 insufficient_scope naming it', async () => {
    const token = await serviceToken(ctx.handle, 'read');
    const answer = await refusal('/api/write', `Bearer ${token}`, ['read', 'write']);
    expect(answer.status).to.equal(403);
    expect(answer.headers['www-authenticate']).to.equal(
      'Bearer realm="api", error="insufficient_scope", scope="read write"',
    );
    expect((answer.body as { error: string }).error).to.equal('insufficient_scope');
  });

  it('returns the token data on success', async () => {
    const token = await serviceToken(ctx.handle, 'read write');
    const info = (await verifyBearer(ctx.oauth.provider, api(`Bearer ${token}`), {
      scope: 'write',
    })) as AccessTokenInfo;
    expect(info).to.not.be.instanceOf(Response);
    expect(info).to.include({ subject: 'service', clientId: 'service' });
    expect(info.scope).to.deep.equal(['read', 'write']);
  });

  it('uses the realm option and checks its options', async () => {
    const res = (await verifyBearer(ctx.oauth.provider, api(), { realm: 'photos' })) as Response;
    expect(res.headers.get('www-authenticate')).to.equal('Bearer realm="photos"');
    let thrown: unknown;
    try {
      await verifyBearer(ctx.oauth.provider, api(), { scope: 'nope' });
    } catch (err) {
      thrown = err;
    }
    expect(thrown)
      .to.be.instanceOf(TypeError)
      .with.property('message')
      .that.matches(/^verifyBearer\(\): options.scope/);
  });
});

describe('fetchHandler behind node:http', () => {
  let server: Server;
  let base: string;

  /** The smallest Request/Response bridge: what Deno.serve or Bun.serve do for you. */
  function bridge(app: (request: Request) => Promise<Response>) {
    return (req: IncomingMessage, res: ServerResponse): void => {
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers))
        if (typeof value === 'string') headers.set(name, value);
      const request = new Request(`http://${req.headers.host}${req.url}`, {
        method: req.method,
        headers,
        ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: 'half' } : {}),
      } as RequestInit);
      app(request).then(async (response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(Buffer.from(await response.arrayBuffer()));
      });
    };
  }

  before(async () => {
    const provider = new Provider(providerOptions({ issuer: 'http://127.0.0.1' }));
    const handle = fetchHandler(provider);
    server = createServer(
      bridge(async (request) => {
        const answer = await handle(request);
        if (answer !== undefined) return answer;
        if (new URL(request.url).pathname === '/api/read') {
          const info = await verifyBearer(provider, request, { scope: 'read' });
          return info instanceof Response ? info : Response.json({ sub: info.subject });
        }
        return Response.json({ error: 'not found' }, { status: 404 });
      }),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => {
    server.close();
  });

  it('issues a token over the network and guards a route with it', async () => {
    const token = await fetch(`${base}/token`, {
      method: 'POST',
      headers: { 'Content-Type': FORM, Authorization: SERVICE },
      body: `${GRANT}&scope=read`,
    });
    expect(token.status).to.equal(200);
    expect(token.headers.get('cache-control')).to.equal('no-store');
    const { access_token } = (await token.json()) as { access_token: string };
    const denied = await fetch(`${base}/api/read`);
    expect(denied.status).to.equal(401);
    expect(denied.headers.get('www-authenticate')).to.equal('Bearer realm="api"');
    const ok = await fetch(`${base}/api/read`, {
      headers: { Authorization: `Bearer ${access_token}` },
    });
    expect(ok.status).to.equal(200);
    expect(await ok.json()).to.deep.equal({ sub: 'service' });
    expect((await fetch(`${base}/elsewhere`)).status).to.equal(404);
  });
});

describe('fetchHandler(): a body stream that fails', () => {
  it('answers 400 invalid_request "the request body could not be read", as JSON with no-store', async () => {
    const handle = fetchHandler(new Provider(providerOptions()));
    let sent = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (!sent) {
          sent = true;
          controller.enqueue(new TextEncoder().encode('grant_type=client_'));
        } else {
          controller.error(new Error('connection reset'));
        }
      },
    });
    const res = await handle(
      new Request(`${ISSUER}/token`, {
        method: 'POST',
        headers: { 'content-type': FORM, authorization: SERVICE },
        body,
        duplex: 'half',
      } as RequestInit),
    );
    expect(res?.status).to.equal(400);
    expect(res?.headers.get('cache-control')).to.equal('no-store');
    expect(await res?.json()).to.deep.equal({
      error: 'invalid_request',
      error_description: 'the request body could not be read',
    });
  });
});

/**
 * fetchHandler() behind a real node:http server that bridges each request into a
 * `Request` with `Readable.toWeb(req)`, as hosts do on Node. Before, a refused body
 * (wrong media type, too large) was wrapped, read ahead and destroyed after an
 * await, and on Node 20 the bridge then threw "Invalid state: Controller is
 * already closed" from an event handler: an uncaught exception that crashes the
 * host. Now the media type and Content-Length are checked before the body is
 * touched, the body is never cancelled, and every refusal that leaves it unread
 * closes the connection. Each attack must get its JSON answer, raise no uncaught
 * exception, and leave the server serving.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request as httpRequest } from 'node:http';
import { once } from 'node:events';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { fetchHandler, Provider } from '../../index.js';
import { providerOptions, secrets } from '../support/fixtures.js';
import {
  listen,
  rawRequest,
  trickle,
  type Listening,
  type RawAnswer,
} from '../support/raw-http.js';
import { basic } from './token-assertions.js';

const FORM = 'application/x-www-form-urlencoded';
const SERVICE = basic('service', secrets.service.secret);
const GRANT = 'grant_type=client_credentials';

/** The smallest Request/Response bridge a Node host writes. */
function bridge(handle: (request: Request) => Promise<Response | undefined>) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers))
      if (typeof value === 'string') headers.set(name, value);
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const request = new Request(`http://127.0.0.1${req.url}`, {
      method: req.method,
      headers,
      ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: 'half' } : {}),
    } as RequestInit);
    void handle(request).then(async (response) => {
      const answer = response ?? Response.json({ error: 'not found' }, { status: 404 });
      res.writeHead(answer.status, Object.fromEntries(answer.headers));
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
  };
}

function post(headers: Record<string, string>, body: string, extra = ''): string {
  const lines = ['POST /token HTTP/1.1', 'Host: 127.0.0.1', `Authorization: ${SERVICE}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n${extra}\r\n${body}`;
}

function expectRefusal(answer: RawAnswer, description: string | RegExp): void {
  expect(answer.status, answer.body).to.equal(400);
  expect(answer.headers['content-type']).to.equal('application/json; charset=utf-8');
  expect(answer.headers['cache-control']).to.equal('no-store');
  const body = JSON.parse(answer.body) as { error: string; error_description: string };
  expect(body.error).to.equal('invalid_request');
  if (typeof description === 'string') expect(body.error_description).to.equal(description);
  else expect(body.error_description).to.match(description);
}

describe('fetchHandler behind a Readable.toWeb() bridge on node:http', () => {
  let listening: Listening;
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);

  before(async () => {
    process.on('uncaughtException', onUncaught);
    const provider = new Provider(providerOptions({ issuer: 'http://127.0.0.1' }));
    listening = await listen(bridge(fetchHandler(provider, { bodyTimeout: 0.3 })));
  });

  after(async () => {
    process.off('uncaughtException', onUncaught);
    await listening.close();
  });

  /** A late chunk would crash after the answer: give it a moment, then the server must still serve. */
  async function expectStillServing(): Promise<void> {
    await sleep(50);
    const answer = await rawRequest(
      listening.port,
      post({ 'Content-Type': FORM, 'Content-Length': String(GRANT.length) }, GRANT),
    );
    expect(answer.status, answer.body).to.equal(200);
    expect(uncaught, 'uncaught exceptions').to.deep.equal([]);
  }

  it('Content-Type: text/plain → 400, no crash, still serving', async () => {
    const answer = await rawRequest(
      listening.port,
      post({ 'Content-Type': 'text/plain', 'Content-Length': String(GRANT.length) }, GRANT),
    );
    expectRefusal(answer, `the request body must be ${FORM}`);
    expect(answer.headers['connection']).to.equal('close');
    await expectStillServing();
  });

  it('a 1 MB text/plain body → 400, Connection: close, no crash', async () => {
    const body = 'a'.repeat(1_000_000);
    const answer = await rawRequest(
      listening.port,
      post({ 'Content-Type': 'text/plain', 'Content-Length': String(body.length) }, body),
    );
    expectRefusal(answer, `the request body must be ${FORM}`);
    expect(answer.headers['connection']).to.equal('close');
    await expectStillServing();
  });

  it('an oversized body with Content-Length → 400, Connection: close, no crash', async () => {
    const body = `${GRANT}&pad=${'a'.repeat(100_000)}`;
    const answer = await rawRequest(
      listening.port,
      post({ 'Content-Type': FORM, 'Content-Length': String(body.length) }, body),
    );
    expectRefusal(answer, 'the request body is larger than 16384 bytes');
    expect(answer.headers['connection']).to.equal('close');
    await expectStillServing();
  });

  it('an oversized chunked body (no Content-Length) → 400, Connection: close, no crash', async () => {
    const answer = await new Promise<{ status: number; connection?: string; body: string }>(
      (resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: listening.port,
            method: 'POST',
            path: '/token',
            headers: { 'Content-Type': FORM, Authorization: SERVICE },
          },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }),
            );
          },
        );
        req.on('error', reject);
        // 40 chunks of 1 KB: over the limit; the last ones may meet a closed connection.
        for (let i = 0; i < 40; i++) req.write(Buffer.alloc(1024, 0x61));
        req.end();
      },
    );
    expect(answer.status, answer.body).to.equal(400);
    expect(answer.connection).to.equal('close');
    expect(JSON.parse(answer.body)).to.deep.equal({
      error: 'invalid_request',
      error_description: 'the request body is larger than 16384 bytes',
    });
    await expectStillServing();
  });

  it('a trickling body → 400 after bodyTimeout, the connection closed, no crash', async () => {
    const head = post({ 'Content-Type': FORM, 'Content-Length': '1000' }, '');
    const { answer, closedByServer } = await trickle(listening.port, head, { maxBytes: 100 });
    expectRefusal(answer, 'the request body did not arrive within 0.3 seconds');
    expect(answer.headers['connection']).to.equal('close');
    expect(closedByServer).to.equal(true);
    await expectStillServing();
  });

  it('a client that hangs up mid-body → no crash, still serving', async () => {
    const socket = connect(listening.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(post({ 'Content-Type': FORM, 'Content-Length': '1000' }, 'grant_type=cli'));
    await sleep(20);
    socket.destroy();
    await expectStillServing();
  });
});

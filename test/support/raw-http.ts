/**
 * HTTP/1.1 over a plain socket, for what supertest cannot send: an absolute-form
 * request target (`GET http://evil.example/authorize`), a body that trickles in
 * byte by byte, a connection cut mid-body. Every loop here is bounded in count.
 */
import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A server on an ephemeral loopback port. */
export interface Listening {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

export async function listen(handler: RequestListener): Promise<Listening> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** An answer as read off the socket. */
export interface RawAnswer {
  readonly status: number;
  /** Header names in lower case; a repeated header keeps its last value. */
  readonly headers: Readonly<Record<string, string>>;
  readonly setCookies: readonly string[];
  readonly body: string;
}

/** Parses the first HTTP/1.1 answer in `text` (Content-Length bodies). */
export function parseAnswer(text: string): RawAnswer {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) throw new Error(`no complete answer in ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  const setCookies: string[] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = value;
    if (name === 'set-cookie') setCookies.push(value);
  }
  const length = Number(headers['content-length'] ?? 0);
  return {
    status: Number(statusLine?.split(' ')[1]),
    headers,
    setCookies,
    body: text.slice(end + 4, end + 4 + length),
  };
}

/** Sends `request` (head and body as written) and reads until the server closes or answers whole. */
export async function rawRequest(port: number, request: string): Promise<RawAnswer> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  socket.setEncoding('latin1');
  const done = new Promise<void>((resolve) => {
    socket.on('data', (chunk: string) => {
      text += chunk;
      try {
        const answer = parseAnswer(text);
        if (
          Buffer.byteLength(answer.body, 'latin1') >= Number(answer.headers['content-length'] ?? 0)
        )
          resolve();
      } catch {
        // not complete yet
      }
    });
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
  });
  socket.write(request);
  await done;
  socket.destroy();
  return parseAnswer(text);
}

/** What a trickling client saw. */
export interface TrickleResult {
  readonly answer: RawAnswer;
  /** Whether the server closed the connection (rather than the client giving up). */
  readonly closedByServer: boolean;
  /** Body bytes written before the server answered. */
  readonly sent: number;
}

/**
 * Writes `head`, then one body byte every `everyMs` milliseconds (at most
 * `maxBytes`) until the server answers; then waits (2 s at most) for the server
 * to close the connection.
 */
export async function trickle(
  port: number,
  head: string,
  options: { everyMs?: number; maxBytes?: number } = {},
): Promise<TrickleResult> {
  const everyMs = options.everyMs ?? 25;
  const maxBytes = options.maxBytes ?? 400;
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.setEncoding('latin1');
  let text = '';
  let sent = 0;
  let closedByServer = false;
  socket.on('data', (chunk: string) => {
    text += chunk;
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => {
    socket.on('end', () => {
      closedByServer = true;
      resolve();
    });
    socket.on('close', () => resolve());
  });
  socket.write(head);
  // Once answered (or out of bytes), the server has 2 s to close before the client gives up.
  let giveUp: NodeJS.Timeout | undefined;
  const timer = setInterval(() => {
    if (sent >= maxBytes || socket.destroyed || text.length > 0) {
      clearInterval(timer);
      giveUp = setTimeout(() => socket.destroy(), 2000);
      return;
    }
    socket.write('a');
    sent++;
  }, everyMs);
  await closed;
  clearInterval(timer);
  clearTimeout(giveUp);
  socket.destroy();
  return { answer: parseAnswer(text), closedByServer, sent };
}

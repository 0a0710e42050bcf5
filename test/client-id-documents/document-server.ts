/**
 * The fixture of the Client ID Metadata Document tests: a real HTTPS server on
 * an ephemeral loopback port, its certificate made once per run with the
 * `openssl` binary (self-signed, for localhost, client.test, 127.0.0.1 and ::1),
 * and routes the tests set per path. Every request is recorded (path and
 * headers), so a test can count fetches and see what was sent.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  readonly key: string;
  readonly cert: string;
}

let made: TestCertificate | undefined;

/** A self-signed certificate (and its key) for the local names; made once. */
export function testCertificate(): TestCertificate {
  if (made !== undefined) return made;
  const dir = mkdtempSync(join(tmpdir(), 'cimd-cert-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,DNS:client.test,IP:127.0.0.1,IP:::1',
      ],
      { stdio: 'ignore' },
    );
    made = { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
    return made;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

export interface SeenRequest {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
}

export interface DocumentServer {
  /** The server's port. */
  readonly port: number;
  /** `https://127.0.0.1:PORT` + path. */
  url(path: string): string;
  /** Sets what a path answers. */
  route(path: string, handler: Route): void;
  /** Answers `path` with `document` as JSON (status 200) and these extra headers. */
  json(path: string, document: unknown, headers?: Record<string, string>): void;
  /** Every request so far. */
  readonly seen: SeenRequest[];
  /** How many requests asked for `path`. */
  hits(path: string): number;
  close(): Promise<void>;
}

/** Starts a document server on an ephemeral port of `host` (default 127.0.0.1). */
export async function documentServer(host = '127.0.0.1'): Promise<DocumentServer> {
  const routes = new Map<string, Route>();
  const seen: SeenRequest[] = [];
  const server: Server = createServer(testCertificate(), (req, res) => {
    const path = req.url ?? '/';
    seen.push({ path, headers: req.headers });
    const handler = routes.get(path);
    if (handler === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const origin = host.includes(':') ? `https://[${host}]:${port}` : `https://${host}:${port}`;
  return {
    port,
    url: (path) => origin + path,
    route: (path, handler) => routes.set(path, handler),
    json(path, document, headers = {}) {
      routes.set(path, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(document));
      });
    },
    seen,
    hits: (path) => seen.filter((r) => r.path === path).length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

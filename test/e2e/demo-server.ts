/**
 * Starts the demo (examples/demo-app.ts) on an ephemeral port of 127.0.0.1 with
 * the issuer that port gives, for the end-to-end tests. The server listens on
 * port 0 first; only then is the app created, with `http://127.0.0.1:<port>` as
 * its issuer, and attached as the request handler.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDemoApp, type DemoOptions } from '../../examples/demo-app.js';

export interface RunningDemo {
  /** `http://127.0.0.1:<port>`, the demo's issuer and base URL. */
  issuer: string;
  close(): Promise<void>;
}

export async function startDemo(options: Omit<DemoOptions, 'issuer'> = {}): Promise<RunningDemo> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const { app } = createDemoApp({ ...options, issuer });
  server.on('request', app);
  let closed: Promise<void> | undefined;
  return {
    issuer,
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive connections (a browser's, fetch's) would hold close() open.
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

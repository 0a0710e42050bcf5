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
  /** The demo's issuer and base URL: `http://127.0.0.1:<port>` unless the caller chose. */
  issuer: string;
  close(): Promise<void>;
}

/**
 * @param issuerOf the issuer for the port the server got; default
 *   `http://127.0.0.1:<port>`. A browser test may give a name it maps to that
 *   port (Chromium's `--host-resolver-rules`), so pages show no port.
 */
export async function startDemo(
  options: Omit<DemoOptions, 'issuer'> = {},
  issuerOf: (port: number) => string = (port) => `http://127.0.0.1:${port}`,
): Promise<RunningDemo> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const issuer = issuerOf(port);
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

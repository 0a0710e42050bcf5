/**
 * Test suites that need a real server (Redis, MariaDB, PostgreSQL, memcached,
 * MongoDB) call {@link requireService} in their `before` hook. When the server
 * cannot be reached, the suite is skipped with a loud line on stderr — except
 * under `CI=true`, where it fails: CI must run every suite whose server it can
 * start.
 */
import { Socket } from 'node:net';

/** Whether something accepts TCP connections at host:port (within `timeoutMs`). */
export function isListening(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

export interface ServiceCheck {
  /** What the server is, for the message ("Redis on 127.0.0.1:6379"). */
  name: string;
  /** Resolves true when the server is usable. */
  probe(): Promise<boolean>;
  /** How to start it, for the message. */
  hint: string;
  /** Skip even under CI (for a server this machine cannot have, e.g. MongoDB). */
  optionalInCi?: boolean;
}

/**
 * Call as `before(async function () { await requireService(this, { ... }) })`.
 * Skips the suite (outside CI) or throws (under CI=true) when the probe fails.
 */
export async function requireService(context: Mocha.Context, check: ServiceCheck): Promise<void> {
  let ok = false;
  try {
    ok = await check.probe();
  } catch {
    ok = false;
  }
  if (ok) return;
  const message = `${check.name} is not reachable; start it with: ${check.hint}`;
  if (process.env['CI'] === 'true' && check.optionalInCi !== true) {
    throw new Error(`CI=true and ${message}`);
  }
  process.stderr.write(`\n  !!! SKIPPED: ${message}\n\n`);
  context.skip();
}

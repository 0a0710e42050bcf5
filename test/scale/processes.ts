/**
 * Helpers for the scale-out tests: demo processes (started and stopped with
 * the helpers in ../support/processes.ts) and a cookie jar for fetch.
 */
import { start, until, type Proc } from '../support/processes.js';

/** Starts the demo (`examples/demo.ts`) on `port` with `env`, and waits for its metadata. */
export async function startDemo(port: number, env: Record<string, string>): Promise<Proc> {
  const proc = start(process.execPath, ['--import', 'tsx', 'examples/demo.ts'], {
    PORT: String(port),
    NODE_ENV: 'test',
    ...env,
  });
  await until(
    `demo on port ${port}`,
    async () => (await fetch(`http://127.0.0.1:${port}/.well-known/oauth-authorization-server`)).ok,
    20_000,
    proc,
  );
  return proc;
}

/** A minimal cookie jar for fetch: keeps name=value pairs from Set-Cookie. */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq > 0) this.#cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }

  header(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** fetch with these cookies, no redirect following; remembers new cookies. */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: this.header() },
    });
    this.take(res);
    return res;
  }
}

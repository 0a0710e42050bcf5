/**
 * The peer benchmark's server process: one app per scenario, each alone on its own
 * ephemeral port on 127.0.0.1, so no scenario pays for another's routes.
 *
 * Started by bench/peers/run.ts under `taskset -c 0` with NODE_ENV=production and
 * an IPC channel: it sends `{ type: 'ready', ports, clientSecret }` once listening,
 * and exits when told to (`shutdown`) or as soon as the channel closes, so it never
 * outlives the runner.
 *
 * Rules:
 * - every app, the baseline included, sits behind the same one-line request
 *   listener, so swapping an app costs every scenario the same;
 * - a token scenario's app is made anew when the runner sends `reset` (before each
 *   of its runs), so tokens issued in earlier runs do not pile up in the heap and
 *   slow later scenarios with garbage collection (as in bench/server.ts);
 * - a protect scenario's app is made once; the runner fetches its one token from
 *   the same app's `POST /token` before the load.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type * as Library from '../../index.js';
import type { AppFactory, BenchClient } from './apps/common.js';
import {
  BASELINE,
  CLIENT_ID,
  SCENARIOS,
  type PeerName,
  type RunnerMessage,
  type Scenario,
  type ServerMessage,
} from './scenarios.js';

const HOST = '127.0.0.1';

/** Each peer's app, loaded only when one of its scenarios runs (so `--only` needs no dist/). */
const FACTORIES: Readonly<Record<PeerName, () => Promise<AppFactory>>> = {
  'oauth2-stateless': async () => (await import('./apps/oauth2-stateless.js')).oauth2StatelessApp,
  'oidc-provider': async () => (await import('./apps/oidc-provider.js')).oidcProviderApp,
  'express-oauth-server': async () =>
    (await import('./apps/express-oauth-server.js')).expressOAuthServerApp,
  oauth2orize: async () => (await import('./apps/oauth2orize.js')).oauth2orizeApp,
  jose: async () => (await import('./apps/jose.js')).joseApp,
};

const wanted = new Set((process.env['BENCH_SCENARIOS'] ?? '').split(',').filter(Boolean));
const runs = (s: Scenario): boolean =>
  wanted.size === 0 || wanted.has(s.name) || s.name === BASELINE;

/**
 * The bench client: the secret and hash from the library's `generateClientSecret()`
 * (256 random bits) when the library runs, else 256 random bits made here.
 */
async function benchClient(): Promise<BenchClient> {
  if (!SCENARIOS.some((s) => s.peer === 'oauth2-stateless' && runs(s)))
    return { id: CLIENT_ID, secret: randomBytes(32).toString('base64url'), secretHash: '' };
  const { generateClientSecret } = (await import(
    process.env['BENCH_LIB'] ?? '../../index.js'
  )) as typeof Library;
  return { id: CLIENT_ID, ...generateClientSecret() };
}

const client = await benchClient();

function bareGet(): RequestListener {
  const app = express();
  app.get('/', (_req, res) => {
    res.json({ ok: true, client_id: CLIENT_ID });
  });
  return app as RequestListener;
}

async function makeApp(s: Scenario): Promise<RequestListener> {
  if (s.peer === undefined || s.format === undefined) return bareGet();
  return (await FACTORIES[s.peer]())(s.format, client);
}

/** The app each port serves now; a token scenario's is replaced on `reset`. */
const current = new Map<string, { listener: RequestListener }>();

function listen(name: string, slot: { listener: RequestListener }): Promise<Server> {
  current.set(name, slot);
  return new Promise((resolve, reject) => {
    const server = createServer((req, res) => slot.listener(req, res));
    server.once('error', reject);
    server.listen(0, HOST, () => resolve(server));
  });
}

async function reset(name: string): Promise<void> {
  const s = SCENARIOS.find((x) => x.name === name);
  const slot = current.get(name);
  if (s === undefined || slot === undefined) throw new Error(`unknown scenario ${name}`);
  if (s.operation === 'token') slot.listener = await makeApp(s);
}

function send(message: ServerMessage, sent?: () => void): void {
  process.send?.(message, undefined, undefined, () => sent?.());
}

async function main(): Promise<void> {
  const servers: Server[] = [];
  const ports: Record<string, number> = {};
  for (const s of SCENARIOS) {
    if (!runs(s)) continue;
    const server = await listen(s.name, { listener: await makeApp(s) });
    servers.push(server);
    ports[s.name] = (server.address() as AddressInfo).port;
  }

  const exit = (): void => {
    for (const server of servers) server.closeAllConnections();
    process.exit(0);
  };
  if (process.send === undefined) {
    console.log(
      JSON.stringify({ ports, clientId: CLIENT_ID, clientSecret: client.secret }, null, 2),
    );
    process.on('SIGINT', exit);
    process.on('SIGTERM', exit);
    return;
  }
  // The runner is gone (even killed with SIGKILL): the channel closes, so do we.
  process.on('disconnect', exit);
  process.on('message', (message: RunnerMessage) => {
    if (message.type === 'reset') {
      reset(message.scenario).then(
        () => send({ type: 'reset-done', scenario: message.scenario }),
        (err: unknown) => {
          console.error(err);
          process.exit(1);
        },
      );
    } else if (message.type === 'shutdown') {
      send({ type: 'bye', memory: process.memoryUsage() }, exit);
    }
  });
  send({ type: 'ready', ports, clientSecret: client.secret });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

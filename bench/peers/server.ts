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
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type * as Library from '../../index.js';
import type { AppFactory, BenchClient } from './apps/common.js';
import { expressOAuthServerApp } from './apps/express-oauth-server.js';
import { joseApp } from './apps/jose.js';
import { oauth2StatelessApp } from './apps/oauth2-stateless.js';
import { oauth2orizeApp } from './apps/oauth2orize.js';
import { oidcProviderApp } from './apps/oidc-provider.js';
import {
  BASELINE,
  CLIENT_ID,
  SCENARIOS,
  type PeerName,
  type RunnerMessage,
  type Scenario,
  type ServerMessage,
} from './scenarios.js';

const { generateClientSecret } = (await import(
  process.env['BENCH_LIB'] ?? '../../index.js'
)) as typeof Library;

const HOST = '127.0.0.1';

const FACTORIES: Readonly<Record<PeerName, AppFactory>> = {
  'oauth2-stateless': oauth2StatelessApp,
  'oidc-provider': oidcProviderApp,
  'express-oauth-server': expressOAuthServerApp,
  oauth2orize: oauth2orizeApp,
  jose: joseApp,
};

const generated = generateClientSecret();
const client: BenchClient = {
  id: CLIENT_ID,
  secret: generated.secret,
  secretHash: generated.secretHash,
};

function bareGet(): RequestListener {
  const app = express();
  app.get('/', (_req, res) => {
    res.json({ ok: true, client_id: CLIENT_ID });
  });
  return app as RequestListener;
}

function makeApp(s: Scenario): Promise<RequestListener> {
  if (s.peer === undefined || s.format === undefined) return Promise.resolve(bareGet());
  return FACTORIES[s.peer](s.format, client);
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
  const wanted = new Set((process.env['BENCH_SCENARIOS'] ?? '').split(',').filter(Boolean));
  const servers: Server[] = [];
  const ports: Record<string, number> = {};
  for (const s of SCENARIOS) {
    if (wanted.size > 0 && !wanted.has(s.name) && s.name !== BASELINE) continue;
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

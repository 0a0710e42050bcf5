/**
 * The benchmark's server process: one Express app per scenario, each alone on its
 * own ephemeral port on 127.0.0.1, so no scenario pays for another's routes.
 *
 * Started by bench/run.ts under `taskset -c 0` with NODE_ENV=production and an IPC
 * channel: it sends `{ type: 'ready', ports, clientSecret }` once listening, and
 * exits when told to (`shutdown`) or as soon as the channel closes, so it never
 * outlives the runner. Run alone (no IPC channel) it prints the ports and serves
 * until interrupted, which is handy for profiling by hand.
 *
 * With `--cpu-prof` the runner asks for a V8 CPU profile of each measured run
 * (`profile-start` / `profile-stop`), taken in-process with node:inspector so a
 * profile holds that run only: no start-up, no compilation, no other scenario.
 *
 * Eight providers, all with the library's defaults (memory stores, default
 * lifetimes, a fresh ES256 key): four issue tokens under load (opaque, JWT, and
 * opaque twice with the client's secret hashed with scrypt, as a person-chosen
 * secret is: token-scrypt and token-scrypt-flood, whose wrong-secret flood
 * protect-jwt-new-flood also runs), two only check the one token the runner
 * fetched before the load (opaque, JWT), so the protect scenarios look up a small
 * store whatever the token scenarios did, and two (protect-jwt-new and
 * protect-jwt-new-flood) check JWTs never seen before: before each of their runs
 * the runner asks for `mint`, and the scenario gets a fresh JWT provider (an empty
 * verified-claims cache) that mints the pool of tokens the run sends, through
 * `provider.token()` as the token endpoint would (stateless JWTs: nothing is stored).
 *
 * Two more check DPoP proofs (RFC 9449), one per request, signed by the runner
 * (bench/dpop-proofs.ts): token-dpop issues JWTs as token-jwt does, with a proof;
 * protect-dpop checks one DPoP-bound JWT (fetched with a proof before the load)
 * and a new proof per request. Both get fresh providers before every run, so
 * each run starts with an empty replay cache; protect-dpop's keep one signing
 * key, so the bound token stays valid across them.
 *
 * Two more serve OpenID Connect (./openid.ts: password and refresh_token grants,
 * JWT access tokens, refresh tokens not rotated, a fixed claims object), each
 * kept for the whole run like the protect scenarios': userinfo-jwt answers
 * UserInfo for the one user token the runner fetched, token-id-token refreshes
 * the one refresh token the runner fetched, each time signing an access token
 * and an id_token (nothing is stored per request, so no `reset` is needed).
 */
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Redis } from 'ioredis';
import type { AuthorizationServer, EngineRequest, ProviderOptions } from '../index.js';
import type * as Library from '../index.js';
import type * as RedisModule from '../lib/stores/redis.js';

// The library as users run it: the build in dist/ (bench/run.ts builds it and
// sets BENCH_LIB), not the TypeScript sources through tsx, whose helpers add
// per-call overhead to every function the library creates per request.
const { createAuthorizationServer, generateClientSecret, generateSigningKey } = (await import(
  process.env['BENCH_LIB'] ?? '../index.js'
)) as typeof Library;
const { redisFailFastOptions, redisStores } = (await import(
  process.env['BENCH_REDIS_LIB'] ?? '../lib/stores/redis.js'
)) as typeof RedisModule;
import {
  BENCH_ISSUER,
  CLIENT_ID,
  SCENARIOS,
  TOKEN_BODY,
  type RunnerMessage,
  type ScenarioName,
  type ServerMessage,
} from './scenarios.js';
import { openIdOptions } from './openid.js';

const HOST = '127.0.0.1';
const client = generateClientSecret();

function authorizationServer(
  format: 'opaque' | 'jwt',
  stores?: ProviderOptions['stores'],
  hashed: 'sha256' | 'scrypt' = 'sha256',
  signingKeys?: ProviderOptions['signingKeys'],
): AuthorizationServer {
  // The same secret either way: `secret` is hashed with scrypt at start-up.
  const secret =
    hashed === 'sha256' ? { secretHash: client.secretHash } : { secret: client.secret };
  return createAuthorizationServer({
    issuer: BENCH_ISSUER,
    ...(stores === undefined ? {} : { stores }),
    ...(signingKeys === undefined ? {} : { signingKeys }),
    clients: [
      {
        id: CLIENT_ID,
        ...secret,
        grantTypes: ['client_credentials'],
        scopes: ['read', 'write'],
      },
    ],
    scopes: { available: ['read', 'write'], default: ['read'] },
    accessToken: { format },
  });
}

/** The same small JSON from the baseline and the protected routes. */
const small = (res: express.Response): void => {
  res.json({ ok: true, client_id: CLIENT_ID });
};

/** A provider's bearer check (scope `read`) and token endpoint. */
interface Handlers {
  readonly protect: express.RequestHandler;
  readonly token: express.RequestHandler;
}

const handlers = (oauth: AuthorizationServer): Handlers => ({
  protect: oauth.protect({ scope: 'read' }),
  token: oauth.token(),
});

function protectedApp({ protect, token }: Handlers): express.Express {
  const app = express();
  // The protected route comes first, so it is matched exactly as in a one-route app.
  app.get('/api/read', protect, (req, res) => {
    res.json({ ok: true, client_id: req.oauth2?.token.clientId });
  });
  // Only used once, before the load, to fetch the token the load then sends.
  app.post('/token', token);
  return app;
}

/**
 * Redis-backed stores, one prefix per scenario, when a *-redis scenario is wanted.
 * JWT providers are stateless (the default `accessToken.revocation: 'deny-list'`):
 * token-jwt-redis writes nothing per token, and protect-jwt-redis checks the
 * deny-list in memory, kept current by pub/sub (a second connection the store
 * opens with `duplicate()`).
 */
async function redisBacked(): Promise<
  ((scenario: string) => ProviderOptions['stores']) | undefined
> {
  const wanted = (process.env['BENCH_SCENARIOS'] ?? '').split(',');
  if (!wanted.some((s) => s.endsWith('-redis'))) return undefined;
  const client = new Redis(process.env['BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379', {
    ...redisFailFastOptions,
    lazyConnect: true,
  });
  await client.connect();
  const run = `bench:${process.pid}:`;
  return (scenario) => redisStores({ client, prefix: `${run}${scenario}:` });
}

const redis = await redisBacked();

function redisServer(format: 'opaque' | 'jwt', scenario: string): AuthorizationServer {
  // Without Redis the scenario is not run; its app still exists, on memory stores.
  return authorizationServer(format, redis?.(scenario));
}

const scrypt = (): AuthorizationServer => authorizationServer('opaque', undefined, 'scrypt');

/** protect-dpop's signing key, kept by every provider `reset` makes for it. */
const dpopKeys = [generateSigningKey('ES256')];
const protectDpop = (): Handlers =>
  handlers(authorizationServer('jwt', undefined, 'sha256', dpopKeys));

const fresh = {
  opaque: authorizationServer('opaque').token(),
  jwt: authorizationServer('jwt').token(),
  scrypt: scrypt().token(),
  scryptFlood: scrypt().token(),
  jwtDpop: authorizationServer('jwt').token(),
  protectDpop: protectDpop(),
};

/** The protect-jwt-new* scenarios' providers, replaced by every `mint`. */
type NewTokenScenario = 'protect-jwt-new' | 'protect-jwt-new-flood';
const newTokenHandlers: Record<NewTokenScenario, Handlers> = {
  'protect-jwt-new': handlers(authorizationServer('jwt')),
  'protect-jwt-new-flood': handlers(authorizationServer('jwt')),
};

/** An app for a protect-jwt-new* scenario: the same routes, through its current provider. */
function newTokenApp(scenario: NewTokenScenario): express.Express {
  return protectedApp({
    protect: (req, res, next) => newTokenHandlers[scenario].protect(req, res, next),
    token: (req, res, next) => newTokenHandlers[scenario].token(req, res, next),
  });
}

/**
 * Gives `scenario` a fresh JWT provider and mints `count` access tokens with it,
 * each through the engine's token endpoint (client_credentials, Basic, scope read).
 * @throws Error when a token request is refused, or for a scenario without new tokens.
 */
async function mint(scenario: ScenarioName, count: number): Promise<string[]> {
  if (scenario !== 'protect-jwt-new' && scenario !== 'protect-jwt-new-flood')
    throw new Error(`${scenario} does not take minted tokens`);
  const oauth = authorizationServer('jwt');
  const basic = Buffer.from(
    `${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(client.secret)}`,
  ).toString('base64');
  const request: EngineRequest = {
    params: Object.fromEntries(new URLSearchParams(TOKEN_BODY)),
    authorization: `Basic ${basic}`,
  };
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const answer = await oauth.provider.token(request);
    const token = (answer.body as { access_token?: unknown }).access_token;
    if (answer.status !== 200 || typeof token !== 'string')
      throw new Error(`minting got ${answer.status} ${JSON.stringify(answer.body)}`);
    tokens.push(token);
  }
  newTokenHandlers[scenario] = handlers(oauth);
  return tokens;
}

/** A provider of the `user` scenarios (./openid.ts). */
const openIdServer = (): AuthorizationServer =>
  createAuthorizationServer(openIdOptions(client.secretHash));

/** UserInfo, and the token endpoint the runner gets the user's tokens from before the load. */
function userInfoApp(oauth: AuthorizationServer): express.Express {
  const app = express();
  app.get('/userinfo', oauth.endpoint('userinfo'));
  app.post('/token', oauth.token());
  return app;
}

function reset(): void {
  fresh.opaque = authorizationServer('opaque').token();
  fresh.jwt = authorizationServer('jwt').token();
  // Fresh providers, so each run's first request pays for scrypt (then it is cached).
  fresh.scrypt = scrypt().token();
  fresh.scryptFlood = scrypt().token();
  // Empty replay caches (the memory store keeps each proof's jti for 120 s).
  fresh.jwtDpop = authorizationServer('jwt').token();
  fresh.protectDpop = protectDpop();
}

function apps(): Record<ScenarioName, express.Express> {
  const bareGet = express();
  bareGet.get('/', (_req, res) => small(res));

  const barePost = express();
  barePost.post('/', express.urlencoded({ extended: false }), (_req, res) => small(res));

  // The token scenarios' providers are made anew before every run (the runner's
  // `reset`), so tokens issued in earlier runs do not pile up in this heap and
  // slow every later scenario with garbage collection.
  const tokenOpaque = express();
  tokenOpaque.post('/token', (req, res, next) => fresh.opaque(req, res, next));

  const tokenJwt = express();
  tokenJwt.post('/token', (req, res, next) => fresh.jwt(req, res, next));

  const tokenScrypt = express();
  tokenScrypt.post('/token', (req, res, next) => fresh.scrypt(req, res, next));
  const tokenScryptFlood = express();
  tokenScryptFlood.post('/token', (req, res, next) => fresh.scryptFlood(req, res, next));

  const tokenDpop = express();
  tokenDpop.post('/token', (req, res, next) => fresh.jwtDpop(req, res, next));

  const tokenIdToken = express();
  tokenIdToken.post('/token', openIdServer().token());

  const tokenOpaqueRedis = express();
  tokenOpaqueRedis.post('/token', redisServer('opaque', 'token-opaque').token());
  const tokenJwtRedis = express();
  tokenJwtRedis.post('/token', redisServer('jwt', 'token-jwt').token());

  return {
    'token-opaque-redis': tokenOpaqueRedis,
    'token-jwt-redis': tokenJwtRedis,
    'protect-opaque-redis': protectedApp(handlers(redisServer('opaque', 'protect-opaque'))),
    'protect-jwt-redis': protectedApp(handlers(redisServer('jwt', 'protect-jwt'))),
    'bare-get': bareGet,
    'bare-post': barePost,
    'token-opaque': tokenOpaque,
    'token-jwt': tokenJwt,
    'token-scrypt': tokenScrypt,
    'token-scrypt-flood': tokenScryptFlood,
    'protect-opaque': protectedApp(handlers(authorizationServer('opaque'))),
    'protect-jwt': protectedApp(handlers(authorizationServer('jwt'))),
    'protect-jwt-new': newTokenApp('protect-jwt-new'),
    'protect-jwt-new-flood': newTokenApp('protect-jwt-new-flood'),
    'token-dpop': tokenDpop,
    'userinfo-jwt': userInfoApp(openIdServer()),
    'token-id-token': tokenIdToken,
    'protect-dpop': protectedApp({
      protect: (req, res, next) => fresh.protectDpop.protect(req, res, next),
      token: (req, res, next) => fresh.protectDpop.token(req, res, next),
    }),
  };
}

function listen(app: express.Express): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(app);
    server.once('error', reject);
    server.listen(0, HOST, () => resolve(server));
  });
}

function send(message: ServerMessage, sent?: () => void): void {
  process.send?.(message, undefined, undefined, () => sent?.());
}

async function main(): Promise<void> {
  const byName = apps();
  const servers: Server[] = [];
  const ports = {} as Record<ScenarioName, number>;
  for (const { name } of SCENARIOS) {
    const server = await listen(byName[name]);
    servers.push(server);
    ports[name] = (server.address() as AddressInfo).port;
  }

  const exit = (): void => {
    for (const server of servers) server.closeAllConnections();
    // process.exit() still writes the --cpu-prof profile.
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
  let session: Session | undefined;
  process.on('message', (message: RunnerMessage) => {
    if (message.type === 'reset') {
      reset();
      send({ type: 'reset-done' });
    } else if (message.type === 'mint') {
      mint(message.scenario, message.count).then(
        (tokens) => send({ type: 'minted', tokens }),
        (err: Error) => send({ type: 'mint-failed', error: err.message }),
      );
    } else if (message.type === 'shutdown') {
      // Exit once the message has left.
      send({ type: 'bye', memory: process.memoryUsage() }, exit);
    } else if (message.type === 'profile-start') {
      session ??= new Session();
      const s = session;
      (async () => {
        s.connect();
        await s.post('Profiler.enable');
        await s.post('Profiler.setSamplingInterval', { interval: 250 });
        await s.post('Profiler.start');
      })().then(
        () => send({ type: 'profiling' }),
        (err: Error) => send({ type: 'profile-failed', error: err.message }),
      );
    } else if (message.type === 'profile-stop') {
      const s = session;
      session = undefined;
      (async () => {
        if (s === undefined) throw new Error('no profile was started');
        const { profile } = await s.post('Profiler.stop');
        s.disconnect();
        await writeFile(message.file, JSON.stringify(profile));
      })().then(
        () => send({ type: 'profile-written', file: message.file }),
        (err: Error) => send({ type: 'profile-failed', error: err.message }),
      );
    }
  });
  send({ type: 'ready', ports, clientSecret: client.secret });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

/**
 * `npm start`: builds, then runs this file compiled (dist/examples/demo.js).
 *   PORT (default 3000), ISSUER (default http://localhost:PORT),
 *   ACCESS_TOKEN_FORMAT = jwt (default) | opaque,
 *   DPOP_NONCES = 1: DPoP proofs must carry a server nonce (RFC 9449 8),
 *   NODE_ENV (default production: Express's production mode, cached views).
 * To run several processes as one server (see README, "Stores"):
 *   REDIS_URL            keep OAuth state and login sessions in this Redis
 *   OAUTH2_SIGNING_KEYS  a private JWK Set or PEM (or OAUTH2_SIGNING_KEYS_FILE: a file holding one)
 *   SESSION_SECRET       the session cookie's secret
 *
 * Rules:
 * - a setting that cannot work (a PORT that is not 1–65535, an ISSUER that is not
 *   a URL, unreadable keys) or a port that cannot be listened on (in use, no
 *   permission) ends the process with one line saying why and exit code 1, before
 *   anything tells the user to open the URL;
 * - the URL to open is printed only once the server is listening.
 */
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { loadSigningKeys } from '../index.js';
import { redisFailFastOptions } from '../lib/stores/redis.js';
import { createDemoApp } from './demo-app.js';

process.env['NODE_ENV'] ??= 'production';

/** Ends the demo with one line on stderr and a non-zero exit code. */
function fail(message: string): never {
  console.error(`oauth2-stateless demo: ${message}`);
  process.exit(1);
}

/** PORT as a TCP port number, or the reason it is not one. */
function portOf(text: string | undefined): number {
  if (text === undefined || text === '') return 3000;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535)
    fail(`PORT=${JSON.stringify(text)} is not a port number (1-65535)`);
  return port;
}

/** What to say when the port cannot be listened on. */
function listenError(err: NodeJS.ErrnoException, port: number): string {
  if (err.code === 'EADDRINUSE')
    return `port ${port} is already in use: stop what runs there, or choose another port (PORT=${port + 1} npm start)`;
  if (err.code === 'EACCES')
    return `port ${port} needs privileges this process does not have: choose a port above 1023`;
  return `cannot listen on port ${port}: ${err.message}`;
}

const port = portOf(process.env['PORT']);
const issuer = process.env['ISSUER'] || `http://localhost:${port}`;
const format = process.env['ACCESS_TOKEN_FORMAT'] === 'opaque' ? 'opaque' : 'jwt';
const dpopNonces = process.env['DPOP_NONCES'] === '1';
const sessionSecret = process.env['SESSION_SECRET'];
const redisUrl = process.env['REDIS_URL'];

let redis: Redis | undefined;
let app: ReturnType<typeof createDemoApp>['app'];
try {
  const signingKeys = loadSigningKeys({
    text: process.env['OAUTH2_SIGNING_KEYS'],
    file: process.env['OAUTH2_SIGNING_KEYS_FILE'],
  });
  if (redisUrl !== undefined && redisUrl !== '') {
    redis = new Redis(redisUrl, { ...redisFailFastOptions, lazyConnect: true });
    redis.on('error', (err: Error) => console.error(`redis: ${err.message}`));
    await redis.connect();
    if (signingKeys === undefined)
      console.warn(
        'REDIS_URL without OAUTH2_SIGNING_KEYS: this process signs with its own key; other processes will not accept its JWTs',
      );
    if (sessionSecret === undefined)
      console.warn(
        "REDIS_URL without SESSION_SECRET: other processes will not accept this one's login cookie",
      );
  }
  ({ app } = createDemoApp({
    issuer,
    accessTokenFormat: format,
    dpopNonces,
    ...(sessionSecret === undefined ? {} : { sessionSecret }),
    ...(redis === undefined ? {} : { redis }),
    ...(signingKeys === undefined ? {} : { signingKeys }),
  }));
} catch (err) {
  redis?.disconnect();
  fail(err instanceof Error ? err.message : String(err));
}

const server = createServer(app);
server.once('error', (err: NodeJS.ErrnoException) => {
  redis?.disconnect();
  fail(listenError(err, port));
});
server.listen(port, () => {
  console.log(
    `oauth2-stateless demo: open ${issuer}/ in a browser (sign in as alice / wonderland)`,
  );
  console.log(`  metadata: ${issuer}/.well-known/oauth-authorization-server`);
  console.log(`  mcp:      ${issuer}/mcp (MCP over Streamable HTTP; clients register themselves)`);
  console.log(`  device:   ${issuer}/device (enter the code a device shows; RFC 8628)`);
  console.log(
    `  stores:   ${redis === undefined ? 'memory (this process only)' : `Redis at ${redisUrl}`}`,
  );
  console.log(`  mode:     NODE_ENV=${process.env['NODE_ENV']}`);
  console.log(
    `  try:      curl -u demo-service:demo-service-secret -d grant_type=client_credentials ${issuer}/token`,
  );
});

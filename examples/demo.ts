/**
 * `npm start`: runs the demo authorization server.
 *   PORT (default 3000), ISSUER (default http://localhost:PORT),
 *   ACCESS_TOKEN_FORMAT = jwt (default) | opaque.
 * To run several processes as one server (see README, "Stores"):
 *   REDIS_URL            keep OAuth state and login sessions in this Redis
 *   OAUTH2_SIGNING_KEYS  a private JWK Set or PEM (or OAUTH2_SIGNING_KEYS_FILE: a file holding one)
 *   SESSION_SECRET       the session cookie's secret
 */
import { Redis } from 'ioredis';
import { loadSigningKeys } from '../index.js';
import { redisFailFastOptions } from '../lib/stores/redis.js';
import { createDemoApp } from './demo-app.js';

const port = Number(process.env['PORT'] ?? 3000);
const issuer = process.env['ISSUER'] ?? `http://localhost:${port}`;
const format = process.env['ACCESS_TOKEN_FORMAT'] === 'opaque' ? 'opaque' : 'jwt';
const signingKeys = loadSigningKeys({
  text: process.env['OAUTH2_SIGNING_KEYS'],
  file: process.env['OAUTH2_SIGNING_KEYS_FILE'],
});
const sessionSecret = process.env['SESSION_SECRET'];

let redis: Redis | undefined;
const redisUrl = process.env['REDIS_URL'];
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

const { app } = createDemoApp({
  issuer,
  accessTokenFormat: format,
  ...(sessionSecret === undefined ? {} : { sessionSecret }),
  ...(redis === undefined ? {} : { redis }),
  ...(signingKeys === undefined ? {} : { signingKeys }),
});

app.listen(port, () => {
  console.log(
    `oauth2-stateless demo: open ${issuer}/ in a browser (sign in as alice / wonderland)`,
  );
  console.log(`  metadata: ${issuer}/.well-known/oauth-authorization-server`);
  console.log(
    `  stores:   ${redis === undefined ? 'memory (this process only)' : `Redis at ${redisUrl}`}`,
  );
  console.log(
    `  try:      curl -u demo-service:demo-service-secret -d grant_type=client_credentials ${issuer}/token`,
  );
});

/**
 * Rate limits over a real Redis shared by two providers (two processes in a
 * deployment): failures counted at one are counted at the other, for client
 * authentication and for password grants. Redis keeps only hashed keys under the
 * configured prefix. A Redis that is not ready is not waited for: each process
 * limits in its own memory meanwhile.
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { Provider, type EngineResponse, type ProviderOptions } from '../../index.js';
import { redisFailFastOptions } from '../../lib/stores/redis.js';
import { basic, expectError, expectTokens } from '../support/engine.js';
import { providerOptions, secrets } from '../support/fixtures.js';
import { isListening, requireService } from '../support/services.js';

const PORT = 6379;
const ATTACKER = '203.0.113.80';

function token(p: Provider, secret: string, ip: string): Promise<EngineResponse> {
  return p.token({
    params: { grant_type: 'client_credentials' },
    authorization: basic('service', secret),
    meta: { ip },
  });
}

function login(p: Provider, password: string, ip: string): Promise<EngineResponse> {
  return p.token({
    params: { grant_type: 'password', username: 'alice', password },
    authorization: basic('cli', secrets.cli.secret),
    meta: { ip },
  });
}

describe('rate limits in a shared Redis', function () {
  this.timeout(30_000);
  let redis: Redis;
  let prefix: string;
  let a: Provider;
  let b: Provider;

  before(async function () {
    await requireService(this, {
      name: `Redis on 127.0.0.1:${PORT}`,
      probe: () => isListening(PORT),
      hint: 'redis-server --daemonize yes',
    });
    redis = new Redis({ port: PORT, ...redisFailFastOptions, lazyConnect: true });
    await redis.connect();
  });

  after(async () => {
    if (redis === undefined) return;
    const keys = await redis.keys('test:rl:*');
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  beforeEach(() => {
    prefix = `test:rl:${process.pid}:${Math.random().toString(36).slice(2)}:`;
    const options = (): ProviderOptions => providerOptions({ rateLimits: { redis, prefix } });
    a = new Provider(options());
    b = new Provider(options());
  });

  it('counts failed client authentication across providers: 5 at one + 5 at the other, then 429 at both', async () => {
    for (let i = 0; i < 5; i++)
      expectError(await token(a, 'guess', ATTACKER), 401, 'invalid_client');
    for (let i = 0; i < 5; i++)
      expectError(await token(b, 'guess', ATTACKER), 401, 'invalid_client');
    const refused = await token(a, 'guess', ATTACKER);
    expectError(refused, 429, 'temporarily_unavailable');
    expect(refused.headers['Retry-After']).to.equal('60');
    expectError(await token(b, 'guess', ATTACKER), 429, 'temporarily_unavailable');
    // The right secret is never throttled; another address is not limited.
    expectTokens(await token(b, secrets.service.secret, ATTACKER));
    expectError(await token(b, 'guess', '198.51.100.81'), 401, 'invalid_client');
  });

  it('counts failed password grants across providers: 3 + 2, then 429', async () => {
    for (let i = 0; i < 3; i++)
      expectError(await login(a, 'guess', ATTACKER), 400, 'invalid_grant');
    for (let i = 0; i < 2; i++)
      expectError(await login(b, 'guess', ATTACKER), 400, 'invalid_grant');
    const refused = await login(b, 'guess', ATTACKER);
    expectError(refused, 429, 'temporarily_unavailable');
    expect(refused.headers['Retry-After']).to.equal('300');
    expectError(await login(a, 'wonderland', ATTACKER), 429, 'temporarily_unavailable');
    expectTokens(await login(a, 'wonderland', '198.51.100.82'));
  });

  it('keeps only hashed keys under the prefix, one per limit and key, expiring', async () => {
    await token(a, 'guess', ATTACKER);
    await login(b, 'guess', ATTACKER);
    const keys = (await redis.keys(`${prefix}*`)).sort();
    expect(keys).to.have.length(2);
    expect(keys[0]).to.match(new RegExp(`^${prefix}client_auth:[A-Za-z0-9_-]{43}$`));
    expect(keys[1]).to.match(new RegExp(`^${prefix}password:[A-Za-z0-9_-]{43}$`));
    for (const key of keys) {
      expect(key).not.to.contain('alice');
      expect(key).not.to.contain(ATTACKER);
      expect(await redis.pttl(key)).to.be.greaterThan(0);
    }
  });

  it('limits in process memory, without waiting, while Redis is not ready', async () => {
    const down = new Redis({ port: 1, ...redisFailFastOptions, lazyConnect: true });
    try {
      const p = new Provider(providerOptions({ rateLimits: { redis: down, prefix } }));
      for (let i = 0; i < 10; i++)
        expectError(await token(p, 'guess', ATTACKER), 401, 'invalid_client');
      expectError(await token(p, 'guess', ATTACKER), 429, 'temporarily_unavailable');
      expectTokens(await token(p, secrets.service.secret, ATTACKER));
    } finally {
      down.disconnect();
    }
  });
});

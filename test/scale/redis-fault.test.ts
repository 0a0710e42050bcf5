/**
 * A Redis the test owns (on its own port) goes down under a running demo
 * process and comes back. While it is down the token endpoint answers 503
 * `temporarily_unavailable` within 2 s and the process stays up; once it is
 * back, the same process works again without a restart. With stateless JWTs,
 * protect() keeps answering from the deny-list it holds while Redis is down
 * (known tokens pass, known revocations stay refused), and a revocation that
 * cannot be written is a 503.
 */
import { expect } from 'chai';
import { freePort, requireBinaries, startRedis, until, type Proc } from '../support/processes.js';
import { isListening } from '../support/services.js';
import { startDemo } from './processes.js';

const BASIC = `Basic ${Buffer.from('demo-service:demo-service-secret').toString('base64')}`;

/** A demo process on a Redis of its own (its port free, so the test may stop and restart it). */
interface DemoOnRedis {
  redis: Proc | undefined;
  demo: Proc | undefined;
  redisPort: number;
  base: string;
}

/** Starts the demo on its own Redis before the suite and stops both after it. */
function demoOnItsOwnRedis(suite: Mocha.Suite, format: 'opaque' | 'jwt'): DemoOnRedis {
  const at: DemoOnRedis = { redis: undefined, demo: undefined, redisPort: 0, base: '' };
  suite.beforeAll(async function () {
    await requireBinaries(this, ['redis-server'], 'apt-get install -y redis-server');
    at.redisPort = await freePort();
    at.redis = await startRedis(at.redisPort);
    const port = await freePort();
    at.base = `http://127.0.0.1:${port}`;
    at.demo = await startDemo(port, {
      REDIS_URL: `redis://127.0.0.1:${at.redisPort}`,
      ISSUER: at.base,
      ACCESS_TOKEN_FORMAT: format,
    });
  });
  suite.afterAll(async () => {
    await Promise.all([at.demo?.stop(), at.redis?.stop()]);
  });
  return at;
}

describe('the demo when its Redis goes down and comes back', function () {
  this.timeout(60_000);
  const at = demoOnItsOwnRedis(this, 'opaque');

  /** A client_credentials request that gives up after 2 s (the bound the issue sets). */
  const token = () =>
    fetch(`${at.base}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: BASIC },
      body: 'grant_type=client_credentials',
      signal: AbortSignal.timeout(2000),
    });

  it('issues tokens, answers 503 while Redis is down, and recovers by itself', async () => {
    const ok = await token();
    expect(ok.status).to.equal(200);
    const { access_token } = (await ok.json()) as { access_token: string };

    await at.redis?.stop();
    expect(await isListening(at.redisPort)).to.equal(false);

    for (let i = 0; i < 3; i++) {
      const down = await token(); // rejects (AbortError) if it takes over 2 s
      expect(down.status).to.equal(503);
      expect(down.headers.get('cache-control')).to.equal('no-store');
      expect(down.headers.get('retry-after')).to.equal('5');
      expect(await down.json()).to.deep.equal({
        error: 'temporarily_unavailable',
        error_description: 'the server is temporarily unable to handle the request',
      });
    }
    // protect() needs the store for opaque tokens: 503, not 401 invalid_token.
    const api = await fetch(`${at.base}/api/data`, {
      headers: { authorization: `Bearer ${access_token}` },
      signal: AbortSignal.timeout(2000),
    });
    expect(api.status).to.equal(503);
    expect(at.demo?.child.exitCode).to.equal(null);

    at.redis = await startRedis(at.redisPort);
    await until(
      'the demo serving tokens again',
      async () => (await token()).status === 200,
      15_000,
      at.demo,
    );
    const again = await token();
    expect(again.status).to.equal(200);
    // The Redis is new and empty: the old token is gone, the new one works.
    const { access_token: fresh } = (await again.json()) as { access_token: string };
    const data = await fetch(`${at.base}/api/data`, {
      headers: { authorization: `Bearer ${fresh}` },
    });
    expect(data.status).to.equal(200);
    expect(at.demo?.child.exitCode).to.equal(null);
  });
});

describe('stateless JWTs at the demo when its Redis goes down and comes back', function () {
  this.timeout(60_000);
  const at = demoOnItsOwnRedis(this, 'jwt');

  const post = (path: string, body: string) =>
    fetch(`${at.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: BASIC },
      body,
      signal: AbortSignal.timeout(2000),
    });
  const api = (token: string) =>
    fetch(`${at.base}/api/data`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(2000),
    });

  it('keeps accepting known JWTs and refusing known revocations while Redis is down; revoking answers 503', async () => {
    const issue = async () =>
      (
        (await (await post('/token', 'grant_type=client_credentials')).json()) as {
          access_token: string;
        }
      ).access_token;
    const [kept, revoked] = [await issue(), await issue()];
    expect((await api(kept)).status).to.equal(200);
    expect((await post('/revoke', `token=${revoked}`)).status).to.equal(200);
    expect((await api(revoked)).status).to.equal(401);

    await at.redis?.stop();
    expect(await isListening(at.redisPort)).to.equal(false);
    // The deny-list is in the process: no store read per request, so protect() still answers.
    for (let i = 0; i < 3; i++) {
      expect((await api(kept)).status).to.equal(200);
      expect((await api(revoked)).status).to.equal(401);
    }
    // A revocation cannot be written: 503, never a 200 that did nothing.
    const refused = await post('/revoke', `token=${kept}`);
    expect(refused.status).to.equal(503);
    expect(at.demo?.child.exitCode).to.equal(null);

    at.redis = await startRedis(at.redisPort);
    await until(
      'the demo revoking again',
      async () => (await post('/revoke', `token=${kept}`)).status === 200,
      15_000,
      at.demo,
    );
    expect((await api(kept)).status).to.equal(401);
  });
});

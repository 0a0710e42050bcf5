/**
 * Stateless JWTs over the Redis on 127.0.0.1:6379 (a random key prefix, deleted
 * afterwards), with two "processes" of one server: two Providers, each over its
 * own Redis connection, sharing the issuer, the signing key and the prefix.
 *
 * - Issuing 10,000 JWTs adds no key under the prefix.
 * - A revocation at A (one token; a grant by code replay, refresh reuse or
 *   revocation of a refresh token) is refused at B: B hears it by pub/sub. Each
 *   wait polls up to a deadline (5 s); no timing is asserted.
 * - Once B is subscribed it checks tokens without a Redis read per request.
 * - The subscriber connection closes with the host's client.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { decodeJwt } from 'jose';
import type { Provider, SigningKey } from '../../index.js';
import { expectError, expectTokens } from '../support/engine.js';
import { issueCode, REDIRECT, VERIFIER } from '../support/fixtures.js';
import { isListening, requireService } from '../support/services.js';
import { until } from '../support/processes.js';
import {
  accepts,
  connectRedis,
  countKeys,
  redisProvider,
  serverKey,
  SERVICE,
  untilRefused,
  WEB,
} from './redis.js';

const PREFIX = `oauth2-test:${randomUUID()}:`;

/** The provider's `oauth` stand-in for issueCode(). */
const server = (provider: Provider) => ({ provider }) as Parameters<typeof issueCode>[0];

describe('stateless JWTs over one Redis, two processes', function () {
  this.timeout(60_000);
  let clientA: Redis;
  let clientB: Redis;
  let key: SigningKey;
  let A: Provider;
  let B: Provider;

  before(async function () {
    await requireService(this, {
      name: 'Redis on 127.0.0.1:6379',
      probe: () => isListening(6379),
      hint: 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no',
    });
    [clientA, clientB] = await Promise.all([
      connectRedis(6379, { connectionName: 'stateless-a' }),
      connectRedis(6379, { connectionName: 'stateless-b' }),
    ]);
  });

  beforeEach(() => {
    key = serverKey();
    A = redisProvider(clientA, PREFIX, key);
    B = redisProvider(clientB, PREFIX, key);
  });

  after(async () => {
    if (clientA === undefined) return;
    let cursor = '0';
    do {
      const [next, keys] = await clientA.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
      if (keys.length > 0) await clientA.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await Promise.all([clientA.quit(), clientB.quit()]);
  });

  const serviceToken = async (provider: Provider): Promise<string> =>
    expectTokens(
      await provider.token({
        params: { grant_type: 'client_credentials' },
        authorization: SERVICE,
      }),
    ).access_token;

  const redeem = (provider: Provider, code: string) =>
    provider.token({
      params: {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        code_verifier: VERIFIER,
      },
      authorization: WEB,
    });

  it('issuing 10,000 JWTs adds no Redis key', async () => {
    const before = await countKeys(clientA, PREFIX);
    for (let i = 0; i < 100; i++)
      await Promise.all(Array.from({ length: 100 }, () => serviceToken(A)));
    expect(await countKeys(clientA, PREFIX)).to.equal(before);
  });

  it('a token revoked at A is refused at B; B reads nothing per check once subscribed', async () => {
    const token = await serviceToken(A);
    const other = await serviceToken(A);
    expect(await accepts(B, token)).to.equal(true); // B starts following the deny-list
    await until(
      'B subscribed',
      async () => (await clientB.pubsub('NUMSUB', `${PREFIX}changes:deny-token`))[1] === 1,
      5000,
    );
    // No Redis read per check: count B's reads while it checks tokens.
    let reads = 0;
    for (const command of ['hmget', 'hgetall', 'get', 'evalsha'] as const) {
      const original = clientB[command].bind(clientB) as (...args: unknown[]) => unknown;
      (clientB as unknown as Record<string, unknown>)[command] = (...args: unknown[]) => {
        reads++;
        return original(...args);
      };
    }
    try {
      await until('B has read the list', async () => accepts(B, other), 5000);
      reads = 0;
      for (let i = 0; i < 200; i++)
        expect(await accepts(B, i % 2 === 0 ? token : other)).to.equal(true);
      expect(reads).to.equal(0);
    } finally {
      for (const command of ['hmget', 'hgetall', 'get', 'evalsha'] as const)
        delete (clientB as unknown as Record<string, unknown>)[command];
    }

    const revoked = await A.revoke({ params: { token }, authorization: SERVICE });
    expect(revoked.status).to.equal(200);
    expect(await accepts(A, token), 'A knows at once').to.equal(false);
    await untilRefused(B, token, 'B refusing the token revoked at A');
    expect(await accepts(B, other), 'the other token stays').to.equal(true);
  });

  it('a grant revoked by code replay at A is refused at B', async () => {
    const code = await issueCode(server(A), 'web', { verifier: VERIFIER });
    const body = expectTokens(await redeem(A, code));
    expect(await accepts(B, body.access_token)).to.equal(true);
    expectError(await redeem(A, code), 400, 'invalid_grant');
    await untilRefused(B, body.access_token, 'B refusing the token of the replayed code');
    expect(await countKeys(clientA, `${PREFIX}deny-grant:`)).to.be.greaterThan(0);
  });

  it('a grant revoked by refresh token reuse at A, or by revoking its refresh token, is refused at B', async () => {
    for (const revoke of ['reuse', 'revocation'] as const) {
      const code = await issueCode(server(A), 'web', { verifier: VERIFIER });
      const first = expectTokens(await redeem(A, code));
      const refresh = (token: string) =>
        A.token({
          params: { grant_type: 'refresh_token', refresh_token: token },
          authorization: WEB,
        });
      const second = expectTokens(await refresh(first.refresh_token as string));
      expect(await accepts(B, second.access_token)).to.equal(true);
      if (revoke === 'reuse') {
        expectError(await refresh(first.refresh_token as string), 400, 'invalid_grant');
      } else {
        const res = await A.revoke({
          params: { token: second.refresh_token as string, token_type_hint: 'refresh_token' },
          authorization: WEB,
        });
        expect(res.status).to.equal(200);
      }
      await untilRefused(B, second.access_token, `B refusing the grant after ${revoke}`);
      await untilRefused(B, first.access_token, `B refusing the family's first token (${revoke})`);
    }
  });

  it('introspection at B answers inactive for a token revoked at A', async () => {
    const token = await serviceToken(A);
    const active = await B.introspect({ params: { token }, authorization: SERVICE });
    expect(active.body).to.include({ active: true, jti: decodeJwt(token).jti });
    await A.revoke({ params: { token }, authorization: SERVICE });
    await until(
      'B introspecting the token as inactive',
      async () =>
        JSON.stringify((await B.introspect({ params: { token }, authorization: SERVICE })).body) ===
        '{"active":false}',
      5000,
    );
  });

  it('the subscriber connection closes with the host client', async () => {
    const client = await connectRedis(6379, { connectionName: 'stateless-closing' });
    const provider = redisProvider(client, PREFIX, key);
    expect(await accepts(provider, await serviceToken(A))).to.equal(true);
    const named = async (): Promise<number> =>
      ((await clientA.client('LIST')) as string)
        .split('\n')
        .filter((line) => line.includes('name=stateless-closing ')).length;
    await until('the subscriber connected', async () => (await named()) === 2, 5000);
    await client.quit();
    await until('both connections closed', async () => (await named()) === 0, 5000);
  });
});

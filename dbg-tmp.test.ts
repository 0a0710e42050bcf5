import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { decodeJwt } from 'jose';
import { RedisRecordStore } from './lib/stores/redis.js';
import { RecordDenyListStore } from './lib/stores/deny-list.js';
import { expectTokens } from './test/support/engine.js';
import { freePort, startRedis } from './test/support/processes.js';
import { accepts, connectRedis, redisProvider, serverKey, SERVICE } from './test/scale/redis.js';
describe('dbg', function () {
  this.timeout(30000);
  it('x', async () => {
    const port = await freePort();
    const redis = await startRedis(port);
    const PREFIX = `t:${randomUUID()}:`;
    const key = serverKey();
    const a = await connectRedis(port), b = await connectRedis(port);
    const A = redisProvider(a, PREFIX, key, { logger: { debug(){}, info(){}, warn: (o: unknown, m: string) => console.log('warn', m, o), error: (o: unknown) => console.log('err', o) } });
    const B = redisProvider(b, PREFIX, key, { logger: { debug(){}, info(){}, warn: (o: unknown, m: string) => console.log('warnB', m, o), error: (o: unknown) => console.log('errB', o) } });
    const t = expectTokens(await A.token({ params: { grant_type: 'client_credentials' }, authorization: SERVICE })).access_token;
    console.log('B accepts', await accepts(B, t));
    const r = await A.revoke({ params: { token: t }, authorization: SERVICE });
    console.log('revoke', r.status, r.body);
    const records = new RedisRecordStore({ client: a, prefix: PREFIX });
    console.log('list', await new RecordDenyListStore(records).list(), await records.get('deny-token', decodeJwt(t).jti as string));
    for (let i = 0; i < 20; i++) { console.log(i, await accepts(B, t)); await new Promise(r => setTimeout(r, 200)); }
    a.disconnect(); b.disconnect(); await redis.stop();
  });
});

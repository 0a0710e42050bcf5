import { randomUUID } from 'node:crypto';
import { connectRedis, redisProvider, serverKey, SERVICE } from './test/scale/redis.js';
describe('dbg', function () {
  this.timeout(30000);
  it('monitor', async () => {
    const mon = await connectRedis(6379);
    const monitor = await mon.monitor();
    const seen: string[] = [];
    const prefix = `dbg:${randomUUID()}:`;
    monitor.on('monitor', (_t: string, args: string[]) => { if (args.some((a) => String(a).includes(prefix)) || args[0] === 'evalsha') seen.push(args.slice(0, 3).join(' ')); });
    const c = await connectRedis(6379);
    const p = redisProvider(c, prefix, serverKey());
    for (let i = 0; i < 3; i++) await p.token({ params: { grant_type: 'client_credentials' }, authorization: SERVICE });
    await new Promise((r) => setTimeout(r, 300));
    console.log(seen);
    monitor.disconnect(); mon.disconnect(); c.disconnect();
  });
});

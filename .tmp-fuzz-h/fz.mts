import { Agent } from 'node:http';
import { startTarget } from '/work/main/test/fuzz/target.js';
import { send } from '/work/main/test/fuzz/harness.js';
const t = await startTarget('jwt');
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const base = new URL(t.base);
for (const headers of [{}, { 'Content-Encoding': '" g`Bw' }, { DPoP: '/0YV' }, { Cookie: t.cookie }]) {
  const r = await send(base, { endpoint: 'jwks', method: 'GET', target: '/jwks', headers, body: Buffer.from('a=b'), chunked: false }, agent, 3000);
  console.log(JSON.stringify(headers), 'status' in r ? r.status : r);
}
const r2 = await send(base, { endpoint: 'jwks', method: 'GET', target: '/jwks#x', headers: {}, body: undefined, chunked: false }, agent, 3000);
console.log('#x', 'status' in r2 ? r2.status : r2);
await t.close(); agent.destroy();

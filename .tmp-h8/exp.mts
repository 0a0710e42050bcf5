import { createServer, request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { once } from 'node:events';
let uncaught = 0;
process.on('uncaughtException', (e) => { uncaught++; console.log('  UNCAUGHT', e.message); });
const variant = process.argv[2];
const server = createServer((req, res) => {
  const body = Readable.toWeb(req) as ReadableStream<Uint8Array>;
  (async () => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (variant === 'cancel-now') { body.cancel().catch(() => {}); }
    else if (variant === 'read-cancel') { const r = body.getReader(); let n = 0; while (n < 20000) { const x = await r.read(); if (x.done) break; n += x.value.length; } r.cancel().catch(() => {}); }
    else if (variant === 'untouched') { headers['connection'] = 'close'; }
    else if (variant === 'read-stop') { const r = body.getReader(); let n = 0; while (n < 20000) { const x = await r.read(); if (x.done) break; n += x.value.length; } headers['connection'] = 'close'; }
    else if (variant === 'read-release') { const r = body.getReader(); let n = 0; while (n < 20000) { const x = await r.read(); if (x.done) break; n += x.value.length; } r.releaseLock(); headers['connection'] = 'close'; }
    await new Promise((r) => setImmediate(r));
    res.writeHead(400, headers); res.end('{"error":"invalid_request"}');
  })().catch((e) => console.log('  handler error', e.message));
});
server.listen(0, '127.0.0.1'); await once(server, 'listening');
const port = (server.address() as any).port;
function send(kind: string): Promise<string> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/token', headers: kind === 'chunked' ? { 'content-type': 'application/x-www-form-urlencoded' } : { 'content-type': kind === 'text' ? 'text/plain' : 'application/x-www-form-urlencoded' } }, (res) => {
      let t = ''; res.on('data', (c) => (t += c)); res.on('end', () => resolve(`${res.statusCode} ${res.headers.connection} ${t}`));
    });
    req.on('error', (e) => resolve('client error ' + e.message));
    if (kind === 'text') req.end('grant_type=client_credentials');
    else if (kind === 'big') { req.end('x='.padEnd(1_000_000, 'a')); }
    else { let i = 0; const t = setInterval(() => { if (i++ > 300 || req.destroyed) { clearInterval(t); req.end(); return; } req.write(Buffer.alloc(1000, 97)); }, 1); }
  });
}
for (const kind of ['text', 'big', 'chunked']) { console.log(variant, kind, '->', await send(kind)); await new Promise((r) => setTimeout(r, 200)); }
console.log(variant, 'after', await send('text'), 'uncaught', uncaught);
server.close(); setTimeout(() => process.exit(0), 100);

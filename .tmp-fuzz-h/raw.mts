import { connect } from 'node:net';
import { startTarget } from '../test/fuzz/target.js';
const t = await startTarget('jwt');
const port = Number(new URL(t.base).port);
async function raw(text: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => s.write(text));
    let out = '';
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('error', (e) => { out += `\n[error ${e.message}]`; });
    setTimeout(() => { s.destroy(); resolve(out); }, 700);
    s.on('close', () => resolve(out + '\n[closed]'));
  });
}
const show = (s: string) => s.split('\r\n').filter((l) => /^HTTP|^Connection|^\[|^Content-Length/.test(l)).join(' | ');
console.log('A', show(await raw('GET /jwks HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\na=bGET /jwks HTTP/1.1\r\nHost: x\r\n\r\n')));
console.log('B', show(await raw(`GET /jwks HTTP/1.1\r\nHost: x\r\nCookie: ${t.cookie}\r\nContent-Length: 3\r\n\r\na=bGET /jwks HTTP/1.1\r\nHost: x\r\n\r\n`)));
console.log('C', show(await raw(`GET /jwks HTTP/1.1\r\nHost: x\r\nCookie: ${t.cookie}\r\nContent-Length: 3\r\n\r\n`)));
console.log('D', show(await raw(`GET /api/any HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\na=bGET /jwks HTTP/1.1\r\nHost: x\r\n\r\n`)));
await t.close();

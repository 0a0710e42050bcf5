/**
 * The start-up warning for shared stores with signing keys made at start
 * (lib/engine/key-warning.ts): the README's Redis snippet used to give no keys,
 * and every JWT was refused after a restart or at the other process, silently.
 * The flag is per process, so each case runs in a fresh Node process.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { expect } from 'chai';

const ROOT = resolve(import.meta.dirname, '../..');
const INDEX = new URL('../../index.ts', import.meta.url).href;

/**
 * Makes providers one after the other and prints, in order, a marker after each
 * and the code of every warning seen. "Shared" is any record store that is not
 * the memory store: here a memory store behind a proxy that hides its class.
 */
const CHILD_SCRIPT = `
const seen = [];
process.on('warning', (w) => seen.push(w.code ?? w.name));
const lib = await import(${JSON.stringify(INDEX)});
const shared = () => {
  const memory = new lib.MemoryRecordStore();
  return new Proxy(memory, {
    getPrototypeOf: () => Object.prototype,
    get: (target, key) => {
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
};
const issuer = 'https://auth.example.test';
const steps = [
  ['memory', {}],
  ['shared with keys', { stores: { records: shared() }, signingKeys: [lib.generateSigningKey('ES256')] }],
  ['shared, opaque tokens', { stores: { records: shared() }, accessToken: { format: 'opaque' } }],
  ['shared', { stores: { records: shared() } }],
  ['shared again', { stores: { records: shared() } }],
];
for (const [label, options] of steps) {
  new lib.Provider({ issuer, ...options });
  await new Promise((done) => setImmediate(done));
  seen.push('after ' + label);
}
process.stdout.write(JSON.stringify(seen));
`;

function runChild(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', CHILD_SCRIPT],
      { cwd: ROOT, env: { ...process.env, NODE_ENV: 'test' } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

describe('warning: shared stores with signing keys made at start', function () {
  this.timeout(60_000);

  it('warns once (OAUTH2_EPHEMERAL_SIGNING_KEYS), only for shared stores with no keys and JWT access tokens', async () => {
    const { code, stdout, stderr } = await runChild();
    expect(code, stderr).to.equal(0);
    expect(JSON.parse(stdout)).to.deep.equal([
      'after memory',
      'after shared with keys',
      'after shared, opaque tokens',
      'OAUTH2_EPHEMERAL_SIGNING_KEYS',
      'after shared',
      'after shared again',
    ]);
    expect(stderr.split('[OAUTH2_EPHEMERAL_SIGNING_KEYS]')).to.have.length(2);
    expect(stderr).to.include('will not verify in other processes or after a restart');
    expect(stderr).to.include('loadSigningKeys');
    expect(stderr).to.include('npx oauth2-stateless keys');
  });
});

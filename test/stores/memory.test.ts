/**
 * The memory stores: the record contract on MemoryRecordStore (twice: one handle
 * per factory call, and two handles on one store as a shared backend), the typed
 * store contract (twice: with the frozen clock, and on the real clock with two
 * handles on one set of stores, which also checks the suite's 'real' mode that the
 * server-backed stores use), then what only memory has: sweeping of expired
 * entries and lookups, bad options, the one-time production warning, unref'd timers.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import {
  defineClient,
  generateClientSecret,
  memoryStores,
  type AccessTokenRecord,
  type AuthorizationCodeRecord,
  type RefreshTokenRecord,
} from '../../index.js';
import { MemoryRecordStore } from '../../lib/stores/memory.js';
import { frozenClock, type FrozenClock } from '../support/fixtures.js';
import { describeStoreContract, type StoreUnderTest } from './contract.js';
import { describeRecordContract } from './record-contract.js';

describeRecordContract('memory', (clock) => ({ records: new MemoryRecordStore({ clock }) }));

// One store per test (the suite makes a new clock for every test), handed out to
// every factory call of that test: two "connections" to one backend.
const sharedRecords = new WeakMap<FrozenClock, MemoryRecordStore>();
describeRecordContract(
  'memory (shared)',
  (clock) => {
    let records = sharedRecords.get(clock);
    if (records === undefined) {
      records = new MemoryRecordStore({ clock });
      sharedRecords.set(clock, records);
    }
    return { records };
  },
  { sharedBackend: true },
);

describeStoreContract('memory (frozen clock)', (clock) => ({ ...memoryStores({ clock }) }));

// One set of stores per test (the suite makes a new clock for every test), handed
// out to every factory call of that test: two "connections" to one backend.
const shared = new WeakMap<FrozenClock, StoreUnderTest>();
describeStoreContract(
  'memory (real clock, shared)',
  (clock) => {
    let stores = shared.get(clock);
    if (stores === undefined) {
      stores = { ...memoryStores() };
      shared.set(clock, stores);
    }
    return stores;
  },
  { clockControl: 'real', sharedBackend: true },
);

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function code(clock: FrozenClock, ttl: number): AuthorizationCodeRecord {
  const now = Math.floor(clock() / 1000);
  return {
    id: randomUUID(),
    clientId: 'web',
    subject: 'user-alice',
    scope: ['read'],
    redirectUri: 'https://app.example.test/callback',
    redirectUriSent: true,
    grantId: randomUUID(),
    issuedAt: now,
    expiresAt: now + ttl,
  };
}

function accessToken(clock: FrozenClock, ttl: number, uniqueKey?: string): AccessTokenRecord {
  const now = Math.floor(clock() / 1000);
  return {
    id: randomUUID(),
    format: 'opaque',
    clientId: 'web',
    subject: 'user-alice',
    scope: ['read'],
    audience: 'https://api.example.test',
    grantType: 'authorization_code',
    grantId: randomUUID(),
    issuedAt: now,
    expiresAt: now + ttl,
    ...(uniqueKey === undefined ? {} : { uniqueKey, token: randomUUID() }),
  };
}

function refreshToken(clock: FrozenClock, ttl: number): RefreshTokenRecord {
  const now = Math.floor(clock() / 1000);
  return {
    id: randomUUID(),
    clientId: 'web',
    subject: 'user-alice',
    scope: ['read'],
    grantId: randomUUID(),
    issuedAt: now,
    expiresAt: now + ttl,
  };
}

describe('MemoryRecordStore: sweeping and options', () => {
  const N = 25;

  it('sweep() drops expired records, their lookups and counters, and keeps live ones', async () => {
    const clock = frozenClock();
    const store = new MemoryRecordStore({ clock });
    for (let i = 0; i < N; i++)
      await store.put('code', `short-${i}`, { i }, 60, { subject: `s-${i}`, shared: 'all' });
    await store.consume('code', 'short-0');
    await store.addOnce('jti', 'marker', 60);
    await store.increment('rate', 'ip', 60);
    await store.put('client', 'web', { id: 'web' }, undefined, { owner: 'alice' });
    const live = 2; // the client and its one lookup value
    expect(store.size).to.equal(N + N + 1 + 1 + 1 + live);
    clock.advance(60);
    expect(store.size, 'expired entries are held until a read or a sweep').to.equal(
      2 * N + 3 + live,
    );
    store.sweep();
    expect(store.size).to.equal(live);
    expect((await store.get('client', 'web'))?.value).to.deep.equal({ id: 'web' });
    expect(await store.increment('rate', 'ip', 60), 'a swept counter starts again').to.equal(1);
  });

  it('reading an expired record drops it and its lookups without a sweep', async () => {
    const clock = frozenClock();
    const store = new MemoryRecordStore({ clock });
    await store.put('code', 'a', { a: 1 }, 60, { subject: 'alice' });
    clock.advance(60);
    expect(await store.get('code', 'a')).to.equal(undefined);
    expect(store.size).to.equal(0);
  });

  it('delete() and put() without a lookup leave no empty lookup entries behind', async () => {
    const store = new MemoryRecordStore({ clock: frozenClock() });
    await store.put('code', 'a', { a: 1 }, 60, { subject: 'alice' });
    await store.put('code', 'b', { b: 1 }, 60, { subject: 'bob' });
    await store.put('code', 'a', { a: 2 }, 60);
    await store.delete('code', 'b');
    expect(store.size, 'record a only').to.equal(1);
  });

  it('the periodic sweep drops expired records on its own', async () => {
    const clock = frozenClock();
    const store = new MemoryRecordStore({ clock, sweepInterval: 0.01 });
    for (let i = 0; i < N; i++) await store.put('token', `t-${i}`, { i }, 60);
    clock.advance(61);
    expect(store.size).to.equal(N);
    // Liveness, not speed: wait for the timer (every 10 ms) for up to 5 s.
    for (let waited = 0; store.size > 0 && waited < 5000; waited += 10)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(store.size).to.equal(0);
  });

  it('bad options and bad values are TypeErrors that name what is wrong', async () => {
    const bad = [{ sweepInterval: 0 }, { sweepInterval: Number.NaN }, { clock: 42 }];
    for (const options of bad)
      expect(() => new MemoryRecordStore(options as never), JSON.stringify(options)).to.throw(
        TypeError,
        Object.keys(options)[0],
      );
    const store = new MemoryRecordStore();
    for (const value of [null, [], 'text'])
      await store.put('k', 'id', value as never, 60).then(
        () => expect.fail(`put() took ${JSON.stringify(value)}`),
        (err: unknown) => expect(err).to.be.an.instanceOf(TypeError),
      );
    await store.put('k', 'id', {}, 60, { subject: '' }).then(
      () => expect.fail('put() took an empty lookup value'),
      (err: unknown) => expect(err).to.be.an.instanceOf(TypeError),
    );
    expect(await store.get('k', 'id')).to.equal(undefined);
  });
});

describe('memoryStores()', () => {
  it('keeps registered clients, validated, and gives every token store the clock', async () => {
    const clock = frozenClock();
    const client = defineClient({
      id: 'web',
      secretHash: generateClientSecret().secretHash,
      grantTypes: ['client_credentials'],
    });
    const stores = memoryStores({ clock });
    await stores.clients?.save(client);
    expect(await stores.clients?.find('web')).to.deep.equal(client);
    const c = code(clock, 60);
    const a = accessToken(clock, 60);
    const r = refreshToken(clock, 60);
    await Promise.all([
      stores.authorizationCodes.save(c, 60),
      stores.accessTokens.save(a, 60),
      stores.refreshTokens.save(r, 60),
    ]);
    expect(await stores.accessTokens.find(a.id)).to.deep.equal(a);
    clock.advance(61);
    expect(await stores.authorizationCodes.find(c.id)).to.equal(undefined);
    expect(await stores.accessTokens.find(a.id)).to.equal(undefined);
    expect(await stores.refreshTokens.find(r.id)).to.equal(undefined);
  });
});

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a script in a fresh Node process (the warning flag is module-global, so a
 * fresh process is the only place where "the first store" is known to be first).
 * The process is killed after 20 s: it should exit on its own long before.
 */
function runChild(script: string, env: NodeJS.ProcessEnv): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: ROOT, env },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

// Creates a store of every kind (twice over), with no sweep timer cleared and no
// process.exit(): the process must end by itself. Prints the warning codes seen.
const CHILD_SCRIPT = `
const codes = [];
process.on('warning', (warning) => codes.push(warning.code ?? warning.name));
const lib = await import(${JSON.stringify(new URL('../../index.ts', import.meta.url).href)});
lib.memoryStores();
lib.memoryStores();
new lib.MemoryRecordStore({ sweepInterval: 1 });
const { MemoryRecordStore } = await import(${JSON.stringify(new URL('../../lib/stores/memory.ts', import.meta.url).href)});
new MemoryRecordStore({ sweepInterval: 1 });
process.once('beforeExit', () => process.stdout.write(JSON.stringify(codes)));
`;

describe('memory stores: the production warning', function () {
  this.timeout(60_000);

  let production: ChildResult;
  let development: ChildResult;
  before(async () => {
    [production, development] = await Promise.all([
      runChild(CHILD_SCRIPT, { ...process.env, NODE_ENV: 'production' }),
      runChild(CHILD_SCRIPT, { ...process.env, NODE_ENV: 'development' }),
    ]);
  });

  it('with NODE_ENV=production, the first memory store emits one OAUTH2_MEMORY_STORE warning', () => {
    expect(production.code, production.stderr).to.equal(0);
    const codes: unknown = JSON.parse(production.stdout);
    expect(codes).to.be.an('array');
    expect((codes as unknown[]).filter((c) => c === 'OAUTH2_MEMORY_STORE')).to.have.length(1);
    expect(production.stderr.split('[OAUTH2_MEMORY_STORE]')).to.have.length(2);
    expect(production.stderr).to.match(/memory stores/);
  });

  it('without NODE_ENV=production, no warning', () => {
    expect(development.code, development.stderr).to.equal(0);
    expect(JSON.parse(development.stdout)).to.not.include('OAUTH2_MEMORY_STORE');
    expect(development.stderr).to.not.include('OAUTH2_MEMORY_STORE');
  });

  it("the stores' sweep timers do not keep the process alive", () => {
    expect(production.signal, 'the child had to be killed').to.equal(null);
    expect(development.signal, 'the child had to be killed').to.equal(null);
    expect(production.code).to.equal(0);
  });
});

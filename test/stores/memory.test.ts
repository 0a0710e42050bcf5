/**
 * The memory stores: the shared contract (twice: with the frozen clock, and on the
 * real clock with two handles on one set of stores, which also checks the suite's
 * 'real' mode that the server-backed stores use), then what only memory has:
 * sweeping of expired entries, the one-time production warning, unref'd timers.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import {
  MemoryAccessTokenStore,
  MemoryAuthorizationCodeStore,
  MemoryClientStore,
  MemoryConsentStore,
  MemoryRefreshTokenStore,
  memoryStores,
  type AccessTokenRecord,
  type AuthorizationCodeRecord,
  type Client,
  type RefreshTokenRecord,
} from '../../index.js';
import { frozenClock, type FrozenClock } from '../support/fixtures.js';
import { describeStoreContract, type StoreUnderTest } from './contract.js';

describeStoreContract('memory (frozen clock)', (clock) => ({
  authorizationCodes: new MemoryAuthorizationCodeStore({ clock }),
  accessTokens: new MemoryAccessTokenStore({ clock }),
  refreshTokens: new MemoryRefreshTokenStore({ clock }),
  clients: new MemoryClientStore(),
  consents: new MemoryConsentStore({ clock }),
}));

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

describe('memory stores: sweeping expired entries', () => {
  const N = 25;

  it('sweep() drops expired codes, consumed or not, and keeps live ones', async () => {
    const clock = frozenClock();
    const store = new MemoryAuthorizationCodeStore({ clock });
    const short = Array.from({ length: N }, () => code(clock, 60));
    for (const record of short) await store.save(record, 60);
    for (const record of short.slice(0, 5)) await store.consume(record.id);
    const long = code(clock, 3600);
    await store.save(long, 3600);
    expect(store.size).to.equal(N + 1);
    clock.advance(61);
    expect(store.size, 'expired entries are held until a read or a sweep').to.equal(N + 1);
    store.sweep();
    expect(store.size).to.equal(1);
    expect(await store.find(long.id)).to.deep.equal(long);
    clock.advance(3600);
    store.sweep();
    expect(store.size).to.equal(0);
  });

  it('sweep() drops expired access tokens, their unique keys and grant revocations', async () => {
    const clock = frozenClock();
    const store = new MemoryAccessTokenStore({ clock });
    for (let i = 0; i < N; i++)
      await store.save(accessToken(clock, 60, i % 2 === 0 ? randomUUID() : undefined), 60);
    await store.revokeGrant(randomUUID(), 60);
    expect(store.size, 'tokens, unique keys (every other token) and the revocation').to.equal(
      N + Math.ceil(N / 2) + 1,
    );
    clock.advance(61);
    store.sweep();
    expect(store.size).to.equal(0);
  });

  it('sweep() drops expired refresh tokens and grant revocations', async () => {
    const clock = frozenClock();
    const store = new MemoryRefreshTokenStore({ clock });
    const records = Array.from({ length: N }, () => refreshToken(clock, 60));
    for (const record of records) await store.save(record, 60);
    await store.consume(records[0]?.id ?? '');
    await store.revokeGrant(randomUUID(), 120);
    expect(store.size).to.equal(N + 1);
    clock.advance(61);
    store.sweep();
    expect(store.size, 'the revocation lives 120 s').to.equal(1);
    clock.advance(60);
    store.sweep();
    expect(store.size).to.equal(0);
  });

  it('reading an expired entry drops it without a sweep', async () => {
    const clock = frozenClock();
    const store = new MemoryRefreshTokenStore({ clock });
    const record = refreshToken(clock, 60);
    await store.save(record, 60);
    clock.advance(61);
    expect(await store.find(record.id)).to.equal(undefined);
    expect(store.size).to.equal(0);
  });

  it('the periodic sweep drops expired entries on its own', async () => {
    const clock = frozenClock();
    const store = new MemoryAccessTokenStore({ clock, sweepInterval: 0.01 });
    for (let i = 0; i < N; i++) await store.save(accessToken(clock, 60), 60);
    clock.advance(61);
    expect(store.size).to.equal(N);
    // Liveness, not speed: wait for the timer (every 10 ms) for up to 5 s.
    for (let waited = 0; store.size > 0 && waited < 5000; waited += 10)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(store.size).to.equal(0);
  });
});

describe('memoryStores()', () => {
  it('holds the given clients and gives every token store the clock', async () => {
    const clock = frozenClock();
    const client: Client = {
      id: 'web',
      redirectUris: [],
      grantTypes: ['client_credentials'],
      responseTypes: [],
      tokenEndpointAuthMethods: ['client_secret_basic'],
    };
    const stores = memoryStores([client], { clock });
    expect(await stores.clients.find('web')).to.deep.equal(client);
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
new lib.MemoryAuthorizationCodeStore();
new lib.MemoryAccessTokenStore({ sweepInterval: 1 });
new lib.MemoryRefreshTokenStore();
new lib.MemoryClientStore();
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

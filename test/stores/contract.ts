/**
 * The shared store contract suite: every rule of lib/stores/types.ts, checked
 * against any backend. The memory stores run it in test/stores/memory.test.ts;
 * the Redis, SQL, memcache, DynamoDB and MongoDB stores run it UNCHANGED.
 *
 *     describeStoreContract('redis', async (clock) => ({ ...stores, close: () => redis.quit() }), { clockControl: 'real' });
 *
 * What a backend provides:
 * - A factory `(clock) => StoreUnderTest`, called once before every test (and a
 *   second time in that test when `sharedBackend` is set). It returns any of
 *   `authorizationCodes`, `accessTokens`, `refreshTokens`, `clients`; a group
 *   whose store is missing is reported as skipped, so a backend that only holds
 *   tokens still runs everything it can. `close()`, if given, runs after every
 *   test for every object the factory returned (quit the connection it opened).
 * - `clockControl` (default `'frozen'`): `'frozen'` means the stores take the
 *   clock handed to the factory for everything (expiry on read, `consumedAt`,
 *   the length of a grant revocation), so the suite moves time with
 *   `clock.advance()`. `'real'` means the backend keeps time itself (server-side
 *   TTLs, `NOW()` in SQL): the stores ignore the clock, records are built from
 *   `Date.now()`, and the tests that need time to move are not registered. Expiry on
 *   read is then checked with records whose `expiresAt` is already past while
 *   the `ttl` given to `save()` is an hour, i.e. before any backend TTL fires.
 * - `clockSlack` (seconds; default 0 when frozen, 5 when real): how far the
 *   backend's clock may be from this process's when `consumedAt` is checked.
 * - `sharedBackend` (default false): two objects made by the factory in one test
 *   reach the same data (two connections, or two processes' worth of clients).
 *   Then parallel `consume()` calls are split over both.
 * - `unreachable`: a factory for stores whose backend cannot be reached (a
 *   closed port, a short connect timeout). Every method must then reject with
 *   `StoreUnavailableError`. Without it those tests are not registered.
 * - `cleanup()`: runs once after the whole suite (drop a test table or key prefix).
 *
 * Every test makes fresh random ids, grant ids and unique keys, so runs against a
 * shared database do not collide and need no cleanup between tests. Records are
 * compared with their `undefined`-valued keys dropped: a backend that serialises
 * a record (JSON, SQL columns) need not keep an explicit `undefined`, but it
 * must not turn one into `null`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import {
  generateClientSecret,
  StoreUnavailableError,
  type AccessTokenRecord,
  type AccessTokenStore,
  type AuthorizationCodeRecord,
  type AuthorizationCodeStore,
  type Client,
  type ClientStore,
  type ConsentStore,
  type DeviceCodeStore,
  type RefreshTokenRecord,
  type RefreshTokenStore,
  type RememberedConsent,
} from '../../index.js';
import { frozenClock, type FrozenClock } from '../support/fixtures.js';
import { describeDeviceCodeContract } from './device-contract.js';
import { describeAssertionReplayContract } from './assertion-replay-contract.js';
import { describePushedRequestContract } from './pushed-request-contract.js';
import { describeDpopReplayContract } from './dpop-replay-contract.js';
import { describeUserGrantContract } from './user-grant-contract.js';
import type { RecordStore } from '../../lib/stores/records.js';

/** Registers nothing: for tests that do not apply to a backend. */
const notApplicable = ((_title: string, _fn?: Mocha.Func | Mocha.AsyncFunc) =>
  undefined) as unknown as Mocha.TestFunction;

/** What the factory hands the suite. */
export interface StoreUnderTest {
  authorizationCodes?: AuthorizationCodeStore | undefined;
  accessTokens?: AccessTokenStore | undefined;
  refreshTokens?: RefreshTokenStore | undefined;
  clients?: ClientStore | undefined;
  consents?: ConsentStore | undefined;
  deviceCodes?: DeviceCodeStore | undefined;
  /** The persistence primitive under the typed stores (the assertion replay cache uses it). */
  records?: RecordStore | undefined;
  /** Runs after each test (close the connection this object opened). */
  close?(): Promise<void> | void;
}

export type StoreFactory = (clock: FrozenClock) => Promise<StoreUnderTest> | StoreUnderTest;

export interface StoreContractOptions {
  /** Whether the stores honour the clock given to the factory. Default `'frozen'`. */
  clockControl?: 'frozen' | 'real';
  /** Seconds the backend's clock may differ from ours. Default 0 (frozen) or 5 (real). */
  clockSlack?: number;
  /** Two objects from the factory in one test share their data. Default false. */
  sharedBackend?: boolean;
  /** Stores whose backend cannot be reached; every method must throw `StoreUnavailableError`. */
  unreachable?: StoreFactory;
  /** Number of parallel `consume()` calls in the race tests. Default 20. */
  parallelism?: number;
  /** Runs once after the suite. */
  cleanup?(): Promise<void> | void;
}

/** A random id shaped like the engine's: a base64url SHA-256 digest. */
function newId(): string {
  return createHash('sha256').update(randomUUID()).digest('base64url');
}

/** The record without its `undefined`-valued keys (see the header). */
function plain(record: object | undefined): Record<string, unknown> | undefined {
  if (record === undefined) return undefined;
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

/** Resolves to what `call` threw, or fails the test when it did not throw. */
async function rejection(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (err) {
    return err;
  }
  expect.fail('expected the call to reject');
}

/** The part of the code and refresh token stores the race tests use. */
interface Consumable {
  consume(id: string): Promise<object | undefined>;
}

/** An hour: the TTL of every record that should outlive the test. */
const HOUR = 3600;

export function describeStoreContract(
  name: string,
  factory: StoreFactory,
  options: StoreContractOptions = {},
): void {
  const frozen = (options.clockControl ?? 'frozen') === 'frozen';
  const slack = options.clockSlack ?? (frozen ? 0 : 5);
  const parallelism = options.parallelism ?? 20;
  /** Tests that move time: skipped when the backend keeps its own clock. */
  // Tests that do not apply to this backend are not registered at all, so that
  // "skipped" in a report only ever means a store or server was missing.
  const itMovingTime = frozen ? it : notApplicable;
  const itShared = options.sharedBackend === true ? it : notApplicable;
  const itUnreachable = options.unreachable === undefined ? notApplicable : it;

  describe(`store contract: ${name}`, () => {
    let clock: FrozenClock;
    let stores: StoreUnderTest;
    const opened: StoreUnderTest[] = [];

    async function open(make: StoreFactory = factory): Promise<StoreUnderTest> {
      const made = await make(clock);
      opened.push(made);
      return made;
    }

    /** Now in epoch seconds, by the clock the stores use. */
    function now(): number {
      return Math.floor((frozen ? clock() : Date.now()) / 1000);
    }

    beforeEach(async () => {
      clock = frozenClock();
      stores = await open();
    });

    afterEach(async () => {
      for (const made of opened.splice(0)) await made.close?.();
    });

    after(async () => {
      await options.cleanup?.();
    });

    function codeRecord(overrides: Partial<AuthorizationCodeRecord> = {}): AuthorizationCodeRecord {
      const issuedAt = now();
      return {
        id: newId(),
        clientId: 'web',
        subject: `user-${randomUUID()}`,
        scope: ['read', 'profile'],
        redirectUri: 'https://app.example.test/callback?x=1',
        redirectUriSent: true,
        codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        codeChallengeMethod: 'S256',
        grantId: randomUUID(),
        issuedAt,
        expiresAt: issuedAt + HOUR,
        // OpenID Connect fields: plain JSON that every backend must keep as it is.
        nonce: randomUUID(),
        authTime: issuedAt - 30,
        acr: 'urn:example:loa:2',
        amr: ['pwd', 'otp'],
        claimsLocales: ['de', 'ja-Kana-JP'],
        extra: {
          nonce: randomUUID(),
          nested: { list: [1, 'two', true], empty: {} },
          unicode: 'Zoë ✓',
        },
        ...overrides,
      };
    }

    function accessRecord(overrides: Partial<AccessTokenRecord> = {}): AccessTokenRecord {
      const issuedAt = now();
      return {
        id: newId(),
        format: 'opaque',
        clientId: 'web',
        subject: `user-${randomUUID()}`,
        scope: ['read', 'write'],
        audience: 'https://api.example.test',
        grantType: 'authorization_code',
        grantId: randomUUID(),
        issuedAt,
        expiresAt: issuedAt + HOUR,
        claimsLocales: ['de', 'en-US'],
        ...overrides,
      };
    }

    function refreshRecord(overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
      const issuedAt = now();
      return {
        id: newId(),
        clientId: 'web',
        subject: `user-${randomUUID()}`,
        scope: ['read', 'write', 'profile'],
        grantId: randomUUID(),
        issuedAt,
        expiresAt: issuedAt + HOUR,
        authTime: issuedAt - 30,
        acr: 'urn:example:loa:2',
        amr: ['pwd', 'otp'],
        claimsLocales: ['de', 'en-US'],
        ...overrides,
      };
    }

    /** A record whose `expiresAt` passed a minute ago while its TTL still has an hour to run. */
    function pastExpiry(): { issuedAt: number; expiresAt: number } {
      return { issuedAt: now() - 120, expiresAt: now() - 60 };
    }

    /** Runs `parallelism` consume() calls at once, alternating between two stores. */
    async function race(first: Consumable, second: Consumable, id: string): Promise<object[]> {
      const calls = Array.from({ length: parallelism }, (_, i) =>
        (i % 2 === 0 ? first : second).consume(id),
      );
      const results = await Promise.all(calls);
      return results.filter((result): result is object => result !== undefined);
    }

    describe('AuthorizationCodeStore', () => {
      let codes: AuthorizationCodeStore;
      beforeEach(function () {
        if (stores.authorizationCodes === undefined) this.skip();
        codes = stores.authorizationCodes;
      });

      it('find() returns the saved record, every field intact', async () => {
        const record = codeRecord();
        await codes.save(record, HOUR);
        expect(plain(await codes.find(record.id))).to.deep.equal(plain(record));
      });

      it('keeps a record without the optional fields as it was', async () => {
        const record = codeRecord({
          codeChallenge: undefined,
          codeChallengeMethod: undefined,
          extra: undefined,
          redirectUriSent: false,
        });
        await codes.save(record, HOUR);
        expect(plain(await codes.find(record.id))).to.deep.equal(plain(record));
      });

      it('find() of an unknown id is undefined', async () => {
        expect(await codes.find(newId())).to.equal(undefined);
      });

      it('keeps codes apart: find() returns the record of the id asked for', async () => {
        const a = codeRecord();
        const b = codeRecord();
        await Promise.all([codes.save(a, HOUR), codes.save(b, HOUR)]);
        expect(plain(await codes.find(a.id))).to.deep.equal(plain(a));
        expect(plain(await codes.find(b.id))).to.deep.equal(plain(b));
      });

      it('never returns a code past its expiresAt, even while its TTL runs', async () => {
        const record = codeRecord(pastExpiry());
        await codes.save(record, HOUR);
        expect(await codes.find(record.id)).to.equal(undefined);
        expect(await codes.consume(record.id)).to.equal(undefined);
      });

      itMovingTime('returns the code until its expiresAt, and not after it', async () => {
        const record = codeRecord({ expiresAt: now() + 60 });
        await codes.save(record, HOUR);
        clock.advance(59);
        expect(plain(await codes.find(record.id))).to.deep.equal(plain(record));
        clock.advance(2);
        expect(await codes.find(record.id)).to.equal(undefined);
        expect(await codes.consume(record.id)).to.equal(undefined);
      });

      itMovingTime('drops the code after its ttl seconds, even if expiresAt is later', async () => {
        const record = codeRecord();
        await codes.save(record, 60);
        clock.advance(59);
        expect(plain(await codes.find(record.id))).to.deep.equal(plain(record));
        clock.advance(2);
        expect(await codes.find(record.id)).to.equal(undefined);
      });

      it('consume() returns the record as it was, then find() shows it consumed', async () => {
        const record = codeRecord();
        await codes.save(record, HOUR);
        const won = await codes.consume(record.id);
        expect(won?.consumed).to.not.equal(true);
        expect(plain(won)).to.deep.equal(plain(record));
        expect(plain(await codes.find(record.id))).to.deep.equal(
          plain({ ...record, consumed: true }),
        );
      });

      it('a second consume() of a code is undefined, and the code stays consumed', async () => {
        const record = codeRecord();
        await codes.save(record, HOUR);
        expect(await codes.consume(record.id)).to.not.equal(undefined);
        expect(await codes.consume(record.id)).to.equal(undefined);
        expect(await codes.consume(record.id)).to.equal(undefined);
        expect((await codes.find(record.id))?.consumed).to.equal(true);
      });

      it('consume() of an unknown code is undefined and creates nothing', async () => {
        const id = newId();
        expect(await codes.consume(id)).to.equal(undefined);
        expect(await codes.find(id)).to.equal(undefined);
      });

      it('consume() of one code leaves another code alone', async () => {
        const a = codeRecord();
        const b = codeRecord({ grantId: a.grantId });
        await Promise.all([codes.save(a, HOUR), codes.save(b, HOUR)]);
        await codes.consume(a.id);
        expect(plain(await codes.find(b.id))).to.deep.equal(plain(b));
        expect(plain(await codes.consume(b.id))).to.deep.equal(plain(b));
      });

      itMovingTime('keeps a consumed code findable until it expires, then drops it', async () => {
        const record = codeRecord({ expiresAt: now() + 60 });
        await codes.save(record, 60);
        await codes.consume(record.id);
        clock.advance(59);
        expect((await codes.find(record.id))?.consumed).to.equal(true);
        clock.advance(2);
        expect(await codes.find(record.id)).to.equal(undefined);
      });

      it(`of ${parallelism} parallel consume() calls on one code, exactly one gets the record`, async () => {
        const record = codeRecord();
        await codes.save(record, HOUR);
        const winners = await race(codes, codes, record.id);
        expect(winners).to.have.length(1);
        expect(plain(winners[0])).to.deep.equal(plain(record));
        expect((await codes.find(record.id))?.consumed).to.equal(true);
      });

      itShared(
        'parallel consume() calls over two connections: exactly one gets the record',
        async () => {
          const second = (await open()).authorizationCodes;
          if (second === undefined)
            expect.fail('the second factory call returned no authorizationCodes store');
          const record = codeRecord();
          await codes.save(record, HOUR);
          const winners = await race(codes, second, record.id);
          expect(winners).to.have.length(1);
          expect(plain(winners[0])).to.deep.equal(plain(record));
        },
      );

      it('parallel consume() calls on different codes each get their own record', async () => {
        const records = Array.from({ length: parallelism }, () => codeRecord());
        await Promise.all(records.map((record) => codes.save(record, HOUR)));
        const won = await Promise.all(records.map((record) => codes.consume(record.id)));
        expect(won.map(plain)).to.deep.equal(records.map(plain));
      });
    });

    describe('AccessTokenStore', () => {
      let tokens: AccessTokenStore;
      beforeEach(function () {
        if (stores.accessTokens === undefined) this.skip();
        tokens = stores.accessTokens;
      });

      it('find() returns the saved record, every field intact', async () => {
        const record = accessRecord({ format: 'jwt', grantType: 'client_credentials', scope: [] });
        await tokens.save(record, HOUR);
        expect(plain(await tokens.find(record.id))).to.deep.equal(plain(record));
      });

      it('find() of an unknown id is undefined', async () => {
        expect(await tokens.find(newId())).to.equal(undefined);
      });

      it('never returns a token past its expiresAt, even while its TTL runs', async () => {
        const record = accessRecord({ ...pastExpiry(), uniqueKey: newId(), token: randomUUID() });
        await tokens.save(record, HOUR);
        expect(await tokens.find(record.id)).to.equal(undefined);
        expect(await tokens.findByUniqueKey(record.uniqueKey ?? '')).to.equal(undefined);
      });

      itMovingTime('returns the token until its expiresAt, and not after it', async () => {
        const record = accessRecord({ expiresAt: now() + 60 });
        await tokens.save(record, HOUR);
        clock.advance(59);
        expect(plain(await tokens.find(record.id))).to.deep.equal(plain(record));
        clock.advance(2);
        expect(await tokens.find(record.id)).to.equal(undefined);
      });

      itMovingTime(
        'drops the token after its ttl seconds, even if expiresAt is later',
        async () => {
          const record = accessRecord();
          await tokens.save(record, 60);
          clock.advance(59);
          expect(plain(await tokens.find(record.id))).to.deep.equal(plain(record));
          clock.advance(2);
          expect(await tokens.find(record.id)).to.equal(undefined);
        },
      );

      it('revoke(id) hides the token and leaves the other tokens of its grant alone', async () => {
        const record = accessRecord();
        const sibling = accessRecord({ grantId: record.grantId });
        await Promise.all([tokens.save(record, HOUR), tokens.save(sibling, HOUR)]);
        await tokens.revoke(record.id);
        expect(await tokens.find(record.id)).to.equal(undefined);
        expect(plain(await tokens.find(sibling.id))).to.deep.equal(plain(sibling));
      });

      it('revoke() of an unknown id resolves and changes nothing', async () => {
        const record = accessRecord();
        await tokens.save(record, HOUR);
        await tokens.revoke(newId());
        expect(plain(await tokens.find(record.id))).to.deep.equal(plain(record));
      });

      it('revokeGrant() hides the tokens of the grant saved before the call', async () => {
        const a = accessRecord();
        const b = accessRecord({ grantId: a.grantId, uniqueKey: newId(), token: randomUUID() });
        await Promise.all([tokens.save(a, HOUR), tokens.save(b, HOUR)]);
        await tokens.revokeGrant(a.grantId, HOUR);
        expect(await tokens.find(a.id)).to.equal(undefined);
        expect(await tokens.find(b.id)).to.equal(undefined);
        expect(await tokens.findByUniqueKey(b.uniqueKey ?? '')).to.equal(undefined);
      });

      it('revokeGrant() hides the tokens of the grant saved after the call', async () => {
        const grantId = randomUUID();
        await tokens.revokeGrant(grantId, HOUR);
        const record = accessRecord({ grantId, uniqueKey: newId(), token: randomUUID() });
        await tokens.save(record, HOUR);
        expect(await tokens.find(record.id)).to.equal(undefined);
        expect(await tokens.findByUniqueKey(record.uniqueKey ?? '')).to.equal(undefined);
      });

      it("revokeGrant() leaves another grant's tokens alone", async () => {
        const revoked = accessRecord();
        const other = accessRecord({ clientId: revoked.clientId, subject: revoked.subject });
        await Promise.all([tokens.save(revoked, HOUR), tokens.save(other, HOUR)]);
        await tokens.revokeGrant(revoked.grantId, HOUR);
        const later = accessRecord({ clientId: revoked.clientId, subject: revoked.subject });
        await tokens.save(later, HOUR);
        expect(plain(await tokens.find(other.id))).to.deep.equal(plain(other));
        expect(plain(await tokens.find(later.id))).to.deep.equal(plain(later));
      });

      itMovingTime('revokeGrant() stays in force while its ttl runs', async () => {
        const before = accessRecord();
        await tokens.save(before, HOUR);
        await tokens.revokeGrant(before.grantId, 600);
        clock.advance(599);
        const after = accessRecord({ grantId: before.grantId });
        await tokens.save(after, HOUR);
        expect(await tokens.find(before.id)).to.equal(undefined);
        expect(await tokens.find(after.id)).to.equal(undefined);
      });

      it('findByUniqueKey() returns the live token saved with that key', async () => {
        const record = accessRecord({ uniqueKey: newId(), token: randomUUID() });
        await tokens.save(record, HOUR);
        expect(plain(await tokens.findByUniqueKey(record.uniqueKey ?? ''))).to.deep.equal(
          plain(record),
        );
      });

      it('findByUniqueKey() of an unknown key is undefined', async () => {
        await tokens.save(accessRecord({ uniqueKey: newId(), token: randomUUID() }), HOUR);
        expect(await tokens.findByUniqueKey(newId())).to.equal(undefined);
      });

      it('findByUniqueKey() finds nothing for a token saved without a key', async () => {
        const record = accessRecord();
        await tokens.save(record, HOUR);
        expect(await tokens.findByUniqueKey(record.id)).to.equal(undefined);
      });

      it('findByUniqueKey() is undefined once the token was revoked', async () => {
        const record = accessRecord({ uniqueKey: newId(), token: randomUUID() });
        await tokens.save(record, HOUR);
        await tokens.revoke(record.id);
        expect(await tokens.findByUniqueKey(record.uniqueKey ?? '')).to.equal(undefined);
      });

      itMovingTime('findByUniqueKey() is undefined once the token expired', async () => {
        const record = accessRecord({
          uniqueKey: newId(),
          token: randomUUID(),
          expiresAt: now() + 60,
        });
        await tokens.save(record, 60);
        clock.advance(59);
        expect(plain(await tokens.findByUniqueKey(record.uniqueKey ?? ''))).to.deep.equal(
          plain(record),
        );
        clock.advance(2);
        expect(await tokens.findByUniqueKey(record.uniqueKey ?? '')).to.equal(undefined);
      });

      it('findByUniqueKey() returns the new token saved with a key whose old token expired', async () => {
        const uniqueKey = newId();
        const old = accessRecord({ uniqueKey, token: randomUUID(), ...pastExpiry() });
        await tokens.save(old, HOUR);
        const fresh = accessRecord({ uniqueKey, token: randomUUID(), grantId: old.grantId });
        await tokens.save(fresh, HOUR);
        expect(plain(await tokens.findByUniqueKey(uniqueKey))).to.deep.equal(plain(fresh));
      });
    });

    describe('RefreshTokenStore', () => {
      let tokens: RefreshTokenStore;
      beforeEach(function () {
        if (stores.refreshTokens === undefined) this.skip();
        tokens = stores.refreshTokens;
      });

      it('find() returns the saved record, every field intact', async () => {
        const record = refreshRecord();
        await tokens.save(record, HOUR);
        expect(plain(await tokens.find(record.id))).to.deep.equal(plain(record));
      });

      it('find() of an unknown id is undefined', async () => {
        expect(await tokens.find(newId())).to.equal(undefined);
      });

      it('never returns a token past its expiresAt, even while its TTL runs', async () => {
        const record = refreshRecord(pastExpiry());
        await tokens.save(record, HOUR);
        expect(await tokens.find(record.id)).to.equal(undefined);
        expect(await tokens.consume(record.id)).to.equal(undefined);
      });

      itMovingTime('returns the token until its expiresAt, and not after it', async () => {
        const record = refreshRecord({ expiresAt: now() + 60 });
        await tokens.save(record, HOUR);
        clock.advance(59);
        expect(plain(await tokens.find(record.id))).to.deep.equal(plain(record));
        clock.advance(2);
        expect(await tokens.find(record.id)).to.equal(undefined);
        expect(await tokens.consume(record.id)).to.equal(undefined);
      });

      itMovingTime(
        'drops the token after its ttl seconds, even if expiresAt is later',
        async () => {
          const record = refreshRecord();
          await tokens.save(record, 60);
          clock.advance(59);
          expect(plain(await tokens.find(record.id))).to.deep.equal(plain(record));
          clock.advance(2);
          expect(await tokens.find(record.id)).to.equal(undefined);
        },
      );

      it('consume() returns the record as it was, then find() shows it consumed with consumedAt', async () => {
        const record = refreshRecord();
        await tokens.save(record, HOUR);
        clock.advance(100);
        const before = now();
        const won = await tokens.consume(record.id);
        const after = now();
        expect(won?.consumed).to.not.equal(true);
        expect(won?.consumedAt).to.equal(undefined);
        expect(plain(won)).to.deep.equal(plain(record));
        const found = await tokens.find(record.id);
        expect(found?.consumed).to.equal(true);
        expect(found?.consumedAt).to.be.a('number');
        expect(found?.consumedAt).to.be.within(before - slack, after + slack);
        expect(plain(found)).to.deep.equal(
          plain({ ...record, consumed: true, consumedAt: found?.consumedAt }),
        );
      });

      it('a second consume() is undefined, and consumedAt keeps the first time', async () => {
        const record = refreshRecord();
        await tokens.save(record, HOUR);
        await tokens.consume(record.id);
        const first = (await tokens.find(record.id))?.consumedAt;
        clock.advance(30);
        expect(await tokens.consume(record.id)).to.equal(undefined);
        expect((await tokens.find(record.id))?.consumedAt).to.equal(first);
      });

      it('consume() of an unknown token is undefined and creates nothing', async () => {
        const id = newId();
        expect(await tokens.consume(id)).to.equal(undefined);
        expect(await tokens.find(id)).to.equal(undefined);
      });

      it(`of ${parallelism} parallel consume() calls on one token, exactly one gets the record`, async () => {
        const record = refreshRecord();
        await tokens.save(record, HOUR);
        const winners = await race(tokens, tokens, record.id);
        expect(winners).to.have.length(1);
        expect(plain(winners[0])).to.deep.equal(plain(record));
        expect((await tokens.find(record.id))?.consumed).to.equal(true);
      });

      itShared(
        'parallel consume() calls over two connections: exactly one gets the record',
        async () => {
          const second = (await open()).refreshTokens;
          if (second === undefined)
            expect.fail('the second factory call returned no refreshTokens store');
          const record = refreshRecord();
          await tokens.save(record, HOUR);
          const winners = await race(tokens, second, record.id);
          expect(winners).to.have.length(1);
          expect(plain(winners[0])).to.deep.equal(plain(record));
        },
      );

      it('revoke(id) hides the token, and it can no longer be consumed', async () => {
        const record = refreshRecord();
        const sibling = refreshRecord({ grantId: record.grantId });
        await Promise.all([tokens.save(record, HOUR), tokens.save(sibling, HOUR)]);
        await tokens.revoke(record.id);
        expect(await tokens.find(record.id)).to.equal(undefined);
        expect(await tokens.consume(record.id)).to.equal(undefined);
        expect(plain(await tokens.find(sibling.id))).to.deep.equal(plain(sibling));
      });

      it('revoke() of an unknown id resolves and changes nothing', async () => {
        const record = refreshRecord();
        await tokens.save(record, HOUR);
        await tokens.revoke(newId());
        expect(plain(await tokens.find(record.id))).to.deep.equal(plain(record));
      });

      it('revokeGrant() hides the tokens of the grant saved before the call, consumed or not', async () => {
        const a = refreshRecord();
        const b = refreshRecord({ grantId: a.grantId });
        await Promise.all([tokens.save(a, HOUR), tokens.save(b, HOUR)]);
        await tokens.consume(a.id);
        await tokens.revokeGrant(a.grantId, HOUR);
        expect(await tokens.find(a.id)).to.equal(undefined);
        expect(await tokens.find(b.id)).to.equal(undefined);
        // A token of a revoked grant is no record anyone may get, not even through consume().
        expect(await tokens.consume(b.id)).to.equal(undefined);
      });

      it('revokeGrant() hides the tokens of the grant saved after the call', async () => {
        const grantId = randomUUID();
        await tokens.revokeGrant(grantId, HOUR);
        const record = refreshRecord({ grantId });
        await tokens.save(record, HOUR);
        expect(await tokens.find(record.id)).to.equal(undefined);
        expect(await tokens.consume(record.id)).to.equal(undefined);
      });

      it("revokeGrant() leaves another grant's tokens alone", async () => {
        const revoked = refreshRecord();
        const other = refreshRecord({ clientId: revoked.clientId, subject: revoked.subject });
        await Promise.all([tokens.save(revoked, HOUR), tokens.save(other, HOUR)]);
        await tokens.revokeGrant(revoked.grantId, HOUR);
        const later = refreshRecord({ clientId: revoked.clientId, subject: revoked.subject });
        await tokens.save(later, HOUR);
        expect(plain(await tokens.find(other.id))).to.deep.equal(plain(other));
        expect(plain(await tokens.find(later.id))).to.deep.equal(plain(later));
        expect(plain(await tokens.consume(later.id))).to.deep.equal(plain(later));
      });

      itMovingTime('revokeGrant() stays in force while its ttl runs', async () => {
        const before = refreshRecord();
        await tokens.save(before, HOUR);
        await tokens.revokeGrant(before.grantId, 600);
        clock.advance(599);
        const after = refreshRecord({ grantId: before.grantId });
        await tokens.save(after, HOUR);
        expect(await tokens.find(before.id)).to.equal(undefined);
        expect(await tokens.find(after.id)).to.equal(undefined);
      });
    });

    describe('ConsentStore', () => {
      let consents: ConsentStore;
      beforeEach(function () {
        if (stores.consents === undefined) this.skip();
        consents = stores.consents;
      });
      const subject = (): string => `user-${randomUUID()}`;

      it('find() of an unknown pair is undefined', async () => {
        expect(await consents.find(subject(), `client-${randomUUID()}`)).to.equal(undefined);
      });

      /** A consent for the default audience only. */
      const scoped = (...scope: string[]): RememberedConsent => ({ scope, resources: [] });
      const API = 'https://api.example.com/mcp';
      const FILES = 'https://files.example.com/';

      it('save() then find() returns the scopes and no resources, per subject and client', async () => {
        const user = subject();
        const other = subject();
        await consents.save(user, 'c1', scoped('profile', 'read'), HOUR);
        await consents.save(other, 'c1', scoped('write'), HOUR);
        const found = await consents.find(user, 'c1');
        expect([...(found?.scope ?? [])]).to.have.members(['profile', 'read']);
        expect(plain(found)).to.deep.equal({ scope: found?.scope, resources: [] });
        expect(await consents.find(other, 'c1')).to.deep.equal(scoped('write'));
        expect(await consents.find(user, 'c2')).to.equal(undefined);
      });

      it('save() then find() returns the resources (RFC 8707) and the defaultAudience flag as saved', async () => {
        const user = subject();
        const both: RememberedConsent = {
          scope: ['read'],
          resources: [API, FILES],
          defaultAudience: true,
        };
        await consents.save(user, 'c1', both, HOUR);
        await consents.save(user, 'c2', { scope: ['read'], resources: [API] }, HOUR);
        expect(plain(await consents.find(user, 'c1'))).to.deep.equal(both);
        const onlyApi = await consents.find(user, 'c2');
        expect(plain(onlyApi)).to.deep.equal({ scope: ['read'], resources: [API] });
        expect(onlyApi?.defaultAudience ?? false, 'no flag unless saved').to.equal(false);
      });

      it('a consent record written before resources were remembered reads as resources: []', async function () {
        const records = stores.records;
        if (records === undefined) return this.skip();
        const user = subject();
        // The 0.1 value (and what migrateSchema() copies): no `resources` member.
        const old = { subject: user, clientId: 'c1', scope: ['read', 'profile'] };
        await records.put('consent', `${user}\nc1`, old, HOUR, { subject: user });
        const found = await consents.find(user, 'c1');
        expect(plain(found)).to.deep.equal({ scope: ['read', 'profile'], resources: [] });
        expect(found?.defaultAudience ?? false).to.equal(false);
        return undefined;
      });

      it('save() replaces an earlier consent, resources included', async () => {
        const user = subject();
        await consents.save(user, 'c1', { scope: ['profile'], resources: [API] }, HOUR);
        await consents.save(user, 'c1', scoped('read'), HOUR);
        expect(plain(await consents.find(user, 'c1'))).to.deep.equal(scoped('read'));
      });

      it('save() with an empty scope list is found as an empty list', async () => {
        const user = subject();
        await consents.save(user, 'c1', scoped(), HOUR);
        expect(plain(await consents.find(user, 'c1'))).to.deep.equal(scoped());
      });

      it('revoke() forgets one pair and leaves the others; an unknown pair resolves', async () => {
        const user = subject();
        await consents.save(user, 'c1', { scope: ['read'], resources: [API] }, HOUR);
        await consents.save(user, 'c2', scoped('read'), HOUR);
        await consents.revoke(user, 'c1');
        await consents.revoke(subject(), 'nobody');
        expect(await consents.find(user, 'c1')).to.equal(undefined);
        expect(plain(await consents.find(user, 'c2'))).to.deep.equal(scoped('read'));
      });

      itMovingTime('a consent ends after its ttl', async () => {
        const user = subject();
        await consents.save(user, 'c1', { scope: ['read'], resources: [API] }, 60);
        clock.advance(59);
        expect(await consents.find(user, 'c1')).to.not.equal(undefined);
        clock.advance(1);
        expect(await consents.find(user, 'c1')).to.equal(undefined);
      });
    });

    describe('ClientStore', () => {
      let clients: ClientStore;
      beforeEach(function () {
        if (stores.clients === undefined) this.skip();
        clients = stores.clients;
      });

      function client(overrides: Partial<Client> = {}): Client {
        return {
          id: `client-${randomUUID()}`,
          secretHash: generateClientSecret().secretHash,
          redirectUris: ['https://app.example.test/callback', 'http://127.0.0.1:8080/cb'],
          grantTypes: ['authorization_code', 'refresh_token'],
          responseTypes: ['code'],
          scopes: ['read', 'write'],
          defaultScopes: ['read'],
          tokenEndpointAuthMethods: ['client_secret_basic', 'client_secret_post'],
          name: 'Zoë’s app',
          requirePkce: true,
          resourceServer: false,
          firstParty: false,
          ...overrides,
        };
      }

      it('save() refuses a client that breaks the rules of configured clients (TypeError naming the field)', async function () {
        if (clients.save === undefined) this.skip();
        const bad = client({ secretHash: 'not-a-hash' });
        const err = await rejection(() => clients.save!(bad));
        expect(err).to.be.instanceOf(TypeError);
        expect(String(err)).to.contain('secretHash');
        expect(await clients.find(bad.id)).to.equal(undefined);
      });

      it('find() of an unknown client is undefined', async () => {
        expect(await clients.find(`client-${randomUUID()}`)).to.equal(undefined);
      });

      it('save() then find() returns the client, every field intact', async function () {
        if (clients.save === undefined) this.skip();
        const saved = client();
        const pub = client({
          secretHash: undefined,
          tokenEndpointAuthMethods: ['none'],
          scopes: undefined,
          defaultScopes: undefined,
          name: undefined,
        });
        await clients.save(saved);
        await clients.save(pub);
        expect(plain(await clients.find(saved.id))).to.deep.equal(plain(saved));
        expect(plain(await clients.find(pub.id))).to.deep.equal(plain(pub));
      });

      it('save() of a known client id replaces the client', async function () {
        if (clients.save === undefined) this.skip();
        const first = client();
        const second = client({
          id: first.id,
          redirectUris: ['https://new.example.test/cb'],
          name: 'renamed',
        });
        await clients.save(first);
        await clients.save(second);
        expect(plain(await clients.find(first.id))).to.deep.equal(plain(second));
      });

      it('delete() removes the client and leaves the others', async function () {
        if (clients.save === undefined || clients.delete === undefined) this.skip();
        const gone = client();
        const kept = client();
        await clients.save(gone);
        await clients.save(kept);
        await clients.delete(gone.id);
        expect(await clients.find(gone.id)).to.equal(undefined);
        expect(plain(await clients.find(kept.id))).to.deep.equal(plain(kept));
      });

      it('delete() of an unknown client resolves and removes nobody', async function () {
        if (clients.save === undefined || clients.delete === undefined) this.skip();
        const kept = client();
        await clients.save(kept);
        await clients.delete(`client-${randomUUID()}`);
        expect(plain(await clients.find(kept.id))).to.deep.equal(plain(kept));
      });
    });

    describeDeviceCodeContract({
      store: () => stores.deviceCodes,
      second: async () => {
        const other = options.sharedBackend === true ? (await open()).deviceCodes : undefined;
        return other ?? (stores.deviceCodes as DeviceCodeStore);
      },
      now,
      advance: (seconds) => clock.advance(seconds),
      itMovingTime,
      parallelism,
    });

    describeAssertionReplayContract({
      records: () => stores.records,
      second: async () => (options.sharedBackend === true ? (await open()).records : undefined),
      advance: (seconds) => clock.advance(seconds),
      itMovingTime,
      parallelism,
    });

    describeDpopReplayContract({
      records: () => stores.records,
      second: async () => (options.sharedBackend === true ? (await open()).records : undefined),
      advance: (seconds) => clock.advance(seconds),
      itMovingTime,
      parallelism,
    });

    describePushedRequestContract({
      records: () => stores.records,
      second: async () => (options.sharedBackend === true ? (await open()).records : undefined),
      advance: (seconds) => clock.advance(seconds),
      itMovingTime,
      parallelism,
    });

    describeUserGrantContract({
      records: () => stores.records,
      second: async () => (options.sharedBackend === true ? (await open()).records : undefined),
      advance: (seconds) => clock.advance(seconds),
      itMovingTime,
      parallelism,
    });

    describe('an unreachable backend', () => {
      let down: StoreUnderTest;
      beforeEach(async () => {
        if (options.unreachable !== undefined) down = await open(options.unreachable);
      });

      /** Every call must reject with StoreUnavailableError, never resolve and never throw anything else. */
      async function expectUnavailable(
        calls: Record<string, () => Promise<unknown>>,
      ): Promise<void> {
        for (const [label, call] of Object.entries(calls)) {
          expect(await rejection(call), label).to.be.an.instanceOf(StoreUnavailableError);
        }
      }

      itUnreachable('the authorization code store throws StoreUnavailableError', async function () {
        const codes = down.authorizationCodes;
        if (codes === undefined) this.skip();
        await expectUnavailable({
          save: () => codes.save(codeRecord(), HOUR),
          find: () => codes.find(newId()),
          consume: () => codes.consume(newId()),
        });
      });

      itUnreachable('the access token store throws StoreUnavailableError', async function () {
        const tokens = down.accessTokens;
        if (tokens === undefined) this.skip();
        await expectUnavailable({
          save: () => tokens.save(accessRecord(), HOUR),
          find: () => tokens.find(newId()),
          revoke: () => tokens.revoke(newId()),
          revokeGrant: () => tokens.revokeGrant(randomUUID(), HOUR),
          findByUniqueKey: () => tokens.findByUniqueKey(newId()),
        });
      });

      itUnreachable('the refresh token store throws StoreUnavailableError', async function () {
        const tokens = down.refreshTokens;
        if (tokens === undefined) this.skip();
        await expectUnavailable({
          save: () => tokens.save(refreshRecord(), HOUR),
          find: () => tokens.find(newId()),
          consume: () => tokens.consume(newId()),
          revoke: () => tokens.revoke(newId()),
          revokeGrant: () => tokens.revokeGrant(randomUUID(), HOUR),
        });
      });

      itUnreachable('the device code store throws StoreUnavailableError', async function () {
        const codes = down.deviceCodes;
        if (codes === undefined) this.skip();
        await expectUnavailable({
          find: () => codes.find(newId()),
          findByUserCode: () => codes.findByUserCode(newId()),
          consume: () => codes.consume(newId()),
          settle: () => codes.settle(newId(), { status: 'denied', subject: 's' }),
        });
      });

      itUnreachable('the client store throws StoreUnavailableError', async function () {
        const clients = down.clients;
        if (clients === undefined) this.skip();
        await expectUnavailable({ find: () => clients.find(`client-${randomUUID()}`) });
      });
    });
  });
}

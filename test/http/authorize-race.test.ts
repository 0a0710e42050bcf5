/**
 * authorize(): a consent transaction is answered exactly once, even in parallel.
 * A session is read by every request on its own and written back last-wins, so
 * before, 10 parallel POSTs of one consent form gave 10 codes, and `allow` and
 * `deny` could both be answered — with memory sessions and with Redis sessions.
 * The answer is now claimed with the provider store's atomic `addOnce()`.
 * Each suite runs with express-session's MemoryStore (the race's session reads
 * answered together, as a networked store's overlap) and memory stores, then with
 * connect-redis sessions and the Redis record store on the real Redis.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { RedisStore } from 'connect-redis';
import session from 'express-session';
import type { Redis } from 'ioredis';
import type request from 'supertest';
import { ANSWER_KIND } from '../../lib/endpoints/authorization/answer-once.js';
import { MemoryRecordStore, StoreUnavailableError } from '../../index.js';
import { RedisRecordStore } from '../../lib/stores/redis.js';
import {
  authorizeApp,
  CB,
  consentPage,
  decide,
  expectErrorPage,
  signedIn,
  spaParams,
  type AuthorizeAppOptions,
} from '../support/authorize-app.js';
import { connectRedis, deleteKeys, requireRedis, scanKeys } from '../support/redis-test.js';

/** The answers that redirected (303), and checks that every other one is the 400 page. */
function redirected(answers: request.Response[]): URL[] {
  const locations: URL[] = [];
  for (const res of answers) {
    if (res.status === 303) locations.push(new URL(res.headers['location'] as string));
    else expectErrorPage(res, 'invalid_request');
  }
  return locations;
}

function describeRaces(name: string, options: () => AuthorizeAppOptions): void {
  describe(`authorize(): one answer per consent transaction, in parallel (${name})`, () => {
    it('10 parallel POSTs of one allow form → exactly one code', async () => {
      const opts = options();
      const fixture = authorizeApp(opts);
      const alice = await signedIn(fixture.app);
      const { form } = await consentPage(alice, spaParams());
      gate(opts, 10);
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => decide(alice, { ...form, decision: 'allow' })),
      );
      const locations = redirected(answers);
      expect(locations, 'redirects').to.have.length(1);
      expect(locations[0]?.origin + (locations[0]?.pathname ?? '')).to.equal(CB);
      expect(locations[0]?.searchParams.get('code')).to.be.a('string');
      expect(fixture.codes.saved, 'codes issued').to.have.length(1);
    });

    it('allow and deny racing (5 of each) → exactly one answer', async () => {
      const opts = options();
      const fixture = authorizeApp(opts);
      const alice = await signedIn(fixture.app);
      const { form } = await consentPage(alice, spaParams());
      gate(opts, 10);
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          decide(alice, { ...form, decision: i % 2 === 0 ? 'allow' : 'deny' }),
        ),
      );
      const locations = redirected(answers);
      expect(locations, 'redirects').to.have.length(1);
      const params = locations[0]?.searchParams;
      if (params?.has('code')) expect(fixture.codes.saved).to.have.length(1);
      else {
        expect(params?.get('error')).to.equal('access_denied');
        expect(fixture.codes.saved).to.have.length(0);
      }
    });

    it('two pages of one session still answer independently', async () => {
      const opts = options();
      const fixture = authorizeApp(opts);
      const alice = await signedIn(fixture.app);
      const first = (await consentPage(alice, spaParams())).form;
      const second = (await consentPage(alice, spaParams({ state: 'tab-2' }))).form;
      gate(opts, 2);
      const answers = await Promise.all([
        decide(alice, { ...first, decision: 'allow' }),
        decide(alice, { ...second, decision: 'allow' }),
      ]);
      expect(answers.map((res) => res.status)).to.deep.equal([303, 303]);
      expect(fixture.codes.saved).to.have.length(2);
    });
  });
}

/**
 * express-session's MemoryStore that can hold session reads until `count` of them
 * wait, then answers them together: the parallel requests of a race then all load
 * the session before any of them saves it, as they do with a networked store.
 */
class GatedMemoryStore extends session.MemoryStore {
  #held: (() => void)[] | undefined;
  #count = 0;

  /** Holds the next session reads until `count` of them wait. */
  hold(count: number): void {
    this.#held = [];
    this.#count = count;
  }

  override get(
    sid: string,
    callback: (err: unknown, session?: session.SessionData | null) => void,
  ): void {
    const held = this.#held;
    if (held === undefined) {
      super.get(sid, callback);
      return;
    }
    held.push(() => super.get(sid, callback));
    if (held.length < this.#count) return;
    this.#held = undefined;
    for (const read of held) read();
  }
}

/** Before a race of `count` requests: hold the session reads when the store can. */
function gate(options: AuthorizeAppOptions, count: number): void {
  if (options.sessionStore instanceof GatedMemoryStore) options.sessionStore.hold(count);
}

describeRaces('memory sessions, memory stores', () => ({ sessionStore: new GatedMemoryStore() }));

describe('authorize(): the single-use marker cannot be written', () => {
  it('a store that is down when the answer is claimed → 503 page, nothing issued', async () => {
    class DownOnAddOnce extends MemoryRecordStore {
      override addOnce(): Promise<boolean> {
        return Promise.reject(new StoreUnavailableError('redis: ECONNREFUSED'));
      }
    }
    const fixture = authorizeApp({ records: (clock) => new DownOnAddOnce({ clock }) });
    const alice = await signedIn(fixture.app);
    const { form } = await consentPage(alice, spaParams());
    expectErrorPage(
      await decide(alice, { ...form, decision: 'allow' }),
      'temporarily_unavailable',
      503,
    );
    expect(fixture.codes.saved).to.have.length(0);
  });
});

describe('on Redis', () => {
  const prefix = `oauth2-test:race:${randomUUID()}:`;
  let redis: Redis | undefined;

  before(async function () {
    await requireRedis(this);
    redis = await connectRedis();
  });

  after(async () => {
    if (redis === undefined) return;
    await deleteKeys(redis, `${prefix}*`);
    redis.disconnect();
  });

  describeRaces('connect-redis sessions, Redis record store', () => ({
    sessionStore: new RedisStore({ client: redis as Redis, prefix: `${prefix}sess:` }),
    records: (clock) =>
      new RedisRecordStore({ client: redis as Redis, prefix: `${prefix}oauth:`, clock }),
    // Shared stores want shared keys (else a start-up warning): a fixed HS256 secret.
    provider: { signingKeys: [{ secret: 'r'.repeat(32) }] },
  }));

  describe('afterwards', () => {
    it('the single-use markers are in Redis, one per answered transaction', async () => {
      const keys = await scanKeys(redis as Redis, `${prefix}oauth:*${ANSWER_KIND}*`);
      // 1 + 1 + 2 transactions answered by the three races above.
      expect(keys).to.have.length(4);
    });
  });
});

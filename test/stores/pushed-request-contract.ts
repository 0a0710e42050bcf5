/**
 * The contract of the pushed authorization request store
 * (lib/stores/pushed-requests.ts, RFC 9126) over any backend's record store: a
 * request is found by its `request_uri` until its TTL ends, taken once, and of
 * parallel takes over two connections exactly one wins. Registered by
 * test/stores/contract.ts for every backend.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { PushedRequestStore, PUSHED_REQUEST_KIND } from '../../lib/stores/pushed-requests.js';
import type { RecordStore } from '../../lib/stores/records.js';

export interface PushedRequestContract {
  /** The record store of this test's stores, if the backend gives one. */
  records(): RecordStore | undefined;
  /** A second connection to the same backend (or the same store when there is none). */
  second(): Promise<RecordStore | undefined>;
  /** Moves the stores' clock forward. */
  advance(seconds: number): void;
  itMovingTime: Mocha.TestFunction;
  parallelism: number;
}

const requestUri = () =>
  `urn:ietf:params:oauth:request_uri:${randomBytes(32).toString('base64url')}`;

const record = () => ({
  clientId: 'web',
  request: {
    clientId: 'web',
    responseType: 'code',
    redirectUri: 'https://app.example/cb?x=1',
    redirectUriSent: true,
    responseMode: 'query',
    scope: ['profile', 'read'],
    resources: ['https://api.example.test/'],
    state: 'Zoë ✓ "quoted" <b>',
    codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    codeChallengeMethod: 'S256',
  },
});

export function describePushedRequestContract(contract: PushedRequestContract): void {
  describe('PushedRequestStore (par)', () => {
    let store: PushedRequestStore;
    let records: RecordStore;
    beforeEach(function () {
      const found = contract.records();
      if (found === undefined) this.skip();
      records = found;
      store = new PushedRequestStore(records);
    });

    it('find() returns what save() kept, without taking it; take() returns it once', async () => {
      const uri = requestUri();
      const saved = record();
      await store.save(uri, saved, 60);
      expect(await store.find(uri)).to.deep.equal(saved);
      expect(await store.find(uri)).to.deep.equal(saved);
      expect(await store.take(uri)).to.deep.equal(saved);
      expect(await store.take(uri)).to.equal(undefined);
      expect(await store.find(uri), 'a used one is never found again').to.equal(undefined);
    });

    it('an unknown request_uri is undefined', async () => {
      expect(await store.find(requestUri())).to.equal(undefined);
      expect(await store.take(requestUri())).to.equal(undefined);
    });

    it('the request_uri never reaches the store: the record id is its SHA-256', async () => {
      const uri = requestUri();
      await store.save(uri, record(), 60);
      expect(await records.get(PUSHED_REQUEST_KIND, uri)).to.equal(undefined);
    });

    contract.itMovingTime('expires after its TTL, not before', async () => {
      const uri = requestUri();
      await store.save(uri, record(), 60);
      contract.advance(59);
      expect(await store.find(uri)).to.not.equal(undefined);
      contract.advance(1);
      expect(await store.find(uri)).to.equal(undefined);
      expect(await store.take(uri)).to.equal(undefined);
    });

    it(`of ${contract.parallelism} parallel takes over two connections, exactly one wins`, async () => {
      const other = new PushedRequestStore(
        (await contract.second()) ?? (contract.records() as RecordStore),
      );
      const uri = requestUri();
      await store.save(uri, record(), 60);
      const results = await Promise.all(
        Array.from({ length: contract.parallelism }, (_, i) =>
          (i % 2 === 0 ? store : other).take(uri),
        ),
      );
      expect(results.filter((r) => r !== undefined)).to.have.length(1);
    });
  });
}

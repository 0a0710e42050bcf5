/**
 * Unknown option keys (lib/helpers/option-keys.ts): the helper itself, and every
 * options object outside the provider's (the provider's and the clients' are in
 * options.test.ts): authorize(), router(), the form endpoints, and every store
 * factory. A misspelled key used to be ignored at run time; now it is a TypeError
 * naming the key and the nearest known one, before anything else is checked (so
 * the stores need no server here).
 */
import { expect } from 'chai';
import { fetchHandler, memoryStores, MemoryRecordStore } from '../index.js';
import { checkOptionKeys, nearestKey, optionKeys } from '../lib/helpers/option-keys.js';
import { dynamoStores } from '../lib/stores/dynamodb.js';
import { memcacheStores } from '../lib/stores/memcache.js';
import { mongoStores } from '../lib/stores/mongodb.js';
import { redisStores } from '../lib/stores/redis.js';
import { createSchema, migrateSchema, sqlStores } from '../lib/stores/sql/index.js';
import { testApp } from './support/fixtures.js';

describe('option keys: the helper', () => {
  interface Example {
    loginUrl?: string;
    grantTypes?: string[];
    realm?: string;
  }
  const KEYS = optionKeys<Example>({ loginUrl: true, grantTypes: true, realm: true });

  it('accepts every listed key, whatever its value, and ignores what is not a plain object', () => {
    expect(() =>
      checkOptionKeys({ loginUrl: undefined, grantTypes: [], realm: 'x' }, KEYS, 'x'),
    ).not.to.throw();
    for (const value of [undefined, null, 'scope', 42, ['a']]) {
      expect(() => checkOptionKeys(value, KEYS, 'x'), String(value)).not.to.throw();
    }
  });

  it('names the nearest key: case, "_" and "-" do not count, a swap is one edit', () => {
    expect(nearestKey('loginURL', KEYS)).to.equal('loginUrl');
    expect(nearestKey('grant_types', KEYS)).to.equal('grantTypes');
    expect(nearestKey('GRANT-TYPES', KEYS)).to.equal('grantTypes');
    expect(nearestKey('relam', KEYS)).to.equal('realm');
    expect(nearestKey('grantType', KEYS)).to.equal('grantTypes');
    expect(nearestKey('colour', KEYS)).to.equal(undefined);
    expect(nearestKey('r', KEYS)).to.equal(undefined);
    expect(nearestKey('customLoginUrl', KEYS)).to.equal('loginUrl');
    expect(nearestKey('log', KEYS)).to.equal(undefined);
  });

  it('the message names where, the key, and the nearest key or every known key', () => {
    expect(() => checkOptionKeys({ loginURL: '/login' }, KEYS, 'authorize(): options')).to.throw(
      TypeError,
      'authorize(): options has an unknown key "loginURL"; did you mean "loginUrl"?',
    );
    expect(() => checkOptionKeys({ colour: 'red' }, KEYS, 'x')).to.throw(
      TypeError,
      'x has an unknown key "colour"; the known keys are loginUrl, grantTypes, realm',
    );
  });
});

describe('option keys: the Express factories', () => {
  const { oauth } = testApp();

  it('authorize({ loginURL }) → did you mean loginUrl (the option was ignored and users were never sent to log in)', () => {
    expect(() => oauth.authorize({ loginURL: '/login' } as never)).to.throw(
      TypeError,
      'authorize(): options has an unknown key "loginURL"; did you mean "loginUrl"?',
    );
    expect(() => oauth.authorize({ view: '/views' } as never)).to.throw(
      TypeError,
      /did you mean "views"/,
    );
    expect(() => oauth.authorize({ loginUrl: '/login', transactionLifetime: 60 })).not.to.throw();
  });

  it('router() checks its own keys and those of its authorize options', () => {
    expect(() => oauth.router({ authorise: { loginUrl: '/login' } } as never)).to.throw(
      TypeError,
      'router(): options has an unknown key "authorise"; did you mean "authorize"?',
    );
    expect(() => oauth.router({ authorize: { loginURL: '/login' } } as never)).to.throw(
      TypeError,
      'authorize(): options has an unknown key "loginURL"; did you mean "loginUrl"?',
    );
    expect(() => oauth.router({ bodyLimit: 1024, authorize: false })).not.to.throw();
  });

  it('token(), revoke(), introspect() and endpoint(name) check theirs', () => {
    const message = (name: string) =>
      `${name} endpoint: options has an unknown key "bodylimit"; did you mean "bodyLimit"?`;
    expect(() => oauth.token({ bodylimit: 10 } as never)).to.throw(TypeError, message('token'));
    expect(() => oauth.revoke({ bodylimit: 10 } as never)).to.throw(
      TypeError,
      message('revocation'),
    );
    expect(() => oauth.introspect({ bodylimit: 10 } as never)).to.throw(
      TypeError,
      message('introspection'),
    );
    expect(() => oauth.endpoint('token', { bodylimit: 10 } as never)).to.throw(
      TypeError,
      message('token'),
    );
  });

  it('fetchHandler() checks the same keys', () => {
    expect(() => fetchHandler(oauth.provider, { bodyTimout: 5 } as never)).to.throw(
      TypeError,
      'fetchHandler(): options has an unknown key "bodyTimout"; did you mean "bodyTimeout"?',
    );
    expect(() => fetchHandler(oauth.provider, { bodyLimit: 1024, bodyTimeout: 5 })).not.to.throw();
  });
});

describe('option keys: every store factory', () => {
  // The key check runs first: no driver or server is needed to see it.
  const placeholder = {} as never;
  const cases: [string, () => unknown, string][] = [
    [
      'memoryStores',
      () => memoryStores({ sweepIntervall: 5 } as never),
      'memory store: options has an unknown key "sweepIntervall"; did you mean "sweepInterval"?',
    ],
    [
      'new MemoryRecordStore',
      () => new MemoryRecordStore({ clok: Date.now } as never),
      'memory store: options has an unknown key "clok"; did you mean "clock"?',
    ],
    [
      'redisStores',
      () => redisStores({ client: placeholder, keyPrefix: 'app:' } as never),
      'Redis store: options has an unknown key "keyPrefix"; did you mean "prefix"?',
    ],
    [
      'sqlStores',
      () => sqlStores({ dialect: 'mysql', client: placeholder, tablePrefix: 'x_' } as never),
      'oauth2-stateless: SQL stores: options has an unknown key "tablePrefix"; did you mean "prefix"?',
    ],
    [
      'createSchema',
      () => createSchema({ dialect: 'postgres', client: placeholder, prefx: 'x_' } as never),
      'oauth2-stateless: createSchema(): options has an unknown key "prefx"; did you mean "prefix"?',
    ],
    [
      'migrateSchema',
      () => migrateSchema({ dialect: 'mysql', client: placeholder, dialekt: 'x' } as never),
      'oauth2-stateless: migrateSchema(): options has an unknown key "dialekt"; did you mean "dialect"?',
    ],
    [
      'memcacheStores',
      () => memcacheStores({ client: placeholder, prefixx: 'a:' } as never),
      'memcache store: options has an unknown key "prefixx"; did you mean "prefix"?',
    ],
    [
      'dynamoStores',
      () => dynamoStores({ client: placeholder, table: 'oauth2' } as never),
      'DynamoDB store: options has an unknown key "table"; did you mean "tableName"?',
    ],
    [
      'dynamoStores, with a key nothing is near',
      () => dynamoStores({ client: placeholder, region: 'eu-west-1' } as never),
      'DynamoDB store: options has an unknown key "region"; the known keys are client, tableName, prefix, clock',
    ],
    [
      'mongoStores',
      () => mongoStores({ db: placeholder, collection: 'x' } as never),
      'MongoDB store: options has an unknown key "collection"; did you mean "collectionName"?',
    ],
  ];
  for (const [name, make, message] of cases) {
    it(`${name}: ${message}`, async () => {
      let thrown: unknown;
      try {
        await make();
      } catch (err) {
        thrown = err;
      }
      expect(thrown).to.be.instanceOf(TypeError);
      expect((thrown as Error).message).to.equal(message);
    });
  }
});

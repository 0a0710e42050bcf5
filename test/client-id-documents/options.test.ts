/**
 * The provider's `clientIdMetadataDocuments` option
 * (lib/client-id-documents/options.ts): off by default, defaults, and a
 * TypeError naming the option for each bad value.
 */
import { expect } from 'chai';
import { Provider } from '../../index.js';
import { resolveClientIdDocumentOptions } from '../../lib/client-id-documents/options.js';

const ISSUER = 'https://auth.example.test';

describe('client id documents: options', () => {
  it('are off by default and with false', () => {
    expect(resolveClientIdDocumentOptions(undefined)).to.equal(undefined);
    expect(resolveClientIdDocumentOptions(false)).to.equal(undefined);
    expect(new Provider({ issuer: ISSUER }).config.clientIdMetadataDocuments).to.equal(undefined);
  });

  it('true gives the documented defaults, private addresses refused', () => {
    expect(resolveClientIdDocumentOptions(true)).to.deep.equal({
      allowPrivateAddresses: false,
      timeout: 5,
      maxBytes: 5120,
      maxConcurrentFetches: 10,
      ca: undefined,
      cache: { minAge: 60, maxAge: 86400, defaultAge: 300, failureAge: 30, size: 1000 },
    });
  });

  it('takes every option, frozen', () => {
    const resolved = resolveClientIdDocumentOptions({
      allowPrivateAddresses: true,
      timeout: 0.5,
      maxBytes: 2048,
      maxConcurrentFetches: 2,
      ca: '-----BEGIN CERTIFICATE-----\n...',
      cache: { minAge: 0, maxAge: 600, defaultAge: 120, failureAge: 0, size: 5 },
    });
    expect(resolved).to.deep.equal({
      allowPrivateAddresses: true,
      timeout: 0.5,
      maxBytes: 2048,
      maxConcurrentFetches: 2,
      ca: ['-----BEGIN CERTIFICATE-----\n...'],
      cache: { minAge: 0, maxAge: 600, defaultAge: 120, failureAge: 0, size: 5 },
    });
    expect(Object.isFrozen(resolved)).to.equal(true);
    expect(Object.isFrozen(resolved?.cache)).to.equal(true);
  });

  it('the default age stays within the bounds given', () => {
    const low = resolveClientIdDocumentOptions({ cache: { maxAge: 100 } });
    expect(low?.cache.defaultAge).to.equal(100);
    const high = resolveClientIdDocumentOptions({ cache: { minAge: 900 } });
    expect(high?.cache.defaultAge).to.equal(900);
  });

  const bad: readonly (readonly [unknown, string])[] = [
    ['yes', 'options.clientIdMetadataDocuments must be a boolean or an options object'],
    [[], 'options.clientIdMetadataDocuments must be a boolean or an options object'],
    [
      { allowPrivateAdresses: true },
      'options.clientIdMetadataDocuments has an unknown key "allowPrivateAdresses"; did you mean "allowPrivateAddresses"?',
    ],
    [
      { cache: { maxage: 5 } },
      'options.clientIdMetadataDocuments.cache has an unknown key "maxage"; did you mean "maxAge"?',
    ],
    [
      { allowPrivateAddresses: 'true' },
      'options.clientIdMetadataDocuments.allowPrivateAddresses must be a boolean',
    ],
    [{ timeout: 0 }, 'options.clientIdMetadataDocuments.timeout must be more than 0'],
    [{ timeout: -1 }, 'options.clientIdMetadataDocuments.timeout must be a number >= 0'],
    [{ timeout: '5' }, 'options.clientIdMetadataDocuments.timeout must be a number >= 0'],
    [{ maxBytes: 1.5 }, 'options.clientIdMetadataDocuments.maxBytes must be a whole number'],
    [{ maxBytes: Infinity }, 'options.clientIdMetadataDocuments.maxBytes must be a number >= 0'],
    [
      { maxConcurrentFetches: 0 },
      'options.clientIdMetadataDocuments.maxConcurrentFetches must be more than 0',
    ],
    [
      { ca: 5 },
      'options.clientIdMetadataDocuments.ca must be a PEM certificate or an array of them',
    ],
    [
      { ca: ['not a pem'] },
      'options.clientIdMetadataDocuments.ca must be a PEM certificate or an array of them',
    ],
    [{ cache: 5 }, 'options.clientIdMetadataDocuments.cache must be an object'],
    [{ cache: { size: 0 } }, 'options.clientIdMetadataDocuments.cache.size must be more than 0'],
    [
      { cache: { minAge: 600, maxAge: 60 } },
      'options.clientIdMetadataDocuments.cache needs minAge <= defaultAge <= maxAge',
    ],
    [
      { cache: { defaultAge: 10 } },
      'options.clientIdMetadataDocuments.cache needs minAge <= defaultAge <= maxAge',
    ],
  ];
  for (const [value, message] of bad) {
    it(`refuses ${JSON.stringify(value)}`, () => {
      const options = { issuer: ISSUER, clientIdMetadataDocuments: value } as never;
      expect(() => new Provider(options)).to.throw(TypeError, message);
    });
  }

  it('a misspelled option name is refused at the top level too', () => {
    const options = { issuer: ISSUER, clientIdMetadataDocument: true } as never;
    expect(() => new Provider(options)).to.throw(
      TypeError,
      'options has an unknown key "clientIdMetadataDocument"; did you mean "clientIdMetadataDocuments"?',
    );
  });
});

/**
 * Pairwise subjects, the configuration side: `options.openid.pairwiseKey`
 * (lib/endpoints/openid/pairwise-key.ts), discovery's `subject_types_supported`,
 * and the OpenID Connect fields of configured clients
 * (lib/helpers/client-openid-fields.ts), each checked when the server is built.
 */
import { createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { defineClient, Provider, type ClientConfig, type ProviderOptions } from '../../index.js';
import { authorizeApp, ISSUER } from '../support/authorize-app.js';

const KEY = 'k'.repeat(32);
const KEY_PROBLEM =
  "options.openid.pairwiseKey must be a secret of at least 32 bytes: a string, a Buffer or Uint8Array, or a secret KeyObject (e.g. crypto.randomBytes(32).toString('base64url') kept in your secrets)";

function build(
  openid: Partial<NonNullable<ProviderOptions['openid']>> | undefined,
  clients: ClientConfig[] = [],
  extra: Partial<ProviderOptions> = {},
): Provider {
  return new Provider({
    issuer: ISSUER,
    clients,
    ...(openid === undefined ? {} : { openid: { claims: () => ({}), ...openid } }),
    ...extra,
  });
}

const pub = (extra: Partial<ClientConfig>): ClientConfig => ({
  id: 'rp',
  tokenEndpointAuthMethods: ['none'],
  redirectUris: ['https://a.example/cb'],
  ...extra,
});

describe('OpenID Connect: options.openid.pairwiseKey', () => {
  for (const [name, value] of [
    ['a string of 32 bytes', KEY],
    ['a string of 16 characters and 32 UTF-8 bytes', 'й'.repeat(16)],
    ['a Buffer', randomBytes(32)],
    ['a Uint8Array', new Uint8Array(40).fill(7)],
    ['a secret KeyObject', createSecretKey(randomBytes(32))],
  ] as const) {
    it(`accepts ${name}, kept as a secret KeyObject`, () => {
      const key = build({ pairwiseKey: value }).config.openid?.pairwiseKey;
      expect(key?.type).to.equal('secret');
    });
  }

  for (const [name, value] of [
    ['a string of 31 bytes', 'k'.repeat(31)],
    ['a string of 20 characters and 31 UTF-8 bytes', 'й'.repeat(11) + 'k'.repeat(9)],
    ['an empty string', ''],
    ['a Buffer of 16 bytes', randomBytes(16)],
    ['a number', 12345678901234567890],
    ['null', null],
    ['an object', { key: KEY }],
    ['a public KeyObject', generateKeyPairSync('ed25519').publicKey],
    ['a short secret KeyObject', createSecretKey(randomBytes(16))],
  ] as const) {
    it(`refuses ${name} with a TypeError naming the option`, () => {
      expect(() => build({ pairwiseKey: value as never }))
        .to.throw(TypeError)
        .with.property('message', KEY_PROBLEM);
    });
  }

  it('a misspelled key is refused with the nearest known one', () => {
    expect(() => build({ pairwiseKeys: KEY } as never)).to.throw(
      TypeError,
      'options.openid has an unknown key "pairwiseKeys"; did you mean "pairwiseKey"?',
    );
  });

  it('copies the bytes: changing the caller’s buffer later changes nothing', () => {
    const bytes = Buffer.alloc(32, 1);
    const key = build({ pairwiseKey: bytes }).config.openid?.pairwiseKey;
    bytes.fill(2);
    expect(key?.export().equals(Buffer.alloc(32, 1))).to.equal(true);
  });

  it('never shows the key in JSON', () => {
    const openid = build({ pairwiseKey: KEY }).config.openid;
    expect(JSON.stringify(openid)).not.to.contain(KEY);
  });
});

describe('OpenID Connect: subject_types_supported (Discovery 1.0 3)', () => {
  it("is ['public'] without a pairwise key", async () => {
    const fixture = authorizeApp({ provider: { openid: { claims: () => ({}) } } });
    const res = await request(fixture.app).get('/.well-known/openid-configuration');
    expect(res.body.subject_types_supported).to.deep.equal(['public']);
  });

  it("is ['public', 'pairwise'] with one", async () => {
    const fixture = authorizeApp({
      provider: { openid: { claims: () => ({}), pairwiseKey: KEY } },
    });
    const res = await request(fixture.app).get('/.well-known/openid-configuration');
    expect(res.body.subject_types_supported).to.deep.equal(['public', 'pairwise']);
  });
});

describe('OpenID Connect: configured clients', () => {
  it('a pairwise client without the pairwise key is a TypeError naming options.openid.pairwiseKey', () => {
    const expected =
      'client "rp": subjectType "pairwise" needs a pairwise key: set options.openid.pairwiseKey (a secret of at least 32 bytes)';
    expect(() => build({}, [pub({ subjectType: 'pairwise' })])).to.throw(TypeError, expected);
    // OpenID Connect off: no key either.
    expect(() => build(undefined, [pub({ subjectType: 'pairwise' })])).to.throw(
      TypeError,
      expected,
    );
  });

  it('a pairwise client with redirect URIs on two hosts is a TypeError (one sector per client)', () => {
    const config = pub({
      subjectType: 'pairwise',
      redirectUris: ['https://a.example/cb', 'https://b.example/cb'],
    });
    expect(() => defineClient(config)).to.throw(
      TypeError,
      'client "rp": subjectType "pairwise" needs every redirect URI on one host, the sector of its subjects (OpenID Connect Core 8.1); these are on a.example, b.example',
    );
  });

  it('a pairwise client with several paths on one host is fine, and so is a public one on two hosts', () => {
    const provider = build({ pairwiseKey: KEY }, [
      pub({
        subjectType: 'pairwise',
        redirectUris: ['https://a.example/cb', 'https://a.example/other?x=1'],
      }),
      pub({ id: 'two', redirectUris: ['https://a.example/cb', 'https://b.example/cb'] }),
    ]);
    expect(provider.config.configuredClients.get('rp')?.subjectType).to.equal('pairwise');
  });

  for (const [field, value, text] of [
    ['subjectType', 'private', 'subjectType must be "public" or "pairwise"'],
    ['subjectType', '__proto__', 'subjectType must be "public" or "pairwise"'],
    ['defaultMaxAge', -1, 'defaultMaxAge must be a whole number of seconds from 0 to 9999999999'],
    ['defaultMaxAge', 1.5, 'defaultMaxAge must be a whole number of seconds from 0 to 9999999999'],
    [
      'defaultMaxAge',
      10_000_000_000,
      'defaultMaxAge must be a whole number of seconds from 0 to 9999999999',
    ],
    ['defaultMaxAge', '60', 'defaultMaxAge must be a whole number of seconds from 0 to 9999999999'],
    ['requireAuthTime', 'yes', 'requireAuthTime must be a boolean'],
    ['idTokenSignedResponseAlg', '', 'idTokenSignedResponseAlg must be a non-empty string'],
    ['initiateLoginUri', 'http://a.example/login', 'initiateLoginUri must be an https URL'],
    ['initiateLoginUri', 'javascript:alert(1)', 'initiateLoginUri must be an https URL'],
  ] as const) {
    it(`${field}: ${JSON.stringify(value)} is a TypeError`, () => {
      expect(() => defineClient(pub({ [field]: value }))).to.throw(
        TypeError,
        `client "rp": ${text}`,
      );
    });
  }

  it('keeps the fields it accepts; requireAuthTime only when true', () => {
    const client = defineClient(
      pub({
        subjectType: 'public',
        defaultMaxAge: 0,
        requireAuthTime: false,
        idTokenSignedResponseAlg: 'ES256',
        initiateLoginUri: 'https://a.example/login',
      }),
    );
    expect(client).to.deep.include({
      subjectType: 'public',
      defaultMaxAge: 0,
      idTokenSignedResponseAlg: 'ES256',
      initiateLoginUri: 'https://a.example/login',
    });
    expect(client.requireAuthTime).to.equal(undefined);
    expect(defineClient(pub({ requireAuthTime: true })).requireAuthTime).to.equal(true);
  });

  it('idTokenSignedResponseAlg other than the active key’s algorithm is a TypeError at start-up', () => {
    expect(() => build({}, [pub({ idTokenSignedResponseAlg: 'RS256' })])).to.throw(
      TypeError,
      'client "rp": idTokenSignedResponseAlg is "RS256", but id_tokens are signed with the active key\'s ES256; remove it or make it "ES256"',
    );
    expect(() => build({}, [pub({ idTokenSignedResponseAlg: 'ES256' })])).not.to.throw();
  });

  it('a misspelled field is refused with the nearest known one', () => {
    expect(() => defineClient(pub({ subject_type: 'pairwise' } as never))).to.throw(
      TypeError,
      'client "rp" has an unknown key "subject_type"; did you mean "subjectType"?',
    );
  });
});

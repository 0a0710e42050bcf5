/**
 * Clients of the JWT methods as configuration (`defineClient`): `jwks` xor
 * `jwksUri` for `private_key_jwt`, a `jwtSecret` of at least 32 bytes for
 * `client_secret_jwt`, no client secret needed; and the client store, which
 * keeps `jwks`/`jwks_uri` and refuses a client with a readable secret.
 */
import { expect } from 'chai';
import { defineClient, type ClientConfig } from '../../index.js';
import { MemoryRecordStore } from '../../lib/stores/memory.js';
import { recordStores } from '../../lib/stores/typed-stores.js';
import { clientFromDocument, type MetadataCheck } from '../../lib/client-id-documents/documents.js';
import { checkClientMetadata } from '../../lib/helpers/client-metadata.js';
import { clientMetadataRules } from '../../lib/helpers/client-metadata-rules.js';
import { HMAC_SECRET, keyPair } from './jwt-support.js';

const base = { id: 'c', grantTypes: ['client_credentials'] } as const;

describe('JWT clients as configuration', () => {
  it('a private_key_jwt client needs no secret; its jwks is copied and frozen', async () => {
    const key = (await keyPair('ES256', 'k')).publicJwk;
    const jwks = { keys: [key] };
    const client = defineClient({ ...base, tokenEndpointAuthMethods: ['private_key_jwt'], jwks });
    expect(client.secretHash).to.equal(undefined);
    expect(client.jwks).to.deep.equal(jwks);
    expect(client.jwks).not.to.equal(jwks);
    expect(Object.isFrozen(client.jwks?.keys[0])).to.equal(true);
  });

  it('a client_secret_jwt secret is a KeyObject, never in JSON', () => {
    const client = defineClient({
      ...base,
      tokenEndpointAuthMethods: ['client_secret_jwt'],
      jwtSecret: HMAC_SECRET,
    });
    expect(client.jwtSecret?.type).to.equal('secret');
    expect(JSON.stringify(client)).not.to.include(HMAC_SECRET);
  });

  const refusals: [string, Partial<ClientConfig>, RegExp][] = [
    [
      'private_key_jwt without keys',
      { tokenEndpointAuthMethods: ['private_key_jwt'] },
      /client "c": jwks or jwksUri is required for private_key_jwt/,
    ],
    [
      'both jwks and jwksUri',
      {
        tokenEndpointAuthMethods: ['private_key_jwt'],
        jwks: { keys: [] },
        jwksUri: 'https://x.example/j',
      },
      /client "c": jwks and jwksUri are exclusive/,
    ],
    [
      'a private key in jwks',
      {
        tokenEndpointAuthMethods: ['private_key_jwt'],
        jwks: { keys: [{ kty: 'oct', k: 'AAAA' }] },
      },
      /client "c": jwks has a private or symmetric key \(member 'k'\)/,
    ],
    [
      'an http jwksUri',
      { tokenEndpointAuthMethods: ['private_key_jwt'], jwksUri: 'http://x.example/j' },
      /client "c": jwksUri must be an https URL/,
    ],
    [
      'client_secret_jwt without jwtSecret',
      { tokenEndpointAuthMethods: ['client_secret_jwt'] },
      /client "c": jwtSecret is required for client_secret_jwt/,
    ],
    [
      'a jwtSecret of 31 bytes',
      { tokenEndpointAuthMethods: ['client_secret_jwt'], jwtSecret: 'x'.repeat(31) },
      /client "c": jwtSecret must be a string of at least 32 bytes/,
    ],
    [
      'a jwtSecret without client_secret_jwt',
      { secret: 's', jwtSecret: HMAC_SECRET },
      /client "c": jwtSecret is only for client_secret_jwt/,
    ],
    [
      'client_secret_basic beside private_key_jwt without a secret',
      {
        tokenEndpointAuthMethods: ['private_key_jwt', 'client_secret_basic'],
        jwksUri: 'https://x.example/j',
      },
      /client "c": secret is required for a confidential client/,
    ],
  ];
  for (const [title, config, message] of refusals) {
    it(`refuses ${title} (TypeError)`, () => {
      expect(() => defineClient({ ...base, ...config } as ClientConfig)).to.throw(
        TypeError,
        message,
      );
    });
  }
});

describe('JWT clients in the client store', () => {
  it('keeps jwks and jwks_uri, every field intact', async () => {
    const { clients } = recordStores(new MemoryRecordStore());
    const key = (await keyPair('ES256', 'k')).publicJwk;
    const a = defineClient({
      ...base,
      id: 'a',
      tokenEndpointAuthMethods: ['private_key_jwt'],
      jwks: { keys: [key] },
    });
    const b = defineClient({
      ...base,
      id: 'b',
      tokenEndpointAuthMethods: ['private_key_jwt'],
      jwksUri: 'https://b.example/jwks.json',
    });
    for (const client of [a, b]) {
      await clients?.save(client);
      expect(await clients?.find(client.id)).to.deep.equal(client);
    }
  });

  it('refuses to keep a client whose jwtSecret would be readable there (TypeError)', async () => {
    const { clients } = recordStores(new MemoryRecordStore());
    const client = defineClient({
      ...base,
      tokenEndpointAuthMethods: ['client_secret_jwt'],
      jwtSecret: HMAC_SECRET,
    });
    const error = await clients?.save(client).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).to.be.instanceOf(TypeError);
    expect((error as Error).message).to.include('cannot be kept in a client store');
  });
});

describe('JWT clients from Client ID Metadata Documents', () => {
  const url = 'https://client.example/meta.json';
  const check: MetadataCheck = (metadata, clientId) =>
    checkClientMetadata(
      metadata,
      clientMetadataRules({
        grantTypes: ['authorization_code', 'client_credentials'],
        responseTypes: ['code'],
        authMethods: ['none', 'private_key_jwt'],
        scopes: [],
      }),
      clientId,
    ).config;
  const document = {
    client_id: url,
    client_name: 'Doc',
    redirect_uris: ['https://client.example/cb'],
    token_endpoint_auth_method: 'private_key_jwt',
  };

  it('a document may say private_key_jwt with a jwks_uri', () => {
    const client = clientFromDocument(
      url,
      { ...document, jwks_uri: 'https://client.example/jwks' },
      check,
    );
    expect(client.tokenEndpointAuthMethods).to.deep.equal(['private_key_jwt']);
    expect(client.jwksUri).to.equal('https://client.example/jwks');
    expect(client.secretHash).to.equal(undefined);
  });

  it('never with an inline jwks, and never without keys', () => {
    expect(() => clientFromDocument(url, { ...document, jwks: { keys: [] } }, check)).to.throw(
      'private_key_jwt here needs jwks_uri, not jwks',
    );
    expect(() => clientFromDocument(url, document, check)).to.throw(
      'private_key_jwt needs jwks or jwks_uri',
    );
  });
});

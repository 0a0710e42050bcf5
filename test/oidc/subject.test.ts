/**
 * lib/endpoints/openid/subject.ts: the subject a client knows a user by
 * (OpenID Connect Core 8). A public client gets the local subject; a pairwise
 * one an HMAC of its sector and the subject; a pairwise client without the
 * server's key is a TypeError, never the local subject handed out.
 */
import { createHmac, createSecretKey } from 'node:crypto';
import { expect } from 'chai';
import {
  clientSubject,
  pairwiseSubject,
  sectorIdentifier,
} from '../../lib/endpoints/openid/subject.js';
import type { Client } from '../../index.js';

const KEY = createSecretKey(Buffer.from('subject-test-pairwise-key-0123456789abcdef'));

function client(fields: Partial<Client>): Client {
  return {
    id: 'rp',
    redirectUris: ['https://rp.example:8443/cb'],
    grantTypes: ['authorization_code'],
    responseTypes: ['code'],
    tokenEndpointAuthMethods: ['none'],
    ...fields,
  };
}

describe('openid subject.ts: public and pairwise subjects', () => {
  it('a public client (or one that says nothing) gets the local subject', () => {
    expect(clientSubject(client({}), 'user-1', KEY)).to.equal('user-1');
    expect(clientSubject(client({ subjectType: 'public' }), 'user-1', undefined)).to.equal(
      'user-1',
    );
  });

  it('the sector is the host (with port) of the redirect URIs, else the client id', () => {
    expect(sectorIdentifier(client({}))).to.equal('rp.example:8443');
    expect(sectorIdentifier(client({ redirectUris: [] }))).to.equal('rp');
  });

  it('a pairwise subject is base64url(HMAC-SHA256(key, sector NUL subject))', () => {
    const expected = createHmac('sha256', KEY)
      .update('rp.example:8443\u0000user-1')
      .digest('base64url');
    expect(pairwiseSubject(KEY, 'rp.example:8443', 'user-1')).to.equal(expected);
    const pairwise = client({ subjectType: 'pairwise' });
    expect(clientSubject(pairwise, 'user-1', KEY)).to.equal(expected);
    expect(clientSubject(pairwise, 'user-2', KEY)).to.not.equal(expected);
  });

  it('a pairwise client without the key is a TypeError naming the fix', () => {
    expect(() => clientSubject(client({ subjectType: 'pairwise' }), 'user-1', undefined)).to.throw(
      TypeError,
      'client rp is pairwise, but options.openid has no pairwiseKey',
    );
  });
});

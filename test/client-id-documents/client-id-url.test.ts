/**
 * Which client ids are Client ID Metadata Document URLs
 * (lib/client-id-documents/client-id-url.ts). The draft, "Client Identifier
 * URL": "Client identifier URLs MUST have an "https" scheme, MUST contain a path
 * component, MUST NOT contain single-dot or double-dot path segments, ... MUST
 * NOT contain a fragment component and MUST NOT contain a username or password."
 */
import { expect } from 'chai';
import {
  clientIdUrlProblem,
  isClientIdUrlCandidate,
} from '../../lib/client-id-documents/client-id-url.js';

describe('client id documents: the client id URL', () => {
  it('an id starting with https:// (any case) is a candidate; others are not', () => {
    expect(isClientIdUrlCandidate('https://app.example/client.json')).to.equal(true);
    expect(isClientIdUrlCandidate('HTTPS://app.example/client.json')).to.equal(true);
    expect(isClientIdUrlCandidate('http://app.example/client.json')).to.equal(false);
    expect(isClientIdUrlCandidate('spa')).to.equal(false);
    expect(isClientIdUrlCandidate('https:app.example/x')).to.equal(false);
  });

  const good = [
    'https://app.example/client.json',
    'https://app.example:8443/oauth/client-metadata.json',
    'https://app.example/c?v=2',
    'https://127.0.0.1:4443/client.json',
    'https://[::1]:4443/client.json',
    'https://app.example/a/b/',
  ];
  for (const id of good) {
    it(`${id} may be fetched`, () => {
      expect(clientIdUrlProblem(id)).to.equal(undefined);
    });
  }

  const bad: readonly (readonly [string, string])[] = [
    ['http://app.example/client.json', 'is not an https URL'],
    ['https://app.example', 'has no path'],
    ['https://app.example/', 'has no path'],
    ['https://app.example?x=1', 'has no path'],
    ['https://app.example/client.json#frag', 'has a fragment'],
    ['https://app.example/client.json#', 'has a fragment'],
    ['https://user@app.example/client.json', 'has a username or password'],
    ['https://user:pw@app.example/client.json', 'has a username or password'],
    ['https://:pw@app.example/client.json', 'has a username or password'],
    ['https://app.example/./client.json', 'has a dot segment in its path'],
    ['https://app.example/a/../client.json', 'has a dot segment in its path'],
    ['https://app.example/a/%2e%2E/client.json', 'has a dot segment in its path'],
    ['https://app.example/a/.%2e', 'has a dot segment in its path'],
    [
      'https://App.Example/client.json',
      'is not in canonical form (https://app.example/client.json)',
    ],
    [
      'HTTPS://app.example/client.json',
      'is not in canonical form (https://app.example/client.json)',
    ],
    [
      'https://app.example:443/client.json',
      'is not in canonical form (https://app.example/client.json)',
    ],
    ['https://app.example/a b', 'is not in canonical form (https://app.example/a%20b)'],
    ['https://bücher.example/c', 'is not in canonical form (https://xn--bcher-kva.example/c)'],
    ['https://', 'is not a URL'],
    ['https://[::1/c', 'is not a URL'],
    [`https://app.example/${'a'.repeat(2030)}`, 'is longer than 2048 characters'],
  ];
  for (const [id, problem] of bad) {
    it(`${id.slice(0, 60)} is refused: ${problem}`, () => {
      expect(clientIdUrlProblem(id)).to.equal(problem);
    });
  }
});

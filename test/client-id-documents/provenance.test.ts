/**
 * What the consent page says about a client's origin and where the user goes
 * (lib/endpoints/authorization/provenance.ts).
 */
import { expect } from 'chai';
import { defineClient } from '../../index.js';
import type { AuthorizationRequest } from '../../lib/endpoints/authorization/request.js';
import { consentProvenance } from '../../lib/endpoints/authorization/provenance.js';

function requestFor(
  id: string,
  redirectUri: string,
  source?: 'registration' | 'metadata-document',
): AuthorizationRequest {
  const client = defineClient({
    id,
    tokenEndpointAuthMethods: ['none'],
    redirectUris: [redirectUri],
    ...(source === undefined ? {} : { source }),
  });
  return { client, redirectUri } as unknown as AuthorizationRequest;
}

describe('client id documents: the consent page facts', () => {
  it('a configured client: no source, the redirect host with its port', () => {
    expect(consentProvenance(requestFor('spa', 'https://app.example:8443/cb'))).to.deep.equal({
      clientSource: undefined,
      documentHost: undefined,
      redirectHost: 'app.example:8443',
    });
  });

  it('a metadata-document client: the host of its document, IDNs in ASCII', () => {
    const request = requestFor(
      'https://xn--ggle-0nda.example/client.json',
      'https://bücher.example/cb',
      'metadata-document',
    );
    expect(consentProvenance(request)).to.deep.equal({
      clientSource: 'metadata-document',
      documentHost: 'xn--ggle-0nda.example',
      redirectHost: 'xn--bcher-kva.example',
    });
  });

  it('a registered native client: loopback with its port, or its private-use scheme', () => {
    expect(
      consentProvenance(requestFor('r1', 'http://127.0.0.1:33418/callback', 'registration')),
    ).to.deep.equal({
      clientSource: 'registration',
      documentHost: undefined,
      redirectHost: '127.0.0.1:33418',
    });
    expect(
      consentProvenance(requestFor('r2', 'com.example.app:/oauth', 'registration')),
    ).to.deep.equal({
      clientSource: 'registration',
      documentHost: undefined,
      redirectHost: 'com.example.app:',
    });
  });
});

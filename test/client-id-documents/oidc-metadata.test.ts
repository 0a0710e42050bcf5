/**
 * Client ID Metadata Documents are judged by the one client metadata validator,
 * OpenID Connect members included (lib/helpers/client-metadata-oidc.ts): with
 * `options.openid` on, a document's `subject_type`, `default_max_age` and
 * `post_logout_redirect_uris` are honoured, and a member asking for what the
 * server does not do makes the document refused (the client is unknown, the
 * reason logged); with OpenID Connect off they are ignored.
 */
import { expect } from 'chai';
import { Provider, type Logger, type ProviderOptions } from '../../index.js';
import { frozenClock } from '../support/fixtures.js';
import { documentServer, testCertificate, type DocumentServer } from './document-server.js';

const ISSUER = 'https://auth.example.test';
const CB = 'https://app.example/cb';
const BYE = 'https://app.example/bye';

describe('client id documents: OpenID Connect members', () => {
  let server: DocumentServer;
  let reasons: unknown[];
  let n = 0;
  before(async () => {
    server = await documentServer();
  });
  after(() => server.close());
  beforeEach(() => {
    reasons = [];
  });

  const logger: Logger = {
    debug: (obj) => void reasons.push((obj as { reason?: unknown }).reason),
    info: () => {},
    warn: () => {},
    error: () => {},
  };
  const provider = (extra: Partial<ProviderOptions> = {}) =>
    new Provider({
      issuer: ISSUER,
      clock: frozenClock(),
      logger,
      scopes: { available: ['profile'] },
      clientIdMetadataDocuments: {
        allowPrivateAddresses: true,
        ca: testCertificate().cert,
        timeout: 2,
      },
      openid: { claims: () => ({}), pairwiseKey: 'a-pairwise-key-for-document-clients' },
      ...extra,
    });
  /** A fresh document URL serving a client with `extra` members. */
  const serve = (extra: Record<string, unknown>): string => {
    n += 1;
    const url = server.url(`/oidc/${n}.json`);
    server.json(new URL(url).pathname, {
      client_id: url,
      client_name: 'Agent',
      redirect_uris: [CB],
      ...extra,
    });
    return url;
  };

  it('honours subject_type, default_max_age and post_logout_redirect_uris', async () => {
    const url = serve({
      subject_type: 'pairwise',
      default_max_age: 30,
      post_logout_redirect_uris: [BYE],
    });
    const client = await provider().stores.clients.find(url);
    expect(client).to.deep.include({
      id: url,
      source: 'metadata-document',
      subjectType: 'pairwise',
      defaultMaxAge: 30,
      postLogoutRedirectUris: [BYE],
    });
  });

  it('refuses a document asking for request_uris: an unknown client, the reason logged', async () => {
    const url = serve({ request_uris: ['https://app.example/request.jwt'] });
    expect(await provider().stores.clients.find(url)).to.equal(undefined);
    expect(reasons).to.deep.equal(['request_uris is not supported']);
  });

  it('refuses a javascript: post-logout URI the same way', async () => {
    const url = serve({ post_logout_redirect_uris: ['javascript:alert(1)'] });
    expect(await provider().stores.clients.find(url)).to.equal(undefined);
    expect(reasons).to.deep.equal([
      "post_logout_redirect_uris has 'javascript:alert(1)', whose scheme is not allowed",
    ]);
  });

  it('with OpenID Connect off the members are ignored', async () => {
    const url = serve({ subject_type: 'pairwise', request_uris: ['x'], default_max_age: 30 });
    const client = await provider({ openid: undefined }).stores.clients.find(url);
    expect(client?.id).to.equal(url);
    expect(client?.subjectType).to.equal(undefined);
    expect(client?.defaultMaxAge).to.equal(undefined);
  });
});

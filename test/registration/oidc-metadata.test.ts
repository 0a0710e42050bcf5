/**
 * The OpenID Connect client metadata at registration (OpenID Connect Dynamic
 * Client Registration 1.0 2, RP-Initiated Logout 1.0 3.1;
 * lib/helpers/client-metadata-oidc.ts): each member's good value stored, echoed
 * at registration, at the RFC 7592 read and after an update; each bad value's
 * exact error with nothing saved; the members ignored with OpenID Connect off;
 * and the abuse cases (`__proto__`, oversize lists, dangerous schemes, fragments,
 * a pairwise client on two hosts).
 */
import { expect } from 'chai';
import request from 'supertest';
import type { ProviderOptions } from '../../index.js';
import {
  expectError,
  ISSUER,
  MCP_CLIENT,
  pathOf,
  register,
  registrationApp,
  WEB_CB,
  WEB_CLIENT,
  type RegistrationApp,
} from './support.js';

const PAIRWISE_KEY = 'pairwise-key-of-the-registration-tests';
const BYE = 'https://app.example.test/bye';
const BYE_QUERY = 'https://app.example.test/bye?from=logout';
const LOGIN = 'https://app.example.test/login';

/** A registration app with OpenID Connect on (and a pairwise key unless `pairwise` is false). */
function oidcApp(pairwise = true, extra: Partial<ProviderOptions> = {}): RegistrationApp {
  return registrationApp({
    openid: { claims: () => ({}), ...(pairwise ? { pairwiseKey: PAIRWISE_KEY } : {}) },
    rateLimits: { registration: false },
    ...extra,
  });
}

/** Every OpenID Connect member with a good value. */
const OIDC_MEMBERS = Object.freeze({
  post_logout_redirect_uris: [BYE, BYE_QUERY],
  subject_type: 'pairwise',
  id_token_signed_response_alg: 'ES256',
  default_max_age: 3600,
  require_auth_time: true,
  initiate_login_uri: LOGIN,
});

/** The echo of a registration without secrets and server fields. */
function metadataOf(body: Record<string, unknown>): Record<string, unknown> {
  const {
    client_id: _id,
    client_secret: _secret,
    client_id_issued_at: _at,
    client_secret_expires_at: _exp,
    registration_access_token: _token,
    registration_client_uri: _uri,
    ...rest
  } = body;
  return rest;
}

const WEB_ECHO = {
  redirect_uris: [WEB_CB],
  token_endpoint_auth_method: 'client_secret_basic',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  application_type: 'web',
  client_name: 'Web app',
  scope: 'read profile',
};

describe('registration: OpenID Connect members, good values', () => {
  it('every member is echoed at registration, stored on the client, and echoed by the RFC 7592 read', async () => {
    const { app, oauth } = oidcApp();
    const res = await register(app, { ...WEB_CLIENT, ...OIDC_MEMBERS });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(metadataOf(res.body)).to.deep.equal({ ...WEB_ECHO, ...OIDC_MEMBERS });
    const client = await oauth.provider.stores.clients.find(res.body.client_id);
    expect(client).to.deep.include({
      postLogoutRedirectUris: [BYE, BYE_QUERY],
      subjectType: 'pairwise',
      idTokenSignedResponseAlg: 'ES256',
      defaultMaxAge: 3600,
      requireAuthTime: true,
      initiateLoginUri: LOGIN,
    });
    const read = await request(app)
      .get(pathOf(res.body.registration_client_uri))
      .set('Authorization', `Bearer ${res.body.registration_access_token}`);
    expect(read.status).to.equal(200);
    expect(metadataOf(read.body)).to.deep.equal({ ...WEB_ECHO, ...OIDC_MEMBERS });
  });

  it('an update (RFC 7592 2.2) replaces them: members left out are gone', async () => {
    const { app, oauth } = oidcApp();
    const res = await register(app, { ...WEB_CLIENT, ...OIDC_MEMBERS });
    const update = await request(app)
      .put(pathOf(res.body.registration_client_uri))
      .set('Content-Type', 'application/json')
      .set('Authorization', `Bearer ${res.body.registration_access_token}`)
      .send(
        JSON.stringify({ ...WEB_CLIENT, client_id: res.body.client_id, subject_type: 'public' }),
      );
    expect(update.status, JSON.stringify(update.body)).to.equal(200);
    expect(metadataOf(update.body)).to.deep.equal({ ...WEB_ECHO, subject_type: 'public' });
    const client = await oauth.provider.stores.clients.find(res.body.client_id);
    expect(client?.subjectType).to.equal('public');
    expect(client?.postLogoutRedirectUris).to.equal(undefined);
    expect(client?.defaultMaxAge).to.equal(undefined);
    expect(client?.requireAuthTime).to.equal(undefined);
  });

  it('a native client may have loopback and private-use post-logout URIs, by its redirect URI rules', async () => {
    const { app } = oidcApp();
    const uris = ['http://127.0.0.1:33418/bye', 'com.example.app:/bye'];
    const res = await register(app, { ...MCP_CLIENT, post_logout_redirect_uris: uris });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.post_logout_redirect_uris).to.deep.equal(uris);
  });

  it('require_auth_time false and default_max_age 0 are kept as meant (false is the default, 0 a value)', async () => {
    const { app } = oidcApp();
    const res = await register(app, {
      ...WEB_CLIENT,
      require_auth_time: false,
      default_max_age: 0,
    });
    expect(res.status).to.equal(201);
    expect(res.body).not.to.have.property('require_auth_time');
    expect(res.body.default_max_age).to.equal(0);
  });

  it('a member whose value is null counts as absent, unsupported ones included', async () => {
    const { app } = oidcApp();
    const res = await register(app, { ...WEB_CLIENT, request_uris: null, subject_type: null });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(metadataOf(res.body)).to.deep.equal(WEB_ECHO);
  });

  it('a pairwise client without redirect URIs (client_credentials) is accepted', async () => {
    const { app } = oidcApp();
    const res = await register(app, {
      grant_types: ['client_credentials'],
      response_types: [],
      subject_type: 'pairwise',
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.subject_type).to.equal('pairwise');
  });
});

describe('registration: OpenID Connect off, the members are unknown ones (RFC 7591 2)', () => {
  it('they are ignored, bad values and unsupported members included: not refused, not stored, not echoed', async () => {
    const { app, oauth } = registrationApp();
    const res = await register(app, {
      ...WEB_CLIENT,
      ...OIDC_MEMBERS,
      post_logout_redirect_uris: ['javascript:alert(1)'],
      id_token_signed_response_alg: 'none',
      request_uris: ['https://app.example.test/r'],
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(metadataOf(res.body)).to.deep.equal(WEB_ECHO);
    const client = await oauth.provider.stores.clients.find(res.body.client_id);
    for (const field of [
      'postLogoutRedirectUris',
      'subjectType',
      'idTokenSignedResponseAlg',
      'defaultMaxAge',
      'requireAuthTime',
      'initiateLoginUri',
    ])
      expect(client).not.to.have.property(field);
  });
});

interface Case {
  title: string;
  body: unknown;
  description: string;
  pairwise?: boolean;
}

const web = (members: Record<string, unknown>) => ({ ...WEB_CLIENT, ...members });
const SCHEME = (uri: string) =>
  `post_logout_redirect_uris has '${uri}', whose scheme is not allowed`;
const ALG =
  "id_token_signed_response_alg must be 'ES256', the algorithm this server signs id_tokens with";
const MAX_AGE = 'default_max_age must be a whole number of seconds from 0 to 9999999999';
const TWO_HOSTS =
  "subject_type 'pairwise' needs every redirect URI on one host (OpenID Connect Core 8.1); sector_identifier_uri is not supported";

const CASES: Case[] = [
  {
    title: 'post_logout_redirect_uris not an array',
    body: web({ post_logout_redirect_uris: BYE }),
    description: 'post_logout_redirect_uris must be an array of strings',
  },
  {
    title: 'a post-logout URI that is a number',
    body: web({ post_logout_redirect_uris: [5] }),
    description: 'post_logout_redirect_uris has a value that is not a URI string',
  },
  {
    title: 'a post-logout URI with a fragment',
    body: web({ post_logout_redirect_uris: [`${BYE}#top`] }),
    description: `post_logout_redirect_uris has '${BYE}#top', which has a fragment (RFC 6749 3.1.2)`,
  },
  {
    title: 'a javascript: post-logout URI',
    body: web({ post_logout_redirect_uris: ['javascript:alert(1)'] }),
    description: SCHEME('javascript:alert(1)'),
  },
  {
    title: 'a data: post-logout URI',
    body: web({ post_logout_redirect_uris: ['data:text/html,x'] }),
    description: SCHEME('data:text/html,x'),
  },
  {
    title: 'a JavaScript: post-logout URI in capitals',
    body: web({ post_logout_redirect_uris: ['JavaScript:alert(1)'] }),
    description: SCHEME('JavaScript:alert(1)'),
  },
  {
    title: 'an http post-logout URI for a web client',
    body: web({ post_logout_redirect_uris: ['http://app.example.test/bye'] }),
    description:
      "post_logout_redirect_uris has 'http://app.example.test/bye': a web client's redirect URIs must be https",
  },
  {
    title: 'an http post-logout URI off loopback for a native client',
    body: { ...MCP_CLIENT, post_logout_redirect_uris: ['http://evil.example/bye'] },
    description:
      "post_logout_redirect_uris has 'http://evil.example/bye': a native client's http redirect URIs must be on a loopback host (RFC 8252 7.3)",
  },
  {
    title: 'a relative post-logout URI',
    body: web({ post_logout_redirect_uris: ['/bye'] }),
    description: "post_logout_redirect_uris has '/bye', which is not an absolute URI",
  },
  {
    title: 'a post-logout URI with user information',
    body: web({ post_logout_redirect_uris: ['https://me:pw@app.example.test/'] }),
    description:
      "post_logout_redirect_uris has 'https://me:pw@app.example.test/', which has user information",
  },
  {
    title: 'a post-logout URI with a CRLF (header injection)',
    body: web({ post_logout_redirect_uris: [`${BYE}\r\nSet-Cookie: a=b`] }),
    description:
      "post_logout_redirect_uris has 'https://app.example.test/bye??Set-Cookie...', which has characters a URI cannot have",
  },
  {
    title: 'a post-logout URI over 2048 characters',
    body: web({ post_logout_redirect_uris: [`${BYE}?${'a'.repeat(2048)}`] }),
    description: 'post_logout_redirect_uris has a URI longer than 2048 characters',
  },
  {
    title: '21 post-logout URIs',
    body: web({
      post_logout_redirect_uris: Array.from({ length: 21 }, (_, i) => `${BYE}/${i}`),
    }),
    description: 'post_logout_redirect_uris may have at most 20 items',
  },
  {
    title: 'a huge post-logout list (3000 items)',
    body: web({ post_logout_redirect_uris: Array(3000).fill(1) }),
    description: 'post_logout_redirect_uris may have at most 20 items',
  },
  {
    title: 'a repeated post-logout URI',
    body: web({ post_logout_redirect_uris: [BYE, BYE] }),
    description: 'post_logout_redirect_uris must not repeat a URI',
  },
  {
    title: 'subject_type unknown',
    body: web({ subject_type: 'private' }),
    description: "subject_type must be 'public' or 'pairwise'",
  },
  {
    title: 'subject_type __proto__',
    body: web({ subject_type: '__proto__' }),
    description: "subject_type must be 'public' or 'pairwise'",
  },
  {
    title: 'subject_type as a list',
    body: web({ subject_type: ['pairwise'] }),
    description: "subject_type must be 'public' or 'pairwise'",
  },
  {
    title: 'subject_type pairwise without the server’s pairwise key',
    body: web({ subject_type: 'pairwise' }),
    description: "subject_type 'pairwise' is not offered by this server",
    pairwise: false,
  },
  {
    title: 'one pairwise client with redirect URIs on a.example and b.example',
    body: web({
      subject_type: 'pairwise',
      redirect_uris: ['https://a.example/cb', 'https://b.example/cb'],
    }),
    description: TWO_HOSTS,
  },
  {
    title: 'a pairwise client on one host name with two ports',
    body: web({
      subject_type: 'pairwise',
      redirect_uris: ['https://a.example/cb', 'https://a.example:8443/cb'],
    }),
    description: TWO_HOSTS,
  },
  {
    title: 'id_token_signed_response_alg none',
    body: web({ id_token_signed_response_alg: 'none' }),
    description: ALG,
  },
  {
    title: 'id_token_signed_response_alg RS256 (not the server’s)',
    body: web({ id_token_signed_response_alg: 'RS256' }),
    description: ALG,
  },
  {
    title: 'id_token_signed_response_alg HS256',
    body: web({ id_token_signed_response_alg: 'HS256' }),
    description: ALG,
  },
  {
    title: 'id_token_signed_response_alg in the wrong case',
    body: web({ id_token_signed_response_alg: 'es256' }),
    description: ALG,
  },
  { title: 'default_max_age negative', body: web({ default_max_age: -1 }), description: MAX_AGE },
  {
    title: 'default_max_age fractional',
    body: web({ default_max_age: 1.5 }),
    description: MAX_AGE,
  },
  {
    title: 'default_max_age a string',
    body: web({ default_max_age: '3600' }),
    description: MAX_AGE,
  },
  {
    title: 'default_max_age over 10 digits',
    body: web({ default_max_age: 1e10 }),
    description: MAX_AGE,
  },
  {
    title: 'require_auth_time a string',
    body: web({ require_auth_time: 'true' }),
    description: 'require_auth_time must be a boolean',
  },
  {
    title: 'an http initiate_login_uri',
    body: web({ initiate_login_uri: 'http://app.example.test/login' }),
    description: 'initiate_login_uri must be an https URI',
  },
  {
    title: 'a javascript: initiate_login_uri',
    body: web({ initiate_login_uri: 'javascript:alert(1)' }),
    description: 'initiate_login_uri must be an https URI',
  },
  {
    title: 'an initiate_login_uri with a fragment',
    body: web({ initiate_login_uri: `${LOGIN}#x` }),
    description: `initiate_login_uri has '${LOGIN}#x', which has a fragment (RFC 6749 3.1.2)`,
  },
  ...[
    'userinfo_signed_response_alg',
    'userinfo_encrypted_response_alg',
    'userinfo_encrypted_response_enc',
    'id_token_encrypted_response_alg',
    'id_token_encrypted_response_enc',
    'request_object_signing_alg',
    'request_object_encryption_alg',
    'request_object_encryption_enc',
    'request_uris',
    'sector_identifier_uri',
  ].map((member) => ({
    title: `${member} (not offered)`,
    body: web({
      [member]: member === 'request_uris' ? ['https://app.example.test/r'] : 'RS256',
    }),
    description: `${member} is not supported`,
  })),
];

describe('registration: every bad OpenID Connect member has its exact error, nothing saved', () => {
  const withKey = oidcApp(true);
  const withoutKey = oidcApp(false);
  let registered = 0;
  before(() => {
    for (const { oauth } of [withKey, withoutKey])
      oauth.provider.events.on('client.registered', () => {
        registered += 1;
      });
  });

  for (const c of CASES) {
    it(`refuses ${c.title}: 400 invalid_client_metadata`, async () => {
      const { app } = c.pairwise === false ? withoutKey : withKey;
      expectError(await register(app, c.body), 400, 'invalid_client_metadata', c.description);
    });
  }

  it('saved none of them (no partial registration)', async () => {
    await new Promise((resolve) => setImmediate(resolve));
    expect(registered).to.equal(0);
  });
});

describe('registration: OpenID Connect abuse', () => {
  it('a __proto__ member sets nothing: the client stays public, nothing is polluted', async () => {
    const { app, oauth } = oidcApp();
    const raw = `{"__proto__": {"subject_type": "pairwise", "require_auth_time": true, "post_logout_redirect_uris": ["javascript:alert(1)"]}, ${JSON.stringify(WEB_CLIENT).slice(1)}`;
    const res = await register(app, raw);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(metadataOf(res.body)).to.deep.equal(WEB_ECHO);
    const client = await oauth.provider.stores.clients.find(res.body.client_id);
    expect(client?.subjectType).to.equal(undefined);
    expect(client?.postLogoutRedirectUris).to.equal(undefined);
    expect(({} as Record<string, unknown>)['subject_type']).to.equal(undefined);
  });

  it('a client cannot bring another server’s algorithm by amending through the inspect hook either', async () => {
    const { app } = oidcApp(true, {
      registration: {
        policy: 'open',
        inspect: ({ metadata }) => ({ ...metadata, id_token_signed_response_alg: 'none' }),
      },
    });
    expectError(await register(app, WEB_CLIENT), 400, 'invalid_client_metadata', ALG);
  });

  it('the inspect hook is shown the OpenID Connect members as they would be registered', async () => {
    const seen: unknown[] = [];
    const { app } = oidcApp(true, {
      registration: { policy: 'open', inspect: ({ metadata }) => void seen.push(metadata) },
    });
    expect((await register(app, { ...WEB_CLIENT, ...OIDC_MEMBERS })).status).to.equal(201);
    expect(seen).to.deep.equal([{ ...WEB_ECHO, ...OIDC_MEMBERS }]);
  });

  it('the discovery document and registration agree on what pairwise needs', async () => {
    for (const [pairwise, types] of [
      [true, ['public', 'pairwise']],
      [false, ['public']],
    ] as const) {
      const { app } = oidcApp(pairwise);
      const res = await request(app).get('/.well-known/openid-configuration');
      expect(res.body.subject_types_supported).to.deep.equal(types);
      expect(res.body.registration_endpoint).to.equal(`${ISSUER}/register`);
    }
  });
});

/**
 * Resource indicators through Express (RFC 8707 2.1, 2.2): a repeated `resource`
 * in the authorization request's query survives the login round trip and the
 * consent page, and the code it yields is redeemed for one resource at a time.
 */
import { expect } from 'chai';
import request from 'supertest';
import {
  authorizeApp,
  authorizePath,
  CB,
  consentPage,
  decide,
  expectErrorRedirect,
  expectRedirect,
  redeem,
  signIn,
  spaParams,
} from '../support/authorize-app.js';
import { audOf, FILES, MCP, UNKNOWN } from './support.js';

const RESOURCES = [
  { resource: MCP, scopes: ['profile', 'read'] },
  { resource: FILES, scopes: ['write'] },
];

/** The spa's request for both resources, as query pairs (`resource` twice). */
function pairs(...resources: string[]): [string, string][] {
  return [
    ...Object.entries(spaParams({ scope: 'profile read write' })),
    ...resources.map((r): [string, string] => ['resource', r]),
  ];
}

describe('resource indicators over HTTP: authorize → login → consent → token', () => {
  it('keeps both resources through the login round trip and the consent page', async () => {
    const { app } = authorizeApp({ provider: { resources: RESOURCES } });
    const agent = request.agent(app);
    const first = await agent.get(authorizePath(pairs(MCP, FILES)));
    expect(first.status).to.equal(302);
    expect(first.headers['location']).to.equal('/login');
    const back = await signIn(agent);
    expect(new URL(back, 'https://x.test').searchParams.getAll('resource')).to.deep.equal([
      MCP,
      FILES,
    ]);
    const { form } = await consentPage(agent, [...new URL(back, 'https://x.test').searchParams]);
    const answer = await decide(agent, { ...form, decision: 'allow' });
    const code = expectRedirect(answer, CB, { status: 303 }).get('code') as string;

    // RFC 8707 2.2: "the resource parameter indicates the target service or resource
    // where the client intends to use the requested access token".
    const forMcp = await redeem(app, { code, resource: MCP });
    expect(forMcp.status, forMcp.text).to.equal(200);
    expect(audOf(forMcp.body.access_token)).to.equal(MCP);
    expect(forMcp.body.scope).to.equal('profile read');

    const forFiles = await request(app).post('/token').type('form').send({
      grant_type: 'refresh_token',
      client_id: 'spa',
      refresh_token: forMcp.body.refresh_token,
      resource: FILES,
    });
    expect(forFiles.status, forFiles.text).to.equal(200);
    expect(audOf(forFiles.body.access_token)).to.equal(FILES);
    expect(forFiles.body.scope).to.equal('write');
  });

  it('an unknown resource in the query is redirected as invalid_target with state and iss', async () => {
    const { app, codes } = authorizeApp({ provider: { resources: RESOURCES } });
    const agent = request.agent(app);
    await signIn(agent);
    const res = await agent.get(authorizePath(pairs(MCP, UNKNOWN)));
    const params = expectErrorRedirect(res, 'invalid_target');
    expect(params.get('error_description')).to.equal(`the resource '${UNKNOWN}' is unknown`);
    expect(codes.saved).to.have.length(0);
  });

  it('a repeated resource still leaves other repeated parameters refused (RFC 6749 3.1)', async () => {
    const { app } = authorizeApp({ provider: { resources: RESOURCES } });
    const agent = request.agent(app);
    await signIn(agent);
    const res = await agent.get(authorizePath([...pairs(MCP, FILES), ['scope', 'read']]));
    const params = expectErrorRedirect(res, 'invalid_request');
    expect(params.get('error_description')).to.equal(`the parameter 'scope' must not be repeated`);
  });
});

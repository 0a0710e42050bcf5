/**
 * What a resource server learns about DPoP besides the proof: introspection's
 * `cnf` and `token_type` for bound tokens (RFC 9449 6.2), and the protected
 * resource metadata's DPoP members (RFC 9728 2).
 */
import { expect } from 'chai';
import request from 'supertest';
import { fetchProtectedResource } from '../../index.js';
import { secrets } from '../support/fixtures.js';
import {
  dpopApp,
  MCP,
  MCP_METADATA,
  proofKey,
  serviceToken,
  type DpopSetup,
} from './resource-support.js';

const WELL_KNOWN = new URL(MCP_METADATA).pathname;

function introspect(setup: DpopSetup, token: string) {
  return request(setup.app)
    .post('/introspect')
    .auth('rs', secrets.rs.secret)
    .type('form')
    .send({ token });
}

describe('introspection of DPoP-bound tokens (RFC 9449 6.2)', () => {
  for (const format of ['jwt', 'opaque'] as const) {
    // RFC 9449 6.2: "the introspection response ... includes the cnf claim with the jkt member".
    it(`a bound ${format} token: token_type DPoP and cnf.jkt, the proof key's thumbprint`, async () => {
      const setup = dpopApp({ accessToken: { format } });
      const key = await proofKey();
      const res = await introspect(setup, await serviceToken(setup, key));
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ active: true, token_type: 'DPoP', client_id: 'service' });
      expect(res.body.cnf).to.deep.equal({ jkt: key.jkt });
    });

    it(`an unbound ${format} token: token_type Bearer and no cnf`, async () => {
      const setup = dpopApp({ accessToken: { format } });
      const res = await introspect(setup, await serviceToken(setup));
      expect(res.body).to.include({ active: true, token_type: 'Bearer' });
      expect(res.body).not.to.have.property('cnf');
    });
  }

  it('a revoked bound token is { active: false } only, no cnf', async () => {
    const setup = dpopApp();
    const token = await serviceToken(setup, await proofKey());
    const revoked = await request(setup.app)
      .post('/revoke')
      .auth('service', secrets.service.secret)
      .type('form')
      .send({ token });
    expect(revoked.status).to.equal(200);
    const res = await introspect(setup, token);
    expect(res.body).to.deep.equal({ active: false });
  });
});

describe('protected resource metadata: DPoP members (RFC 9728 2)', () => {
  it('lists dpop_signing_alg_values_supported; dpop_bound_access_tokens_required left out by default', async () => {
    const { oauth, app } = dpopApp();
    app.use(oauth.protectedResource({ resource: MCP }));
    const res = await request(app).get(WELL_KNOWN);
    expect(res.status).to.equal(200);
    expect(res.body.dpop_signing_alg_values_supported).to.deep.equal([
      'ES256',
      'ES384',
      'ES512',
      'EdDSA',
      'Ed25519',
      'PS256',
      'RS256',
    ]);
    expect(res.body).not.to.have.property('dpop_bound_access_tokens_required');
  });

  it('follows dpop.algorithms; dpop: required → dpop_bound_access_tokens_required: true', async () => {
    const { oauth, app } = dpopApp({ dpop: { algorithms: ['ES256', 'EdDSA'] } });
    app.use(oauth.protectedResource({ resource: MCP, dpop: 'required' }));
    const res = await request(app).get(WELL_KNOWN);
    expect(res.body.dpop_signing_alg_values_supported).to.deep.equal(['ES256', 'EdDSA']);
    expect(res.body.dpop_bound_access_tokens_required).to.equal(true);
  });

  it('the Fetch handler serves the same members', async () => {
    const { oauth } = dpopApp();
    const serve = fetchProtectedResource(oauth.provider, { resource: MCP, dpop: 'required' });
    const res = (await serve(new Request(`https://api.example.test${WELL_KNOWN}`))) as Response;
    const body = (await res.json()) as Record<string, unknown>;
    expect(body['dpop_bound_access_tokens_required']).to.equal(true);
    expect(body['dpop_signing_alg_values_supported']).to.have.length(7);
  });

  it('a bad dpop is a TypeError naming the option', () => {
    const { oauth } = dpopApp();
    expect(() => oauth.protectedResource({ resource: MCP, dpop: 'yes' as never })).to.throw(
      TypeError,
      "protectedResource(): options.dpop must be 'allowed' or 'required'",
    );
  });
});

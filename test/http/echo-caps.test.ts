/**
 * Request values echoed into an `error_description` are capped (quoted, at most 40
 * characters and "..."), redirected or not. Before, an unknown scope was echoed
 * whole: a 10 KB scope made a 10 KB redirect Location (and JSON body) carrying
 * whatever the attacker wrote back to the client's redirect URI.
 */
import { expect } from 'chai';
import request from 'supertest';
import { InvalidScopeError, ScopePolicy } from '../../index.js';
import { secrets, testApp } from '../support/fixtures.js';
import {
  authorizeApp,
  authorizePath,
  CB,
  expectErrorRedirect,
  spaParams,
} from '../support/authorize-app.js';
import { basic, ERROR_DESCRIPTION_CHARS } from './token-assertions.js';

const LONG = 'x'.repeat(10_000);
const QUOTED = `'${'x'.repeat(40)}...'`;
/** Room for the redirect URI, `state`, `iss` and a description with one quoted value. */
const MAX_LOCATION = CB.length + 400;

describe('echoed values are capped: the authorization endpoint (redirected)', () => {
  const { app } = authorizeApp();

  async function location(params: Record<string, string> | [string, string][]) {
    const res = await request(app).get(authorizePath(params));
    const at = res.headers['location'] as string;
    expect(at.length, 'Location length').to.be.below(MAX_LOCATION);
    return { res, at };
  }

  it('an unknown 10 KB scope → invalid_scope; the Location stays short', async () => {
    const { res } = await location(spaParams({ scope: `profile ${LONG}` }));
    const params = expectErrorRedirect(res, 'invalid_scope');
    expect(params.get('error_description')).to.equal(`unknown scope: ${QUOTED}`);
  });

  it('a 10 KB response_type → unsupported_response_type; the Location stays short', async () => {
    const { res } = await location(spaParams({ response_type: LONG }));
    const params = expectErrorRedirect(res, 'unsupported_response_type');
    expect(params.get('error_description')).to.equal(
      `the response type ${QUOTED} is not supported`,
    );
  });

  it('a repeated parameter with a 6 KB name → invalid_request; the Location stays short', async () => {
    // Twice 6 KB: Node's 16 KB header limit would refuse twice 10 KB (431).
    const name = 'x'.repeat(6000);
    const { res } = await location([...Object.entries(spaParams()), [name, 'a'], [name, 'b']]);
    const params = expectErrorRedirect(res, 'invalid_request');
    expect(params.get('error_description')).to.equal(
      `the parameter ${QUOTED} must not be repeated`,
    );
  });
});

describe('echoed values are capped: the token endpoint (JSON)', () => {
  const { app } = testApp();
  const SERVICE = basic('service', secrets.service.secret);

  for (const [name, body] of [
    ['an unknown 10 KB scope', `grant_type=client_credentials&scope=${LONG}`],
    ['a 10 KB grant_type', `grant_type=${LONG}`],
  ] as const) {
    it(`${name} → a description under 120 characters`, async () => {
      const res = await request(app)
        .post('/token')
        .set('Authorization', SERVICE)
        .type('form')
        .send(body);
      expect(res.status).to.equal(400);
      const description = res.body.error_description as string;
      expect(description).to.include(QUOTED);
      expect(description.length).to.be.below(120);
      expect(description).to.match(ERROR_DESCRIPTION_CHARS);
    });
  }
});

describe('echoed values are capped: ScopePolicy', () => {
  const scopes = new ScopePolicy({ available: ['read', 'write'] });
  const client = { scopes: ['read'] } as unknown as Parameters<ScopePolicy['resolve']>[0];

  function descriptionOf(call: () => unknown): string {
    try {
      call();
    } catch (err) {
      expect(err).to.be.instanceOf(InvalidScopeError);
      return (err as InvalidScopeError).description;
    }
    return expect.fail('expected invalid_scope');
  }

  it('resolve(): an unknown scope is quoted and cut', () => {
    expect(descriptionOf(() => scopes.resolve(client, [LONG]))).to.equal(
      `unknown scope: ${QUOTED}`,
    );
  });

  it('narrow(): a scope not granted originally is quoted and cut', () => {
    expect(descriptionOf(() => scopes.narrow(['read'], [LONG]))).to.equal(
      `the scope ${QUOTED} was not granted originally; a refresh cannot widen the scope`,
    );
  });
});

/**
 * A client's `default_max_age` (OpenID Connect Dynamic Client Registration 1.0
 * 2: "Default Maximum Authentication Age … The max_age request parameter
 * overrides this default value"), configured as `defaultMaxAge`, at the
 * authorization endpoint (lib/endpoints/authorization/prompt.ts), through the
 * Passport test app with a frozen clock.
 */
import { expect } from 'chai';
import {
  authorizeApp,
  authorizePath,
  CB,
  CLIENTS,
  consentPage,
  ISSUER,
  signedIn,
  signIn,
  spaParams,
  type Agent,
  type AuthorizeApp,
} from '../support/authorize-app.js';

function fixture(): AuthorizeApp {
  return authorizeApp({
    provider: {
      openid: { claims: () => ({}) },
      clients: [
        ...CLIENTS,
        {
          id: 'strict',
          tokenEndpointAuthMethods: ['none'],
          redirectUris: [CB],
          defaultMaxAge: 60,
        },
      ],
    },
  });
}

/** An OpenID Connect request of the client `strict`. */
const strict = (extra: Record<string, string> = {}) =>
  spaParams({ client_id: 'strict', scope: 'openid profile', ...extra });

/** Signs in and lets the Passport adapter record the login time (its first sight). */
async function freshLogin(fx: AuthorizeApp): Promise<Agent> {
  const agent = await signedIn(fx.app);
  await consentPage(agent, strict());
  return agent;
}

describe('OpenID Connect: a client’s default_max_age', () => {
  it('a login within it goes on to consent', async () => {
    const fx = fixture();
    const agent = await freshLogin(fx);
    fx.clock.advance(60);
    await consentPage(agent, strict());
  });

  it('a login older than it sends the user to log in once, then the consent page (no loop)', async () => {
    const fx = fixture();
    const agent = await freshLogin(fx);
    fx.clock.advance(61);
    const res = await agent.get(authorizePath(strict()));
    expect(res.status).to.equal(302);
    expect(res.headers['location']).to.equal('/login');
    const back = (await agent.get('/test/session')).body.returnTo as string;
    expect(new URL(back, 'http://x').searchParams.get('login_after')).to.equal(
      String(Math.floor(fx.clock() / 1000)),
    );
    fx.clock.advance(1);
    await signIn(agent);
    expect((await agent.get(back)).status).to.equal(200);
  });

  it('with prompt=none, a login older than it is login_required, redirected with state and iss', async () => {
    const fx = fixture();
    const agent = await freshLogin(fx);
    fx.clock.advance(61);
    const res = await agent.get(authorizePath(strict({ prompt: 'none' })));
    const q = new URLSearchParams({
      error: 'login_required',
      error_description: 'the user must sign in again',
    });
    expect(res.headers['location']).to.equal(
      `${CB}?${q.toString()}&state=st-123&iss=${encodeURIComponent(ISSUER)}`,
    );
  });

  it("the request's own max_age wins, longer or shorter", async () => {
    const fx = fixture();
    const agent = await freshLogin(fx);
    fx.clock.advance(61);
    await consentPage(agent, strict({ max_age: '100' }));
    const res = await agent.get(authorizePath(strict({ max_age: '5' })));
    expect(res.headers['location']).to.equal('/login');
  });

  it('a plain OAuth request (no openid) ignores it, as it ignores max_age', async () => {
    const fx = fixture();
    const agent = await freshLogin(fx);
    fx.clock.advance(3600);
    await consentPage(agent, spaParams({ client_id: 'strict' }));
  });

  it('another client without one is not affected', async () => {
    const fx = fixture();
    const agent = await freshLogin(fx);
    fx.clock.advance(3600);
    await consentPage(agent, spaParams({ scope: 'openid profile' }));
  });
});

/**
 * device()'s options are checked when the handler is made, as authorize()'s are,
 * and a TypeError names the page it was given to (`device(): options…`), not
 * `authorize()`; a setup mistake found later names `device()` too.
 */
import { expect } from 'chai';
import request from 'supertest';
import {
  createAuthorizationServer,
  SetupError,
  type DeviceOptions,
  type SiteAdapter,
} from '../../index.js';
import { providerOptions } from '../support/fixtures.js';
import { deviceApp, start } from './support.js';

/** The exact message `make` throws (a TypeError), or fails. */
function typeErrorOf(make: () => unknown): string {
  try {
    make();
  } catch (err) {
    expect(err).to.be.instanceOf(TypeError);
    return (err as Error).message;
  }
  throw new Error('no TypeError');
}

describe('device(): options', () => {
  const oauth = createAuthorizationServer(providerOptions({ grants: { deviceCode: true } }));
  const device = (options: DeviceOptions) => () => oauth.device(options);
  const authorize = (options: DeviceOptions) => () => oauth.authorize(options);

  const cases: [string, DeviceOptions, string][] = [
    [
      'a transactionLifetime that is not a positive whole number',
      { transactionLifetime: 1.5 },
      'options.transactionLifetime must be a positive whole number of seconds',
    ],
    [
      'a render that is not a function',
      { render: 'device' as unknown as DeviceOptions['render'] },
      'options.render must be a function',
    ],
    [
      'a site adapter without currentUser and login',
      { siteAdapter: { currentUser: () => undefined } as unknown as SiteAdapter },
      'options.siteAdapter must have currentUser(req) and login(req, res, returnTo)',
    ],
    [
      'an empty loginUrl',
      { loginUrl: '' },
      'options.loginUrl must be the path or URL of your login page, e.g. "/login"',
    ],
    [
      'a subject that is not a function',
      { loginUrl: '/login', subject: 'id' as unknown as DeviceOptions['subject'] },
      'options.subject must be a function (user) => string',
    ],
    [
      'a name that is not a function',
      { loginUrl: '/login', name: 'name' as unknown as DeviceOptions['name'] },
      'options.name must be a function (user) => string | undefined',
    ],
  ];

  for (const [what, options, text] of cases) {
    it(`refuses ${what}, naming device(); authorize() names itself`, () => {
      expect(typeErrorOf(device(options))).to.equal(`device(): ${text}`);
      expect(typeErrorOf(authorize(options))).to.equal(`authorize(): ${text}`);
    });
  }

  it('names the unknown key with device()', () => {
    const bad = { loginURL: '/login' } as unknown as DeviceOptions;
    expect(typeErrorOf(device(bad))).to.match(/^device\(\): options has an unknown key "loginURL"/);
  });

  it('accepts the documented forms', () => {
    expect(device({ loginUrl: '/login', transactionLifetime: 60 })).not.to.throw();
    expect(device({})).not.to.throw();
  });
});

describe('device(): a setup mistake found at request time names device()', () => {
  it('no loginUrl and a user who is not signed in enters a valid code → next(err) naming device({ loginUrl })', async () => {
    const target = deviceApp({ authorize: {} });
    const { user_code } = await start(target.app);
    const agent = request.agent(target.app);
    const form = await agent.get('/device');
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(form.text)?.[1] ?? '';
    const res = await agent.post('/device').type('form').send({ csrf_token: csrf, user_code });
    expect(res.status, res.text).to.equal(500);
    expect(res.text).to.equal('host error handler');
    expect(target.errors).to.have.length(1);
    expect(target.errors[0]).to.be.instanceOf(SetupError);
    expect((target.errors[0] as Error).message).to.equal(
      'oauth2-stateless: a user who is not signed in reached device(), which has no loginUrl: use device({ loginUrl: "/login" })',
    );
  });
});

/** authorize()'s options are checked when the handler is made; a TypeError names the bad one. */
import { expect } from 'chai';
import { createAuthorizationServer, type AuthorizeOptions, type SiteAdapter } from '../../index.js';
import { providerOptions } from '../support/fixtures.js';

describe('authorize(): options', () => {
  const oauth = createAuthorizationServer(providerOptions());
  const make = (options: AuthorizeOptions) => () => oauth.authorize(options);

  it('refuses a transactionLifetime that is not a positive whole number of seconds', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(make({ transactionLifetime: bad }), String(bad)).to.throw(
        TypeError,
        /options\.transactionLifetime must be a positive whole number of seconds/,
      );
    }
  });

  it('refuses a render that is not a function', () => {
    expect(make({ render: 'consent' as unknown as AuthorizeOptions['render'] })).to.throw(
      TypeError,
      /options\.render must be a function/,
    );
  });

  it('refuses a site adapter without currentUser and login', () => {
    expect(
      make({ siteAdapter: { currentUser: () => undefined } as unknown as SiteAdapter }),
    ).to.throw(
      TypeError,
      /options\.siteAdapter must have currentUser\(req\) and login\(req, res, returnTo\)/,
    );
  });

  it('refuses an empty loginUrl and subject/name that are not functions', () => {
    expect(make({ loginUrl: '' })).to.throw(
      TypeError,
      /options\.loginUrl must be the path or URL of your login page/,
    );
    expect(
      make({ loginUrl: '/login', subject: 'id' as unknown as AuthorizeOptions['subject'] }),
    ).to.throw(TypeError, /options\.subject must be a function/);
    expect(
      make({ loginUrl: '/login', name: 'name' as unknown as AuthorizeOptions['name'] }),
    ).to.throw(TypeError, /options\.name must be a function/);
  });

  it('accepts the documented forms', () => {
    expect(make({ loginUrl: '/login', transactionLifetime: 60 })).not.to.throw();
    expect(make({})).not.to.throw();
  });
});

/**
 * ScopePolicy (lib/scope.ts): parsing, resolving a request against the server's
 * and the client's scopes, narrowing on refresh, formatting, option checks.
 */
import { expect } from 'chai';
import {
  defineClient,
  generateClientSecret,
  hasScopes,
  InvalidScopeError,
  Provider,
  ScopePolicy,
  type ClientConfig,
} from '../index.js';
import { providerOptions } from './support/fixtures.js';

const { secretHash } = generateClientSecret();
const client = (config: Partial<ClientConfig> = {}) =>
  defineClient({ id: 'c', secretHash, grantTypes: ['client_credentials'], ...config });

/** Runs `fn` and returns what it threw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

function expectInvalidScope(fn: () => unknown): void {
  const err = thrown(fn);
  expect(err).to.be.instanceOf(InvalidScopeError);
  expect((err as InvalidScopeError).error).to.equal('invalid_scope');
  expect((err as InvalidScopeError).status).to.equal(400);
}

describe('ScopePolicy', () => {
  const policy = new ScopePolicy({ available: ['read', 'write', 'profile'], default: ['read'] });

  describe('parse', () => {
    it('splits on spaces, in order, without duplicates or empty parts', () => {
      // RFC 6749 3.3: "The value of the scope parameter is expressed as a list of space-delimited,
      // case-sensitive strings."
      expect(policy.parse(undefined)).to.deep.equal([]);
      expect(policy.parse('')).to.deep.equal([]);
      expect(policy.parse('write read')).to.deep.equal(['write', 'read']);
      expect(policy.parse(' read  write read ')).to.deep.equal(['read', 'write']);
      expect(policy.parse('Read read')).to.deep.equal(['Read', 'read']);
    });

    it('refuses a malformed scope token (invalid_scope)', () => {
      // RFC 6749 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
      expectInvalidScope(() => policy.parse('read"'));
      expectInvalidScope(() => policy.parse('re\\ad'));
      expectInvalidScope(() => policy.parse('read\twrite'));
      expectInvalidScope(() => policy.parse('lecture-é'));
    });

    it('accepts the edge characters of the scope-token grammar', () => {
      expect(policy.parse('! # [ ] ~')).to.deep.equal(['!', '#', '[', ']', '~']);
    });
  });

  describe('a custom separator', () => {
    const commas = new ScopePolicy({ available: ['read', 'write'], separator: ',' });

    it('parses and formats with it', () => {
      expect(commas.separator).to.equal(',');
      expect(commas.parse('read,write')).to.deep.equal(['read', 'write']);
      expect(commas.parse(',read,,write,')).to.deep.equal(['read', 'write']);
      expect(commas.format(['read', 'write'])).to.equal('read,write');
    });

    it('then treats a space as part of a token, which is malformed', () => {
      expectInvalidScope(() => commas.parse('read write'));
    });
  });

  describe('format', () => {
    it('joins with a space by default', () => {
      expect(policy.format(['read', 'write'])).to.equal('read write');
      expect(policy.format([])).to.equal('');
    });
  });

  describe('resolve', () => {
    it("gives the server's default when the request names no scope", () => {
      // RFC 6749 3.3: "If the client omits the scope parameter when requesting authorization, the
      // authorization server MUST either process the request using a pre-defined default value or fail
      // the request indicating an invalid scope."
      expect(policy.resolve(client(), [])).to.deep.equal(['read']);
    });

    it("prefers the client's defaultScopes", () => {
      expect(policy.resolve(client({ defaultScopes: ['profile', 'write'] }), [])).to.deep.equal([
        'profile',
        'write',
      ]);
    });

    it('narrows the default to what the client may use', () => {
      const c = client({ scopes: ['write'], defaultScopes: ['read', 'write'] });
      expect(policy.resolve(c, [])).to.deep.equal(['write']);
    });

    it('fails with invalid_scope when there is no default for the client', () => {
      const noDefault = new ScopePolicy({ available: ['read', 'write'] });
      expectInvalidScope(() => noDefault.resolve(client(), []));
      // The server default exists, but the client may not use it.
      expectInvalidScope(() => policy.resolve(client({ scopes: ['write'] }), []));
    });

    it('gives an empty scope when the server offers none and none is asked', () => {
      expect(new ScopePolicy(undefined).resolve(client(), [])).to.deep.equal([]);
    });

    it('grants requested scopes the server offers and the client may use', () => {
      expect(policy.resolve(client(), ['profile', 'write'])).to.deep.equal(['profile', 'write']);
      expect(policy.resolve(client({ scopes: ['read', 'write'] }), ['write'])).to.deep.equal([
        'write',
      ]);
    });

    it('refuses an unknown scope or one the client may not use (invalid_scope)', () => {
      // RFC 6749 5.2, invalid_scope: "The requested scope is invalid, unknown, malformed, or exceeds the
      // scope granted by the resource owner."
      expectInvalidScope(() => policy.resolve(client(), ['admin']));
      expectInvalidScope(() => policy.resolve(client({ scopes: ['read'] }), ['read', 'write']));
    });
  });

  describe('narrow', () => {
    it('keeps the original scope when none is requested', () => {
      // RFC 6749 6: "The requested scope MUST NOT include any scope not originally granted by the
      // resource owner, and if omitted is treated as equal to the scope originally granted by the
      // resource owner."
      expect(policy.narrow(['read', 'write'], [])).to.deep.equal(['read', 'write']);
    });

    it('narrows to a subset', () => {
      expect(policy.narrow(['read', 'write'], ['write'])).to.deep.equal(['write']);
    });

    it('refuses to widen (invalid_scope)', () => {
      expectInvalidScope(() => policy.narrow(['read'], ['read', 'write']));
    });
  });

  describe('options', () => {
    it('refuses an invalid scope token in available with a TypeError naming the option', () => {
      expect(() => new ScopePolicy({ available: ['read', 'bad scope'] })).to.throw(
        TypeError,
        /options\.scopes\.available/,
      );
      expect(() => new ScopePolicy({ available: ['"quoted"'] })).to.throw(
        TypeError,
        /options\.scopes\.available/,
      );
      expect(() => new ScopePolicy({ available: [''] })).to.throw(
        TypeError,
        /options\.scopes\.available/,
      );
    });

    it('refuses a default scope that is not available', () => {
      expect(() => new ScopePolicy({ available: ['read'], default: ['write'] })).to.throw(
        TypeError,
        /options\.scopes\.default/,
      );
    });

    it('refuses a scope that contains the separator (it would come back split)', () => {
      expect(() => new ScopePolicy({ available: ['read', ',!'], separator: ',' })).to.throw(
        TypeError,
        /",!" contains the separator ","/,
      );
    });

    it('refuses an empty separator', () => {
      expect(() => new ScopePolicy({ available: ['read'], separator: '' })).to.throw(
        TypeError,
        /options\.scopes\.separator/,
      );
    });

    it('is checked when the provider is made', () => {
      expect(
        () => new Provider(providerOptions({ scopes: { available: ['read', 'a\\b'] } })),
      ).to.throw(TypeError, /options\.scopes\.available/);
      expect(
        () =>
          new Provider(providerOptions({ scopes: { available: ['read'], default: ['write'] } })),
      ).to.throw(TypeError, /options\.scopes\.default/);
    });
  });
});

describe('hasScopes', () => {
  it('is true only when every required scope was granted', () => {
    expect(hasScopes(['read', 'write'], ['write'])).to.equal(true);
    expect(hasScopes(['read'], [])).to.equal(true);
    expect(hasScopes(['read'], ['read', 'write'])).to.equal(false);
  });
});

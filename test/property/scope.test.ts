/**
 * Properties of scope handling (lib/helpers/scope.ts), for any input fast-check
 * makes:
 * - RFC 6749 3.3: "scope = scope-token *( SP scope-token ); scope-token = 1*(
 *   %x21 / %x23-5B / %x5D-7E )". Formatting valid tokens and parsing them back
 *   gives the distinct tokens in order, with any separator the server chose;
 * - any string either parses to valid, distinct tokens or is `invalid_scope`,
 *   never another exception;
 * - what `resolve` grants is within what the server offers and the client may
 *   use; what `narrow` keeps is within the original grant (RFC 6749 6: a refresh
 *   never widens the scope); `hasScopes` is set inclusion.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { InvalidScopeError } from '../../lib/errors.js';
import { hasScopes, ScopePolicy } from '../../lib/helpers/scope.js';
import type { Client } from '../../lib/types.js';
import { describeSeed, PROTOTYPE_KEYS, runs, trickyString } from './runs.js';

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const TOKEN_CHARS = [0x21, ...Array.from({ length: 0x5b - 0x23 + 1 }, (_, i) => 0x23 + i)]
  .concat(Array.from({ length: 0x7e - 0x5d + 1 }, (_, i) => 0x5d + i))
  .map((c) => String.fromCharCode(c));

/** A valid scope token (RFC 6749 3.3), prototype keys among them. */
const token = fc.oneof(
  fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 12 }),
  fc.constantFrom(...PROTOTYPE_KEYS, 'read', 'write', 'profile', 'openid'),
);

function client(scopes: readonly string[] | undefined, defaults?: readonly string[]): Client {
  return {
    id: 'c',
    redirectUris: [],
    grantTypes: ['client_credentials'],
    responseTypes: [],
    tokenEndpointAuthMethods: ['client_secret_basic'],
    scopes,
    defaultScopes: defaults,
  };
}

/** The answer of `fn`, or the error it threw. */
function attempt<T>(fn: () => T): { value: T } | { thrown: unknown } {
  try {
    return { value: fn() };
  } catch (err) {
    return { thrown: err };
  }
}

function expectInvalidScope(result: { thrown: unknown }, input: unknown): void {
  expect(result.thrown, `${JSON.stringify(input)}: ${String(result.thrown)}`).to.be.instanceOf(
    InvalidScopeError,
  );
  expect((result.thrown as InvalidScopeError).error).to.equal('invalid_scope');
}

describe(describeSeed('property: scopes (lib/helpers/scope.ts)'), () => {
  it('parse(format(tokens)) is the distinct tokens in order, with the space or a custom separator', () => {
    const separator = fc.constantFrom(' ', ',', ' , ', '\t', '"');
    fc.assert(
      fc.property(fc.array(token, { maxLength: 10 }), separator, (all, sep) => {
        // a token holding the separator cannot round-trip (ScopePolicy does not refuse one)
        const tokens = all.filter((t) => ![...sep.trim()].some((c) => t.includes(c)));
        const policy = new ScopePolicy({ available: [], separator: sep });
        expect(policy.parse(policy.format(tokens))).to.deep.equal([...new Set(tokens)]);
      }),
      runs(500),
    );
  });

  it('any string parses to valid distinct tokens or is invalid_scope, never another exception', () => {
    const input = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 50 }),
      trickyString(30),
      fc.array(fc.oneof(token, trickyString(4)), { maxLength: 8 }).map((t) => t.join(' ')),
    );
    const policy = new ScopePolicy({ available: ['read'] });
    fc.assert(
      fc.property(input, (value) => {
        const result = attempt(() => policy.parse(value));
        if ('thrown' in result) {
          expectInvalidScope(result, value);
          // only a malformed token is refused
          expect(value.split(' ').some((part) => part !== '' && !SCOPE_TOKEN.test(part))).to.equal(
            true,
          );
        } else {
          for (const scope of result.value) expect(scope).to.match(SCOPE_TOKEN);
          expect(new Set(result.value).size).to.equal(result.value.length);
        }
      }),
      runs(2000),
    );
  });

  it('resolve grants only scopes the server offers and the client may use; anything else is invalid_scope', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(token, { maxLength: 6 }),
        fc.option(fc.uniqueArray(token, { maxLength: 6 }), { nil: undefined }),
        fc.uniqueArray(token, { maxLength: 5 }),
        (available, allowed, requested) => {
          const policy = new ScopePolicy({ available });
          const result = attempt(() => policy.resolve(client(allowed), requested));
          if ('thrown' in result) {
            expectInvalidScope(result, { available, allowed, requested });
            return;
          }
          for (const scope of result.value) {
            expect(available).to.include(scope);
            if (allowed !== undefined) expect(allowed).to.include(scope);
          }
          if (requested.length > 0) expect(result.value).to.deep.equal(requested);
        },
      ),
      runs(1000),
    );
  });

  it('with no scope requested, resolve grants the default narrowed to what the client may use', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(token, { minLength: 1, maxLength: 6 }),
        fc.option(fc.uniqueArray(token, { maxLength: 6 }), { nil: undefined }),
        fc.integer({ min: 0, max: 6 }),
        (available, allowed, cut) => {
          const defaults = available.slice(0, cut);
          const policy = new ScopePolicy({ available, default: defaults });
          const result = attempt(() => policy.resolve(client(allowed), []));
          const granted = defaults.filter((s) => allowed === undefined || allowed.includes(s));
          if (granted.length === 0) expectInvalidScope(result as { thrown: unknown }, granted);
          else expect(result).to.deep.equal({ value: granted });
        },
      ),
      runs(500),
    );
  });

  it('narrow never widens: it keeps the original for none requested, a subset, or throws invalid_scope', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(token, { maxLength: 6 }),
        fc.uniqueArray(token, { maxLength: 6 }),
        (original, requested) => {
          const policy = new ScopePolicy({ available: [] });
          const result = attempt(() => policy.narrow(original, requested));
          const within = requested.every((s) => original.includes(s));
          if (!within) expectInvalidScope(result as { thrown: unknown }, { original, requested });
          else
            expect(result).to.deep.equal({
              value: requested.length === 0 ? original : requested,
            });
        },
      ),
      runs(500),
    );
  });

  it('hasScopes is set inclusion', () => {
    fc.assert(
      fc.property(fc.array(token, { maxLength: 6 }), fc.array(token, { maxLength: 6 }), (g, r) => {
        expect(hasScopes(g, r)).to.equal(r.every((s) => g.includes(s)));
      }),
      runs(500),
    );
  });
});

/**
 * Properties of the strict form reader (lib/http/form.ts `parseForm` and
 * `parseFormBody`), for any input fast-check makes:
 * - what a browser or `URLSearchParams` form-encodes (RFC 6749 Appendix B) reads
 *   back to the same names and values, prototype keys included, with an empty
 *   value counting as absent (RFC 6749 3.1);
 * - a name sent twice is `invalid_request` unless it is declared repeatable, and
 *   then every non-empty value is kept in order;
 * - any string at all either parses or throws `invalid_request`: never another
 *   exception.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { InvalidRequestError } from '../../lib/errors.js';
import { parseForm, parseFormBody } from '../../lib/http/form.js';
import { describeSeed, PROTOTYPE_KEYS, runs, trickyString } from './runs.js';

/** Form-encodes like `URLSearchParams`/browsers: UTF-8 percent-encoding, space as '+'. */
function formEncode(pairs: readonly (readonly [string, string])[]): string {
  return new URLSearchParams(pairs.map(([n, v]): [string, string] => [n, v])).toString();
}

/** Form-encodes like `encodeURIComponent` users do: space as %20, '+' never used. */
function componentEncode(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`).join('&');
}

/** Any well-formed Unicode text (no lone surrogates: those cannot be form-encoded). */
const text = fc.string({ unit: 'grapheme', maxLength: 30 });
const name = fc.oneof(text, fc.constantFrom(...PROTOTYPE_KEYS));

/** Distinct names with their values. */
const pairs = fc.uniqueArray(fc.tuple(name, text), { selector: ([n]) => n, maxLength: 12 });

/** What a form of `pairs` should read as: every non-empty value, as own properties. */
function expected(list: readonly (readonly [string, string])[]): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [n, v] of list) if (v !== '') out[n] = v;
  return out;
}

/** Own properties only, so a `__proto__` parameter is compared as data. */
function own(params: Readonly<Record<string, string>>): [string, string][] {
  return Object.keys(params)
    .sort()
    .map((k) => [k, params[k] as string]);
}

function expectInvalidRequest(err: unknown, input: string): void {
  expect(err, `${JSON.stringify(input)} threw ${String(err)}`).to.be.instanceOf(
    InvalidRequestError,
  );
  expect((err as InvalidRequestError).error).to.equal('invalid_request');
  expect((err as InvalidRequestError).status).to.equal(400);
}

describe(describeSeed('property: the form reader (lib/http/form.ts)'), () => {
  it('reads back what URLSearchParams encodes (every name, every non-empty value, prototype keys as data)', () => {
    fc.assert(
      fc.property(pairs, (list) => {
        const params = parseForm(formEncode(list));
        expect(own(params)).to.deep.equal(own(expected(list)));
        expect(Object.getPrototypeOf(params)).to.equal(null);
      }),
      runs(400),
    );
  });

  it('reads back what encodeURIComponent encodes (space as %20, a literal + as %2B)', () => {
    fc.assert(
      fc.property(pairs, (list) => {
        expect(own(parseForm(componentEncode(list)))).to.deep.equal(own(expected(list)));
      }),
      runs(400),
    );
  });

  it('ignores empty pairs between separators (a&&b=1&)', () => {
    fc.assert(
      fc.property(pairs, fc.integer({ min: 1, max: 3 }), (list, extra) => {
        const body = formEncode(list).split('&').join('&'.repeat(extra)) + '&';
        expect(own(parseForm(body))).to.deep.equal(own(expected(list)));
      }),
      runs(200),
    );
  });

  it('refuses a name sent twice with invalid_request, whatever the values', () => {
    fc.assert(
      fc.property(pairs, name, text, text, (list, twice, v1, v2) => {
        const body = formEncode([...list.filter(([n]) => n !== twice), [twice, v1], [twice, v2]]);
        let thrown: unknown;
        try {
          parseForm(body);
        } catch (err) {
          thrown = err;
        }
        expectInvalidRequest(thrown, body);
      }),
      runs(300),
    );
  });

  it('keeps every non-empty value of a repeatable name, in order; its single value is the first', () => {
    fc.assert(
      fc.property(pairs, fc.array(text, { minLength: 1, maxLength: 6 }), (list, values) => {
        const others = list.filter(([n]) => n !== 'resource');
        const body = formEncode([...others, ...values.map((v) => ['resource', v] as const)]);
        const { params, lists } = parseFormBody(body, new Set(['resource']));
        const sent = values.filter((v) => v !== '');
        expect(lists['resource'] ?? []).to.deep.equal(sent);
        expect(params['resource']).to.equal(sent[0]);
      }),
      runs(300),
    );
  });

  it('any string either parses or throws invalid_request, never anything else', () => {
    const body = fc.oneof(
      trickyString(60),
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc
        .array(fc.tuple(trickyString(8), trickyString(8)))
        .map((list) => list.map(([n, v]) => `${n}=${v}`).join('&')),
    );
    fc.assert(
      fc.property(body, fc.constantFrom('none', 'resource', 'tricky'), (input, declared) => {
        const repeatable = new Set(declared === 'none' ? [] : [declared, '%', '__proto__']);
        try {
          const { params, lists } = parseFormBody(input, repeatable);
          for (const value of Object.values(params)) expect(value).to.be.a('string');
          for (const values of Object.values(lists)) expect(values).to.be.an('array');
        } catch (err) {
          expectInvalidRequest(err, input);
        }
      }),
      runs(3000),
    );
  });
});

/**
 * Properties of HTTP Basic client credentials (lib/client-auth/basic.ts
 * `parseBasic`), for any input fast-check makes:
 * - RFC 6749 2.3.1: "The client identifier is encoded using the
 *   application/x-www-form-urlencoded encoding algorithm [...] and the encoded
 *   value is used as the username; the client password is encoded using the same
 *   algorithm and used as the password." Any id (non-empty) and secret so
 *   encoded reads back exactly, colons, '+', '%' and non-ASCII included, whatever
 *   the case of the scheme;
 * - any other header (another scheme, bad base64, no colon, an empty id, broken
 *   percent-encoding) is `invalid_client` with status 401 and a `Basic`
 *   challenge (RFC 6749 5.2), never another exception.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { InvalidClientError } from '../../lib/errors.js';
import { parseBasic } from '../../lib/client-auth/basic.js';
import { describeSeed, runs, trickyString } from './runs.js';

/** application/x-www-form-urlencoded of one value (RFC 6749 Appendix B). */
const formEncode = (value: string): string =>
  new URLSearchParams([['', value]]).toString().slice(1);

const basic = (user: string, password: string, scheme = 'Basic'): string =>
  `${scheme} ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

/** Well-formed Unicode (lone surrogates cannot be UTF-8-encoded, so no client can send one). */
const text = fc.string({ unit: 'grapheme', maxLength: 40 });
const scheme = fc.constantFrom('Basic', 'basic', 'BASIC', 'bAsIc');

function expectInvalidClient401(err: unknown, header: string): void {
  expect(err, `${JSON.stringify(header)} threw ${String(err)}`).to.be.instanceOf(
    InvalidClientError,
  );
  const e = err as InvalidClientError;
  expect(e.error).to.equal('invalid_client');
  expect(e.status).to.equal(401);
  expect(e.headers['WWW-Authenticate']).to.match(/^Basic realm="/);
}

/** parseBasic's answer, or what it threw. */
function attempt(header: string): { id: string; secret: string } | { thrown: unknown } {
  try {
    return parseBasic(header);
  } catch (err) {
    return { thrown: err };
  }
}

describe(describeSeed('property: Basic client credentials (lib/client-auth/basic.ts)'), () => {
  it('any id and secret, form-encoded as RFC 6749 2.3.1 says, read back exactly', () => {
    fc.assert(
      fc.property(
        text.filter((id) => id !== ''),
        text,
        scheme,
        (id, secret, s) => {
          expect(parseBasic(basic(formEncode(id), formEncode(secret), s))).to.deep.equal({
            id,
            secret,
          });
        },
      ),
      runs(1000),
    );
  });

  it('ids and secrets that need no encoding read back as sent', () => {
    const plain = fc.string({ unit: fc.constantFrom(...'abcXYZ019-._~'.split('')), minLength: 1 });
    fc.assert(
      fc.property(plain, plain, (id, secret) => {
        expect(parseBasic(basic(id, secret))).to.deep.equal({ id, secret });
      }),
      runs(200),
    );
  });

  it('another scheme is invalid_client 401, whatever follows', () => {
    const other = fc
      .string({ unit: 'grapheme-ascii', maxLength: 12 })
      .filter((s) => s.toLowerCase() !== 'basic' && !s.includes(' '));
    fc.assert(
      fc.property(other, text, text, (s, id, secret) => {
        const header = basic(formEncode(id || 'x'), formEncode(secret), s);
        const result = attempt(header);
        expect(result).to.have.property('thrown');
        expectInvalidClient401((result as { thrown: unknown }).thrown, header);
      }),
      runs(300),
    );
  });

  it('an empty id, a missing colon or broken percent-encoding is invalid_client 401', () => {
    const broken = fc.oneof(
      text.map((secret) => basic('', formEncode(secret))),
      text.filter((s) => !s.includes(':')).map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
      fc
        .constantFrom('%', '%zz', '%C3', '%E2%82', 'a%', '%ED%A0%80')
        .chain((bad) => fc.constantFrom(basic(`id${bad}`, 'secret'), basic('id', `secret${bad}`))),
    );
    fc.assert(
      fc.property(broken, (header) => {
        const result = attempt(header);
        expect(result, header).to.have.property('thrown');
        expectInvalidClient401((result as { thrown: unknown }).thrown, header);
      }),
      runs(300),
    );
  });

  it('any header at all either parses to a non-empty id or is invalid_client 401, never another exception', () => {
    const header = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      trickyString(40).map((s) => `Basic ${s}`),
      fc.uint8Array({ maxLength: 48 }).map((b) => `Basic ${Buffer.from(b).toString('base64')}`),
      fc
        .tuple(trickyString(12), trickyString(12))
        .map(([u, p]) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`),
      fc
        .tuple(scheme, fc.constantFrom('', ' ', '  ', '\t'), fc.base64String({ maxLength: 40 }))
        .map(([s, gap, b64]) => `${s}${gap}${b64}`),
    );
    fc.assert(
      fc.property(header, (h) => {
        const result = attempt(h);
        if ('thrown' in result) expectInvalidClient401(result.thrown, h);
        else {
          expect(result.id).to.be.a('string').and.not.equal('');
          expect(result.secret).to.be.a('string');
        }
      }),
      runs(3000),
    );
  });
});

/**
 * `oauth2-stateless keys` (lib/cli/keys.ts), in process, and the README's
 * key-rotation recipe run step by step against real providers: a token signed
 * before the rotation verifies until its key is removed, and /jwks publishes
 * both keys in between. (test/package.test.ts runs the compiled command through
 * `npx` from an installed tarball.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { decodeProtectedHeader } from 'jose';
import { loadSigningKeys, parseSigningKeys, Provider } from '../index.js';
import { runKeysCommand } from '../lib/cli/keys.js';
import { providerOptions, secrets } from './support/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'oauth2-keys-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the command, expects success, saves its output as `name` and returns the path. */
function keys(name: string, ...args: string[]): string {
  const result = runKeysCommand(args);
  expect(result.status, result.stderr).to.equal(0);
  const file = join(dir, name);
  writeFileSync(file, result.stdout);
  return file;
}

const kids = (file: string): string[] => loadSigningKeys({ file })!.map((k) => k.kid);

/** A provider over the key file, as a deployment would start. */
const serverWith = (file: string) =>
  new Provider(providerOptions({ signingKeys: loadSigningKeys({ file }) }));

async function token(provider: Provider): Promise<string> {
  const basic = Buffer.from(`service:${secrets.service.secret}`).toString('base64');
  const res = await provider.token({
    params: { grant_type: 'client_credentials', scope: 'read' },
    authorization: `Basic ${basic}`,
  });
  expect(res.status, JSON.stringify(res.body)).to.equal(200);
  return (res.body as { access_token: string }).access_token;
}

const verifies = (provider: Provider, jwt: string): Promise<boolean> =>
  provider.verifyAccessToken(jwt, { checkRevocation: false }).then(
    () => true,
    () => false,
  );

describe('oauth2-stateless keys', () => {
  it('prints a private JWK Set with one ES256 key (kid, alg, use) that loadSigningKeys reads', () => {
    const result = runKeysCommand([]);
    expect(result.status).to.equal(0);
    const set = JSON.parse(result.stdout) as { keys: Record<string, string>[] };
    expect(set.keys).to.have.length(1);
    expect(set.keys[0]).to.include({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(set.keys[0]!['d']).to.be.a('string');
    expect(parseSigningKeys(result.stdout)[0]!.kid).to.equal(set.keys[0]!['kid']);
  });

  it('takes ES384 or EdDSA', () => {
    expect(JSON.parse(runKeysCommand(['EdDSA']).stdout).keys[0]).to.include({
      kty: 'OKP',
      crv: 'Ed25519',
      alg: 'EdDSA',
    });
    expect(JSON.parse(runKeysCommand(['ES384']).stdout).keys[0]).to.include({ crv: 'P-384' });
  });

  it('the rotation recipe: add, publish, activate, remove the old key', async () => {
    const v1 = keys('v1.json');
    const [oldKid] = kids(v1);
    const before = serverWith(v1);
    const oldToken = await token(before);

    // 1. Add a key: the old one still signs; both verify and are published.
    const v2 = keys('v2.json', 'add', v1);
    const [, newKid] = kids(v2);
    expect(kids(v2)).to.deep.equal([oldKid, newKid]);
    const published = serverWith(v2);
    expect(decodeProtectedHeader(await token(published)).kid).to.equal(oldKid);
    expect(published.jwks().keys.map((k) => (k as { kid: string }).kid)).to.deep.equal([
      oldKid,
      newKid,
    ]);
    expect(await verifies(published, oldToken)).to.equal(true);

    // 2. Make it active: the new key signs; tokens of the old one still verify.
    const v3 = keys('v3.json', 'activate', v2, newKid!);
    expect(kids(v3)).to.deep.equal([newKid, oldKid]);
    const active = serverWith(v3);
    const newToken = await token(active);
    expect(decodeProtectedHeader(newToken).kid).to.equal(newKid);
    expect(await verifies(active, oldToken)).to.equal(true);
    expect(await verifies(published, newToken), 'a server still on step 1 verifies it').to.equal(
      true,
    );

    // 3. After the longest token lifetime, drop the old key: only its tokens stop verifying.
    const v4 = keys('v4.json', 'remove', v3, oldKid!);
    expect(kids(v4)).to.deep.equal([newKid]);
    const after = serverWith(v4);
    expect(await verifies(after, newToken)).to.equal(true);
    expect(await verifies(after, oldToken)).to.equal(false);
    expect(after.jwks().keys.map((k) => (k as { kid: string }).kid)).to.deep.equal([newKid]);
  });

  describe('refusals', () => {
    const set = () => keys('set.json');
    const cases: [string, () => string[], number, RegExp][] = [
      ['an unknown algorithm', () => ['RS1'], 2, /unknown command or algorithm "RS1"/],
      ['an unknown algorithm to add', () => ['add', set(), 'RS1'], 2, /unknown algorithm "RS1"/],
      ['an unknown command', () => ['rotate', set()], 2, /unknown command or algorithm "rotate"/],
      ['add without a file', () => ['add'], 2, /a FILE is needed/],
      ['a file that does not exist', () => ['add', join(dir, 'nope.json')], 1, /cannot read/],
      [
        'a file that is not a private JWK Set',
        () => {
          const file = join(dir, 'public.json');
          writeFileSync(
            file,
            JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b' }] }),
          );
          return ['add', file];
        },
        1,
        /key 0: a signing key JWK must be a private key/,
      ],
      ['activate without a kid', () => ['activate', set()], 2, /a KID is needed/],
      ['activate of an unknown kid', () => ['activate', set(), 'nope'], 1, /has no key "nope"/],
      [
        'remove of the only key',
        () => {
          const file = set();
          return ['remove', file, kids(file)[0]!];
        },
        1,
        /is the only key/,
      ],
      [
        'remove of the key that signs',
        () => {
          const file = keys('two.json', 'add', set());
          return ['remove', file, kids(file)[0]!];
        },
        1,
        /is the key that signs \(the first\); activate another one first/,
      ],
    ];
    for (const [label, args, status, message] of cases) {
      it(`${label} → exit ${status}, the reason on stderr, nothing on stdout`, () => {
        const result = runKeysCommand(args());
        expect(result.status).to.equal(status);
        expect(result.stdout).to.equal('');
        expect(result.stderr).to.match(message);
      });
    }
  });
});

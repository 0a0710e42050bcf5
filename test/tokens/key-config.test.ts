import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { generateSigningKeySet, loadSigningKeys, parseSigningKeys, Provider } from '../../index.js';
import { providerOptions, secrets } from '../support/fixtures.js';

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('signing keys from configuration', () => {
  it('parses a private JWK Set: kid and alg kept, first key first', () => {
    const set = JSON.parse(generateSigningKeySet('ES256')) as {
      keys: { kid: string; d?: string }[];
    };
    const second = JSON.parse(generateSigningKeySet('EdDSA')) as { keys: { kid: string }[] };
    const keys = parseSigningKeys(JSON.stringify({ keys: [...set.keys, ...second.keys] }));
    expect(keys.map((k) => [k.kid, k.alg])).to.deep.equal([
      [set.keys[0]!.kid, 'ES256'],
      [second.keys[0]!.kid, 'EdDSA'],
    ]);
    expect(set.keys[0]!.d).to.be.a('string');
  });

  it('parses several PKCS#8 PEM blocks', () => {
    const pem = (curve: string) =>
      generateKeyPairSync('ec', { namedCurve: curve })
        .privateKey.export({ format: 'pem', type: 'pkcs8' })
        .toString();
    const keys = parseSigningKeys(`${pem('P-256')}\n${pem('P-384')}`);
    expect(keys.map((k) => k.alg)).to.deep.equal(['ES256', 'ES384']);
  });

  it('names what is wrong', () => {
    expect(() => parseSigningKeys('')).to.throw(TypeError, /empty/);
    expect(() => parseSigningKeys('{nope')).to.throw(TypeError, /not valid JSON/);
    expect(() => parseSigningKeys('{"keys":[]}')).to.throw(TypeError, /non-empty "keys"/);
    expect(() => parseSigningKeys('hello')).to.throw(TypeError, /neither a JWK Set nor PKCS#8 PEM/);
    const pub = JSON.parse(generateSigningKeySet()) as { keys: Record<string, unknown>[] };
    delete pub.keys[0]!['d'];
    expect(() => parseSigningKeys(JSON.stringify(pub))).to.throw(TypeError, /key 0: .*private/);
  });

  it('loads from a file or from text, and gives undefined when neither is set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keys-'));
    try {
      const text = generateSigningKeySet();
      writeFileSync(join(dir, 'keys.json'), text);
      const kid = (JSON.parse(text) as { keys: { kid: string }[] }).keys[0]!.kid;
      expect(loadSigningKeys({ file: join(dir, 'keys.json') })?.[0]?.kid).to.equal(kid);
      expect(loadSigningKeys({ text })?.[0]?.kid).to.equal(kid);
      expect(loadSigningKeys({ text: '', file: '' })).to.equal(undefined);
      expect(() => loadSigningKeys({ file: join(dir, 'missing.json') })).to.throw(
        TypeError,
        /cannot read/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("lets two providers with the same keys publish the same JWKS and verify each other's tokens", async () => {
    const text = generateSigningKeySet();
    const a = new Provider(providerOptions({ signingKeys: loadSigningKeys({ text }) }));
    const b = new Provider(providerOptions({ signingKeys: loadSigningKeys({ text }) }));
    expect(a.jwks()).to.deep.equal(b.jwks());
    const res = await a.token({
      params: { grant_type: 'client_credentials' },
      authorization: basic('service', secrets.service.secret),
    });
    const token = (res.body as { access_token: string }).access_token;
    // b has its own token store, so only the signature check can pass there.
    const info = await b.verifyAccessToken(token, { checkRevocation: false });
    expect(info.clientId).to.equal('service');
  });

  it('npm run keys prints a usable private JWK Set', () => {
    const out = execFileSync('npm', ['run', '--silent', 'keys', '--', 'EdDSA'], {
      encoding: 'utf8',
    });
    const keys = parseSigningKeys(out);
    expect(keys).to.have.length(1);
    expect(keys[0]?.alg).to.equal('EdDSA');
  });
});

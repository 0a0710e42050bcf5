/**
 * The published package: `npm pack`, install the tarball into an empty project,
 * import the API from JavaScript, type-check a TypeScript consumer against the
 * shipped declarations, and run the package's command (`npx oauth2-stateless keys`).
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const run = (cmd: string, args: string[], cwd: string): string =>
  execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false' },
  });

describe('npm package', function () {
  this.timeout(240_000);
  let dir: string;
  let consumer: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'oauth2-stateless-pack-'));
    run('npm', ['pack', '--silent', '--pack-destination', dir], root);
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    if (tarball === undefined) throw new Error('npm pack made no tarball');
    consumer = join(dir, 'consumer');
    run('mkdir', ['-p', consumer], dir);
    writeFileSync(
      join(consumer, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-save',
        join(dir, tarball),
        'express@5',
        '@types/express@5',
        '@types/node@20',
      ],
      consumer,
    );
  });

  after(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('ships the build, the views and the README, and no tests or sources', () => {
    const files = run(
      'tar',
      ['-tzf', readdirSync(dir).find((f) => f.endsWith('.tgz'))!],
      dir,
    ).split('\n');
    expect(files).to.include('package/dist/index.js');
    expect(files).to.include('package/dist/index.d.ts');
    expect(files).to.include('package/README.md');
    expect(files).to.include('package/dist/lib/stores/sql/schema.mysql.sql');
    expect(files).to.include('package/dist/lib/stores/sql/schema.postgres.sql');
    expect(files).to.include('package/views/oauth2/consent.ejs');
    expect(files).to.include('package/views/oauth2/error.ejs');
    expect(files).to.include('package/dist/lib/cli/bin.js');
    expect(files).to.include('package/dist/lib/stores/redis.js');
    expect(
      files.filter((f) => f.startsWith('package/test/') || f.startsWith('package/lib/')),
    ).to.deep.equal([]);
  });

  it('imports from plain JavaScript and issues a token', () => {
    writeFileSync(
      join(consumer, 'smoke.mjs'),
      `import { createAuthorizationServer, generateClientSecret } from 'oauth2-stateless';
const s = generateClientSecret();
const oauth = createAuthorizationServer({ issuer: 'https://auth.example', clients: [{ id: 'c', secretHash: s.secretHash, grantTypes: ['client_credentials'] }] });
const res = await oauth.provider.token({ params: { grant_type: 'client_credentials' }, authorization: 'Basic ' + Buffer.from('c:' + s.secret).toString('base64') });
console.log(JSON.stringify({ status: res.status, type: res.body.token_type }));`,
    );
    expect(JSON.parse(run('node', ['smoke.mjs'], consumer))).to.deep.equal({
      status: 200,
      type: 'Bearer',
    });
    // The store modules load without their drivers installed (they import only types).
    writeFileSync(
      join(consumer, 'stores.mjs'),
      `import { redisStores } from 'oauth2-stateless/stores/redis';
import { memcacheStores } from 'oauth2-stateless/stores/memcache';
import { dynamoStores, createDynamoTable } from 'oauth2-stateless/stores/dynamodb';
import { mongoStores } from 'oauth2-stateless/stores/mongodb';
import { sqlStores, schemaStatements } from 'oauth2-stateless/stores/sql';
import { fetchHandler, Provider } from 'oauth2-stateless/fetch';
console.log(JSON.stringify([typeof redisStores, typeof memcacheStores, typeof dynamoStores, typeof createDynamoTable, typeof mongoStores, typeof sqlStores, schemaStatements('postgres').length > 0, typeof fetchHandler, typeof Provider]));`,
    );
    expect(JSON.parse(run('node', ['stores.mjs'], consumer))).to.deep.equal([
      'function',
      'function',
      'function',
      'function',
      'function',
      'function',
      true,
      'function',
      'function',
    ]);
  });

  it('npx oauth2-stateless keys prints a private JWK Set the package loads and signs with', () => {
    const text = run('npx', ['--no-install', 'oauth2-stateless', 'keys'], consumer);
    const set = JSON.parse(text) as { keys: { kid: string; d?: string; alg: string }[] };
    expect(set.keys).to.have.length(1);
    expect(set.keys[0]!.alg).to.equal('ES256');
    expect(set.keys[0]!.d).to.be.a('string');
    writeFileSync(join(consumer, 'keys.json'), text);
    writeFileSync(
      join(consumer, 'keys.mjs'),
      `import { createAuthorizationServer, generateClientSecret, loadSigningKeys } from 'oauth2-stateless';
const s = generateClientSecret();
const oauth = createAuthorizationServer({ issuer: 'https://auth.example', signingKeys: loadSigningKeys({ file: 'keys.json' }), clients: [{ id: 'c', secretHash: s.secretHash, grantTypes: ['client_credentials'] }] });
const res = await oauth.provider.token({ params: { grant_type: 'client_credentials' }, authorization: 'Basic ' + Buffer.from('c:' + s.secret).toString('base64') });
const header = JSON.parse(Buffer.from(res.body.access_token.split('.')[0], 'base64url'));
console.log(JSON.stringify({ kid: header.kid, published: oauth.provider.jwks().keys.map((k) => k.kid) }));`,
    );
    const kid = set.keys[0]!.kid;
    expect(JSON.parse(run('node', ['keys.mjs'], consumer))).to.deep.equal({
      kid,
      published: [kid],
    });
    // The rotation commands work from the package too.
    const rotated = JSON.parse(
      run('npx', ['--no-install', 'oauth2-stateless', 'keys', 'add', 'keys.json'], consumer),
    ) as { keys: { kid: string }[] };
    expect(rotated.keys.map((k) => k.kid)[0]).to.equal(kid);
    expect(rotated.keys).to.have.length(2);
  });

  it('type-checks a TypeScript consumer against the shipped declarations', () => {
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          types: ['node'],
        },
        files: ['app.ts'],
      }),
    );
    writeFileSync(
      join(consumer, 'app.ts'),
      `import express from 'express';
import { createAuthorizationServer, type ProviderOptions, type AccessTokenInfo } from 'oauth2-stateless';
const options: ProviderOptions = { issuer: 'https://auth.example', scopes: { available: ['read'] } };
const oauth = createAuthorizationServer(options);
const app = express();
app.use(oauth.router());
app.get('/api', oauth.protect({ scope: 'read' }), (req, res) => {
  const info: AccessTokenInfo | undefined = req.oauth2?.token;
  res.json({ sub: info?.subject });
});
`,
    );
    // A type error makes tsc exit non-zero, which throws here with its output.
    run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], consumer);
    writeFileSync(
      join(consumer, 'app.ts'),
      `import { createAuthorizationServer } from 'oauth2-stateless';\ncreateAuthorizationServer({ issuer: 42 });\n`,
    );
    expect(() =>
      run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], consumer),
    ).to.throw();
  });
});

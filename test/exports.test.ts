/**
 * The public API is a contract: the run-time names of each entry are pinned here,
 * so adding or removing one is a decision made in review, not an accident of a
 * re-export. The `oauth2-stateless/fetch` entry must not load Express, EJS or
 * Passport: its run-time import graph is walked from the sources.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const MAIN = [
  'ACCESS_TOKEN_TYPE',
  'AccessDeniedError',
  'AuthorizationPendingError',
  'CLIENT_AUTHENTICATION_FAILED',
  'ConsentRequiredError',
  'DEVICE_CODE_GRANT_TYPE',
  'ExpiredTokenError',
  'INVALID_GRANT',
  'InsufficientScopeError',
  'InvalidClientError',
  'InvalidClientMetadataError',
  'InvalidDpopProofError',
  'InvalidGrantError',
  'InvalidRedirectUriError',
  'InvalidRequestError',
  'InvalidRequestUriError',
  'InvalidScopeError',
  'InvalidTargetError',
  'InvalidTokenError',
  'KeySet',
  'LoginRequiredError',
  'METADATA_PATH',
  'MemoryRecordStore',
  'OAuthError',
  'Provider',
  'RecordAccessTokenStore',
  'RecordAuthorizationCodeStore',
  'RecordClientStore',
  'RecordConsentStore',
  'RecordDeviceCodeStore',
  'RecordRefreshTokenStore',
  'ScopePolicy',
  'ServerError',
  'SetupError',
  'SlowDownError',
  'StoreUnavailableError',
  'TOKEN_EXCHANGE_GRANT_TYPE',
  'TemporarilyUnavailableError',
  'TooManyFailuresError',
  'UnauthorizedClientError',
  'UnsupportedGrantTypeError',
  'UnsupportedResponseTypeError',
  'UnsupportedTokenTypeError',
  'UseDpopNonceError',
  'consoleLogger',
  'createAuthorizationServer',
  'defineClient',
  'fetchHandler',
  'fetchProtectedResource',
  'generateClientSecret',
  'generateSigningKey',
  'generateSigningKeySet',
  'hasScopes',
  'hashClientSecret',
  'importSigningKey',
  'isPublicClient',
  'jwkThumbprint',
  'loadSigningKeys',
  'matchRedirectUri',
  'memoryStores',
  'parseSigningKeys',
  'passportSiteAdapter',
  'randomTokenGenerator',
  'recordStores',
  's256Challenge',
  'silentLogger',
  'uuid4TokenGenerator',
  'verifyBearer',
  'verifyClientSecret',
  'verifyCodeChallenge',
];

const FETCH = [
  'InvalidClientError',
  'InvalidGrantError',
  'InvalidRequestError',
  'MemoryRecordStore',
  'OAuthError',
  'Provider',
  'StoreUnavailableError',
  'defineClient',
  'fetchHandler',
  'fetchProtectedResource',
  'generateClientSecret',
  'hashClientSecret',
  'loadSigningKeys',
  'memoryStores',
  'parseSigningKeys',
  'verifyBearer',
];

/** Every bare package a module loads at run time, following its relative imports (type-only imports do not load anything). */
function runtimePackages(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const imports = /^(?:import|export)\s+(?!type\b)[^;]*?\bfrom\s+'([^']+)'|^import\s+'([^']+)'/gm;
    for (const match of source.matchAll(imports)) {
      const spec = match[1] ?? match[2] ?? '';
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (!spec.startsWith('node:')) packages.add(spec.split('/')[0] ?? spec);
    }
  };
  visit(entry);
  return packages;
}

describe('public API', () => {
  it('the main entry exports exactly the pinned names', async () => {
    const api = await import('../index.js');
    expect(Object.keys(api).sort()).to.deep.equal(MAIN);
  });

  it("'oauth2-stateless/fetch' exports exactly the pinned names", async () => {
    const api = await import('../lib/fetch.js');
    expect(Object.keys(api).sort()).to.deep.equal(FETCH);
  });

  it("'oauth2-stateless/fetch' loads neither express, ejs, passport nor express-session", () => {
    const loaded = runtimePackages(resolve(ROOT, 'lib/fetch.ts'));
    expect([...loaded].sort()).to.deep.equal(['rate-limiter-flexible']);
    // The walker sees what the main entry loads, so the check above can fail.
    expect(runtimePackages(resolve(ROOT, 'index.ts'))).to.include.members(['express', 'ejs']);
  });

  it('package.json: passport and express-session are optional peers, never dependencies', () => {
    const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
      exports: Record<string, unknown>;
    };
    for (const name of ['passport', 'express-session', '@types/express']) {
      expect(pkg.dependencies, name).not.to.have.property(name);
      expect(pkg.peerDependencies, name).to.have.property(name);
      expect(pkg.peerDependenciesMeta[name]?.optional, name).to.equal(true);
    }
    expect(Object.keys(pkg.exports)).to.include.members(['./fetch', './stores/sql']);
  });
});

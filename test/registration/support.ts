/**
 * The fixture of the registration tests: an Express app with `oauth.router()` and
 * registration open (or as the test says), one configured client, and helpers
 * that register, read, update and delete with supertest.
 */
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import {
  createAuthorizationServer,
  generateClientSecret,
  type AuthorizationServer,
  type ProviderOptions,
} from '../../index.js';
import { frozenClock, type FrozenClock } from '../support/fixtures.js';

export const ISSUER = 'https://auth.example.test';
export const WEB_CB = 'https://app.example.test/callback';
export const configuredSecret = generateClientSecret();

export interface RegistrationApp {
  app: express.Express;
  oauth: AuthorizationServer;
  clock: FrozenClock;
}

/** An app with `router()`; registration open unless `overrides` says otherwise. */
export function registrationApp(overrides: Partial<ProviderOptions> = {}): RegistrationApp {
  const clock = frozenClock();
  const oauth = createAuthorizationServer({
    issuer: ISSUER,
    scopes: { available: ['read', 'write', 'profile'], default: ['read'] },
    clients: [
      {
        id: 'configured',
        secretHash: configuredSecret.secretHash,
        redirectUris: [WEB_CB],
        grantTypes: ['authorization_code', 'client_credentials'],
      },
    ],
    registration: { policy: 'open' },
    clock,
    ...overrides,
  });
  const app = express();
  app.set('trust proxy', true);
  app.use(oauth.router());
  return { app, oauth, clock };
}

/** POSTs `body` as JSON to /register (from `ip`, via X-Forwarded-For). */
export function register(
  app: express.Express,
  body: unknown,
  headers: Record<string, string> = {},
): request.Test {
  return request(app)
    .post('/register')
    .set('Content-Type', 'application/json')
    .set('X-Forwarded-For', headers['ip'] ?? '192.0.2.1')
    .set(Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'ip')))
    .send(typeof body === 'string' ? body : JSON.stringify(body));
}

/** The path of a `registration_client_uri`. */
export function pathOf(uri: string): string {
  return new URL(uri).pathname;
}

/** Expects a JSON error answer with exactly this status, code and description, and no-store. */
export function expectError(
  res: request.Response,
  status: number,
  error: string,
  description: string,
): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expect(res.body).to.deep.equal({ error, error_description: description });
  expect(res.headers['cache-control']).to.equal('no-store');
  expect(res.headers['content-type']).to.equal('application/json; charset=utf-8');
}

/** A native public client as today's MCP SDK registers it. */
export const MCP_CLIENT = Object.freeze({
  client_name: 'MCP client',
  redirect_uris: ['http://127.0.0.1:33418/callback'],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
});

/** A confidential web client. */
export const WEB_CLIENT = Object.freeze({
  client_name: 'Web app',
  redirect_uris: [WEB_CB],
  grant_types: ['authorization_code', 'refresh_token'],
  token_endpoint_auth_method: 'client_secret_basic',
  scope: 'read profile',
});

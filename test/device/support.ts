/**
 * The fixture of the device flow tests (RFC 8628): the authorization endpoint
 * tests' Express app (express-session, Passport, `router({ authorize: { loginUrl } })`)
 * with `grants.deviceCode` on and device clients added, plus helpers that start
 * a device authorization, poll, and drive the verification page.
 */
import { expect } from 'chai';
import request from 'supertest';
import {
  DEVICE_CODE_GRANT_TYPE,
  generateClientSecret,
  type ClientConfig,
  type DeviceCodeGrantOptions,
} from '../../index.js';
import {
  authorizeApp,
  CLIENTS,
  type Agent,
  type AuthorizeApp,
  type AuthorizeAppOptions,
} from '../support/authorize-app.js';

export { DEVICE_CODE_GRANT_TYPE };

export const tvSecret = generateClientSecret();

/** The device clients, beside the authorization endpoint tests' clients. */
export const DEVICE_CLIENTS: readonly ClientConfig[] = [
  {
    id: 'tv',
    name: 'Living Room TV',
    tokenEndpointAuthMethods: ['none'],
    grantTypes: [DEVICE_CODE_GRANT_TYPE, 'refresh_token'],
  },
  {
    id: 'console',
    name: 'Game Console',
    tokenEndpointAuthMethods: ['none'],
    grantTypes: [DEVICE_CODE_GRANT_TYPE],
    scopes: ['profile'],
  },
  {
    id: 'tv-confidential',
    name: 'Hotel TV',
    secretHash: tvSecret.secretHash,
    grantTypes: [DEVICE_CODE_GRANT_TYPE],
  },
  {
    id: 'evil-tv',
    name: `<script>alert("tv")</script> & 'co'`,
    tokenEndpointAuthMethods: ['none'],
    grantTypes: [DEVICE_CODE_GRANT_TYPE],
  },
];

export interface DeviceAppOptions extends AuthorizeAppOptions {
  /** `grants.deviceCode`. Default `true`. */
  device?: true | DeviceCodeGrantOptions;
}

/** The app, with the device grant on and the device clients. */
export function deviceApp(options: DeviceAppOptions = {}): AuthorizeApp {
  const { device, ...rest } = options;
  return authorizeApp({
    ...rest,
    provider: {
      clients: [...CLIENTS, ...DEVICE_CLIENTS],
      grants: { deviceCode: device ?? true },
      ...rest.provider,
    },
  });
}

/** The RFC 8628 3.2 answer. */
export interface Started {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

/** POSTs a device authorization request. */
export function deviceAuthorization(
  app: AuthorizeApp['app'],
  fields: Record<string, string>,
): request.Test {
  return request(app).post('/device_authorization').type('form').send(fields);
}

/** Starts a device authorization for `client_id` (default `tv`, scope `profile read`); expects 200. */
export async function start(
  app: AuthorizeApp['app'],
  fields: Record<string, string> = {},
): Promise<Started> {
  const res = await deviceAuthorization(app, { client_id: 'tv', scope: 'profile read', ...fields });
  expect(res.status, JSON.stringify(res.body)).to.equal(200);
  return res.body as Started;
}

/** Polls the token endpoint as a public client (default `tv`). */
export function poll(
  app: AuthorizeApp['app'],
  deviceCode: string,
  fields: Record<string, string> = {},
): request.Test {
  return request(app)
    .post('/token')
    .type('form')
    .send({
      grant_type: DEVICE_CODE_GRANT_TYPE,
      client_id: 'tv',
      device_code: deviceCode,
      ...fields,
    });
}

/** Expects an RFC 6749 5.2 error body, exactly, with no-store headers. */
export function expectOAuthError(
  res: request.Response,
  status: number,
  error: string,
  description: string,
): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expect(res.body).to.deep.equal({ error, error_description: description });
  expect(res.headers['cache-control']).to.equal('no-store');
  expect(res.headers['content-type']).to.match(/^application\/json/);
}

/** The hidden fields and input value of a page's form. */
export function hidden(html: string, name: string): string {
  const match = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(html);
  if (match === null) throw new Error(`no hidden ${name} in:\n${html}`);
  return match[1] as string;
}

/** GETs the device page (expects 200) and returns its CSRF token. */
export async function formToken(agent: Agent, path = '/device'): Promise<string> {
  const res = await agent.get(path);
  expect(res.status, res.text).to.equal(200);
  return hidden(res.text, 'csrf_token');
}

/** Enters a user code on the device page (getting the form first). */
export async function enterCode(agent: Agent, userCode: string): Promise<request.Response> {
  const csrf = await formToken(agent);
  return agent.post('/device').type('form').send({ csrf_token: csrf, user_code: userCode });
}

/** Enters a code as a signed-in user and returns the consent form's fields (expects the consent page). */
export async function consentFor(
  agent: Agent,
  userCode: string,
): Promise<{ html: string; transaction_id: string; csrf_token: string }> {
  const res = await enterCode(agent, userCode);
  expect(res.status, res.text).to.equal(200);
  return {
    html: res.text,
    transaction_id: hidden(res.text, 'transaction_id'),
    csrf_token: hidden(res.text, 'csrf_token'),
  };
}

/** Answers the consent page. */
export function answer(
  agent: Agent,
  form: { transaction_id: string; csrf_token: string },
  decision: string,
): request.Test {
  return agent
    .post('/device')
    .type('form')
    .send({ transaction_id: form.transaction_id, csrf_token: form.csrf_token, decision });
}

/** Asserts an HTML page with the page headers (no-store, anti-framing). */
export function expectPage(res: request.Response, status: number): void {
  expect(res.status, res.text).to.equal(status);
  expect(res.headers['content-type']).to.match(/^text\/html/);
  expect(res.headers['cache-control']).to.equal('no-store');
  expect(res.headers['x-frame-options']).to.equal('DENY');
  expect(res.headers['content-security-policy']).to.equal("frame-ancestors 'none'");
}

/** The message paragraph of the device page, or undefined. */
export function pageMessage(html: string): string | undefined {
  return /<p class="message" role="alert">([^<]*)<\/p>/.exec(html)?.[1];
}

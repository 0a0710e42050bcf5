/**
 * What the UserInfo tests of the Fetch adapter share: a provider with OpenID
 * Connect on (a frozen clock, the fixtures' clients plus `machine`, a
 * client_credentials client allowed `openid`), served both by `router()` in an
 * Express app and by `fetchHandler()`, and tokens minted through the Fetch
 * token endpoint (the password grant of `cli` for Alice, optionally DPoP-bound).
 */
import { expect } from 'chai';
import express from 'express';
import {
  createAuthorizationServer,
  fetchHandler,
  generateClientSecret,
  type AuthorizationServer,
  type ClientConfig,
  type FetchHandler,
  type ProviderOptions,
} from '../../index.js';
import { proof, type ProofKey } from '../dpop/resource-support.js';
import {
  frozenClock,
  ISSUER,
  providerOptions,
  secrets,
  type FrozenClock,
} from '../support/fixtures.js';
import { basic } from './token-assertions.js';

export const FORM = 'application/x-www-form-urlencoded';
export const USERINFO = `${ISSUER}/userinfo`;
export const MACHINE = generateClientSecret();
/** Alice's claims as the host knows them, with a forged `sub` and a claim no scope asks for. */
export const ALICE = Object.freeze({
  sub: 'forged',
  name: 'Alice Liddell',
  email: 'alice@example.com',
  email_verified: true,
  secret_flag: true,
});

export interface UserInfoSetup {
  clock: FrozenClock;
  oauth: AuthorizationServer;
  app: express.Express;
  handle: FetchHandler;
  /** The subjects `claims()` was asked for, in order. */
  calls: string[];
}

/** The provider (see the module comment), `overrides` on top. */
export function userInfoSetup(overrides: Partial<ProviderOptions> = {}): UserInfoSetup {
  const clock = frozenClock();
  const calls: string[] = [];
  const machine: ClientConfig = {
    id: 'machine',
    secretHash: MACHINE.secretHash,
    grantTypes: ['client_credentials'],
    scopes: ['openid', 'profile'],
  };
  const clients = [...(providerOptions().clients as readonly ClientConfig[]), machine];
  const oauth = createAuthorizationServer(
    providerOptions({
      clock,
      clients,
      scopes: { available: ['read', 'write', 'profile', 'email', 'openid'], default: ['read'] },
      openid: {
        claims: (subject) => {
          calls.push(subject);
          return { ...ALICE };
        },
      },
      ...overrides,
    }),
  );
  const app = express();
  app.use(oauth.router());
  return { clock, oauth, app, handle: fetchHandler(oauth.provider), calls };
}

/** The Fetch handler's answer; fails when it leaves the request to the host. */
export async function answer(setup: UserInfoSetup, request: Request): Promise<Response> {
  const response = await setup.handle(request);
  if (response === undefined) throw new Error(`fetchHandler did not answer ${request.url}`);
  return response;
}

/** The URL of an endpoint of `setup`'s issuer, e.g. `https://auth.example.test/userinfo`. */
export function urlOf(setup: UserInfoSetup, path: string): string {
  return `${setup.oauth.provider.config.issuer}${path}`;
}

interface TokenBody {
  access_token: string;
  token_type: string;
}

async function tokenFrom(
  setup: UserInfoSetup,
  headers: Record<string, string>,
  body: string,
): Promise<TokenBody> {
  const response = await answer(
    setup,
    new Request(urlOf(setup, '/token'), { method: 'POST', headers, body }),
  );
  const json = (await response.json()) as TokenBody;
  expect(response.status, JSON.stringify(json)).to.equal(200);
  return json;
}

/** A token request with a DPoP proof of `key`; with server nonces, again with the one it was given. */
async function boundTokenFrom(
  setup: UserInfoSetup,
  key: ProofKey,
  headers: Record<string, string>,
  body: string,
): Promise<TokenBody> {
  const send = async (nonce?: string) => {
    const htu = urlOf(setup, '/token');
    const dpop = await proof(key, setup.clock, { htm: 'POST', htu, nonce });
    const request = new Request(htu, { method: 'POST', headers: { ...headers, DPoP: dpop }, body });
    return answer(setup, request);
  };
  let response = await send();
  const nonce = response.headers.get('dpop-nonce');
  if (response.status === 400 && nonce !== null) response = await send(nonce);
  const json = (await response.json()) as TokenBody;
  expect(response.status, JSON.stringify(json)).to.equal(200);
  return json;
}

/** Alice's access token for `cli` with `scope` (and `extra` form fields), DPoP-bound to `key` when given. */
export async function aliceToken(
  setup: UserInfoSetup,
  scope = 'openid profile',
  key?: ProofKey,
  extra: Record<string, string> = {},
): Promise<string> {
  const headers: Record<string, string> = {
    'Content-Type': FORM,
    Authorization: basic('cli', secrets.cli.secret),
  };
  const form = new URLSearchParams({
    grant_type: 'password',
    username: 'alice',
    password: 'wonderland',
    scope,
    ...extra,
  }).toString();
  const json =
    key === undefined
      ? await tokenFrom(setup, headers, form)
      : await boundTokenFrom(setup, key, headers, form);
  expect(json.token_type).to.equal(key === undefined ? 'Bearer' : 'DPoP');
  return json.access_token;
}

/** A client_credentials token of `machine` carrying `openid profile`. */
export async function machineToken(setup: UserInfoSetup): Promise<string> {
  const headers = { 'Content-Type': FORM, Authorization: basic('machine', MACHINE.secret) };
  const json = await tokenFrom(
    setup,
    headers,
    'grant_type=client_credentials&scope=openid+profile',
  );
  return json.access_token;
}

/** A request to UserInfo: `GET` at {@link USERINFO} unless told otherwise. */
export function userInfoRequest(
  init: {
    method?: string;
    url?: string;
    headers?: Record<string, string>;
    body?: RequestInit['body'];
  } = {},
): Request {
  const request: RequestInit = { method: init.method ?? 'GET', headers: init.headers ?? {} };
  if (init.body !== undefined) request.body = init.body;
  return new Request(init.url ?? USERINFO, request);
}

/** The `Cache-Control`/`Pragma` pair every UserInfo answer carries. */
export function expectNoStore(response: Response): void {
  expect(response.headers.get('cache-control')).to.equal('no-store');
  expect(response.headers.get('pragma')).to.equal('no-cache');
}

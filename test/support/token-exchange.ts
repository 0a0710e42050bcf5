/**
 * The fixture of the token exchange tests (RFC 8693): a provider with the
 * grant on, the clients that may and may not exchange, a resource, and helpers
 * that get a subject token and send an exchange through the engine.
 *
 * Clients, besides those of ./fixtures.ts (`web`, `service`, `cli`, …):
 * - `gateway`: confidential; token exchange, password (so it can hold an actor
 *   token of its own for a user) and client_credentials;
 * - `downstream`: confidential; token exchange only (exchanges what `gateway` got);
 * - `public-exchanger`: public (auth `none`), lists token exchange.
 */
import { expect } from 'chai';
import {
  generateClientSecret,
  INVALID_GRANT,
  Provider,
  TOKEN_EXCHANGE_GRANT_TYPE,
  ACCESS_TOKEN_TYPE,
  type ClientConfig,
  type EngineResponse,
  type ProviderOptions,
  type TokenExchangeOptions,
  type TokenResponseBody,
} from '../../index.js';
import { basic, expectError, expectTokens } from './engine.js';
import { frozenClock, providerOptions, secrets, type FrozenClock } from './fixtures.js';

export { ACCESS_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT_TYPE };

/** A configured resource (RFC 8707) that accepts `read` only. */
export const ORDERS = 'https://orders.example.test/';

export const gatewaySecret = generateClientSecret();
export const downstreamSecret = generateClientSecret();
export const GATEWAY = basic('gateway', gatewaySecret.secret);
export const DOWNSTREAM = basic('downstream', downstreamSecret.secret);
export const CLI = basic('cli', secrets.cli.secret);
export const WEB = basic('web', secrets.web.secret);

const EXCHANGE_CLIENTS: ClientConfig[] = [
  {
    id: 'gateway',
    secretHash: gatewaySecret.secretHash,
    grantTypes: [TOKEN_EXCHANGE_GRANT_TYPE, 'password', 'client_credentials'],
    scopes: ['write'],
  },
  {
    id: 'downstream',
    secretHash: downstreamSecret.secretHash,
    grantTypes: [TOKEN_EXCHANGE_GRANT_TYPE],
  },
  {
    id: 'public-exchanger',
    tokenEndpointAuthMethods: ['none'],
    grantTypes: [TOKEN_EXCHANGE_GRANT_TYPE],
  },
];

/** Users of the password grant: alice, and bob (an administrator acting for others). */
const USERS: Record<string, string> = { alice: 'user-alice', bob: 'user-bob' };

/**
 * Provider options: the fixture's clients plus those above, the `ORDERS`
 * resource, password grants for alice and bob, and token exchange with `exchange`.
 */
export function exchangeOptions(
  clock: FrozenClock,
  exchange: boolean | TokenExchangeOptions = true,
  overrides: Partial<ProviderOptions> = {},
): ProviderOptions {
  const base = providerOptions();
  return {
    ...base,
    clock,
    clients: [...(base.clients as ClientConfig[]), ...EXCHANGE_CLIENTS],
    resources: [{ resource: ORDERS, scopes: ['read'] }],
    grants: {
      password: {
        async verify({ username, password }) {
          const subject = USERS[username];
          return subject !== undefined && password === 'wonderland' ? { subject } : undefined;
        },
      },
      tokenExchange: exchange,
    },
    ...overrides,
  };
}

/** A fresh frozen clock and a provider over {@link exchangeOptions}. */
export function exchangeProvider(
  exchange: boolean | TokenExchangeOptions = true,
  overrides: Partial<ProviderOptions> = {},
): { provider: Provider; clock: FrozenClock } {
  const clock = frozenClock();
  return { provider: new Provider(exchangeOptions(clock, exchange, overrides)), clock };
}

/** A password-grant access token of `username` for `cli` (or `client`), with `scope`. */
export async function userToken(
  provider: Provider,
  options: { username?: string; scope?: string; authorization?: string; resource?: string } = {},
): Promise<string> {
  const res = await provider.token({
    params: {
      grant_type: 'password',
      username: options.username ?? 'alice',
      password: 'wonderland',
      scope: options.scope ?? 'read profile',
      ...(options.resource === undefined ? {} : { resource: options.resource }),
    },
    authorization: options.authorization ?? CLI,
  });
  return expectTokens(res).access_token;
}

/** The parameters of an exchange of `subjectToken`, with `extra` added (undefined drops one). */
export function exchangeParams(
  subjectToken: string,
  extra: Record<string, string | undefined> = {},
): Record<string, string> {
  const params: Record<string, string | undefined> = {
    grant_type: TOKEN_EXCHANGE_GRANT_TYPE,
    subject_token: subjectToken,
    subject_token_type: ACCESS_TOKEN_TYPE,
    ...extra,
  };
  return Object.fromEntries(
    Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined),
  );
}

/** Sends an exchange as `authorization` (default `gateway`). */
export function exchange(
  provider: Provider,
  subjectToken: string,
  extra: Record<string, string | undefined> = {},
  options: { authorization?: string; lists?: Record<string, string[]> } = {},
): Promise<EngineResponse> {
  return provider.token({
    params: exchangeParams(subjectToken, extra),
    authorization: options.authorization ?? GATEWAY,
    ...(options.lists === undefined ? {} : { lists: options.lists }),
  });
}

/** Expects an exchange's success body (RFC 8693 2.2.1) and returns it. */
export function expectExchanged(res: EngineResponse): TokenResponseBody {
  const body = expectTokens(res);
  expect(res.headers['Cache-Control']).to.equal('no-store');
  expect(body.issued_token_type).to.equal(ACCESS_TOKEN_TYPE);
  expect(body.token_type).to.equal('Bearer');
  expect(body).to.not.have.property('refresh_token');
  return body;
}

/** Expects the exact error body. */
export function expectErrorBody(
  res: EngineResponse,
  status: number,
  error: string,
  description: string,
): void {
  expectError(res, status, error);
  expect(res.body).to.deep.equal({ error, error_description: description });
}

/** Expects `invalid_grant` with its fixed public text. */
export function expectInvalidGrant(res: EngineResponse): void {
  expectErrorBody(res, 400, 'invalid_grant', INVALID_GRANT);
}

/** The decoded payload of a compact JWS (not verified). */
export function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

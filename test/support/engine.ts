/**
 * Helpers for the grant tests that drive the engine (`provider.token`) without
 * HTTP: client authentication headers, request parameters, and the checks on
 * what the engine answers.
 */
import { expect } from 'chai';
import type { EngineResponse, Provider, TokenResponseBody } from '../../index.js';

/** The `Authorization` header value for HTTP Basic client authentication as `id`. */
export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

/** Drops the parameters given as undefined. */
export function form(params: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined),
  );
}

/** Expects an error response with `status` and the OAuth `error` code. */
export function expectError(res: EngineResponse, status: number, error: string): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expect((res.body as { error?: unknown }).error).to.equal(error);
}

/** Expects a 200 token response and returns its body. */
export function expectTokens(res: EngineResponse): TokenResponseBody {
  expect(res.status, JSON.stringify(res.body)).to.equal(200);
  return res.body as TokenResponseBody;
}

/**
 * Expects a Bearer token response for `scope` (space-separated) with the
 * default 1 h lifetime, whose access token verifies as `subject` and `clientId`
 * with that scope.
 */
export async function expectBearerFor(
  provider: Provider,
  body: TokenResponseBody,
  expected: { subject: string; clientId: string; scope: string },
): Promise<void> {
  expect(body.token_type).to.equal('Bearer');
  expect(body.expires_in).to.equal(3600);
  expect(body.scope).to.equal(expected.scope);
  const info = await provider.verifyAccessToken(body.access_token);
  expect(info.subject).to.equal(expected.subject);
  expect(info.clientId).to.equal(expected.clientId);
  expect(info.scope).to.deep.equal(expected.scope.split(' '));
}

/** Of the answers to parallel uses of one single-use grant, exactly one has tokens and every other is 400 invalid_grant. */
export function expectOneWinner(results: EngineResponse[]): void {
  expect(results.filter((r) => r.status === 200)).to.have.length(1);
  const losers = results.filter((r) => r.status !== 200);
  expect(losers).to.have.length(results.length - 1);
  for (const r of losers) expectError(r, 400, 'invalid_grant');
}

/** What `promise` rejects with; throws if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}

/**
 * What every peer's app shares, so the peers differ only in the library doing the work.
 *
 * Rules:
 * - one client, `bench`, with one generated high-entropy secret (256 bits), allowed
 *   the scopes `read` and `write`, and the `client_credentials` grant only;
 * - where the app checks the secret itself, it keeps only the SHA-256 of the secret
 *   and compares digests in constant time (what this library does for a generated
 *   secret), so no peer gets a cheaper or dearer secret check than another;
 * - tokens live 3600 s everywhere; JWTs are ES256, typ `at+jwt` (RFC 9068);
 * - the API route answers the same small JSON as the baseline, with the client id
 *   taken from the verified token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestListener } from 'node:http';
import type express from 'express';
import { CLIENT_ID, type Format } from '../scenarios.js';

export const ISSUER = 'https://auth.bench.test';
/** The audience of the JWTs and the resource server of oidc-provider. */
export const AUDIENCE = 'https://api.bench.test';
/** Seconds. */
export const TOKEN_TTL = 3600;
export const CLIENT_SCOPES: readonly string[] = Object.freeze(['read', 'write']);
/** The scope the API route requires. */
export const API_SCOPE = 'read';

/** The bench client as each peer's app needs it. */
export interface BenchClient {
  readonly id: typeof CLIENT_ID;
  /** The secret itself, for peers that keep it (oidc-provider compares it as given). */
  readonly secret: string;
  /** This library's `sha256:` hash of it (empty when the library is not in the run). */
  readonly secretHash: string;
}

/** Builds one peer's app: `POST /token` and `GET /api/read`, with fresh storage. */
export type AppFactory = (format: Format, client: BenchClient) => Promise<RequestListener>;

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * A constant-time check of a presented client id and secret against the bench client
 * (SHA-256 digests compared with `timingSafeEqual`).
 */
export function clientMatcher(client: BenchClient): (id: string, secret: string) => boolean {
  const expected = sha256(client.secret);
  return (id, secret) => id === client.id && timingSafeEqual(sha256(secret), expected);
}

/** The requested scopes when every one is allowed to the client, else undefined. */
export function allowedScopes(requested: readonly string[]): string[] | undefined {
  return requested.every((s) => CLIENT_SCOPES.includes(s)) ? [...requested] : undefined;
}

/** The API route's answer, the same small JSON as the baseline. */
export function apiAnswer(res: express.Response, clientId: unknown): void {
  res.json({ ok: true, client_id: clientId });
}

/** Whether a space-separated scope string holds the API's scope. */
export function hasApiScope(scope: unknown): boolean {
  return typeof scope === 'string' && scope.split(' ').includes(API_SCOPE);
}

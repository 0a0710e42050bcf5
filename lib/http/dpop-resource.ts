/**
 * DPoP at a protected resource (RFC 9449 7): what `protect()` and `verifyBearer()`
 * add to the bearer check (./bearer.ts) for `Authorization: DPoP <token>`. It
 * knows no request or response type: the adapters give it the method, the path
 * and the `DPoP` header.
 *
 * Rules:
 * - a route accepts DPoP-bound tokens always; `dpop: 'required'` (RFC 9449 7.2)
 *   makes it refuse the Bearer scheme (then a bare `DPoP` challenge, as for no
 *   credentials), `'allowed'` (the default) takes both schemes;
 * - the proof is checked by the one verifier (lib/dpop/proof.ts, RFC 9449 4.3)
 *   with `htm` = the request's method, `htu` = the route's configured external
 *   origin + the request's path, never the Host or X-Forwarded-* headers (so it
 *   works behind proxies), and `ath` = the hash of the token (RFC 9449 7.1);
 *   the origin is `options.origin`, else the origin of `options.resource`, else
 *   the issuer's;
 * - the token's confirmation `cnf.jkt` (RFC 9449 6) must be the thumbprint of the
 *   proof's key, else 401 `invalid_token` (RFC 9449 7.1's example answers a key
 *   mismatch "Invalid DPoP key binding" with `invalid_token`); a token without
 *   `cnf.jkt` sent with the DPoP scheme is 401 `invalid_token` too;
 * - a DPoP-bound token sent with the Bearer scheme is 401 `invalid_token` (RFC
 *   9449 7.2: the binding may not be downgraded);
 * - a bad proof is 401 `invalid_dpop_proof`; with server nonces on (the
 *   provider's `dpop.nonces`), a proof without the current nonce is 401
 *   `use_dpop_nonce` with a fresh `DPoP-Nonce` header (RFC 9449 9);
 * - checks run cheapest first: the token (a cache hit for a JWT seen before), its
 *   binding, then the proof (a signature and one replay-cache write), so a bad
 *   token costs no store write.
 */
import { InvalidTokenError, OAuthError } from '../errors.js';
import type { Provider } from '../engine/provider.js';
import type { AccessTokenInfo } from '../tokens/checker.js';
import { verifyDpopProof } from '../dpop/proof.js';

/** Whether a route takes DPoP-bound tokens only, or bearer tokens as well. */
export type DpopMode = 'allowed' | 'required';

/** A route's DPoP settings, checked once. */
export interface DpopRoute {
  readonly mode: DpopMode;
  /** The external origin `htu` is built on, e.g. `https://api.example.com`. */
  readonly origin: string;
  /** The `algs` of the `DPoP` challenge: the accepted proof algorithms, space-separated. */
  readonly algs: string;
}

/** What the DPoP check needs of the request, from the adapter. */
export interface ResourceRequest {
  /** The request's method, e.g. `GET`. */
  readonly method: string;
  /** The request's path from the host's root (a query, if any, is ignored). */
  readonly path: string;
  /** The `DPoP` header's value; several headers joined with commas are refused. */
  readonly proof: string | undefined;
}

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/** Checks `origin` (an https origin, http for loopback); the TypeError names `where`. */
function checkOrigin(value: unknown, where: string): string {
  const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined;
  const secure =
    url !== undefined &&
    (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.includes(url.hostname)));
  if (url === undefined || !secure)
    throw new TypeError(
      `${where} must be an https origin (http only for localhost, 127.0.0.1 and [::1]), e.g. "https://api.example.com"`,
    );
  const bare =
    url.pathname === '/' &&
    !/[?#]/.test(value as string) &&
    url.username === '' &&
    url.password === '';
  if (!bare)
    throw new TypeError(`${where} must be an origin only: no path, query, fragment or user info`);
  return url.origin;
}

/**
 * The route's DPoP settings from `protect()`'s options; a TypeError (prefixed
 * with `caller`) for a bad `dpop` or `origin`.
 */
export function dpopRoute(
  provider: Provider,
  options: { dpop?: DpopMode; origin?: string; resource?: string },
  caller: string,
): DpopRoute {
  const mode = options.dpop ?? 'allowed';
  if (mode !== 'allowed' && mode !== 'required')
    throw new TypeError(`${caller}: options.dpop must be 'allowed' or 'required'`);
  const origin =
    options.origin !== undefined
      ? checkOrigin(options.origin, `${caller}: options.origin`)
      : new URL(options.resource ?? provider.config.issuer).origin;
  return { mode, origin, algs: provider.config.dpop.algorithms.join(' ') };
}

/** The request's path without its query; an absolute-form target gives its path only. */
function pathOf(path: string): string {
  const query = path.search(/[?#]/);
  const bare = query === -1 ? path : path.slice(0, query);
  if (bare.startsWith('/')) return bare;
  return URL.canParse(bare) ? new URL(bare).pathname : `/${bare}`;
}

/** The URL a proof's `htu` must name: the route's origin and the request's path. */
export function expectedHtu(route: DpopRoute, path: string): string {
  return `${route.origin}${pathOf(path)}`;
}

/** A verified token sent with the DPoP scheme: its data, marked `dpop: true`. */
export type DpopTokenInfo = AccessTokenInfo & { readonly dpop: true };

/**
 * Checks a token sent with the DPoP scheme, already verified as `info`, against
 * its proof (see the module rules). Throws `invalid_token`, `invalid_dpop_proof`
 * or `use_dpop_nonce` (the last two with status 400: the caller answers 401).
 */
export async function checkDpopRequest(
  provider: Provider,
  route: DpopRoute,
  token: string,
  info: AccessTokenInfo,
  request: ResourceRequest,
): Promise<DpopTokenInfo> {
  if (info.jkt === undefined)
    throw new InvalidTokenError('the access token is not bound to a DPoP key', {
      detail: 'a token without cnf.jkt was sent with the DPoP scheme',
    });
  const { context, nonces } = provider.dpop;
  const expect = {
    htm: request.method,
    htu: expectedHtu(route, request.path),
    accessToken: token,
    ...(nonces === undefined ? {} : { nonce: nonces }),
  };
  const proof = await verifyDpopProof(request.proof, expect, context);
  if (proof.jkt !== info.jkt)
    throw new InvalidTokenError('the DPoP proof key is not the key the access token is bound to', {
      detail: `proof key ${proof.jkt}, token bound to ${info.jkt}`,
    });
  return { ...info, dpop: true };
}

/** Refuses a DPoP-bound token sent with the Bearer scheme (RFC 9449 7.2). */
export function refuseBoundBearer(info: AccessTokenInfo): void {
  if (info.jkt !== undefined)
    throw new InvalidTokenError(
      'the access token is bound to a DPoP key: send it with the DPoP scheme and a proof',
      { detail: 'a DPoP-bound token was sent with the Bearer scheme' },
    );
}

/** Whether `error` is one of the proof's own errors (`invalid_dpop_proof`, `use_dpop_nonce`). */
export function isProofError(error: OAuthError): boolean {
  return error.error === 'invalid_dpop_proof' || error.error === 'use_dpop_nonce';
}

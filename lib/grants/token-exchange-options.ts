/**
 * The options of the token exchange grant (RFC 8693; the grant is in
 * ./token-exchange.ts): their types, their key list, their checks and defaults.
 *
 * Rules:
 * - `grants.tokenExchange` is off unless given (`true` or an options object);
 * - `accessTokenLifetime` is whole positive seconds, default the provider's
 *   `accessToken.lifetime` (an exchanged token never outlives its subject token
 *   anyway: ./token-exchange.ts);
 * - `subjectAudiences` lists the audiences a subject (or actor) token may have:
 *   each the server's default audience or a configured resource (RFC 8707), no
 *   other (no token could have it); default every one of them;
 * - `policy`, when given, is a function;
 * - a wrong option is a TypeError naming it, at construction.
 */
import type { Resources } from '../helpers/resources.js';
import { optionKeys } from '../helpers/option-keys.js';
import type { AccessTokenInfo } from '../tokens/checker.js';
import type { ActorClaim, Client, RequestContext } from '../types.js';

/** What the token exchange policy hook is asked about: an exchange that passed every check. */
export interface TokenExchangeInput {
  /** The authenticated caller: the new token's client, and its actor unless an actor token came. */
  readonly client: Client;
  /** The subject token, verified (its `subject` becomes the new token's). */
  readonly subjectToken: AccessTokenInfo;
  /** The actor token, verified; undefined when none was sent. */
  readonly actorToken: AccessTokenInfo | undefined;
  /** The scope the new token would carry. */
  readonly scope: readonly string[];
  /** The new token's audience: a configured resource indicator or the default audience. */
  readonly audience: string;
  /** The new token's `act` claim (RFC 8693 4.1). */
  readonly actor: ActorClaim;
  /** The token request (headers, parameters, meta). */
  readonly request: RequestContext;
}

/**
 * The policy's answer: `true` or `undefined` allows the exchange as it is;
 * `false` refuses it (`invalid_grant`, the fixed text); `{ scope }` narrows the
 * new token's scope to that non-empty subset of {@link TokenExchangeInput.scope}.
 * To refuse with another error, throw an `OAuthError` (e.g. `InvalidTargetError`).
 */
export type TokenExchangeDecision = boolean | { readonly scope: readonly string[] } | undefined;

/** The policy hook: may restrict or refuse an exchange (see {@link TokenExchangeDecision}). */
export type TokenExchangePolicy = (
  input: TokenExchangeInput,
) => TokenExchangeDecision | Promise<TokenExchangeDecision>;

/** `grants.tokenExchange`: token exchange (RFC 8693) for the clients configured with its grant type. */
export interface TokenExchangeOptions {
  /**
   * Lifetime of an exchanged access token, seconds; default the provider's
   * `accessToken.lifetime`. Never past the subject (or actor) token's expiry.
   */
  accessTokenLifetime?: number;
  /**
   * The audiences a subject or actor token may have: the default audience
   * (`accessToken.audience`) and/or configured resource indicators. Default: all
   * of them. A token of another audience is `invalid_grant`.
   */
  subjectAudiences?: readonly string[];
  /** Sees each exchange that passed every check; may narrow its scope or refuse it. Default none. */
  policy?: TokenExchangePolicy;
}

/** The checked options. */
export interface ResolvedTokenExchange {
  /** Seconds. */
  readonly accessTokenLifetime: number;
  readonly subjectAudiences: ReadonlySet<string>;
  readonly policy: TokenExchangePolicy | undefined;
}

/** The keys of {@link TokenExchangeOptions} (the provider checks them with the others). */
export const TOKEN_EXCHANGE_KEYS = optionKeys<TokenExchangeOptions>({
  accessTokenLifetime: true,
  subjectAudiences: true,
  policy: true,
});

const WHERE = 'options.grants.tokenExchange';

/** `subjectAudiences`, checked against what the server issues for (rules above). */
function audiencesOf(value: unknown, audience: string, resources: Resources): Set<string> {
  const known = [audience, ...resources.keys()];
  if (value === undefined) return new Set(known);
  if (!Array.isArray(value) || value.length === 0)
    throw new TypeError(`${WHERE}.subjectAudiences must be a non-empty array of audiences`);
  for (const item of value as unknown[]) {
    if (typeof item !== 'string' || !known.includes(item))
      throw new TypeError(
        `${WHERE}.subjectAudiences: ${JSON.stringify(item)} is neither accessToken.audience nor a configured resource; known: ${known.join(', ')}`,
      );
  }
  return new Set(value as string[]);
}

/**
 * `grants.tokenExchange`, checked (rules above); undefined when off.
 * @param accessTokenLifetime the provider's, seconds.
 * @param audience the provider's default audience.
 */
export function resolveTokenExchange(
  value: boolean | TokenExchangeOptions | undefined,
  accessTokenLifetime: number,
  audience: string,
  resources: Resources,
): ResolvedTokenExchange | undefined {
  if (value === undefined || value === false) return undefined;
  const given: TokenExchangeOptions = value === true ? {} : value;
  if (typeof given !== 'object' || given === null)
    throw new TypeError(`${WHERE} must be a boolean or an options object`);
  const lifetime = given.accessTokenLifetime ?? accessTokenLifetime;
  if (typeof lifetime !== 'number' || !Number.isInteger(lifetime) || lifetime <= 0)
    throw new TypeError(`${WHERE}.accessTokenLifetime must be a positive whole number of seconds`);
  if (given.policy !== undefined && typeof given.policy !== 'function')
    throw new TypeError(`${WHERE}.policy must be a function: (input) => decision`);
  return Object.freeze({
    accessTokenLifetime: lifetime,
    subjectAudiences: audiencesOf(given.subjectAudiences, audience, resources),
    policy: given.policy,
  });
}

/**
 * Token exchange (RFC 8693): a service swaps an access token it was given (the
 * subject token) for one of its own, acting for the same subject, e.g. aimed at
 * the next service downstream. Written only against the grant interface
 * (./grant.ts), as an extension grant would be; registered when
 * `grants.tokenExchange` is on (options: ./token-exchange-options.ts).
 *
 * Rules:
 * - the caller is a confidential client (a public one is `unauthorized_client`)
 *   configured by the operator: a client that registered itself or is a metadata
 *   document is `unauthorized_client` too (nobody vetted it to act for users);
 * - `subject_token` and `subject_token_type` are required; `actor_token_type` is
 *   required with `actor_token` and refused without it (RFC 8693 2.1); the only
 *   token type is `urn:ietf:params:oauth:token-type:access_token`, for
 *   `subject_token_type`, `actor_token_type` and `requested_token_type`: another
 *   is `invalid_request` (2.2.2);
 * - the subject token (and the actor token) must be a live access token of this
 *   server (signature or record, not expired, not revoked) of an accepted
 *   audience (`subjectAudiences`); anything else is `invalid_grant` with the
 *   fixed text, the reason in the private detail. RFC 8693 2.2.2 names
 *   `invalid_request` for an invalid token; the project answers `invalid_grant`,
 *   as for every other bad grant;
 * - an actor token must have been issued to the caller (`invalid_grant`): a
 *   client cannot name as actor someone whose token it merely holds;
 * - `resource` (RFC 8707) and `audience` (RFC 8693 2.1) name the new token's
 *   one audience: a configured resource, or (`audience` only) the default
 *   audience; several, an unknown one, or a `resource` and an `audience` naming
 *   different targets are `invalid_target`; none: the default audience;
 * - the scope is the subject token's, or the narrower `scope` asked for (a scope
 *   the subject token lacks is `invalid_scope`: an exchange never widens),
 *   narrowed to what the target resource accepts; the caller's own registered
 *   scopes play no part (it acts on the user's delegated scope); a client's own
 *   token (`client_credentials`: no end-user) is exchanged without `openid`,
 *   and asking for `openid` then is `invalid_scope` (OpenID Connect identifies
 *   end-users; UserInfo refuses such tokens, lib/endpoints/openid/userinfo.ts);
 * - the new token: the subject token's subject, the caller as client, an `act`
 *   claim (4.1) naming the actor (the actor token's subject, else the caller),
 *   with the subject token's own `act` nested in it; at most
 *   {@link MAX_ACTOR_DEPTH} actors (`invalid_grant` past it); it expires no later
 *   than the subject and actor tokens; no refresh token; the answer says
 *   `issued_token_type` (2.2.1);
 * - the policy hook, last, may narrow the scope or refuse (`invalid_grant`).
 */
import {
  InvalidGrantError,
  InvalidRequestError,
  InvalidScopeError,
  InvalidTargetError,
  quoteValue,
  UnauthorizedClientError,
} from '../errors.js';
import { scopeForResource, tokenResource, type ResolvedResource } from '../helpers/resources.js';
import type { AccessTokenInfo } from '../tokens/checker.js';
import { MAX_ACTOR_DEPTH } from '../tokens/jwt-verify.js';
import { isPublicClient, type ActorClaim, type Client } from '../types.js';
import type { GrantContext, TokenGrant, TokenGrantRequest } from './grant.js';
import type { ResolvedTokenExchange, TokenExchangeInput } from './token-exchange-options.js';

/** The grant type of token exchange (RFC 8693 2.1). */
export const TOKEN_EXCHANGE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** OpenID Connect's scope (OIDC Core 3.1.2.1): it asks for an end-user's identity. */
const OPENID = 'openid';

/** The token type identifier of an OAuth access token (RFC 8693 3). */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** The parameters that may repeat: both name target services (RFC 8693 2.1). */
const REPEATABLE: readonly string[] = Object.freeze(['resource', 'audience']);

/** Refuses a caller that may not exchange (rules above). */
function checkCaller(client: Client): void {
  if (isPublicClient(client))
    throw new UnauthorizedClientError('a public client cannot use token exchange');
  if (client.source !== undefined)
    throw new UnauthorizedClientError(
      'only a client the operator configured may use token exchange',
    );
}

/** Checks a `*_token_type` parameter: the access token type only (RFC 8693 2.2.2). */
function checkType(name: string, value: string | undefined): void {
  if (value === undefined) throw new InvalidRequestError(`${name} is required`);
  if (value !== ACCESS_TOKEN_TYPE)
    throw new InvalidRequestError(
      `the ${name} ${quoteValue(value)} is not supported: only ${ACCESS_TOKEN_TYPE}`,
    );
}

/** The syntax of the request's token parameters (rules above). */
function checkParams(params: Readonly<Record<string, string>>): void {
  if (params['subject_token'] === undefined)
    throw new InvalidRequestError('subject_token is required');
  checkType('subject_token_type', params['subject_token_type']);
  if (params['actor_token'] !== undefined)
    checkType('actor_token_type', params['actor_token_type']);
  else if (params['actor_token_type'] !== undefined)
    throw new InvalidRequestError('actor_token_type is only allowed with actor_token');
  if (params['requested_token_type'] !== undefined)
    checkType('requested_token_type', params['requested_token_type']);
}

/** The new token's target: a configured resource, or undefined for the default audience. */
function target(
  request: TokenGrantRequest['request'],
  context: GrantContext,
): ResolvedResource | undefined {
  const resource = tokenResource(context.resources, request.all('resource'));
  const audiences = [...new Set(request.all('audience'))];
  if (audiences.length > 1)
    throw new InvalidTargetError('one audience per access token: name at most one audience');
  const [audience] = audiences;
  if (audience === undefined) return resource;
  const named = context.resources.get(audience);
  if (named === undefined && audience !== context.accessTokens.audience)
    throw new InvalidTargetError(`the audience ${quoteValue(audience)} is unknown`);
  if (request.all('resource').length > 0 && named !== resource)
    throw new InvalidTargetError('resource and audience name different targets');
  return named;
}

/** A live access token of an accepted audience, or `invalid_grant` (rules above). */
async function verified(
  which: 'subject' | 'actor',
  token: string,
  options: ResolvedTokenExchange,
  context: GrantContext,
): Promise<AccessTokenInfo> {
  const info = await context.accessTokens.find(token);
  if (info === undefined)
    throw new InvalidGrantError(
      `the ${which} token is not a live access token of this server (forged, expired or revoked)`,
    );
  if (!options.subjectAudiences.has(info.audience))
    throw new InvalidGrantError(
      `the ${which} token's audience ${quoteValue(info.audience)} is not accepted for token exchange`,
    );
  return info;
}

/** The number of actors in a chain. */
function depth(actor: ActorClaim | undefined): number {
  return actor === undefined ? 0 : 1 + depth(actor.act);
}

/** The new token's `act`: the current actor, the subject token's actors nested in it (RFC 8693 4.1). */
function actorClaim(subject: AccessTokenInfo, sub: string): ActorClaim {
  if (depth(subject.actor) >= MAX_ACTOR_DEPTH)
    throw new InvalidGrantError(`the delegation chain is longer than ${MAX_ACTOR_DEPTH} actors`);
  return subject.actor === undefined ? { sub } : { sub, act: subject.actor };
}

/** The new token's scope (rules above). */
function exchangeScope(
  requestedText: string | undefined,
  subject: AccessTokenInfo,
  resource: ResolvedResource | undefined,
  context: GrantContext,
): string[] {
  const requested = context.scopes.parse(requestedText);
  const wider = requested.find((s) => !subject.scope.includes(s));
  if (wider !== undefined)
    throw new InvalidScopeError(
      `the scope ${quoteValue(wider)} is not in the subject token's scope: an exchange may narrow it, never widen it`,
    );
  const forClient = subject.grantType === 'client_credentials';
  if (forClient && requested.includes(OPENID))
    throw new InvalidScopeError(
      "the scope 'openid' needs an end-user: the subject token is a client's own (client_credentials)",
    );
  const base = (requested.length > 0 ? requested : subject.scope).filter(
    (s) => !(forClient && s === OPENID),
  );
  return scopeForResource(resource, base, requested.length > 0);
}

/** A frozen copy of plain data, for the host's hook: it cannot touch the checker's cache. */
function frozen<T>(value: T): T {
  const copy = structuredClone(value);
  const freeze = (v: unknown): void => {
    if (v === null || typeof v !== 'object') return;
    Object.values(v).forEach(freeze);
    Object.freeze(v);
  };
  freeze(copy);
  return copy;
}

/** The policy's verdict on `input`: the scope to issue (rules above). */
async function decide(
  options: ResolvedTokenExchange,
  input: TokenExchangeInput,
): Promise<readonly string[]> {
  if (options.policy === undefined) return input.scope;
  const decision = await options.policy(
    Object.freeze({
      ...input,
      subjectToken: frozen(input.subjectToken),
      actorToken: input.actorToken === undefined ? undefined : frozen(input.actorToken),
      scope: frozen(input.scope),
      actor: frozen(input.actor),
    }),
  );
  if (decision === true || decision === undefined) return input.scope;
  if (decision === false) throw new InvalidGrantError('the token exchange policy refused it');
  const scope: unknown = (decision as { scope?: unknown } | null)?.scope;
  if (
    !Array.isArray(scope) ||
    scope.length === 0 ||
    scope.some((s) => typeof s !== 'string' || !input.scope.includes(s))
  )
    throw new TypeError(
      'grants.tokenExchange.policy must answer true, false, undefined or { scope } with a non-empty subset of input.scope',
    );
  return [...new Set(scope as string[])];
}

/** The token exchange grant (rules above). */
export function tokenExchangeGrant(options: ResolvedTokenExchange): TokenGrant {
  return {
    grantType: TOKEN_EXCHANGE_GRANT_TYPE,
    repeatable: REPEATABLE,
    async handle({ params, client, request, dpop }, context) {
      checkCaller(client);
      checkParams(params);
      const resource = target(request, context);
      const subject = await verified('subject', params['subject_token'] ?? '', options, context);
      const actorToken =
        params['actor_token'] === undefined
          ? undefined
          : await verified('actor', params['actor_token'], options, context);
      if (actorToken !== undefined && actorToken.clientId !== client.id)
        throw new InvalidGrantError('the actor token was issued to another client');
      const input: TokenExchangeInput = {
        client,
        subjectToken: subject,
        actorToken,
        scope: exchangeScope(params['scope'], subject, resource, context),
        audience: resource?.resource ?? context.accessTokens.audience,
        actor: actorClaim(subject, actorToken?.subject ?? client.id),
        request,
      };
      const body = await context.tokens.issue({
        client,
        subject: subject.subject,
        scope: await decide(options, input),
        resource,
        grantType: TOKEN_EXCHANGE_GRANT_TYPE,
        grantId: context.tokens.newGrantId(),
        accessTokenLifetime: options.accessTokenLifetime,
        actor: input.actor,
        notAfter: Math.min(subject.expiresAt, actorToken?.expiresAt ?? Infinity),
        dpop,
      });
      return { ...body, issued_token_type: ACCESS_TOKEN_TYPE };
    },
  };
}

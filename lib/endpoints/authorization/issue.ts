/**
 * What an approved authorization request gets: a code (RFC 6749 4.1.2) or, for
 * the opt-in implicit grant, an access token (RFC 6749 4.2.2).
 *
 * Rules:
 * - A code is bound to its client, subject, scope, redirect URI (and whether the
 *   request sent one) and PKCE challenge, and keeps the OpenID Connect `nonce`
 *   and `auth_time` (and the user's `acr`/`amr`, the `claims_locales`) for
 *   the id_token and UserInfo, starts a new token family (`grantId`),
 *   and lives `authorizationCode.lifetime` seconds. Only its SHA-256 is stored.
 * - `issueAuthorizationCode` checks its input as the steps would: a registered
 *   redirect URI and configured resources (else TypeError: a programming error)
 *   and the PKCE rules of ./pkce.ts (else `invalid_request`); a method left out
 *   means S256 here.
 * - A code remembers its resources (RFC 8707); the implicit grant's token is for
 *   the request's one resource (its `aud`), or the default audience.
 * - `code.issued` is emitted once the code is saved, without the code.
 * - The user's grant is recorded with the code (`userGrants`, for
 *   `provider.authorizedApps`), so revoking the app covers a code not yet redeemed.
 * - The implicit grant never issues a refresh token (RFC 6749 4.2.2); its
 *   `token.issued` event comes from the token minter.
 */
import type { OAuthEventBus } from '../../engine/events.js';
import { authenticationOf, type AuthenticationContext } from '../openid/authentication.js';
import type { GrantOptions } from '../../grants/grant.js';
import type { CodeChallengeMethod } from '../../helpers/pkce.js';
import type { Resources } from '../../helpers/resources.js';
import { sha256 } from '../../helpers/secrets.js';
import type { AuthorizationCodeStore } from '../../stores/types.js';
import type { UserGrantRecorder } from '../../stores/user-grants.js';
import type { TokenMinter } from '../../tokens/minter.js';
import type { TokenGenerator } from '../../tokens/opaque.js';
import type { Client, Clock } from '../../types.js';
import { checkCodeChallenge } from './pkce.js';
import { matchRedirectUri } from './redirect-uri.js';
import type { AuthorizationRequest } from './request.js';
import { authorizationResponseLocation } from './response.js';

/** What the authorization endpoint passes to `provider.issueAuthorizationCode`. */
export interface AuthorizationCodeInput {
  client: Client;
  /** The resource owner's stable identifier. */
  subject: string;
  /** The granted scope, already checked (see `provider.scopes.resolve`). */
  scope: readonly string[];
  /** A redirect URI registered for the client. */
  redirectUri: string;
  /** Whether the request carried `redirect_uri`; then the token request must repeat it. Default true. */
  redirectUriSent?: boolean;
  /**
   * The configured resources (RFC 8707 indicators) the code is for; its tokens
   * are for one of them. Default none: the default audience.
   */
  resources?: readonly string[] | undefined;
  codeChallenge?: string | undefined;
  /** Default `S256`. */
  codeChallengeMethod?: CodeChallengeMethod | undefined;
  /**
   * RFC 9449 10 `dpop_jkt`: the thumbprint of the DPoP key the code is bound to
   * (its redemption must prove that key). Default none.
   */
  dpopJkt?: string | undefined;
  /** OpenID Connect: the request's `nonce`, echoed in the id_token. Default none. */
  nonce?: string | undefined;
  /** OpenID Connect: when the user authenticated, epoch seconds (`auth_time`). Default none. */
  authTime?: number | undefined;
  /**
   * OpenID Connect: how the user authenticated (`acr`, `amr`: RFC 8176 values),
   * echoed in the id_tokens; checked by ../openid/authentication.ts (a malformed
   * one is a SetupError). Default none.
   */
  acr?: string | undefined;
  amr?: readonly string[] | undefined;
  /** OpenID Connect: the request's `claims_locales` (BCP 47 tags), for UserInfo. Default none. */
  claimsLocales?: readonly string[] | undefined;
  /** Kept with the code, JSON-serialisable. */
  extra?: Record<string, unknown>;
}

/** A code just saved. */
export interface IssuedCode {
  /** The code to send to the client (never logged, never in an event). */
  readonly code: string;
  /** The new token family. */
  readonly grantId: string;
  /** Seconds until the code expires. */
  readonly expiresIn: number;
}

/** What issuing needs from the provider. */
export interface IssueContext {
  readonly issuer: string;
  readonly codes: AuthorizationCodeStore;
  /** Seconds a code lives (`authorizationCode.lifetime`). */
  readonly codeLifetime: number;
  readonly generator: TokenGenerator;
  readonly tokens: TokenMinter;
  /** The implicit grant's options; undefined when it is off. */
  readonly implicit: Required<GrantOptions> | undefined;
  readonly allowPlainPkce: boolean;
  /** The configured resources (RFC 8707) by indicator. */
  readonly resources: Resources;
  readonly events: OAuthEventBus;
  /** Epoch milliseconds. */
  readonly clock: Clock;
  /** Records the user's grant for `provider.authorizedApps` (lib/stores/user-grants.ts). */
  readonly userGrants?: UserGrantRecorder | undefined;
}

/** Makes and saves a code (rules above). Store failures reject. */
export async function issueAuthorizationCode(
  input: AuthorizationCodeInput,
  context: IssueContext,
): Promise<IssuedCode> {
  const { client } = input;
  if (!matchRedirectUri(client, input.redirectUri))
    throw new TypeError('issueAuthorizationCode: redirectUri is not registered for the client');
  const resources = [...new Set(input.resources ?? [])];
  const unknown = resources.find((r) => !context.resources.has(r));
  if (unknown !== undefined)
    throw new TypeError(
      `issueAuthorizationCode: the resource ${JSON.stringify(unknown)} is not in options.resources`,
    );
  const pkce = checkCodeChallenge(
    client,
    input.codeChallenge,
    input.codeChallenge === undefined ? undefined : (input.codeChallengeMethod ?? 'S256'),
    context.allowPlainPkce,
  );
  const authentication = authenticationOf(input, 'issueAuthorizationCode: input');
  const code = context.generator.generate();
  const now = Math.floor(context.clock() / 1000);
  const grantId = context.tokens.newGrantId();
  const ttl = context.codeLifetime;
  await context.codes.save(
    {
      id: sha256(code),
      clientId: client.id,
      subject: input.subject,
      scope: [...input.scope],
      redirectUri: input.redirectUri,
      redirectUriSent: input.redirectUriSent ?? true,
      ...pkce,
      grantId,
      ...(resources.length === 0 ? {} : { resources }),
      ...(input.dpopJkt === undefined ? {} : { dpopJkt: input.dpopJkt }),
      ...(input.nonce === undefined ? {} : { nonce: input.nonce }),
      ...(input.authTime === undefined ? {} : { authTime: input.authTime }),
      ...authentication,
      ...(input.claimsLocales === undefined ? {} : { claimsLocales: [...input.claimsLocales] }),
      issuedAt: now,
      expiresAt: now + ttl,
      extra: input.extra,
    },
    ttl,
  );
  await context.userGrants?.granted(
    { grantId, subject: input.subject, clientId: client.id, scope: input.scope, resources },
    ttl,
  );
  if (context.events.wants('code.issued'))
    context.events.emit('code.issued', {
      time: context.clock(),
      clientId: client.id,
      subject: input.subject,
      scope: [...input.scope],
      grantId,
    });
  return { code, grantId, expiresIn: ttl };
}

async function implicitLocation(
  request: AuthorizationRequest,
  subject: string,
  context: IssueContext,
): Promise<string> {
  const implicit = context.implicit;
  if (implicit === undefined)
    throw new TypeError('authorization: response_type=token without the implicit grant enabled');
  const body = await context.tokens.issue({
    client: request.client,
    subject,
    scope: request.scope,
    grantType: 'implicit',
    grantId: context.tokens.newGrantId(),
    accessTokenLifetime: implicit.accessTokenLifetime,
    unique: implicit.uniqueTokens,
    resource:
      request.resources.length === 0
        ? undefined
        : context.resources.get(request.resources[0] as string),
    claimsLocales: request.claimsLocales,
  });
  return authorizationResponseLocation(
    request,
    {
      access_token: body.access_token,
      token_type: body.token_type,
      expires_in: String(body.expires_in),
      scope: body.scope,
    },
    context.issuer,
  );
}

/** Issues what an approved request asked for; returns the Location. Failures reject. */
export async function approvedLocation(
  request: AuthorizationRequest,
  user: {
    readonly subject: string;
    readonly authTime?: number | undefined;
  } & AuthenticationContext,
  context: IssueContext,
): Promise<string> {
  const { subject } = user;
  if (request.responseType === 'token') return implicitLocation(request, subject, context);
  const { code } = await issueAuthorizationCode(
    {
      client: request.client,
      subject,
      scope: request.scope,
      redirectUri: request.redirectUri,
      redirectUriSent: request.redirectUriSent,
      resources: request.resources,
      codeChallenge: request.codeChallenge,
      codeChallengeMethod: request.codeChallengeMethod,
      dpopJkt: request.dpopJkt,
      nonce: request.nonce,
      authTime: user.authTime,
      acr: user.acr,
      amr: user.amr,
      claimsLocales: request.claimsLocales,
    },
    context,
  );
  return authorizationResponseLocation(request, { code }, context.issuer);
}

/**
 * `authorization_code`, the redemption half (RFC 6749 4.1.3; the seed's
 * `AuthorizationCodeGrant`). The authorization endpoint makes the codes.
 *
 * Rules:
 * - `code` is required (`invalid_request`); an unknown or expired code is `invalid_grant`;
 * - the code is bound to its client: another client's redemption is `invalid_grant`;
 * - `redirect_uri` is required, and must be identical, when it was sent at
 *   authorization (4.1.3); when it was not, a given one must still match;
 * - PKCE (RFC 7636 4.6): a stored challenge needs a `code_verifier` that answers it;
 *   a verifier without a stored challenge is `invalid_request` (OAuth 2.1 4.1.3);
 * - a code bound to a DPoP key (`dpop_jkt`, RFC 9449 10) needs a proof of that
 *   key: none is `invalid_dpop_proof`, another key's `invalid_grant`
 *   (../dpop/binding.ts); the tokens are bound to the proof's key (RFC 9449 5);
 * - a failed redemption does not burn the code (it still expires fast);
 * - `resource` (RFC 8707 2): the token is for one of the code's resources — the
 *   one named, or the code's only one when none is; several named, or one the
 *   code was not granted for, is `invalid_target` (../helpers/resources.ts); the
 *   token's scope is the code's, narrowed to what that resource accepts; the
 *   refresh token keeps every resource of the code. These checks come before the
 *   code is consumed, so a refused request does not burn it;
 * - a code is redeemed once: any later or parallel redemption that passes the
 *   checks above is `invalid_grant` and revokes every token issued from the code
 *   (4.1.2, RFC 9700 4.5). The checks come first so that someone holding a used
 *   code without its verifier cannot get the owner's tokens revoked;
 * - a code whose scope has `openid` gets an id_token with the request's `nonce`
 *   and the user's `auth_time`, `acr` and `amr` (OIDC Core 3.1.3.3,
 *   ../tokens/id-token.ts); the tokens keep the request's `claims_locales`.
 */
import { checkKeyBinding } from '../dpop/binding.js';
import { InvalidGrantError, InvalidRequestError } from '../errors.js';
import { verifyCodeChallenge } from '../helpers/pkce.js';
import { scopeForResource, tokenResource } from '../helpers/resources.js';
import { sha256 } from '../helpers/secrets.js';
import { openIdRequest } from '../tokens/id-token.js';
import {
  mayRefresh,
  RESOURCE_PARAMETER,
  type GrantContext,
  type GrantOptions,
  type TokenGrant,
} from './grant.js';

const REPLAYED = 'the authorization code was already used; the tokens issued with it are revoked';

/** A used code came back (later or in parallel): revoke its grant, tell listeners. */
async function replayed(grantId: string, clientId: string, context: GrantContext): Promise<void> {
  await context.revokeGrant(grantId, 'code_replayed');
  if (context.events.wants('code.replayed')) {
    context.events.emit('code.replayed', { time: context.clock(), clientId, grantId });
  }
}

export function authorizationCodeGrant(options: Required<GrantOptions>): TokenGrant {
  return {
    grantType: 'authorization_code',
    repeatable: RESOURCE_PARAMETER,
    async handle({ params, client, request, dpop }, context) {
      const code = params['code'];
      if (code === undefined) throw new InvalidRequestError('code is required');
      const id = sha256(code);
      const record = await context.stores.authorizationCodes.find(id);
      if (record === undefined)
        throw new InvalidGrantError('the authorization code is invalid or expired');
      if (record.clientId !== client.id)
        throw new InvalidGrantError('the authorization code was issued to another client');

      const redirectUri = params['redirect_uri'];
      if (record.redirectUriSent && redirectUri === undefined) {
        throw new InvalidRequestError(
          'redirect_uri is required: it was sent in the authorization request',
        );
      }
      if (redirectUri !== undefined && redirectUri !== record.redirectUri) {
        throw new InvalidGrantError(
          'redirect_uri does not match the one of the authorization request',
        );
      }

      const verifier = params['code_verifier'];
      if (record.codeChallenge !== undefined) {
        if (verifier === undefined) throw new InvalidRequestError('code_verifier is required');
        if (
          !verifyCodeChallenge(verifier, record.codeChallenge, record.codeChallengeMethod ?? 'S256')
        ) {
          throw new InvalidGrantError('code_verifier does not match the code_challenge');
        }
      } else if (verifier !== undefined) {
        throw new InvalidRequestError(
          'code_verifier was sent, but the authorization request had no code_challenge',
        );
      }

      checkKeyBinding(record.dpopJkt, dpop, 'authorization code');

      const granted = record.resources ?? [];
      const resource = tokenResource(context.resources, request.all('resource'), granted);
      const scope = scopeForResource(resource, record.scope, false);

      // Replay is judged only after every check above, so a party that holds a used
      // code but not its verifier cannot make the server revoke the owner's tokens.
      if (record.consumed === true) {
        await replayed(record.grantId, client.id, context);
        throw new InvalidGrantError(REPLAYED);
      }
      const won = await context.stores.authorizationCodes.consume(id);
      if (won === undefined) {
        await replayed(record.grantId, client.id, context);
        throw new InvalidGrantError(REPLAYED);
      }
      await context.userGrants?.used(record.grantId);
      return context.tokens.issue({
        client,
        subject: record.subject,
        scope,
        grantType: 'authorization_code',
        grantId: record.grantId,
        accessTokenLifetime: options.accessTokenLifetime,
        unique: options.uniqueTokens,
        resource,
        dpop,
        openid: openIdRequest(record.scope, {
          nonce: record.nonce,
          authTime: record.authTime,
          acr: record.acr,
          amr: record.amr,
        }),
        claimsLocales: record.claimsLocales,
        refreshToken: mayRefresh(client, context)
          ? { lifetime: context.refreshTokens.lifetime, scope: record.scope, resources: granted }
          : undefined,
      });
    },
  };
}

/**
 * Step `pkce`: the code challenge of a `code` request (RFC 7636; RFC 9700 2.1.1).
 *
 * Rules (redirected as `invalid_request`; `token` requests skip this step):
 * - `code_challenge_method` without `code_challenge` is refused;
 * - `code_challenge` is required unless the client opted out (`requirePkce: false`,
 *   confidential clients only);
 * - the method is S256; `plain` only when the server enables it. A missing method
 *   means `plain` (RFC 7636 4.3: "defaults to "plain" if not present");
 * - the challenge is 43 to 128 characters of [A-Za-z0-9-._~] (RFC 7636 4.2).
 * The same rules guard `provider.issueAuthorizationCode` (see ./issue.ts).
 */
import { InvalidRequestError } from '../../errors.js';
import { isPkceValue, type CodeChallengeMethod } from '../../helpers/pkce.js';
import type { Client } from '../../types.js';
import { need, type AuthorizationContext, type AuthorizationDraft } from './step.js';

/** A checked code challenge; both undefined when the client sent none and may omit it. */
export interface CodeChallenge {
  readonly codeChallenge: string | undefined;
  readonly codeChallengeMethod: CodeChallengeMethod | undefined;
}

/**
 * Applies the rules above to a challenge and method as sent (`method` undefined
 * means it was not sent). Throws `invalid_request`.
 */
export function checkCodeChallenge(
  client: Client,
  challenge: string | undefined,
  method: string | undefined,
  allowPlain: boolean,
): CodeChallenge {
  if (challenge === undefined) {
    if (method !== undefined)
      throw new InvalidRequestError('code_challenge_method was sent without code_challenge');
    if (client.requirePkce !== false)
      throw new InvalidRequestError('code_challenge is required (PKCE, RFC 7636)');
    return { codeChallenge: undefined, codeChallengeMethod: undefined };
  }
  const effective = method ?? 'plain';
  if (effective !== 'S256' && !(effective === 'plain' && allowPlain))
    throw new InvalidRequestError(
      method === undefined
        ? 'code_challenge_method is required: use S256'
        : 'code_challenge_method must be S256',
    );
  if (!isPkceValue(challenge))
    throw new InvalidRequestError('code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~]');
  return { codeChallenge: challenge, codeChallengeMethod: effective };
}

export function checkPkce(draft: AuthorizationDraft, context: AuthorizationContext): void {
  if (need(draft.responseType, 'response-type') !== 'code') return;
  const { params } = draft.query;
  const checked = checkCodeChallenge(
    need(draft.client, 'client'),
    params['code_challenge'],
    params['code_challenge_method'],
    context.allowPlainPkce,
  );
  draft.codeChallenge = checked.codeChallenge;
  draft.codeChallengeMethod = checked.codeChallengeMethod;
}

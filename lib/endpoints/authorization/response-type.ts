/**
 * Step `response-type`: what the client asks for, `code` or `token`.
 *
 * Rules (redirected):
 * - `response_type` is present → else `invalid_request` (RFC 6749 3.1.1);
 * - it is `code` or `token` → else `unsupported_response_type` (RFC 6749 4.1.2.1);
 * - the server offers it (`token` only with the implicit grant on, RFC 9700
 *   2.1.2) → else `unsupported_response_type`;
 * - the client may use it → else `unauthorized_client`.
 */
import {
  InvalidRequestError,
  quoteValue,
  UnauthorizedClientError,
  UnsupportedResponseTypeError,
} from '../../errors.js';
import type { Client } from '../../types.js';
import type { ResponseType } from './request.js';
import { need, type AuthorizationContext, type AuthorizationDraft } from './step.js';

/** `value` as a response type the server offers and the client may use (the rules above). */
export function allowedResponseType(
  value: string,
  client: Client,
  offered: ReadonlySet<ResponseType>,
): ResponseType {
  if (value !== 'code' && value !== 'token')
    throw new UnsupportedResponseTypeError(
      `the response type ${quoteValue(value)} is not supported`,
    );
  if (!offered.has(value))
    throw new UnsupportedResponseTypeError(
      `the response type ${quoteValue(value)} is not enabled on this server`,
    );
  if (!client.responseTypes.includes(value))
    throw new UnauthorizedClientError(
      `the client may not use the response type ${quoteValue(value)}`,
    );
  return value;
}

export function checkResponseType(draft: AuthorizationDraft, context: AuthorizationContext): void {
  const client = need(draft.client, 'client');
  const value = draft.query.params['response_type'];
  if (value === undefined) throw new InvalidRequestError('response_type is required');
  draft.responseType = allowedResponseType(value, client, context.responseTypes);
}

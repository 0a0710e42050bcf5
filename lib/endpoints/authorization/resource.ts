/**
 * Step `resource`: the protected resources the authorization is for (RFC 8707).
 *
 * Rules (redirected as `invalid_target` or `invalid_scope`, kept in
 * lib/helpers/resources.ts):
 * - `resource` may be repeated (RFC 8707 2: "The client MAY indicate multiple
 *   target services by including multiple resource parameters"); each value is
 *   an absolute URI without a fragment, and a resource the server is configured
 *   for → else `invalid_target`;
 * - each named resource accepts at least one scope of the request → else
 *   `invalid_target`; each scope the request named accepts one of the named
 *   resources → else `invalid_scope`; a default scope is narrowed to what the
 *   named resources accept;
 * - the implicit grant's token has one audience: `response_type=token` with more
 *   than one resource → `invalid_target`;
 * - no `resource`: nothing changes (the default audience).
 * The granted resources travel with the pending request and the code; the token
 * endpoint picks one of them per access token.
 */
import { InvalidTargetError } from '../../errors.js';
import { namedResources, scopeForResources } from '../../helpers/resources.js';
import { need, type AuthorizationContext, type AuthorizationDraft } from './step.js';

export function checkResources(draft: AuthorizationDraft, context: AuthorizationContext): void {
  const responseType = need(draft.responseType, 'response-type');
  const scope = need(draft.scope, 'scope');
  const named = namedResources(context.resources, draft.query.lists?.['resource'] ?? []);
  if (responseType === 'token' && named.length > 1)
    throw new InvalidTargetError('one resource per access token: name at most one resource');
  const explicit = context.scopes.parse(draft.query.params['scope']).length > 0;
  draft.scope = scopeForResources(named, scope, explicit);
  draft.resources = named.map((r) => r.resource);
}

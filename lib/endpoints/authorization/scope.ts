/**
 * Step `scope`: the scope to grant.
 *
 * Rules (RFC 6749 3.3; redirected as `invalid_scope`, kept in lib/helpers/scope.ts):
 * - every scope token is well formed (`scope-token = 1*NQCHAR`);
 * - every requested scope is offered by the server and allowed to the client;
 * - no scope requested: the client's default scope (or the server's), which must
 *   not come out empty when the server offers scopes.
 */
import { need, type AuthorizationContext, type AuthorizationDraft } from './step.js';

export function checkScope(draft: AuthorizationDraft, context: AuthorizationContext): void {
  const client = need(draft.client, 'client');
  const { scopes } = context;
  draft.scope = scopes.resolve(client, scopes.parse(draft.query.params['scope']));
}

/**
 * `none`: a public client sends only its `client_id` (RFC 6749 2.1; RFC 7591 2).
 * It proves nothing, so it answers only when no other credentials are present
 * (no secret, no Authorization header, no client assertion), and only a client
 * registered as public may use it.
 */
import type { ClientAuthenticationMethod } from './method.js';

export const none: ClientAuthenticationMethod = {
  name: 'none',
  confidential: false,
  present(request) {
    const clientId = request.params['client_id'];
    if (clientId === undefined || request.params['client_secret'] !== undefined) return undefined;
    const { client_assertion: assertion, client_assertion_type: type } = request.params;
    if (assertion !== undefined || type !== undefined) return undefined;
    const header = request.header('authorization');
    if (header !== undefined && header !== '') return undefined;
    return { clientId };
  },
  verify: () => true,
};

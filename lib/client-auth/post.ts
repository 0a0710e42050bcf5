/**
 * `client_secret_post`: `client_id` and `client_secret` in the form body
 * (RFC 6749 2.3.1). The secret is checked by ./secret.ts (exact, cached, capped,
 * limited).
 */
import type { ClientAuthenticationMethod } from './method.js';
import { verifySecret } from './secret.js';

export const clientSecretPost: ClientAuthenticationMethod = {
  name: 'client_secret_post',
  confidential: true,
  present(request) {
    const secret = request.params['client_secret'];
    const clientId = request.params['client_id'];
    if (secret === undefined || clientId === undefined) return undefined;
    return { clientId, secret };
  },
  verify: verifySecret,
};

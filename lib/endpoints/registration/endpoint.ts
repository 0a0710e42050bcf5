/**
 * The registration endpoint (RFC 7591, RFC 7592): which operation a request is,
 * by its method and whether it names a client id below the endpoint's path.
 *
 * Rules:
 * - `POST <path>` registers (./register.ts); `GET`, `PUT` and `DELETE
 *   <path>/<client id>` read, update and delete (./manage.ts);
 * - any other method is 405 `invalid_request` with `Allow`, before any credential
 *   is looked at; `PUT` and `POST` need a JSON body (the HTTP layer reads it
 *   strictly: lib/http/json-body.ts).
 */
import { InvalidRequestError } from '../../errors.js';
import type { EngineResponse, RequestContext } from '../../types.js';
import { NO_STORE, type RegistrationContext } from './context.js';
import { manage } from './manage.js';
import { register } from './register.js';

export type { RegistrationContext } from './context.js';
export { WITHHELD_FROM_REGISTRATION } from './context.js';

/** The methods each form of the path answers. */
const ALLOWED = { collection: 'POST', client: 'GET, PUT, DELETE' } as const;

function methodNotAllowed(allow: string): EngineResponse {
  const error = new InvalidRequestError(`this endpoint accepts ${allow} only`);
  return { status: 405, headers: { ...NO_STORE, Allow: allow }, body: error.toJSON() };
}

/** Which methods the registration endpoint takes at `<path>` (no id) or `<path>/<id>`. */
export function registrationMethods(hasId: boolean): string {
  return hasId ? ALLOWED.client : ALLOWED.collection;
}

/** Answers one request to the registration endpoint; throws OAuth errors for the caller to answer. */
export function handleRegistration(
  request: RequestContext,
  clientId: string | undefined,
  body: unknown,
  context: RegistrationContext,
): Promise<EngineResponse> {
  const method = request.method;
  if (clientId === undefined) {
    if (method !== 'POST') return Promise.resolve(methodNotAllowed(ALLOWED.collection));
    return register(request, body, context);
  }
  if (method !== 'GET' && method !== 'PUT' && method !== 'DELETE')
    return Promise.resolve(methodNotAllowed(ALLOWED.client));
  return manage(request, clientId, body, context);
}

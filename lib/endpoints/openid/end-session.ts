/**
 * The end-session endpoint's engine (OpenID Connect RP-Initiated Logout 1.0):
 * checks a logout request, tells whether its `id_token_hint` names the
 * signed-in user, and builds the way back. Framework-free; the HTTP adapter
 * (lib/http/end-session.ts) asks the user and ends the host's login session.
 *
 * Rules (section numbers are RP-Initiated Logout 1.0's):
 * - parameters (2): `id_token_hint`, `client_id`, `post_logout_redirect_uri`,
 *   `state`, `ui_locales`, `logout_hint` (accepted, bounded, otherwise
 *   unused); others are ignored; each is bounded ({@link LIMITS}); one too long
 *   is `invalid_request`. Repeated parameters are refused by the adapter's
 *   parser (`invalid_request`) before this module runs;
 * - `id_token_hint` is read by lib/tokens/id-token-hint.ts (signature, `iss`,
 *   one audience; an expired one is accepted, 2); a bad one is
 *   `invalid_request` "id_token_hint is invalid";
 * - "When both client_id and id_token_hint are present, the OP MUST verify that
 *   the Client Identifier matches the one used when issuing the ID Token" (2):
 *   else `invalid_request` {@link ID_TOKEN_HINT_OTHER_CLIENT};
 * - the client is `client_id`, else the hint's `aud`; named but unknown is
 *   `invalid_request` "the client_id is unknown" (what the authorization
 *   endpoint says of an unknown client, no more);
 * - `post_logout_redirect_uri` needs the client known → else `invalid_request`;
 *   it must equal one of the client's `postLogoutRedirectUris` exactly, as
 *   strings: "The OP MUST NOT perform post-logout redirection if the
 *   post_logout_redirect_uri value supplied does not exactly match one of the
 *   previously registered post_logout_redirect_uris values" (3) → else
 *   `invalid_request` {@link NOT_REGISTERED};
 * - `state` is 1 to 2048 VSCHARs, as at the authorization endpoint
 *   (../authorization/state.ts) → else `invalid_request`; it is echoed on the
 *   redirect only;
 * - every refusal is thrown as an `OAuthError` for the adapter to show: never a
 *   redirect (4: information that failed to validate "MUST NOT be used");
 * - the way back is the registered URI as registered, its own query kept, with
 *   `state` appended form-encoded; at answer time the client and the URI are
 *   looked up again ({@link EndSession.resume}), so a URI removed meanwhile is
 *   not used;
 * - `session.ended` is emitted after the adapter ended a login session, with
 *   the subject and the client id when known; no token or hint.
 */
import { InvalidRequestError } from '../../errors.js';
import { MAX_URI_LENGTH } from '../../helpers/client-metadata-uris.js';
import type { ClientStore } from '../../stores/types.js';
import { ID_TOKEN_HINT_OTHER_CLIENT, readIdTokenHint } from '../../tokens/id-token-hint.js';
import type { KeySet } from '../../tokens/keys.js';
import type { Client, Clock } from '../../types.js';
import type { OAuthEventBus } from '../../engine/events.js';
import { MAX_STATE_LENGTH } from '../authorization/state.js';
import type { ResolvedOpenId } from './options.js';
import { clientSubject } from './subject.js';

export { ID_TOKEN_HINT_OTHER_CLIENT };

/** The text of a `post_logout_redirect_uri` the client did not register. */
export const NOT_REGISTERED = 'post_logout_redirect_uri is not registered for this client';
/** The text of a `post_logout_redirect_uri` with no client to check it against. */
export const CLIENT_NEEDED =
  'post_logout_redirect_uri needs client_id or id_token_hint to name the client';
/** The text of a client id no client has (the authorization endpoint's words). */
export const UNKNOWN_CLIENT = 'the client_id is unknown';

/** The longest value of each parameter, in characters (the hint's own bound is 16 KiB). */
export const LIMITS: Readonly<Record<string, number>> = Object.freeze({
  client_id: MAX_URI_LENGTH,
  post_logout_redirect_uri: MAX_URI_LENGTH,
  state: MAX_STATE_LENGTH,
  ui_locales: 256,
  logout_hint: 1024,
});

const VSCHARS = /^[\x20-\x7e]+$/;

/**
 * A checked logout request in a JSON-safe form (the adapter keeps it in the
 * session while the user is asked): every field bounded by {@link LIMITS}.
 */
export interface LogoutRequest {
  /** The client, from `client_id` or the hint's `aud`; undefined when neither was sent. */
  readonly clientId?: string | undefined;
  /** The client's name for the page (its id when it has none). */
  readonly clientName?: string | undefined;
  /** The checked `post_logout_redirect_uri`, exactly as registered. */
  readonly postLogoutRedirectUri?: string | undefined;
  readonly state?: string | undefined;
  /** `ui_locales`, for the pages' language. */
  readonly uiLocales?: string | undefined;
}

/** What {@link EndSession.check} found: the request, and whether the hint names the user. */
export interface CheckedLogout {
  readonly request: LogoutRequest;
  /**
   * True when a valid `id_token_hint` names the signed-in user as its client
   * knows them (../openid/subject.ts); then no question is asked (2).
   */
  readonly sameUser: boolean;
}

/** What the engine needs from the provider. */
export interface EndSessionContext {
  readonly clients: ClientStore;
  readonly keys: KeySet;
  readonly issuer: string;
  /** Epoch milliseconds. */
  readonly clock: Clock;
  readonly openid: ResolvedOpenId;
  readonly events: OAuthEventBus;
}

type Params = Readonly<Record<string, string>>;

function bounded(params: Params): void {
  for (const [name, limit] of Object.entries(LIMITS)) {
    const value = params[name];
    if (value !== undefined && value.length > limit)
      throw new InvalidRequestError(`${name} must be at most ${limit} characters`);
  }
  const state = params['state'];
  if (state !== undefined && !VSCHARS.test(state))
    throw new InvalidRequestError(
      `state must be 1 to ${MAX_STATE_LENGTH} characters of %x20-7E (RFC 6749 Appendix A.5)`,
    );
}

/** The end-session endpoint's engine (rules in the module header). */
export class EndSession {
  readonly #context: EndSessionContext;

  constructor(context: EndSessionContext) {
    this.#context = context;
  }

  /**
   * Checks a logout request's parameters (single-valued, a null-prototype record).
   * @param subject the signed-in user's local subject, if anyone is signed in.
   * @throws OAuthError `invalid_request` (rules above); a store that is down rejects.
   */
  async check(params: Params, subject: string | undefined): Promise<CheckedLogout> {
    bounded(params);
    const { keys, issuer, clock } = this.#context;
    const token = params['id_token_hint'];
    const hint =
      token === undefined ? undefined : readIdTokenHint(keys, token, { issuer, now: clock() });
    const sent = params['client_id'];
    if (hint !== undefined && sent !== undefined && sent !== hint.clientId)
      throw new InvalidRequestError(ID_TOKEN_HINT_OTHER_CLIENT);
    const client = await this.#client(sent ?? hint?.clientId);
    const uri = params['post_logout_redirect_uri'];
    if (uri !== undefined) checkRedirect(client, uri);
    const request: LogoutRequest = {
      clientId: client?.id,
      clientName: client === undefined ? undefined : (client.name ?? client.id),
      postLogoutRedirectUri: uri,
      state: params['state'],
      uiLocales: params['ui_locales'],
    };
    const sameUser =
      hint !== undefined &&
      client !== undefined &&
      subject !== undefined &&
      hint.subject === clientSubject(client, subject, this.#context.openid.pairwiseKey);
    return { request, sameUser };
  }

  /**
   * Where to send the user once the request was answered: the Location, or
   * undefined when there is no checked `post_logout_redirect_uri`, or the client
   * or its registration of the URI is gone since the check (rules above).
   */
  async resume(request: LogoutRequest): Promise<string | undefined> {
    const uri = request.postLogoutRedirectUri;
    if (uri === undefined || request.clientId === undefined) return undefined;
    const client = await this.#context.clients.find(request.clientId);
    if (client?.postLogoutRedirectUris?.includes(uri) !== true) return undefined;
    return logoutLocation(uri, request.state);
  }

  /** Reports that the adapter ended `subject`'s login session (`session.ended`). */
  ended(subject: string, clientId: string | undefined): void {
    const { events, clock } = this.#context;
    if (events.wants('session.ended'))
      events.emit('session.ended', { time: clock(), subject, clientId });
  }

  async #client(clientId: string | undefined): Promise<Client | undefined> {
    if (clientId === undefined) return undefined;
    const client = await this.#context.clients.find(clientId);
    if (client === undefined) throw new InvalidRequestError(UNKNOWN_CLIENT);
    return client;
  }
}

function checkRedirect(client: Client | undefined, uri: string): void {
  if (client === undefined) throw new InvalidRequestError(CLIENT_NEEDED);
  if (client.postLogoutRedirectUris?.includes(uri) !== true)
    throw new InvalidRequestError(NOT_REGISTERED);
}

/**
 * The Location back to a registered `post_logout_redirect_uri`: the URI as
 * registered (its query kept), with `state` appended when there is one.
 */
export function logoutLocation(uri: string, state: string | undefined): string {
  if (state === undefined) return uri;
  return `${uri}${uri.includes('?') ? '&' : '?'}${new URLSearchParams({ state }).toString()}`;
}

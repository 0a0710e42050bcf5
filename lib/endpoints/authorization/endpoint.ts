/**
 * The authorization endpoint's engine: everything between "a request arrived"
 * and "this is the answer", over plain data. An HTTP adapter (lib/http/authorize.ts)
 * only reads the request, asks the host who is signed in, keeps the pending
 * request in the session, and renders or redirects what comes back here (the
 * outcomes, and what the adapter passes in, are typed in ./outcome.ts).
 *
 *     start(query, user, kept?)     → show | redirect | login | consent
 *     claimAnswer(transactionId, …) → true for exactly one caller
 *     decide(pending, user, answer) → show | redirect
 *     push(request, client)         → { request_uri, expires_in } (PAR, RFC 9126)
 *
 * Rules:
 * - The request is checked before anything else, by the steps of ./steps.ts
 *   (errors about the client or redirect URI are shown, others redirected), so a
 *   bad request never reaches the login page. A pushed request (`request_uri`,
 *   RFC 9126 4) is taken once from the store and checked again (./pushed.ts).
 * - A pushed request's login keeps the request, not the `request_uri` (used up):
 *   `login` carries it (`pushed`) for the adapter to keep in the session, and
 *   the way back repeats `client_id` and `request_uri`, which the adapter
 *   answers with the kept request (`kept`), once.
 * - `push` checks a pushed request of an authenticated client with the `par`
 *   steps and keeps it (../par/push.ts).
 * - Nobody signed in, or an OpenID Connect request asks for a newer login
 *   (`prompt=login`, `max_age`: ./prompt.ts), or its `id_token_hint` names
 *   another user (./id-token-hint.ts) → `login`, with the checked request
 *   as a query string (./query.ts `checkedQuery`: known parameters only,
 *   bounded) to come back to and the hints for the login page (`login_hint`,
 *   `ui_locales`: ./login-hint.ts); with `prompt=none` → `login_required`, redirected.
 *   Signed in → the consent page, unless a first-party
 *   client or a remembered consent answers for the user (./consent.ts); then the
 *   request is approved at once and `consent.granted` says `automatic: true`.
 *   `prompt=consent` always shows the page; `prompt=none` never does: a page
 *   to show is `consent_required`, redirected (OIDC Core 3.1.2.1, 3.1.2.6).
 * - The consent page's request is kept by the adapter in a JSON-safe form
 *   ({@link PendingAuthorization}); on the answer it is checked again against the
 *   client as it is now (./resume.ts).
 * - A consent page answers once: the adapter claims the answer with
 *   {@link AuthorizationEndpoint.claimAnswer} (./answer-once.ts) before it decides.
 * - `allow` approves (and, with `remember` and `consent.remember` on, remembers);
 *   `deny` redirects `access_denied`; any other answer is an error page.
 * - Events (`code.issued`, `consent.granted`, `consent.denied`,
 *   `consent.remembered`) are built only when someone listens, stamped with the
 *   provider's clock, and never carry a code or a token.
 * - Never rejects: a store that is down is an error page before the client's
 *   redirect URI is trusted, and an error redirect after (logged through
 *   `report`, private detail only in the log). The one exception is the host's
 *   own mistake: a user whose `acr` or `amr` is malformed
 *   (../openid/authentication.ts) rejects with a `SetupError`, for `next(err)`.
 */
import type { OAuthEventBus } from '../../engine/events.js';
import {
  AccessDeniedError,
  ConsentRequiredError,
  InvalidRequestError,
  toOAuthError,
  type OAuthError,
} from '../../errors.js';
import type { FailureLimit } from '../../helpers/failure-limit.js';
import type { RecordStore } from '../../stores/records.js';
import { PushedRequestStore } from '../../stores/pushed-requests.js';
import type { Client, Clock, RequestContext } from '../../types.js';
import { pushAuthorizationRequest, type PushedAuthorizationBody } from '../par/push.js';
import { authenticationOf } from '../openid/authentication.js';
import { claimAnswer } from './answer-once.js';
import { consentSkipped, rememberConsent, type ConsentPolicy } from './consent.js';
import {
  approvedLocation,
  issueAuthorizationCode,
  type AuthorizationCodeInput,
  type IssueContext,
  type IssuedCode,
} from './issue.js';
import type {
  AuthorizationAnswer,
  AuthorizationOutcome,
  AuthorizationResult,
  AuthorizationUser,
  ConsentPrompt,
  Refusal,
} from './outcome.js';
import { loginHints } from './login-hint.js';
import { loginDecision, prompts } from './prompt.js';
import { consentProvenance } from './provenance.js';
import {
  isPushedRequest,
  resolvePushedRequest,
  type KeptPushedRequest,
  type PushedRequests,
} from './pushed.js';
import { checkedQuery, type AuthorizationQuery } from './query.js';
import {
  pendingAuthorization,
  type AuthorizationRequest,
  type PendingAuthorization,
} from './request.js';
import { errorLocation } from './response.js';
import { resumeAuthorization } from './resume.js';
import { runSteps, type CheckedRequest } from './run.js';
import type { AuthorizationContext } from './step.js';
import type { AuthorizationEndpointOptions } from './endpoint-options.js';
import { STEPS } from './steps.js';

export type { AuthorizationEndpointOptions } from './endpoint-options.js';
export type {
  AuthorizationAnswer,
  AuthorizationOutcome,
  AuthorizationResult,
  AuthorizationUser,
  ConsentPrompt,
} from './outcome.js';

/** The engine of the authorization endpoint; see the rules above. */
export class AuthorizationEndpoint {
  readonly #context: AuthorizationContext;
  readonly #issue: IssueContext;
  readonly #consent: ConsentPolicy;
  readonly #records: RecordStore;
  readonly #events: OAuthEventBus;
  readonly #clock: Clock;
  readonly #report: (error: OAuthError) => void;
  readonly #pushed: PushedRequests;
  readonly #parLifetime: number;
  readonly #parLimit: FailureLimit | undefined;

  constructor(options: AuthorizationEndpointOptions) {
    const { issuer, allowPlainPkce, resources, events, clock } = options;
    this.#context = Object.freeze({
      issuer,
      clients: options.clients,
      scopes: options.scopes,
      responseTypes: new Set(options.responseTypes),
      allowPlainPkce,
      resources,
      parRequired: options.par.required,
      claimsLocales: options.claimsLocales,
      keys: options.keys,
      clock,
      requireNonce: options.openid?.requireNonce ?? false,
      pairwiseKey: options.openid?.pairwiseKey,
    });
    const issue = { ...options.issue, issuer, allowPlainPkce, resources, events, clock };
    this.#issue = Object.freeze(issue);
    this.#consent = options.consent;
    this.#records = options.records;
    this.#events = events;
    this.#clock = clock;
    this.#report = options.report;
    this.#pushed = new PushedRequestStore<PendingAuthorization>(options.records);
    this.#parLifetime = options.par.lifetime;
    this.#parLimit = options.par.limit;
  }

  /** Whether the consent page offers to remember the answer (`consent.remember` is on). */
  get rememberable(): boolean {
    return this.#consent.rememberLifetime !== undefined;
  }

  /**
   * Checks a request and says what to do next: show an error, redirect (an error,
   * or a code when consent is not needed), send the user to log in, or ask them.
   * @param user the signed-in user, or undefined when nobody is.
   * @param kept takes the pushed request kept for a `request_uri` across a login
   *   (see `login`'s `pushed`) out of where the adapter kept it.
   */
  async start(
    query: AuthorizationQuery,
    user: AuthorizationUser | undefined,
    kept?: KeptPushedRequest,
  ): Promise<AuthorizationOutcome> {
    const pushed = isPushedRequest(query);
    const checked = await this.#checked(() =>
      pushed
        ? resolvePushedRequest(query, this.#context, this.#pushed, kept)
        : runSteps(STEPS.authorization, query, this.#context),
    );
    if (checked.kind !== 'valid') return checked;
    const { request } = checked;
    const now = Math.floor(this.#clock() / 1000);
    const login = loginDecision(request, user, now, this.#context.pairwiseKey);
    if (login.kind === 'refused') return this.#refused(request, login.error);
    if (login.kind === 'login')
      return pushed ? this.#pushedLogin(login.request, query) : this.#login(login.request);
    return this.#consentFor(request, login.user);
  }

  /** A signed-in user: the consent page, or an approval when nothing needs asking. */
  async #consentFor(
    request: AuthorizationRequest,
    user: AuthorizationUser,
  ): Promise<AuthorizationOutcome> {
    let skipped: 'first-party' | 'remembered' | undefined;
    try {
      if (!prompts(request, 'consent'))
        skipped = await consentSkipped(this.#consent, request, user.subject);
    } catch (err) {
      return this.#failed(err, undefined);
    }
    if (skipped === undefined && prompts(request, 'none'))
      return this.#refused(request, new ConsentRequiredError('the user must be asked for consent'));
    if (skipped === undefined) return this.#prompt(request);
    this.#granted(request, user.subject, true);
    return this.#approve(request, user);
  }

  /** An error redirected to the client of a checked request. */
  #refused(request: AuthorizationRequest, error: OAuthError): AuthorizationResult {
    return {
      kind: 'redirect',
      location: errorLocation(request, error, this.#context.issuer),
      error,
    };
  }

  /**
   * Claims the one answer to a consent transaction (./answer-once.ts): true for
   * exactly one caller per `transactionId`, across parallel requests and every
   * process sharing the store. Store failures reject.
   * @param expiresAt when the transaction expires, in epoch milliseconds.
   */
  claimAnswer(transactionId: string, expiresAt: number): Promise<boolean> {
    return claimAnswer(this.#records, transactionId, expiresAt);
  }

  /**
   * Answers the consent page for a request {@link start} returned as `consent`.
   * The adapter must have checked that the answer comes from the page it showed
   * (CSRF token, once only: {@link claimAnswer}) and from the user it was shown to.
   */
  async decide(
    pending: PendingAuthorization,
    user: AuthorizationUser,
    answer: AuthorizationAnswer,
  ): Promise<AuthorizationResult> {
    const checked = await this.#checked(() => resumeAuthorization(pending, this.#context));
    if (checked.kind !== 'valid') return checked;
    const { request } = checked;
    if (answer.decision === 'deny') return this.#deny(request, user.subject);
    if (answer.decision !== 'allow')
      return { kind: 'show', error: new InvalidRequestError('decision must be allow or deny') };
    if (answer.remember === true) {
      try {
        await this.#remember(request, user.subject);
      } catch (err) {
        return this.#failed(err, undefined);
      }
    }
    this.#granted(request, user.subject, false);
    return this.#approve(request, user);
  }

  /**
   * Checks and keeps a pushed authorization request of an authenticated client
   * (RFC 9126 2, ../par/push.ts). Throws the refusal (an `OAuthError`) or a store's failure.
   */
  push(request: RequestContext, client: Client): Promise<PushedAuthorizationBody> {
    return pushAuthorizationRequest(request, client, {
      check: (query, known) => runSteps(STEPS.par, query, this.#context, { client: known }),
      store: this.#pushed,
      lifetime: this.#parLifetime,
      limit: this.#parLimit,
      events: this.#events,
      clock: this.#clock,
    });
  }

  /** Makes and saves a code (see ./issue.ts); `provider.issueAuthorizationCode` delegates here. */
  issueCode(input: AuthorizationCodeInput): Promise<IssuedCode> {
    return issueAuthorizationCode(input, this.#issue);
  }

  /** Runs a check; a failure that is not a refusal (a store down) becomes an error page. */
  async #checked(check: () => Promise<CheckedRequest>): Promise<CheckedRequest> {
    try {
      return await check();
    } catch (err) {
      return this.#failed(err, undefined);
    }
  }

  /** Logs a failure and answers it: shown, or redirected to `request`'s target when trusted. */
  #failed(err: unknown, request: AuthorizationRequest | undefined): Refusal {
    const error = toOAuthError(err);
    this.#report(error);
    if (request === undefined) return { kind: 'show', error };
    return {
      kind: 'redirect',
      location: errorLocation(request, error, this.#context.issuer),
      error,
    };
  }

  #login(request: AuthorizationRequest): AuthorizationOutcome {
    return {
      kind: 'login',
      query: checkedQuery(request, this.#context.scopes.format(request.scope)),
      hints: loginHints(request),
    };
  }

  /** A pushed request's login: the way back names it again; the request goes with it. */
  #pushedLogin(request: AuthorizationRequest, query: AuthorizationQuery): AuthorizationOutcome {
    const requestUri = query.params['request_uri'] ?? '';
    const back = new URLSearchParams({ client_id: request.client.id, request_uri: requestUri });
    return {
      kind: 'login',
      query: back.toString(),
      hints: loginHints(request),
      pushed: { requestUri, request: pendingAuthorization(request) },
    };
  }

  #prompt(request: AuthorizationRequest): ConsentPrompt {
    const descriptions = this.#context.scopes.descriptions;
    return {
      kind: 'consent',
      request: pendingAuthorization(request),
      client: { id: request.client.id, name: request.client.name ?? request.client.id },
      scopes: request.scope.map((name) => ({ name, description: descriptions[name] ?? name })),
      rememberable: this.rememberable,
      ...consentProvenance(request),
    };
  }

  async #approve(
    request: AuthorizationRequest,
    user: AuthorizationUser,
  ): Promise<AuthorizationResult> {
    const authTime = user.authTime ?? Math.floor(this.#clock() / 1000);
    // Outside the try: a malformed acr or amr is the host's SetupError, never a token.
    const authentication = authenticationOf(user, "the site adapter's currentUser()");
    const approved = { subject: user.subject, authTime, ...authentication };
    try {
      const location = await approvedLocation(request, approved, this.#issue);
      return { kind: 'redirect', location };
    } catch (err) {
      return this.#failed(err, request);
    }
  }

  #deny(request: AuthorizationRequest, subject: string): AuthorizationResult {
    if (this.#events.wants('consent.denied'))
      this.#events.emit('consent.denied', {
        time: this.#clock(),
        clientId: request.client.id,
        subject,
      });
    const error = new AccessDeniedError('the resource owner denied the request');
    return {
      kind: 'redirect',
      location: errorLocation(request, error, this.#context.issuer),
      error,
    };
  }

  async #remember(request: AuthorizationRequest, subject: string): Promise<void> {
    const remembered = await rememberConsent(this.#consent, request, subject);
    if (remembered && this.#events.wants('consent.remembered'))
      this.#events.emit('consent.remembered', {
        time: this.#clock(),
        clientId: request.client.id,
        subject,
        scope: [...request.scope],
        ...(request.resources.length === 0 ? {} : { resources: [...request.resources] }),
      });
  }

  #granted(request: AuthorizationRequest, subject: string, automatic: boolean): void {
    if (this.#events.wants('consent.granted'))
      this.#events.emit('consent.granted', {
        time: this.#clock(),
        clientId: request.client.id,
        subject,
        scope: [...request.scope],
        automatic,
      });
  }
}

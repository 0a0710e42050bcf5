/**
 * `device()`: the device verification page for Express (RFC 8628 3.3), where a
 * user enters the code their device shows, signs in, and allows or denies it.
 *
 *     app.get('/device', oauth.device({ loginUrl: '/login' }));   // the form (`?user_code=` pre-fills it)
 *     app.post('/device', oauth.device({ loginUrl: '/login' }));  // a code, or the consent answer
 *
 * The engine decides (`provider.device.verification`, lib/endpoints/device/);
 * this adapter keeps the CSRF token and the consent transaction in the
 * session, asks the site adapter who is signed in, and renders the pages:
 * `oauth2/device.ejs` (the form), `oauth2/consent.ejs` (the same consent page
 * as `authorize()`), `oauth2/device-done.ejs`, and `oauth2/error.ejs`, each
 * overridable as `authorize()`'s are (./views.ts), with no-store and
 * anti-framing headers.
 *
 * Rules kept here:
 * - the form carries a CSRF token kept in the session (one per session, made
 *   by the first GET); a POST without it, or with another, is the form again,
 *   400, and no code is looked up (RFC 6749 10.12);
 * - a wrong, used or expired code is the form again, 400, with one text for all
 *   ({@link INVALID_CODE}); past the `device_user_code` limit (per session and
 *   per address), the error page, 429 with `Retry-After`;
 * - a valid code with nobody signed in sends the user to the host's login with
 *   the way back `<device path>?user_code=<code>`; the session remembers that
 *   this code was entered, so back here, signed in, the code goes straight to
 *   the consent page (only that code, only once: a link with another code only
 *   pre-fills the form);
 * - the consent answer is a transaction of its own slot in the session
 *   (./consent-transactions.ts), taken out and its answer claimed once
 *   (`claimAnswer`, the primitive's `addOnce`) before its CSRF token is compared
 *   in constant time and the signed-in user with the one it was shown to (the
 *   check `authorize()` makes too, ./user-pages.ts); then the engine's `decide`
 *   moves the code from pending once.
 * Options, methods, the error page and the form reader are `authorize()`'s
 * (./user-pages.ts).
 */
import type { ServerResponse } from 'node:http';
import type { Provider } from '../engine/provider.js';
import type { DeviceFlow } from '../endpoints/device/flow.js';
import type { DevicePrompt, DeviceVisitor } from '../endpoints/device/verification.js';
import { InvalidRequestError } from '../errors.js';
import type { TransactionSlot } from './consent-transactions.js';
import { requireSession, type SiteRequest, type SiteUser } from './site-adapter.js';
import {
  errorPage,
  formTokenMatches,
  newFormToken,
  localPath,
  openConsent,
  pageSetup,
  readPostedForm,
  runPage,
  searchOf,
  takeAnswer,
  type AuthorizeOptions,
  type Next,
} from './user-pages.js';
import type { MessageKey } from '../i18n/catalogs/en.js';
import type { ViewLocals } from './views.js';

/** Options of `device()`: those of `authorize()` (login, views, rendering, transaction lifetime). */
export type DeviceOptions = AuthorizeOptions;

/** The one text of a wrong, used or expired code: it never tells which codes exist. */
export const INVALID_CODE = 'that code is not valid';
/** The text of a form whose CSRF token is missing or wrong. */
export const FORM_EXPIRED = 'this form expired; please enter the code again';
/** The catalog keys of the form's messages, for the page's language. */
const MESSAGE_KEYS: Readonly<Record<string, MessageKey>> = {
  [INVALID_CODE]: 'device.invalidCode',
  [FORM_EXPIRED]: 'device.formExpired',
};
const ANSWER_EXPIRED =
  'this request expired or was already answered; please enter the code from your device again';

/** Where the device consent transactions are kept in the session (./consent-transactions.ts). */
const SLOT: TransactionSlot = 'deviceTransactions';

/** What the device consent transaction keeps (JSON). */
interface DeviceRequest {
  readonly deviceId: string;
  readonly client: { readonly id: string; readonly name: string };
}

type DeviceSession = Record<string, unknown> & {
  oauth2?: { deviceCsrf?: unknown; deviceLogin?: unknown };
};

/** The session's device form token, made on first use. */
function formToken(req: SiteRequest): string {
  const session = requireSession(req) as DeviceSession;
  session.oauth2 ??= {};
  const token = session.oauth2.deviceCsrf;
  if (typeof token === 'string') return token;
  const made = newFormToken();
  session.oauth2.deviceCsrf = made;
  return made;
}

/** Whether `sent` is the session's device form token; never writes. */
function deviceFormTokenMatches(req: SiteRequest, sent: string | undefined): boolean {
  return formTokenMatches(sent, (requireSession(req) as DeviceSession).oauth2?.deviceCsrf);
}

/** The code entered before login, taken out of the session when it is `typed`. */
function takeLoginCode(req: SiteRequest, typed: string): boolean {
  const oauth2 = (requireSession(req) as DeviceSession).oauth2;
  const kept = oauth2?.deviceLogin;
  if (oauth2 === undefined || typeof kept !== 'string' || kept !== typed) return false;
  delete oauth2.deviceLogin;
  return true;
}

function visitorOf(req: SiteRequest): DeviceVisitor {
  const sessionId = (req as { sessionID?: unknown }).sessionID;
  const header = req.headers['x-request-id'];
  return {
    ip: (req as { ip?: string }).ip ?? req.socket?.remoteAddress,
    session: typeof sessionId === 'string' ? sessionId : formToken(req),
    requestId: typeof header === 'string' ? header : undefined,
  };
}

function flowOf(provider: Provider): DeviceFlow {
  const flow = provider.device;
  if (flow === undefined)
    throw new TypeError(
      'device(): the device authorization grant is off; set options.grants.deviceCode (true or options)',
    );
  return flow;
}

/**
 * The `(req, res, next)` handler of the device verification page (GET and POST).
 * @throws TypeError naming the option, when an option is wrong or the device grant is off.
 */
export function deviceHandler(provider: Provider, options: DeviceOptions = {}) {
  const flow = flowOf(provider);
  const { adapter, render, lifetime } = pageSetup('device', options, provider);
  const showError = errorPage(render, 'device');
  const engine = flow.verification;
  const clock = provider.config.clock;
  const issuer = provider.config.issuer;
  const path = new URL(provider.endpointUrl('device')).pathname;
  const answers = {
    adapter,
    claim: (id: string, expiresAt: number) => provider.authorization.claimAnswer(id, expiresAt),
    expired: ANSWER_EXPIRED,
    slot: SLOT,
  };

  const page = (
    req: SiteRequest,
    res: ServerResponse,
    next: Next,
    status: number,
    locals: ViewLocals,
  ) => render(req, res, status, locals, next);

  const form = (
    req: SiteRequest,
    res: ServerResponse,
    next: Next,
    status: number,
    typed: string,
    message?: string,
  ) =>
    page(req, res, next, status, {
      view: 'device',
      issuer,
      action: localPath(req, path),
      csrfToken: formToken(req),
      userCode: typed,
      message,
      messageKey: message === undefined ? undefined : MESSAGE_KEYS[message],
    });

  const consent = (
    req: SiteRequest,
    res: ServerResponse,
    next: Next,
    deviceId: string,
    prompt: DevicePrompt,
    user: SiteUser,
  ) => {
    const request: DeviceRequest = { deviceId, client: prompt.client };
    const timing = { now: clock(), lifetime };
    const { transactionId, csrfToken } = openConsent(req, request, user, timing, SLOT);
    page(req, res, next, 200, {
      view: 'consent',
      issuer,
      client: prompt.client,
      scopes: prompt.scopes,
      user: { subject: user.subject, name: user.name },
      action: localPath(req, path),
      transactionId,
      csrfToken,
      rememberable: false,
      clientSource: prompt.clientSource,
      documentHost: prompt.documentHost,
      redirectHost: undefined,
      userCode: prompt.userCode,
      resources: prompt.resources,
    });
  };

  /** A code entered (the form, or back from login): consent, login, the form again or 429. */
  const submit = async (req: SiteRequest, res: ServerResponse, next: Next, typed: string) => {
    const outcome = await engine.enter(typed, visitorOf(req));
    if (outcome.kind === 'limited') return showError(req, res, next, outcome.error, 429);
    if (outcome.kind === 'invalid') return form(req, res, next, 400, typed, INVALID_CODE);
    const user = adapter.currentUser(req);
    if (user !== undefined) return consent(req, res, next, outcome.deviceId, outcome.prompt, user);
    const shown = outcome.prompt.userCode;
    (requireSession(req) as DeviceSession).oauth2 = {
      ...(requireSession(req) as DeviceSession).oauth2,
      deviceLogin: shown,
    };
    adapter.login(req, res, `${localPath(req, path)}?${new URLSearchParams({ user_code: shown })}`);
  };

  const get = async (req: SiteRequest, res: ServerResponse, next: Next): Promise<void> => {
    const typed = (new URLSearchParams(searchOf(req)).get('user_code') ?? '').slice(0, 64);
    if (typed !== '' && adapter.currentUser(req) !== undefined && takeLoginCode(req, typed))
      return submit(req, res, next, typed);
    form(req, res, next, 200, typed);
  };

  const answer = async (
    req: SiteRequest,
    res: ServerResponse,
    next: Next,
    params: Readonly<Record<string, string>>,
  ) => {
    const checked = await takeAnswer<DeviceRequest>(req, params, clock(), answers);
    if (!checked.ok) return showError(req, res, next, checked.error);
    const { tx, user } = checked;
    const result = await engine.decide(tx.request.deviceId, user.subject, params['decision']);
    if (result === 'invalid')
      return showError(req, res, next, new InvalidRequestError(ANSWER_EXPIRED));
    page(req, res, next, 200, {
      view: 'device-done',
      issuer,
      approved: result === 'approved',
      client: tx.request.client,
    });
  };

  const post = async (req: SiteRequest, res: ServerResponse, next: Next): Promise<void> => {
    const params = await readPostedForm(req, res, next, showError);
    if (params === undefined) return;
    if (params['transaction_id'] !== undefined) return answer(req, res, next, params);
    const typed = (params['user_code'] ?? '').slice(0, 64);
    if (!deviceFormTokenMatches(req, params['csrf_token']))
      return form(req, res, next, 400, typed, FORM_EXPIRED);
    return submit(req, res, next, typed);
  };

  return function device(req: SiteRequest, res: ServerResponse, next: Next): void {
    runPage(req, res, next, { get, post, showError });
  };
}

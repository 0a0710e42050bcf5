/**
 * What the registration endpoint's modules share: the engine pieces they use, the
 * rules a registration must stay within, and the no-store answer headers.
 *
 * Rules:
 * - a self-registered client may use every grant type the token endpoint offers
 *   except `password` ({@link WITHHELD_FROM_REGISTRATION}: RFC 9700 2.4 forbids
 *   it; a client nobody vetted must never collect users' passwords) and token
 *   exchange (a client nobody vetted must never act for users elsewhere), and
 *   `implicit` only when the authorization endpoint offers `token`
 *   (lib/helpers/client-metadata-rules.ts builds the rules);
 * - answers carry `Cache-Control: no-store` (they hold secrets: RFC 7591 3.2.1).
 */
import type { FailureLimit } from '../../helpers/failure-limit.js';
import { TOKEN_EXCHANGE_GRANT_TYPE } from '../../grants/token-exchange.js';
import type { ClientMetadataRules } from '../../helpers/client-metadata-rules.js';
import type { OAuthEventBus } from '../../engine/events.js';
import type { ClientStore } from '../../stores/types.js';
import type { Clock } from '../../types.js';
import type { ResolvedRegistration } from './options.js';

/** The engine pieces the registration endpoint uses. */
export interface RegistrationContext {
  readonly options: ResolvedRegistration;
  /** The provider's clients (configured ones first, then the registry). */
  readonly clients: Required<ClientStore>;
  /** What the server offers now (read per request: grants may be registered later). */
  rules(): ClientMetadataRules;
  /** The registration endpoint's URL; a client's `registration_client_uri` is below it. */
  readonly url: string;
  /** The `registration` rate limit; undefined when off. */
  readonly limit: FailureLimit | undefined;
  readonly events: OAuthEventBus;
  readonly clock: Clock;
}

/**
 * The grant types a self-registered client may never ask for, though the server
 * offers them: `password` (RFC 9700 2.4: "MUST NOT be used"; a client nobody
 * vetted must never collect users' passwords) and token exchange (RFC 8693: a
 * client nobody vetted must never swap a user's token for one aimed elsewhere;
 * lib/grants/token-exchange.ts refuses such a client too). Given to the one
 * builder of the rules, `clientMetadataRules()` (lib/helpers/client-metadata-rules.ts).
 */
export const WITHHELD_FROM_REGISTRATION: readonly string[] = Object.freeze([
  'password',
  TOKEN_EXCHANGE_GRANT_TYPE,
]);

/** Headers of every answer of the registration endpoint. */
export const NO_STORE: Readonly<Record<string, string>> = Object.freeze({
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
});

/** The current time in epoch seconds. */
export function nowOf(context: RegistrationContext): number {
  return Math.floor(context.clock() / 1000);
}

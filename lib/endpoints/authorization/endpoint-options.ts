/**
 * What the authorization endpoint's engine (./endpoint.ts) needs from the
 * provider: its configuration, stores, events and clock, built once by
 * lib/engine/flows.ts.
 */
import type { OAuthEventBus } from '../../engine/events.js';
import type { OAuthError } from '../../errors.js';
import type { FailureLimit } from '../../helpers/failure-limit.js';
import type { RecordStore } from '../../stores/records.js';
import type { ClientStore } from '../../stores/types.js';
import type { Clock } from '../../types.js';
import type { ConsentPolicy } from './consent.js';
import type { IssueContext } from './issue.js';
import type { ResponseType } from './request.js';
import type { AuthorizationContext } from './step.js';

/** What the endpoint needs from the provider. */
export interface AuthorizationEndpointOptions {
  readonly issuer: string;
  readonly clients: ClientStore;
  readonly scopes: AuthorizationContext['scopes'];
  /** The response types the server offers. */
  readonly responseTypes: readonly ResponseType[];
  readonly allowPlainPkce: boolean;
  /** The configured resources (RFC 8707) by indicator. */
  readonly resources: AuthorizationContext['resources'];
  /** The locales offered for claims (`openid.claimsLocales`); undefined: any (./claims-locales.ts). */
  readonly claimsLocales?: AuthorizationContext['claimsLocales'];
  /** The server's signing keys: an `id_token_hint` must verify with one (./id-token-hint.ts). */
  readonly keys: AuthorizationContext['keys'];
  /**
   * OpenID Connect (`options.openid`): whether a `nonce` is required (./nonce.ts;
   * default false) and the pairwise key an `id_token_hint`'s subject is compared under.
   */
  readonly openid?: Partial<Pick<AuthorizationContext, 'requireNonce' | 'pairwiseKey'>>;
  readonly consent: ConsentPolicy;
  /** Where the single-use markers of consent answers are kept (the provider's primitive). */
  readonly records: RecordStore;
  readonly issue: Omit<
    IssueContext,
    'issuer' | 'allowPlainPkce' | 'resources' | 'events' | 'clock'
  >;
  readonly events: OAuthEventBus;
  /** The provider's clock (epoch milliseconds): every event's `time`. */
  readonly clock: Clock;
  /** Logs a failure (a store that is down); called before it is answered. */
  readonly report: (error: OAuthError) => void;
  /**
   * Pushed authorization requests (RFC 9126), kept in `records`; `limit` is the
   * `public_client_writes` rate limit (undefined: off).
   */
  readonly par: {
    readonly required: boolean;
    readonly lifetime: number;
    readonly limit: FailureLimit | undefined;
  };
}

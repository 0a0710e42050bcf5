/**
 * Typed events: what happened, after it happened, for audit trails and metrics.
 *
 *     oauth.provider.events.on('token.issued', (e) => audit.write(e));
 *
 * Rules:
 * - The union is closed and documented: each event has a `type`, a `time` (epoch
 *   milliseconds, the provider's clock) and the fields below. No event carries a
 *   secret: no token, code, client secret or password, only ids (a JWT's `jti`, the
 *   SHA-256 of an opaque token), client ids, subjects, scopes, source addresses,
 *   and a username only as its hash.
 * - Listeners run after the fact and are never awaited; a listener that throws (or
 *   rejects) is logged at error and never breaks or slows the request.
 * - With no listener for a type, nothing is built: emitters call `wants(type)` first.
 * - The logger is one listener among others (see ./logger.ts).
 */
import type { GrantType, Logger } from '../types.js';

interface Base {
  /** Epoch milliseconds, by the provider's clock. */
  readonly time: number;
  /**
   * The request id from the request context (`X-Request-Id`), on events emitted
   * where the engine holds the request: today `client.authentication_failed`,
   * `par.pushed` and `rate_limited`.
   */
  readonly requestId?: string | undefined;
}

/** Every event, by type. */
export interface OAuthEvents {
  /** An access token (and maybe a refresh token) was issued. */
  'token.issued': Base & {
    readonly grantType: GrantType | 'implicit';
    readonly clientId: string;
    readonly subject: string;
    readonly scope: readonly string[];
    /** The access token's id: the JWT's `jti`, or the SHA-256 of an opaque token. */
    readonly tokenId: string;
    readonly grantId: string;
    readonly refreshToken: boolean;
    /** The resource (RFC 8707) the token is for, its `aud`; absent for the default audience. */
    readonly resource?: string;
    /** Token exchange (RFC 8693 4.1): the `sub` of the token's `act`, the party acting. */
    readonly actor?: string;
    /**
     * RFC 9449: the thumbprint of the DPoP key the access token is bound to (a
     * public key's hash, no secret); absent for a Bearer token.
     */
    readonly dpopJkt?: string;
  };
  /** An authorization code was issued at the authorization endpoint. */
  'code.issued': Base & {
    readonly clientId: string;
    readonly subject: string;
    readonly scope: readonly string[];
    readonly grantId: string;
  };
  /** A used authorization code came back: its grant was revoked. */
  'code.replayed': Base & { readonly clientId: string; readonly grantId: string };
  /** A refresh token was rotated: the old one retired, a new one issued. */
  'refresh.rotated': Base & { readonly clientId: string; readonly grantId: string };
  /** A retired refresh token came back: its grant was revoked. */
  'refresh.reuse_detected': Base & { readonly clientId: string; readonly grantId: string };
  /** One token was revoked (RFC 7009). */
  'token.revoked': Base & {
    readonly clientId: string;
    readonly tokenType: 'access_token' | 'refresh_token';
    readonly tokenId: string;
  };
  /** A whole grant (token family) was revoked. */
  'grant.revoked': Base & {
    readonly grantId: string;
    /** `user`: the user took the app back (`provider.authorizedApps.revoke`). */
    readonly reason: 'code_replayed' | 'refresh_reuse' | 'revocation' | 'user' | (string & {});
  };
  /**
   * A user took back an app they authorized (`provider.authorizedApps.revoke`):
   * every grant of theirs to the client (each also a `grant.revoked`) and the
   * remembered consent. `grants` is how many grants were revoked.
   */
  'app.revoked': Base & {
    readonly subject: string;
    readonly clientId: string;
    readonly grants: number;
  };
  /** Client authentication failed. `reason` is the private detail, never sent to the client. */
  'client.authentication_failed': Base & {
    /** The client id the request named, if any (it may not exist). */
    readonly clientId: string | undefined;
    readonly method: string | undefined;
    readonly reason: string;
  };
  /** The resource owner answered the consent page, or a remembered consent answered for them. */
  'consent.granted': Base & {
    readonly clientId: string;
    readonly subject: string;
    readonly scope: readonly string[];
    /** True when a remembered consent (or first-party trust) answered without a page. */
    readonly automatic: boolean;
  };
  'consent.denied': Base & { readonly clientId: string; readonly subject: string };
  /** The user asked to remember a consent. */
  'consent.remembered': Base & {
    readonly clientId: string;
    readonly subject: string;
    readonly scope: readonly string[];
    /** The resources (RFC 8707) of the request remembered (added to what it covered); absent when it named none. */
    readonly resources?: readonly string[];
  };
  /** A client was added to the registry (dynamic registration and admin code). */
  'client.registered': Base & { readonly clientId: string };
  'client.updated': Base & { readonly clientId: string };
  'client.deleted': Base & { readonly clientId: string };
  /** A device authorization request was accepted (RFC 8628 3.2); no code is given. */
  'device.authorization_started': Base & {
    readonly clientId: string;
    readonly scope: readonly string[];
  };
  /** A user code entered on the verification page was wrong, used or expired; the code is not given. */
  'device.user_code_failed': Base & { readonly ip: string | undefined };
  /** The user approved a device authorization request. */
  'device.approved': Base & {
    readonly clientId: string;
    readonly subject: string;
    readonly scope: readonly string[];
    readonly grantId: string;
  };
  /** The user denied a device authorization request. */
  'device.denied': Base & { readonly clientId: string; readonly subject: string };
  /**
   * A user's login session at the host was ended at the end-session endpoint
   * (OpenID Connect RP-Initiated Logout 1.0): `clientId` is the client that
   * asked (`client_id` or the `id_token_hint`'s audience), when known. Neither
   * the hint nor any token is given.
   */
  'session.ended': Base & { readonly subject: string; readonly clientId: string | undefined };
  /**
   * A client pushed an authorization request (RFC 9126 2) and got a `request_uri`;
   * the `request_uri` is not given.
   */
  'par.pushed': Base & { readonly clientId: string; readonly scope: readonly string[] };
  /**
   * A request was refused (429) because its key failed too often: no check ran. The
   * username is never given in clear, only its hash.
   */
  rate_limited: Base & {
    /**
     * What was limited: failed client authentication, failed password grants,
     * registrations, wrong user codes, public clients' pushes and device
     * authorizations (lib/engine/rate-limits.ts).
     */
    readonly limit:
      | 'client_auth'
      | 'password'
      | 'registration'
      | 'device_user_code'
      | 'public_client_writes'
      | (string & {});
    /** The client id the request named (client_auth: as sent, it may not exist). */
    readonly clientId: string | undefined;
    /** password: SHA-256 (base64url) of the username, NFKC-normalised and lower-cased. */
    readonly usernameHash?: string | undefined;
    /** The request's source address (the request context's `meta.ip`). */
    readonly ip: string | undefined;
    /** Seconds until the key may be tried again (the `Retry-After` value). */
    readonly retryAfter: number;
  };
}

/** The name of an event. */
export type OAuthEventType = keyof OAuthEvents;

/** One event: its fields and its `type`. */
export type OAuthEvent = {
  [K in OAuthEventType]: OAuthEvents[K] & { readonly type: K };
}[OAuthEventType];

/** A listener of events of type `K`. */
export type OAuthEventListener<K extends OAuthEventType> = (
  event: OAuthEvents[K] & { readonly type: K },
) => void | Promise<void>;

/** The event bus of a provider: `on`, `off`, and, for the library, `emit`. */
export class OAuthEventBus {
  readonly #listeners = new Map<OAuthEventType, Set<OAuthEventListener<never>>>();
  readonly #logger: Logger;

  /** @param logger where a failing listener is reported. */
  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Calls `listener` after every event of `type`. Returns a function that removes it. */
  on<K extends OAuthEventType>(type: K, listener: OAuthEventListener<K>): () => void {
    if (typeof listener !== 'function')
      throw new TypeError('events.on(): listener must be a function');
    let set = this.#listeners.get(type);
    if (set === undefined) this.#listeners.set(type, (set = new Set()));
    set.add(listener as OAuthEventListener<never>);
    return () => this.off(type, listener);
  }

  /** Removes a listener added with {@link on}. */
  off<K extends OAuthEventType>(type: K, listener: OAuthEventListener<K>): void {
    const set = this.#listeners.get(type);
    set?.delete(listener as OAuthEventListener<never>);
    if (set?.size === 0) this.#listeners.delete(type);
  }

  /** Whether anyone listens to `type`: emitters check this before building an event. */
  wants(type: OAuthEventType): boolean {
    return this.#listeners.has(type);
  }

  /**
   * Sends an event to its listeners, each in a microtask of its own, after the
   * caller's current step; never throws, never waits.
   */
  emit<K extends OAuthEventType>(type: K, fields: OAuthEvents[K]): void {
    const set = this.#listeners.get(type);
    if (set === undefined) return;
    const event = Object.freeze({ type, ...fields }) as unknown as OAuthEvents[K] & {
      readonly type: K;
    };
    for (const listener of set) {
      queueMicrotask(() => this.#deliver(listener as OAuthEventListener<K>, event));
    }
  }

  #deliver<K extends OAuthEventType>(
    listener: OAuthEventListener<K>,
    event: OAuthEvents[K] & { readonly type: K },
  ): void {
    try {
      const result = listener(event);
      if (result instanceof Promise) result.catch((err: unknown) => this.#failed(event.type, err));
    } catch (err) {
      this.#failed(event.type, err);
    }
  }

  #failed(type: OAuthEventType, err: unknown): void {
    this.#logger.error({ err, event: type }, 'an event listener failed');
  }
}

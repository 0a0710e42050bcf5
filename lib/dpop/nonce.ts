/**
 * Server-provided DPoP nonces (RFC 9449 8 and 9), stateless: a nonce is the
 * HMAC-SHA-256 of a time-window counter under a server secret, so every process
 * that has the secret makes and accepts the same nonces without a store.
 *
 * Rules:
 * - the counter is `floor(now / window)`; the nonce of a counter is
 *   base64url(HMAC-SHA-256(secret, "dpop-nonce." + counter)), 43 characters
 *   (RFC 9449 8.1: `nonce = 1*NQCHAR`; base64url is within it);
 * - a nonce is accepted when it is the one of the current window or of the one
 *   before, so a nonce handed out just before a rotation stays good for at least
 *   one whole window, and processes whose clocks sit in neighbouring windows agree;
 * - comparison is in constant time; a nonce of another length is simply refused;
 * - the secret is at least 32 bytes.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../types.js';

/** What the proof verifier needs of server nonces. */
export interface DpopNonces {
  /** The nonce to hand out now (the `DPoP-Nonce` header value). */
  current(): string;
  /** Whether `nonce` is the current nonce or the previous window's. */
  accepts(nonce: string): boolean;
}

/** Shortest nonce secret, in bytes. */
export const MIN_NONCE_SECRET_BYTES = 32;

/** Stateless rotating nonces: see the module header. */
export class StatelessDpopNonces implements DpopNonces {
  readonly #secret: Buffer;
  readonly #window: number;
  readonly #clock: Clock;

  /**
   * @param secret the HMAC key, at least 32 bytes, the same in every process.
   * @param window how long one nonce is the current one, in seconds (> 0).
   * @param clock the current time, in epoch milliseconds.
   */
  constructor(secret: Uint8Array, window: number, clock: Clock) {
    if (secret.byteLength < MIN_NONCE_SECRET_BYTES)
      throw new TypeError(
        `oauth2-stateless: dpop.nonces.secret must be at least ${MIN_NONCE_SECRET_BYTES} bytes`,
      );
    if (!Number.isFinite(window) || window <= 0)
      throw new TypeError(
        'oauth2-stateless: dpop.nonces.window must be a positive number of seconds',
      );
    this.#secret = Buffer.from(secret);
    this.#window = window;
    this.#clock = clock;
  }

  current(): string {
    return this.#nonce(this.#counter());
  }

  accepts(nonce: string): boolean {
    const given = Buffer.from(nonce, 'utf8');
    const counter = this.#counter();
    return [counter, counter - 1].some((c) => {
      const expected = Buffer.from(this.#nonce(c), 'utf8');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  }

  #counter(): number {
    return Math.floor(this.#clock() / 1000 / this.#window);
  }

  #nonce(counter: number): string {
    return createHmac('sha256', this.#secret).update(`dpop-nonce.${counter}`).digest('base64url');
  }
}

/**
 * The cap on slow secret checks (scrypt runs on libuv's thread pool, 4 threads by
 * default, where file I/O, DNS lookups and other crypto run too).
 *
 * Rules:
 * - at most `concurrency` checks run at once; the rest wait, first come first served;
 * - at most `queue` wait: one more is refused at once with `temporarily_unavailable`
 *   (503, `Retry-After: 1`), so a flood can neither take the whole pool nor pile up
 *   waiting requests;
 * - a check that throws frees its place like one that returns.
 */
import { TemporarilyUnavailableError } from '../errors.js';

export class SlowCheckGate {
  readonly #concurrency: number;
  readonly #queue: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  /**
   * @param concurrency checks run at once (a whole number >= 1).
   * @param queue checks that may wait (a whole number >= 0).
   */
  constructor(concurrency: number, queue: number) {
    this.#concurrency = concurrency;
    this.#queue = queue;
  }

  /**
   * Runs `check` when a place is free.
   * @throws TemporarilyUnavailableError (503) when the queue is full.
   */
  async run<T>(check: () => Promise<T>): Promise<T> {
    await this.#enter();
    try {
      return await check();
    } finally {
      this.#leave();
    }
  }

  /** Checks running now. */
  get running(): number {
    return this.#running;
  }

  /** Checks waiting now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  #enter(): Promise<void> {
    if (this.#running < this.#concurrency) {
      this.#running++;
      return Promise.resolve();
    }
    if (this.#waiting.length >= this.#queue) {
      return Promise.reject(
        new TemporarilyUnavailableError(undefined, {
          detail: 'too many slow client secret checks at once',
          headers: { 'Retry-After': '1' },
        }),
      );
    }
    // The place of the check that leaves passes to this one: #running stays the same.
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #leave(): void {
    const next = this.#waiting.shift();
    if (next === undefined) this.#running--;
    else next();
  }
}

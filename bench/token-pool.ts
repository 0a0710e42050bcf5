/**
 * The access tokens of one run of a `newTokens` scenario (bench/scenarios.ts), as
 * the server minted them, handed out one per request built.
 *
 * Rules:
 * - every token is handed out once, in minting order, warm-up first, then the
 *   measured run;
 * - once the pool is spent it starts over, and every token handed out again is
 *   counted in {@link TokenPool.reused}: those requests are cache hits, not the
 *   full checks the scenario measures, and the runner says so.
 */

export class TokenPool {
  readonly #tokens: readonly string[];
  #next = 0;

  /** @param tokens at least one. */
  constructor(tokens: readonly string[]) {
    if (tokens.length === 0) throw new RangeError('a token pool needs at least one token');
    this.#tokens = tokens;
  }

  /** The next token (a `LoadRequest.bearer`, bench/load.ts). */
  readonly next = (): string => this.#tokens[this.#next++ % this.#tokens.length] as string;

  /** Tokens minted. */
  get size(): number {
    return this.#tokens.length;
  }

  /** Tokens handed out so far, reused ones included (some were built into a request never sent). */
  get handedOut(): number {
    return this.#next;
  }

  /** Tokens handed out a second time or more. */
  get reused(): number {
    return Math.max(0, this.#next - this.#tokens.length);
  }
}

/**
 * How many tokens to mint for one run: a protect request that verifies a
 * signature is never faster than the bare GET, so `(warm-up + duration) × the
 * highest bare-GET req/s seen so far × 1.25`, plus two requests per connection
 * (warm-up and measured run each build one per connection that is never sent).
 */
export function poolSize(seconds: number, fastestBareGet: number, connections: number): number {
  return Math.ceil(seconds * fastestBareGet * 1.25) + 2 * connections;
}

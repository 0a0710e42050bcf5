/**
 * Scopes (the seed's `Scope` and `scope_separator`).
 *
 * Rules:
 * - A scope token is 1*( %x21 / %x23-5B / %x5D-7E ) (RFC 6749 3.3); anything else is
 *   `invalid_scope`.
 * - Every requested scope must be one the server offers and the client may use,
 *   else `invalid_scope`.
 * - A request that names no scope gets the client's default, else the server's
 *   default, narrowed to what the client may use (RFC 6749 3.3).
 * - A refresh may narrow the scope, never widen it (RFC 6749 6).
 * - A scope named in an error description is quoted and cut to 40 characters
 *   (`quoteValue`), so a request cannot make an answer (or a redirect's Location)
 *   as long as it likes.
 * - A scope's description is one text, or texts by language tag
 *   (`{ en: 'Read your photos', de: 'Ihre Fotos lesen' }`), each tag a language
 *   tag given once; `descriptions` keeps one text per scope (English, else the
 *   first given) for code that reads it, and `describe(scope, chain)` gives the
 *   text in the first language of a page's chain that has one.
 */
import { InvalidScopeError, quoteValue } from '../errors.js';
import { canonicalTag } from '../i18n/tags.js';
import type { Client } from '../types.js';

export interface ScopeOptions {
  /** Every scope the server offers. */
  available: readonly string[];
  /** Scopes granted when a request names none. Default: none (the request then fails with `invalid_scope`). */
  default?: readonly string[];
  /**
   * Human descriptions, shown on the consent page: one text, or texts by
   * language tag (`{ read: { en: 'Read your data', de: 'Ihre Daten lesen' } }`),
   * shown in the page's language (README, _Pages in the user's language_).
   */
  descriptions?: Readonly<Record<string, ScopeDescription>>;
  /** Separator between scopes in requests and responses. Default `' '` (RFC 6749 3.3). */
  separator?: string;
}

/** A scope's description: one text, or texts by language tag. */
export type ScopeDescription = string | Readonly<Record<string, string>>;

/** A description by canonical tag; `''` holds a text given for every language. */
type LocalizedTexts = ReadonlyMap<string, string>;

/** Checks one description. @throws TypeError naming the scope and the tag. */
function localizedTexts(scope: string, given: unknown): LocalizedTexts {
  const where = `options.scopes.descriptions[${JSON.stringify(scope)}]`;
  if (typeof given === 'string') return new Map([['', given]]);
  if (given === null || typeof given !== 'object' || Array.isArray(given))
    throw new TypeError(`${where} must be a string or an object of strings by language tag`);
  const out = new Map<string, string>();
  for (const [tag, text] of Object.entries(given)) {
    const canonical = canonicalTag(tag);
    if (canonical === undefined || out.has(canonical) || typeof text !== 'string')
      throw new TypeError(
        `${where}[${JSON.stringify(tag)}] must be a string under a language tag given once (e.g. "de")`,
      );
    out.set(canonical, text);
  }
  return out;
}

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** The server's scope policy. */
export class ScopePolicy {
  readonly available: ReadonlySet<string>;
  readonly defaults: readonly string[];
  /** One description per scope: the text given for every language, else English, else the first. */
  readonly descriptions: Readonly<Record<string, string>>;
  readonly separator: string;
  readonly #localized: ReadonlyMap<string, LocalizedTexts>;

  constructor(options: ScopeOptions | undefined) {
    const available = options?.available ?? [];
    for (const scope of available) {
      if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope)) {
        throw new TypeError(
          `options.scopes.available: ${JSON.stringify(scope)} is not a valid scope token (RFC 6749 3.3)`,
        );
      }
    }
    this.available = new Set(available);
    this.defaults = Object.freeze([...(options?.default ?? [])]);
    for (const scope of this.defaults) {
      if (!this.available.has(scope)) {
        throw new TypeError(
          `options.scopes.default: ${JSON.stringify(scope)} is not in options.scopes.available`,
        );
      }
    }
    this.#localized = new Map(
      Object.entries(options?.descriptions ?? {}).map(([scope, d]) => [
        scope,
        localizedTexts(scope, d),
      ]),
    );
    const single = [...this.#localized].map(([scope, texts]) => [
      scope,
      texts.get('') ?? texts.get('en') ?? texts.values().next().value,
    ]);
    this.descriptions = Object.freeze(
      Object.fromEntries(
        single.filter((entry): entry is [string, string] => entry[1] !== undefined),
      ),
    );
    this.separator = options?.separator ?? ' ';
    if (this.separator.length === 0)
      throw new TypeError('options.scopes.separator must not be empty');
    // A scope holding the separator would come back split: parse(format([s])) !== [s].
    const split = [...this.available].find((scope) => scope.includes(this.separator));
    if (split !== undefined) {
      throw new TypeError(
        `options.scopes.available: ${JSON.stringify(split)} contains the separator ${JSON.stringify(this.separator)}`,
      );
    }
  }

  /**
   * The description of `scope` in the first language of `chain` (canonical
   * tags, e.g. `['de-CH', 'de', 'en']`) that has one, else its one text
   * ({@link descriptions}); undefined when it has none.
   */
  describe(scope: string, chain: readonly string[]): string | undefined {
    const texts = this.#localized.get(scope);
    if (texts === undefined) return undefined;
    for (const tag of chain) {
      const text = texts.get(tag);
      if (text !== undefined) return text;
    }
    return this.descriptions[scope];
  }

  /** Splits a scope parameter into distinct scope tokens, in order; `invalid_scope` if one is malformed. */
  parse(value: string | undefined): string[] {
    if (value === undefined) return [];
    const out: string[] = [];
    for (const part of value.split(this.separator)) {
      if (part === '') continue;
      if (!SCOPE_TOKEN.test(part))
        throw new InvalidScopeError('the scope parameter holds a malformed scope');
      if (!out.includes(part)) out.push(part);
    }
    return out;
  }

  format(scope: readonly string[]): string {
    return scope.join(this.separator);
  }

  /**
   * The scope to grant `client` for a request naming `requested` (already parsed).
   * Throws `invalid_scope` for an unknown scope, one the client may not use, or
   * an empty result when the server offers scopes.
   */
  resolve(client: Client, requested: readonly string[]): string[] {
    const allowed = client.scopes;
    if (requested.length === 0) {
      const base = client.defaultScopes ?? this.defaults;
      const granted = allowed === undefined ? [...base] : base.filter((s) => allowed.includes(s));
      if (granted.length === 0 && this.available.size > 0) {
        throw new InvalidScopeError(
          'the request names no scope and there is no default scope for this client',
        );
      }
      return granted;
    }
    for (const scope of requested) {
      if (!this.available.has(scope))
        throw new InvalidScopeError(`unknown scope: ${quoteValue(scope)}`);
      if (allowed !== undefined && !allowed.includes(scope)) {
        throw new InvalidScopeError(`the client may not request the scope: ${quoteValue(scope)}`);
      }
    }
    return [...requested];
  }

  /** The scope of a refresh: `requested` must be within `original`; none requested keeps `original`. */
  narrow(original: readonly string[], requested: readonly string[]): string[] {
    if (requested.length === 0) return [...original];
    for (const scope of requested) {
      if (!original.includes(scope)) {
        throw new InvalidScopeError(
          `the scope ${quoteValue(scope)} was not granted originally; a refresh cannot widen the scope`,
        );
      }
    }
    return [...requested];
  }
}

/** Whether `granted` includes every scope in `required`. */
export function hasScopes(granted: readonly string[], required: readonly string[]): boolean {
  for (const scope of required) if (!granted.includes(scope)) return false;
  return true;
}

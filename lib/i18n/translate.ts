/**
 * `t(key, vars)`: the text of a message in a page's language.
 *
 * Rules:
 * - a text is looked up along a chain: the page's tag (`de-CH`), its language
 *   (`de`), the default language, then English; the first catalog that has the
 *   key gives it; a key no catalog has gives the key itself (visible, never empty);
 * - `{name}` is replaced by `vars[name]` (an own property only: `{constructor}`
 *   is never `Object`'s), in one pass, so a value holding `{other}` is never
 *   filled in again; a placeholder without a value stays as written;
 * - `t()` returns plain text: it never escapes or interprets HTML; the views
 *   print it with `<%= %>`, which escapes it (values included);
 * - `split(key, slot)` cuts a text around one placeholder, so a view can wrap
 *   the value in markup (`<strong>`) where the catalog puts it; a text without
 *   that placeholder is all `before`.
 */
import type { Locales } from './options.js';
import { baseLanguage, textDirection, type TextDirection } from './tags.js';

/** Values of the placeholders of a message. */
export type MessageValues = Readonly<Record<string, string | number>>;

/** The messages of one page's language. */
export interface Translator {
  /** The page's language (canonical tag), for `<html lang>`. */
  readonly locale: string;
  /** The page's direction, for `<html dir>`. */
  readonly dir: TextDirection;
  /** The tags texts are looked up in, in order. */
  readonly chain: readonly string[];
  /** The text of `key`, its placeholders filled (rules above). */
  t(key: string, vars?: MessageValues): string;
  /** Whether a catalog of the chain has `key`. */
  has(key: string): boolean;
  /** The text of `key` cut around `{slot}`: `[before, after]`, each filled (rules above). */
  split(key: string, slot: string, vars?: MessageValues): readonly [string, string];
}

const PLACEHOLDER = /\{([A-Za-z0-9_]+)\}/g;

/** Fills the placeholders of `text` in one pass. */
export function fillPlaceholders(text: string, vars: MessageValues | undefined): string {
  if (vars === undefined) return text;
  return text.replace(PLACEHOLDER, (whole, name: string) =>
    Object.hasOwn(vars, name) ? String(vars[name]) : whole,
  );
}

/** The lookup chain of `locale` (rules above): only tags with a catalog, each once. */
export function localeChain(locales: Locales, locale: string): string[] {
  const tags = [locale, baseLanguage(locale), locales.default, baseLanguage(locales.default), 'en'];
  return [...new Set(tags)].filter((tag) => locales.catalogs.has(tag));
}

/** The translator of a page in `locale` (a tag of `locales.supported`). */
export function translator(locales: Locales, locale: string): Translator {
  const chain = Object.freeze(localeChain(locales, locale));
  const lookup = (key: string): string | undefined => {
    for (const tag of chain) {
      const text = locales.catalogs.get(tag)?.[key];
      if (text !== undefined) return text;
    }
    return undefined;
  };
  const t = (key: string, vars?: MessageValues) => fillPlaceholders(lookup(key) ?? key, vars);
  const split = (key: string, slot: string, vars?: MessageValues) => {
    const text = lookup(key) ?? key;
    const at = text.indexOf(`{${slot}}`);
    if (at === -1) return Object.freeze([fillPlaceholders(text, vars), '']) as [string, string];
    const before = fillPlaceholders(text.slice(0, at), vars);
    const after = fillPlaceholders(text.slice(at + slot.length + 2), vars);
    return Object.freeze([before, after]) as [string, string];
  };
  return Object.freeze({
    locale,
    dir: textDirection(locale),
    chain,
    t,
    has: (key: string) => lookup(key) !== undefined,
    split,
  });
}

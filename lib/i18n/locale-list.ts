/**
 * A bounded list of language tags, as OpenID Connect's `claims_locales` carries
 * them (OIDC Core 5.2: "space-separated list of BCP47 [RFC5646] language tag
 * values, ordered by preference"): read from the request, kept with the grant,
 * written into access tokens and read back from them.
 *
 * Rules:
 * - at most {@link MAX_LOCALES} tags, each a language tag of at most 35
 *   characters (./tags.ts `canonicalTag`), separated by single spaces; anything
 *   else (an empty list, a malformed tag, two spaces, a tab) is no list at all;
 * - tags are kept in their written form (`DE-ch` → `de-CH`), in the order
 *   given, each once.
 */
import { canonicalTag } from './tags.js';

/** The most tags a list may hold. */
export const MAX_LOCALES = 10;

/** The longest list's text: ten tags of 35 characters and the spaces between them. */
export const MAX_LOCALE_LIST_LENGTH = MAX_LOCALES * 36 - 1;

/**
 * The tags of a space-separated list (rules above), or undefined when it is not one.
 * @example localeList('de en-us de') // → ['de', 'en-US']
 */
export function localeList(text: string): readonly string[] | undefined {
  if (text.length === 0 || text.length > MAX_LOCALE_LIST_LENGTH) return undefined;
  const parts = text.split(' ');
  if (parts.length > MAX_LOCALES) return undefined;
  const tags = parts.map(canonicalTag);
  if (tags.some((tag) => tag === undefined)) return undefined;
  return Object.freeze([...new Set(tags as string[])]);
}

/** Whether `value` is a list as {@link localeList} makes them (a record read back from a store). */
export function isLocaleList(value: unknown): value is readonly string[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.length <= MAX_LOCALES &&
    value.every((tag) => typeof tag === 'string' && canonicalTag(tag) === tag)
  );
}

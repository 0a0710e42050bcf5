/**
 * Which language a page is shown in: the request's `ui_locales` (OpenID
 * Connect Core 3.1.2.1), then the browser's `Accept-Language` (RFC 9110
 * 12.5.4), then the default.
 *
 * Rules:
 * - `ui_locales` is "a space-separated list of BCP47 language tag values,
 *   ordered by preference"; the first one with a catalog wins, a tag matching
 *   its own catalog (`de-CH`) or else its language's (`de`); unknown or
 *   malformed tags are skipped, never an error ("An error SHOULD NOT result if
 *   some or all of the requested locales are not supported");
 * - `Accept-Language` is read by q-value, highest first, equal ones in their
 *   order; `q=0` means "not acceptable" and is dropped; `*` is the default;
 *   a malformed q-value counts as 0;
 * - at most 32 tags of either are read, and a header over 4096 characters
 *   is cut there, so an odd header costs a bounded amount of work.
 */
import type { Locales } from './options.js';
import { baseLanguage, canonicalTag } from './tags.js';

const MAX_TAGS = 32;
const MAX_HEADER = 4096;
const QVALUE = /^q=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/i;

/** The language tags of an `Accept-Language` value, most wanted first (rules above). */
export function acceptedLanguages(header: string): string[] {
  const ranges = header
    .slice(0, MAX_HEADER)
    .split(',')
    .slice(0, MAX_TAGS)
    .map((part, order) => {
      const [range = '', ...params] = part.split(';').map((p) => p.trim());
      const q = params.map((p) => QVALUE.exec(p)).find((m) => m !== null);
      const weight = params.length === 0 ? 1 : q ? Number(q[1]) : 0;
      return { range, weight, order };
    })
    .filter((r) => r.range !== '' && r.weight > 0);
  ranges.sort((a, b) => b.weight - a.weight || a.order - b.order);
  return ranges.map((r) => r.range);
}

/** The tag with a catalog for one wanted tag: itself, else its language; `*` is the default. */
export function supportedTag(locales: Locales, wanted: string): string | undefined {
  if (wanted === '*') return locales.default;
  const tag = canonicalTag(wanted);
  if (tag === undefined) return undefined;
  if (locales.catalogs.has(tag)) return tag;
  const base = baseLanguage(tag);
  return locales.catalogs.has(base) ? base : undefined;
}

/** The first of `wanted` (by preference) that has a catalog, or undefined. */
export function firstSupported(locales: Locales, wanted: readonly string[]): string | undefined {
  for (const tag of wanted.slice(0, MAX_TAGS)) {
    const found = supportedTag(locales, tag);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The tags of a `ui_locales` value, in order. */
export function uiLocaleTags(value: string): string[] {
  return value
    .slice(0, MAX_HEADER)
    .split(' ')
    .filter((tag) => tag !== '' && tag !== '*')
    .slice(0, MAX_TAGS);
}

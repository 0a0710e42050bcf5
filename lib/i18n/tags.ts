/**
 * Language tags (BCP 47, RFC 5646) as the pages need them: checked, written in
 * one form, cut to their language, and the text direction they are read in.
 *
 * Rules:
 * - a tag is a 2–3 letter language, then subtags of 1–8 letters or digits
 *   (RFC 5646 2.1, simplified: no grandfathered or private-use-only tags); at
 *   most 35 characters;
 * - tags compare case-insensitively (RFC 5646 2.1.1); the written form is the
 *   RFC's convention: language lower case, a 4-letter script title case, a
 *   2-letter region upper case (`zh-Hant-TW`);
 * - a page is read right to left when its script subtag is Arabic, Hebrew,
 *   Syriac, Thaana or N'Ko, or, with no script subtag, when its language is
 *   written in one of these by default (ar, he, fa, ur, ps, sd, ug, yi, dv,
 *   ckb, syr, arc, nqo, ks).
 */

const TAG = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/;
const RTL_LANGUAGES: ReadonlySet<string> = new Set([
  'ar',
  'arc',
  'ckb',
  'dv',
  'fa',
  'he',
  'ks',
  'nqo',
  'ps',
  'sd',
  'syr',
  'ug',
  'ur',
  'yi',
]);
const RTL_SCRIPTS: ReadonlySet<string> = new Set(['arab', 'hebr', 'syrc', 'thaa', 'nkoo']);
const LTR_SCRIPTS: ReadonlySet<string> = new Set(['latn', 'cyrl']);

/** A text direction, as HTML's `dir` attribute takes it. */
export type TextDirection = 'ltr' | 'rtl';

/**
 * The tag in its written form, or undefined when it is not a language tag.
 * @example canonicalTag('DE-ch') // → 'de-CH'
 */
export function canonicalTag(tag: string): string | undefined {
  if (tag.length > 35 || !TAG.test(tag)) return undefined;
  return tag
    .split('-')
    .map((part, i) => {
      if (i === 0) return part.toLowerCase();
      if (part.length === 4 && /^[A-Za-z]+$/.test(part))
        return part[0]!.toUpperCase() + part.slice(1).toLowerCase();
      if (part.length === 2) return part.toUpperCase();
      return part.toLowerCase();
    })
    .join('-');
}

/** The language of a (canonical) tag: `de-CH` → `de`. */
export function baseLanguage(tag: string): string {
  return tag.split('-')[0]!;
}

/** The direction text of the (canonical) tag `tag` is read in (rules above). */
export function textDirection(tag: string): TextDirection {
  const script = tag
    .split('-')
    .slice(1)
    .find((part) => part.length === 4 && /^[A-Za-z]+$/.test(part))
    ?.toLowerCase();
  if (script !== undefined && (RTL_SCRIPTS.has(script) || LTR_SCRIPTS.has(script)))
    return RTL_SCRIPTS.has(script) ? 'rtl' : 'ltr';
  return RTL_LANGUAGES.has(baseLanguage(tag)) ? 'rtl' : 'ltr';
}

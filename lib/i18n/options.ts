/**
 * The provider's `locales` option: which language a page falls back to, and the
 * catalogs a host adds or overrides, checked when the server is made.
 *
 * Rules:
 * - the built-in catalogs are English, German, French, Spanish and Japanese
 *   (./catalogs/); a host's catalog for a built-in language overrides those
 *   texts only (the rest stay), a catalog for another tag adds a language
 *   (`pt-BR`, `ar`, …) whose missing texts fall back (./translate.ts);
 * - a catalog's tag must be a language tag (./tags.ts), given once whatever its
 *   case; a catalog is an object of strings; any key is accepted (a host's
 *   own keys are for its own templates); a TypeError names the bad one;
 * - `default` must be a tag that has a catalog; default `en`;
 * - the result is frozen, and catalogs are copied into objects without a
 *   prototype, so a key such as `constructor` or `__proto__` is only ever a text.
 */
import { de } from './catalogs/de.js';
import { en } from './catalogs/en.js';
import { es } from './catalogs/es.js';
import { fr } from './catalogs/fr.js';
import { ja } from './catalogs/ja.js';
import { canonicalTag } from './tags.js';

/** A catalog a host gives: texts by message key, with `{name}` placeholders. */
export type CatalogInput = Readonly<Record<string, string>>;

/** The provider's `locales` option. */
export interface LocaleOptions {
  /**
   * The language of a page when neither the request's `ui_locales` nor the
   * browser's `Accept-Language` names one with a catalog. Default `'en'`.
   */
  default?: string;
  /**
   * Catalogs by language tag, each overriding the built-in texts of that tag
   * or adding a language: `{ de: { 'consent.allow': 'Zulassen' }, 'pt-BR': { … } }`.
   * Default none.
   */
  catalogs?: Readonly<Record<string, CatalogInput>>;
}

/** The checked `locales` option. */
export interface Locales {
  /** The default language (canonical tag). */
  readonly default: string;
  /** Every tag with a catalog, the default first. */
  readonly supported: readonly string[];
  /** The catalog of each tag in `supported`, the host's texts over the built-in ones. */
  readonly catalogs: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/** The built-in catalogs, by tag. */
export const BUILT_IN_CATALOGS: Readonly<Record<string, CatalogInput>> = Object.freeze({
  en: Object.freeze({ ...en }),
  de: Object.freeze({ ...de }),
  fr: Object.freeze({ ...fr }),
  es: Object.freeze({ ...es }),
  ja: Object.freeze({ ...ja }),
});

function plainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A host's catalog, checked and copied. @throws TypeError naming the bad text. */
function checkedCatalog(tag: string, given: unknown): Record<string, string> {
  const where = `options.locales.catalogs[${JSON.stringify(tag)}]`;
  if (!plainObject(given)) throw new TypeError(`${where} must be an object of texts by key`);
  const out: Record<string, string> = Object.create(null);
  for (const [key, text] of Object.entries(given)) {
    if (typeof text !== 'string')
      throw new TypeError(`${where}[${JSON.stringify(key)}] must be a string`);
    out[key] = text;
  }
  return out;
}

/** The host's catalogs by canonical tag. @throws TypeError naming the bad tag. */
function hostCatalogs(given: unknown): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  if (given === undefined) return out;
  if (!plainObject(given))
    throw new TypeError('options.locales.catalogs must be an object of catalogs by language tag');
  for (const [tag, catalog] of Object.entries(given)) {
    const canonical = canonicalTag(tag);
    if (canonical === undefined)
      throw new TypeError(
        `options.locales.catalogs: ${JSON.stringify(tag)} is not a language tag (BCP 47, e.g. "de" or "pt-BR")`,
      );
    if (out.has(canonical))
      throw new TypeError(`options.locales.catalogs: ${JSON.stringify(tag)} is given twice`);
    out.set(canonical, checkedCatalog(tag, catalog));
  }
  return out;
}

/**
 * Checks the `locales` option and merges the catalogs (rules above).
 * @throws TypeError naming the option and the fix.
 */
export function resolveLocales(options: LocaleOptions | undefined): Locales {
  if (options !== undefined && !plainObject(options))
    throw new TypeError('options.locales must be an object: { default?, catalogs? }');
  const merged = new Map<string, Readonly<Record<string, string>>>();
  for (const [tag, catalog] of Object.entries(BUILT_IN_CATALOGS))
    merged.set(tag, Object.assign(Object.create(null), catalog));
  for (const [tag, catalog] of hostCatalogs(options?.catalogs))
    merged.set(tag, Object.freeze(Object.assign(Object.create(null), merged.get(tag), catalog)));
  const given = options?.default ?? 'en';
  const fallback = typeof given === 'string' ? canonicalTag(given) : undefined;
  if (fallback === undefined || !merged.has(fallback))
    throw new TypeError(
      `options.locales.default must be a language tag with a catalog (one of ${[...merged.keys()].join(', ')}, or add it in options.locales.catalogs)`,
    );
  for (const catalog of merged.values()) Object.freeze(catalog);
  const supported = [fallback, ...[...merged.keys()].filter((tag) => tag !== fallback)];
  return Object.freeze({
    default: fallback,
    supported: Object.freeze(supported),
    catalogs: merged,
  });
}

/** The built-in catalogs alone, with English as the default. */
export const DEFAULT_LOCALES: Locales = resolveLocales(undefined);

/**
 * `options.openid.acrValues` and `options.openid.claimsLocales`: what the host
 * declares it offers, listed in discovery (`acr_values_supported`,
 * `claims_locales_supported`, OpenID Connect Discovery 1.0 3).
 *
 * Rules:
 * - Each is absent (nothing declared, the member left out of discovery) or a
 *   non-empty array of at most {@link MAX_OFFERED_VALUES} entries; anything else
 *   is a TypeError naming the option and the fix.
 * - An `acrValues` entry is an acr as the site adapter may report one
 *   (./authentication.ts: 1 to 256 characters of %x21-7E).
 * - A `claimsLocales` entry is a BCP 47 language tag (lib/i18n/tags.ts), kept in
 *   its written form (`DE-ch` → `de-CH`); a request's `claims_locales` is then
 *   narrowed to them (lib/endpoints/authorization/claims-locales.ts).
 * - Repeated entries are kept once, in the order first given.
 */
import { canonicalTag } from '../../i18n/tags.js';
import { MAX_ACR_LENGTH } from './authentication.js';

/** The most entries either list may hold. */
export const MAX_OFFERED_VALUES = 100;

const ACR = /^[\x21-\x7e]+$/;

function entries(value: unknown, option: string, shape: string): readonly unknown[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_OFFERED_VALUES)
    throw new TypeError(
      `options.openid.${option} must be a non-empty array of at most ${MAX_OFFERED_VALUES} ${shape}, or left out`,
    );
  return value;
}

/**
 * The checked `acrValues` (rules above); undefined when none are declared.
 * @throws TypeError naming the option.
 */
export function resolveAcrValues(value: unknown): readonly string[] | undefined {
  const shape = `strings of 1 to ${MAX_ACR_LENGTH} characters of %x21-7E (acr values, e.g. 'urn:example:loa:2')`;
  const list = entries(value, 'acrValues', shape);
  if (list === undefined) return undefined;
  for (const acr of list)
    if (typeof acr !== 'string' || acr.length > MAX_ACR_LENGTH || !ACR.test(acr))
      throw new TypeError(
        `options.openid.acrValues must be a non-empty array of at most ${MAX_OFFERED_VALUES} ${shape}: ${JSON.stringify(acr)} is not one`,
      );
  return Object.freeze([...new Set(list as string[])]);
}

/**
 * The checked `claimsLocales`, in their written form (rules above); undefined
 * when none are declared.
 * @throws TypeError naming the option.
 */
export function resolveClaimsLocales(value: unknown): readonly string[] | undefined {
  const shape = "BCP 47 language tags (e.g. ['en', 'de', 'ja-Kana-JP'])";
  const list = entries(value, 'claimsLocales', shape);
  if (list === undefined) return undefined;
  const tags = list.map((tag) => (typeof tag === 'string' ? canonicalTag(tag) : undefined));
  const bad = tags.indexOf(undefined);
  if (bad !== -1)
    throw new TypeError(
      `options.openid.claimsLocales must be a non-empty array of at most ${MAX_OFFERED_VALUES} ${shape}: ${JSON.stringify(list[bad])} is not one`,
    );
  return Object.freeze([...new Set(tags as string[])]);
}

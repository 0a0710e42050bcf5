/**
 * User codes and device codes (RFC 8628 3.2, 6.1).
 *
 * Rules:
 * - A device code is 32 random bytes, base64url (RFC 8628 6.1: "the device code
 *   SHOULD be ... of sufficient entropy"); it is stored only as its SHA-256.
 * - A user code is `length` characters (default 8) drawn uniformly from an
 *   alphabet without vowels and look-alikes (default `BCDFGHJKLMNPQRSTVWXZ`,
 *   RFC 8628 6.1's example: no vowels, so no words; no 0/O, 1/I/L, 5/S pairs),
 *   shown in groups of 4 joined by `-` (`WDJB-MJHT`).
 * - A user code is compared case-insensitively, dashes and white space
 *   ignored (RFC 8628 6.1): {@link normalizeUserCode} is the one comparison
 *   form, and its SHA-256 the one stored and looked up; input of an impossible
 *   size is no code at all.
 * - The alphabet (upper case after normalization, unique characters, no `-`
 *   and no white space) and length are checked once; together they must give
 *   at least 2^20 codes (TypeError otherwise).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { sha256 } from '../../helpers/secrets.js';

/** RFC 8628 6.1's base-20 alphabet. */
export const DEFAULT_USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
export const DEFAULT_USER_CODE_LENGTH = 8;

/** How user codes are made (`grants.deviceCode.userCode`). */
export interface UserCodeOptions {
  /** The characters of a user code. Default `BCDFGHJKLMNPQRSTVWXZ`. */
  alphabet?: string;
  /** Characters per code, 6 to 20. Default 8. */
  length?: number;
}

/** The checked {@link UserCodeOptions}. */
export interface UserCodeRules {
  readonly alphabet: string;
  readonly length: number;
}

/** Characters a user may type around a code: dashes and white space. */
const SEPARATORS = /[\s-]+/g;

/** Checks `grants.deviceCode.userCode` (rules above). */
export function resolveUserCodeRules(given: UserCodeOptions | undefined): UserCodeRules {
  const where = 'options.grants.deviceCode.userCode';
  const alphabet = given?.alphabet ?? DEFAULT_USER_CODE_ALPHABET;
  const length = given?.length ?? DEFAULT_USER_CODE_LENGTH;
  if (typeof alphabet !== 'string' || alphabet !== alphabet.toUpperCase() || /[\s-]/.test(alphabet))
    throw new TypeError(`${where}.alphabet must be upper-case characters without "-" or spaces`);
  const chars = [...alphabet];
  if (new Set(chars).size !== chars.length || chars.length < 2)
    throw new TypeError(`${where}.alphabet must have at least 2 characters, each once`);
  if (!Number.isInteger(length) || length < 6 || length > 20)
    throw new TypeError(`${where}.length must be a whole number from 6 to 20`);
  if (length * Math.log2(chars.length) < 20)
    throw new TypeError(`${where}: the alphabet and length give fewer than 2^20 codes`);
  return Object.freeze({ alphabet, length });
}

/** A new device code: 32 random bytes, base64url. */
export function newDeviceCode(): string {
  return randomBytes(32).toString('base64url');
}

/** A new user code in its comparison form (no dashes). */
export function newUserCode(rules: UserCodeRules): string {
  const chars = [...rules.alphabet];
  let code = '';
  for (let i = 0; i < rules.length; i++) code += chars[randomInt(chars.length)];
  return code;
}

/** A user code as shown: groups of 4 joined by `-`. */
export function displayUserCode(code: string): string {
  return (code.match(/.{1,4}/gu) ?? []).join('-');
}

/**
 * What a user typed, in comparison form: upper case, dashes and white space
 * dropped; undefined when it cannot be a code of `rules` (wrong length).
 */
export function normalizeUserCode(typed: string, rules: UserCodeRules): string | undefined {
  if (typed.length > rules.length * 4) return undefined;
  const code = typed.replace(SEPARATORS, '').toUpperCase();
  return [...code].length === rules.length ? code : undefined;
}

/** The stored form of a user code (comparison form): its SHA-256. */
export function userCodeHash(code: string): string {
  return sha256(code);
}

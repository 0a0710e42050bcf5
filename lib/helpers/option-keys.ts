/**
 * Unknown option keys. Every options object of the library is checked against
 * the keys its type declares, so a misspelled key (`accesToken`, `loginURL`,
 * `redirectUri`, `grant_types`) is a TypeError when the object is given, never an
 * option silently ignored.
 *
 * Rules:
 * - each options type lists its keys once, beside the type, with {@link optionKeys};
 *   the compiler checks that list against the type (a key the type has and the
 *   list lacks, or the other way round, is a type error), so they cannot drift;
 * - an own enumerable key of the object that is not listed is a TypeError naming
 *   the key, where it was found, and the nearest known key — nearest by edit
 *   distance (a swap of two neighbours counting as one edit) once both are
 *   folded to lower case without `_` and `-`, and within a third of its length
 *   or holding it (`keyPrefix` → `prefix`) — or every known key when none is near;
 * - a key is checked whatever its value, `undefined` included;
 * - anything but a plain object (a primitive, an array, `null`) is left to the
 *   caller's own type check.
 *
 * @example
 * export interface ProtectOptions { scope?: string; realm?: string }
 * const PROTECT_KEYS = optionKeys<ProtectOptions>({ scope: true, realm: true });
 * checkOptionKeys(options, PROTECT_KEYS, 'protect(): options');
 * // TypeError: protect(): options has an unknown key "scopes"; did you mean "scope"?
 */

/** Every key of every object member of `T` (`T` may be a union, `undefined` or `boolean` included). */
type AllKeys<T> = T extends object ? keyof T : never;

/** Each key of `T`, mapped to `true`: the argument of {@link optionKeys}. */
export type KeyTable<T> = Readonly<Record<AllKeys<T> & string, true>>;

/** The known keys of one options type, in the order they were listed. */
export type OptionKeys = ReadonlySet<string>;

/**
 * The keys of the options type `T`, listed as `{ key: true, … }`: every key of `T`
 * must be there and no other (the compiler checks both).
 */
export function optionKeys<T>(table: KeyTable<T>): OptionKeys {
  return new Set(Object.keys(table));
}

/**
 * Throws a TypeError when `value` has a key that `known` lacks: `${where} has an
 * unknown key "x"; did you mean "y"?`.
 * @param where what the object is, as the message should say it (`'options.accessToken'`,
 *   `'protect(): options'`, `'client "web"'`).
 */
export function checkOptionKeys(value: unknown, known: OptionKeys, where: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  for (const key of Object.keys(value)) {
    if (known.has(key)) continue;
    const near = nearestKey(key, known);
    const hint =
      near === undefined
        ? `the known keys are ${[...known].join(', ')}`
        : `did you mean ${JSON.stringify(near)}?`;
    throw new TypeError(`${where} has an unknown key ${JSON.stringify(key)}; ${hint}`);
  }
}

/** The known key nearest to `key`, when one is near enough to be what was meant. */
export function nearestKey(key: string, known: Iterable<string>): string | undefined {
  const folded = fold(key);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const target = fold(candidate);
    const distance = editDistance(folded, target);
    if (distance < bestDistance && isNear(folded, target, distance)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Within a third of the known key's length, or one holding the other (`keyPrefix`, `prefix`). */
function isNear(key: string, known: string, distance: number): boolean {
  if (distance <= Math.max(1, Math.floor(known.length / 3))) return true;
  const [shorter, longer] = key.length < known.length ? [key, known] : [known, key];
  return shorter.length >= 4 && longer.includes(shorter);
}

/** `grant_types`, `grantTypes` and `GRANT-TYPES` are all `granttypes`. */
function fold(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

/**
 * Edit distance with insertions, deletions, substitutions and swaps of two
 * neighbours (`pme` → `pem` is one edit): the optimal string alignment distance.
 */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1][j - 1] + cost, rows[i - 1][j] + 1, row[j - 1] + 1);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, rows[i - 2][j - 2] + 1);
      row.push(best);
    }
    rows.push(row);
  }
  return rows[a.length][b.length];
}

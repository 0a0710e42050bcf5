/**
 * The fast-check settings of the property and fuzz tests: deterministic, bounded,
 * replayable.
 *
 * Rules:
 * - every run uses one fixed seed, so CI sees the same inputs each time;
 *   `FC_SEED=<n>` picks another (e.g. `FC_SEED=$RANDOM npx mocha test/property`);
 * - a failure names its seed and shrunk counterexample (fast-check's report) and,
 *   through {@link describeSeed}, the test's title says which seed ran;
 * - `FC_RUNS=<factor>` multiplies every test's number of runs (default 1), for a
 *   longer hunt on a developer's machine.
 */
import fc from 'fast-check';

function numberFromEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new TypeError(`${name}=${text} is not a number`);
  return value;
}

/** The seed of every property here (FC_SEED, default 20260808). */
export const SEED = Math.trunc(numberFromEnv('FC_SEED', 20_260_808));

/** The factor applied to every test's number of runs (FC_RUNS, default 1). */
const FACTOR = numberFromEnv('FC_RUNS', 1);

/** Settings for `fc.assert`: the seed, and `numRuns` scaled by FC_RUNS. */
export function runs(numRuns: number): { seed: number; numRuns: number } {
  return { seed: SEED, numRuns: Math.max(1, Math.round(numRuns * FACTOR)) };
}

/** A suite title that names the seed, so a failing CI log shows how to replay it. */
export function describeSeed(title: string): string {
  return `${title} (fast-check seed ${SEED}; replay with FC_SEED=${SEED})`;
}

/** Characters that stress form and percent decoding: separators, escapes, non-ASCII. */
const TRICKY = [
  '%',
  '&',
  '=',
  '+',
  ' ',
  '%2',
  '%zz',
  '%C3',
  '%A9',
  '%00',
  '%E2%82',
  'é',
  '😀',
  '\0',
];

/** Strings made of tricky fragments and arbitrary characters (lone surrogates included). */
export const trickyString = (maxLength = 40): fc.Arbitrary<string> =>
  fc
    .array(fc.oneof(fc.constantFrom(...TRICKY), fc.string({ unit: 'binary', maxLength: 3 })), {
      maxLength,
    })
    .map((parts) => parts.join(''));

/** Names an attacker would try on objects: prototype keys and friends. */
export const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
] as const;

/**
 * Debian's Chromium for the browser end-to-end tests (driven by playwright-core,
 * never a downloaded browser): where it is, the flags every test launches it
 * with, and the one rule for its absence.
 *
 * Rules:
 * - without /usr/bin/chromium a browser suite is skipped with a loud warning
 *   naming the file and the fix;
 * - under `CI=true` (or `CI=1`) that is a failure instead: .ci/run installs it.
 */
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';

/** Headless in a container, no traffic of its own beyond the test's. */
export const CHROMIUM_ARGS: readonly string[] = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]);

/**
 * Call first in a browser suite's `before` hook: skips the suite (or fails it
 * under CI) when Chromium is missing (rules above).
 */
export function requireChromium(context: Mocha.Context, file: string): void {
  if (existsSync(CHROMIUM)) return;
  const message = `${CHROMIUM} is missing: Debian's Chromium is needed for the browser test (install it with: apt-get install -y chromium)`;
  if (process.env['CI'] === 'true' || process.env['CI'] === '1')
    throw new Error(
      `${message}. Under CI=true this is a failure, not a skip; .ci/run installs it.`,
    );
  console.warn(`\n  !!! SKIPPED the browser end-to-end test (${file}): ${message}\n`);
  context.skip();
}

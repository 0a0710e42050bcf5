/**
 * Runs README.md's code blocks verbatim. A block is found by the heading it
 * follows, written unchanged into a module (after an optional prelude of the
 * test's, before an epilogue that exports what the test needs) and imported.
 *
 * The module lives under node_modules/.cache/oauth2-stateless-readme/, next to a
 * stub package `oauth2-stateless` whose `exports` are the real package's with
 * each `./dist/….js` replaced by its source `./….ts` (through symlinks to
 * index.ts and lib/), so `import … from 'oauth2-stateless/stores/redis'` in a
 * block resolves to the very modules the tests use, and every other import
 * (express, ioredis, …) to this project's node_modules.
 */
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '../..');
const DIR = join(ROOT, 'node_modules', '.cache', 'oauth2-stateless-readme');

/**
 * The first fenced block of `lang` after the heading that starts with `heading`
 * (e.g. `'## A tour'`, `'### Redis'`), before the next heading of its level or
 * above. Throws when there is none, so a renamed heading fails the test.
 */
export function readmeBlock(heading: string, lang = 'ts'): string {
  const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n');
  const start = lines.findIndex((line) => line.startsWith(heading));
  if (start === -1) throw new Error(`README.md has no heading starting with "${heading}"`);
  const level = /^#+/.exec(heading)?.[0].length ?? 1;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const hashes = /^(#+) /.exec(line)?.[1];
    if (hashes !== undefined && hashes.length <= level) break;
    if (line === '```' + lang) {
      const end = lines.indexOf('```', i + 1);
      if (end === -1) throw new Error(`README.md: the block after line ${i + 1} never closes`);
      return lines.slice(i + 1, end).join('\n');
    }
  }
  throw new Error(`README.md has no \`\`\`${lang} block under "${heading}"`);
}

/** Makes the stub package once: its exports from package.json, sources by symlink. */
function stubPackage(): void {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { default: string }>;
  };
  const exports: Record<string, string> = {};
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string') continue;
    exports[subpath] = target.default.replace(/^\.\/dist\//, './').replace(/\.js$/, '.ts');
  }
  const stub = join(DIR, 'node_modules', 'oauth2-stateless');
  rmSync(stub, { recursive: true, force: true });
  mkdirSync(stub, { recursive: true });
  writeFileSync(
    join(stub, 'package.json'),
    JSON.stringify({ name: 'oauth2-stateless', type: 'module', exports }),
  );
  symlinkSync(join(ROOT, 'index.ts'), join(stub, 'index.ts'));
  symlinkSync(join(ROOT, 'lib'), join(stub, 'lib'), 'dir');
}

let prepared = false;

/**
 * Writes `prelude`, the block, and `epilogue` as the module `name` and imports it.
 * The block's text is not touched.
 */
export async function runReadmeBlock<T>(
  name: string,
  block: string,
  { prelude = '', epilogue = '' }: { prelude?: string; epilogue?: string } = {},
): Promise<T> {
  if (!prepared) {
    stubPackage();
    prepared = true;
  }
  const file = join(DIR, `${name}.mts`);
  writeFileSync(
    file,
    `${prelude}\n// ---- README.md, verbatim ----\n${block}\n// ----\n${epilogue}\n`,
  );
  return (await import(pathToFileURL(file).href)) as T;
}

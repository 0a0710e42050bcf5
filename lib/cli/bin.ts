#!/usr/bin/env node
/**
 * The `oauth2-stateless` command of the package (`npx oauth2-stateless keys`):
 * see ./keys.ts. Only the `keys` command exists.
 */
import { runKeysCommand, USAGE } from './keys.js';

const [command, ...args] = process.argv.slice(2);
const result =
  command === 'keys'
    ? runKeysCommand(args)
    : {
        status: command === undefined || command === 'help' || command === '--help' ? 0 : 2,
        stdout: '',
        stderr: USAGE,
      };
process.stdout.write(result.stdout);
process.stderr.write(result.stderr);
process.exitCode = result.status;

/**
 * `oauth2-stateless keys …`: makes and rotates the private JWK Set that every
 * process of a deployment loads with `loadSigningKeys()`. Each command prints
 * a whole JWK Set on stdout (keep it secret) and changes no file.
 *
 * Rules:
 * - the first key of a set signs; every key verifies and is published at /jwks;
 * - `add` appends a new key, so the key that signs stays the same until
 *   `activate` moves the new one first (publish before signing with it);
 * - `remove` refuses the key that signs and the last key;
 * - a file that is not a valid private JWK Set is refused with the reason, as
 *   `loadSigningKeys()` would refuse it;
 * - a usage error exits with 2, a bad file or kid with 1.
 */
import { readFileSync } from 'node:fs';
import { generateSigningKeySet, parseSigningKeys } from '../tokens/key-config.js';

/** What a command printed and its exit status. */
export interface CommandResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

type Algorithm = 'ES256' | 'ES384' | 'EdDSA';
const ALGORITHMS: readonly string[] = ['ES256', 'ES384', 'EdDSA'];

/** A private JWK as the set holds it. */
type Jwk = Record<string, unknown> & { kid?: string };

export const USAGE = `usage: oauth2-stateless keys [ES256|ES384|EdDSA]      a new private JWK Set with one key
       oauth2-stateless keys add FILE [ES256|ES384|EdDSA]
                                  FILE's keys and a new one, last (the first key still signs)
       oauth2-stateless keys activate FILE KID   FILE's keys with KID first: it signs
       oauth2-stateless keys remove FILE KID     FILE's keys without KID
Each prints a private JWK Set on stdout (keep it secret): load it in every process with
signingKeys: loadSigningKeys({ file }) or the OAUTH2_SIGNING_KEYS environment variable.
`;

class CommandError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const usage = (why: string): never => {
  throw new CommandError(`${why}\n${USAGE}`, 2);
};

function algorithm(value: string | undefined): Algorithm {
  if (value === undefined) return 'ES256';
  if (!ALGORITHMS.includes(value)) usage(`unknown algorithm ${JSON.stringify(value)}`);
  return value as Algorithm;
}

/** A new key, as a private JWK with its kid and alg. */
function newKey(alg: Algorithm): Jwk {
  return (JSON.parse(generateSigningKeySet(alg)) as { keys: Jwk[] }).keys[0] as Jwk;
}

/** The keys of the set in `file`, checked as `loadSigningKeys()` checks them. */
function readSet(file: string | undefined): Jwk[] {
  if (file === undefined) usage('a FILE is needed');
  let text: string;
  try {
    text = readFileSync(file as string, 'utf8');
  } catch (err) {
    throw new CommandError(`cannot read ${file}: ${(err as Error).message}`, 1);
  }
  let kids: string[];
  try {
    kids = parseSigningKeys(text, file).map((key) => key.kid);
  } catch (err) {
    throw new CommandError((err as Error).message, 1);
  }
  if (!text.trim().startsWith('{'))
    throw new CommandError(`${file}: only a JWK Set can be edited here, not PEM`, 1);
  const keys = (JSON.parse(text) as { keys: Jwk[] }).keys;
  // Keys without a kid get the one the server gives them, so a kid names them here too.
  return keys.map((key, i) => ({ ...key, kid: key.kid ?? kids[i] }));
}

function indexOf(keys: Jwk[], kid: string | undefined, file: string): number {
  if (kid === undefined) usage('a KID is needed');
  const index = keys.findIndex((key) => key.kid === kid);
  if (index === -1)
    throw new CommandError(
      `${file} has no key ${JSON.stringify(kid)}; its kids: ${keys.map((k) => k.kid).join(', ')}`,
      1,
    );
  return index;
}

function run(args: readonly string[]): Jwk[] {
  const [command, file, arg] = args;
  if (command === undefined || ALGORITHMS.includes(command)) {
    if (args.length > 1) usage('too many arguments');
    return [newKey(algorithm(command))];
  }
  if (args.length > 3) usage('too many arguments');
  const path = file as string;
  switch (command) {
    case 'add':
      return [...readSet(file), newKey(algorithm(arg))];
    case 'activate': {
      const keys = readSet(file);
      const index = indexOf(keys, arg, path);
      return [keys[index] as Jwk, ...keys.filter((_, i) => i !== index)];
    }
    case 'remove': {
      const keys = readSet(file);
      const index = indexOf(keys, arg, path);
      if (keys.length === 1) throw new CommandError(`${arg} is the only key of ${path}`, 1);
      if (index === 0)
        throw new CommandError(
          `${arg} is the key that signs (the first); activate another one first`,
          1,
        );
      return keys.filter((_, i) => i !== index);
    }
    default:
      return usage(`unknown command or algorithm ${JSON.stringify(command)}`);
  }
}

/**
 * Runs `keys` with its arguments (what follows `keys` on the command line).
 * @example runKeysCommand(['add', 'keys.json']).stdout // the set with a new key last
 */
export function runKeysCommand(args: readonly string[]): CommandResult {
  try {
    const keys = run(args);
    return { status: 0, stdout: `${JSON.stringify({ keys }, null, 2)}\n`, stderr: '' };
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    return { status: err.status, stdout: '', stderr: `oauth2-stateless keys: ${err.message}\n` };
  }
}

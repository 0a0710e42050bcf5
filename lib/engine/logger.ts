/**
 * Logging. The library logs through a pino-compatible interface (`logger.warn(obj, msg)`);
 * by default it says nothing. Pass `pino()` or {@link consoleLogger} as `options.logger`.
 *
 * What is logged: refused requests at debug (code and public description), issued
 * tokens at info (client and grant type, never a token), replays and reuse at
 * warn, and server errors at error with their private cause.
 */
import type { Logger } from '../types.js';

const noop = (): void => {};

/** The default logger: says nothing. */
export const silentLogger: Logger = Object.freeze({
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
});

type Level = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error'];

/** A logger that writes one JSON line per entry to the console, at `level` and above. */
export function consoleLogger(level: Level = 'info'): Logger {
  const min = LEVELS.indexOf(level);
  const at = (l: Level) => (obj: object, msg?: string) => {
    if (LEVELS.indexOf(l) < min) return;
    const entry: Record<string, unknown> = { level: l, time: Date.now(), ...obj };
    if (entry['err'] instanceof Error)
      entry['err'] = {
        message: (entry['err'] as Error).message,
        stack: (entry['err'] as Error).stack,
      };
    if (msg !== undefined) entry['msg'] = msg;
    (l === 'error' || l === 'warn' ? console.error : console.log)(JSON.stringify(entry));
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

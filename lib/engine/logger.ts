/**
 * Logging. The library logs through a pino-compatible interface (`logger.warn(obj, msg)`);
 * by default it says nothing. Pass `pino()` or {@link consoleLogger} as `options.logger`.
 *
 * What is logged: refused requests at debug (code and public description), issued
 * tokens at info (client and grant type, never a token), replays and reuse at
 * warn, and server errors at error with their private cause.
 */
import type { Logger } from '../types.js';
import type { OAuthEvent, OAuthEventBus } from './events.js';

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

/**
 * Makes `logger` a listener of the provider's events: issued tokens and codes,
 * rotations and consent at info; replays, reuse and revoked grants at warn;
 * failed client authentication at info with its private reason (never a secret),
 * rate-limit refusals at warn.
 */
export function logEvents(events: OAuthEventBus, logger: Logger): void {
  const at =
    (level: 'info' | 'warn', msg: string) =>
    ({ type: _type, ...fields }: OAuthEvent): void =>
      logger[level](fields, msg);
  events.on('token.issued', at('info', 'token issued'));
  events.on('code.issued', at('info', 'authorization code issued'));
  events.on('refresh.rotated', at('info', 'refresh token rotated'));
  events.on('code.replayed', at('warn', 'authorization code replayed; grant revoked'));
  events.on('refresh.reuse_detected', at('warn', 'refresh token reused; grant revoked'));
  events.on('grant.revoked', at('warn', 'grant revoked'));
  events.on('token.revoked', at('info', 'token revoked'));
  events.on('client.authentication_failed', at('info', 'client authentication failed'));
  events.on('rate_limited', at('warn', 'rate limited'));
  events.on('consent.granted', at('info', 'consent granted'));
  events.on('consent.denied', at('info', 'consent denied'));
  events.on('consent.remembered', at('info', 'consent remembered'));
  events.on('client.registered', at('info', 'client registered'));
  events.on('client.updated', at('info', 'client updated'));
  events.on('client.deleted', at('info', 'client deleted'));
}

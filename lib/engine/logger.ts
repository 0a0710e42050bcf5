/**
 * Logging. The library logs through a pino-compatible interface (`logger.warn(obj, msg)`);
 * by default it says nothing. Pass `pino()` or {@link consoleLogger} as `options.logger`.
 *
 * What is logged: refused requests at debug (code and public description), issued
 * tokens at info (client and grant type, never a token), replays and reuse at
 * warn, and server errors at error with their private cause.
 *
 * Rules:
 * - every event type (./events.ts) has its level and message in one table,
 *   {@link EVENT_LOG}, which the compiler checks is complete: a new event is
 *   logged, or the build fails;
 * - an event is logged with its fields (never a secret: events carry none),
 *   without its `type`, under its message.
 */
import type { Logger } from '../types.js';
import type { OAuthEventBus, OAuthEventType } from './events.js';

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
 * The level and message each event is logged with: issued tokens and codes,
 * rotations, consent, registration, pushed requests and the device flow's steps
 * at info; failed client authentication and wrong user codes at info with their
 * private detail (never a secret); replays, reuse, revoked grants and rate-limit
 * refusals at warn.
 */
const EVENT_LOG: { readonly [K in OAuthEventType]: readonly ['info' | 'warn', string] } =
  Object.freeze({
    'token.issued': ['info', 'token issued'],
    'code.issued': ['info', 'authorization code issued'],
    'refresh.rotated': ['info', 'refresh token rotated'],
    'code.replayed': ['warn', 'authorization code replayed; grant revoked'],
    'refresh.reuse_detected': ['warn', 'refresh token reused; grant revoked'],
    'grant.revoked': ['warn', 'grant revoked'],
    'app.revoked': ['info', 'authorized app revoked by the user'],
    'token.revoked': ['info', 'token revoked'],
    'client.authentication_failed': ['info', 'client authentication failed'],
    rate_limited: ['warn', 'rate limited'],
    'consent.granted': ['info', 'consent granted'],
    'consent.denied': ['info', 'consent denied'],
    'consent.remembered': ['info', 'consent remembered'],
    'client.registered': ['info', 'client registered'],
    'client.updated': ['info', 'client updated'],
    'client.deleted': ['info', 'client deleted'],
    'device.authorization_started': ['info', 'device authorization started'],
    'device.user_code_failed': ['info', 'device user code failed'],
    'device.approved': ['info', 'device authorization approved'],
    'device.denied': ['info', 'device authorization denied'],
    'par.pushed': ['info', 'authorization request pushed'],
    'session.ended': ['info', 'login session ended (RP-initiated logout)'],
  });

/** Logs every event of type `type` as {@link EVENT_LOG} says. */
function logEvent<K extends OAuthEventType>(events: OAuthEventBus, logger: Logger, type: K): void {
  const [level, msg] = EVENT_LOG[type];
  events.on(type, ({ type: _type, ...fields }) => logger[level](fields, msg));
}

/** Makes `logger` a listener of every event of the provider, as {@link EVENT_LOG} says. */
export function logEvents(events: OAuthEventBus, logger: Logger): void {
  for (const type of Object.keys(EVENT_LOG) as OAuthEventType[]) logEvent(events, logger, type);
}

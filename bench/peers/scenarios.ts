/**
 * The peer benchmark's scenarios, shared by the server process (which serves each
 * one on its own port) and the runner (which loads them).
 *
 * Rules:
 * - every peer serves the same two operations: a `client_credentials` token request
 *   (client_secret_basic, scope `read`) and a bearer check on `GET /api/read`
 *   (scope `read`), in the token formats it supports (see {@link PEERS});
 * - `bare-get` is the baseline every ratio is taken against, in the same round;
 * - a scenario's name is `<peer> <operation>-<format>`, unique, and stable across
 *   runs (the README and the chart are keyed by it).
 */

/** The libraries compared, this one first. */
export type PeerName =
  'oauth2-stateless' | 'oidc-provider' | 'express-oauth-server' | 'oauth2orize' | 'jose';

export type Operation = 'token' | 'protect';
export type Format = 'opaque' | 'jwt';

export interface Peer {
  readonly name: PeerName;
  /** The npm packages the peer's app uses, as a reader would install them. */
  readonly packages: string;
  /** The token formats it serves. */
  readonly formats: readonly Format[];
  /** Why a format is missing, or how a format is made when the peer has no switch for it. */
  readonly note: string;
}

export const PEERS: readonly Peer[] = Object.freeze([
  {
    name: 'oauth2-stateless',
    packages: 'this library (dist/)',
    formats: ['opaque', 'jwt'],
    note: "`accessToken.format: 'opaque' | 'jwt'`; `protect({ scope: 'read' })`.",
  },
  {
    name: 'oidc-provider',
    packages: 'oidc-provider',
    formats: ['opaque', 'jwt'],
    note:
      'The format is per resource server (`features.resourceIndicators`, `accessTokenFormat`). ' +
      'No bearer middleware of its own: the opaque check reads its store ' +
      '(`provider.ClientCredentials.find`), the JWT check is jose against its public key.',
  },
  {
    name: 'express-oauth-server',
    packages: '@node-oauth/express-oauth-server, @node-oauth/oauth2-server',
    formats: ['opaque', 'jwt'],
    note:
      'Opaque is its own format. JWT only through the model: `generateAccessToken` signs ' +
      '(jose) and `getAccessToken` verifies (jose); `saveToken` stores nothing then.',
  },
  {
    name: 'oauth2orize',
    packages: 'oauth2orize, passport, passport-http, passport-http-bearer',
    formats: ['opaque', 'jwt'],
    note:
      'A toolkit: the app makes the token in the exchange callback (random, or a jose JWT) ' +
      'and checks it in the passport-http-bearer verify callback.',
  },
  {
    name: 'jose',
    packages: 'jose, express',
    formats: ['jwt'],
    note: 'Hand-written routes; JWT only (an opaque token needs a store, which jose is not).',
  },
]);

export interface Scenario {
  readonly name: string;
  /** undefined for the baseline. */
  readonly peer: PeerName | undefined;
  readonly operation: Operation | undefined;
  readonly format: Format | undefined;
  readonly method: 'GET' | 'POST';
  /** The path loaded on the scenario's port. */
  readonly path: string;
}

/** The scenario every ratio is taken against. */
export const BASELINE = 'bare-get';

export function scenarioName(peer: PeerName, operation: Operation, format: Format): string {
  return `${peer} ${operation}-${format}`;
}

export const SCENARIOS: readonly Scenario[] = Object.freeze([
  {
    name: BASELINE,
    peer: undefined,
    operation: undefined,
    format: undefined,
    method: 'GET',
    path: '/',
  },
  ...PEERS.flatMap((peer) =>
    (['token', 'protect'] as const).flatMap((operation) =>
      peer.formats.map((format): Scenario => ({
        name: scenarioName(peer.name, operation, format),
        peer: peer.name,
        operation,
        format,
        method: operation === 'token' ? 'POST' : 'GET',
        path: operation === 'token' ? '/token' : '/api/read',
      })),
    ),
  ),
]);

/** The client every token request authenticates as. */
export const CLIENT_ID = 'bench';

/** The form body of every token request. */
export const TOKEN_BODY = 'grant_type=client_credentials&scope=read';

/** Messages from the server process to the runner (over the IPC channel). */
export type ServerMessage =
  | { type: 'ready'; ports: Record<string, number>; clientSecret: string }
  | { type: 'reset-done'; scenario: string }
  | { type: 'bye'; memory: NodeJS.MemoryUsage };

/** Messages from the runner to the server process. */
export type RunnerMessage =
  | { type: 'shutdown' }
  /** Give one token scenario a fresh app with empty storage (answer: `reset-done`). */
  | { type: 'reset'; scenario: string };

/**
 * The benchmark's scenarios, shared by the server (which serves each one on its
 * own port) and the runner (which loads them). Targets are ratios to the bare GET
 * of the same round; see bench/README.md.
 */

export type ScenarioName =
  | 'bare-get'
  | 'bare-post'
  | 'token-opaque'
  | 'token-jwt'
  | 'token-scrypt'
  | 'token-scrypt-flood'
  | 'protect-opaque'
  | 'protect-jwt'
  | 'protect-jwt-new'
  | 'protect-jwt-new-flood'
  | 'protect-dpop'
  | 'token-dpop'
  | 'userinfo-jwt'
  | 'token-id-token'
  | 'token-opaque-redis'
  | 'token-jwt-redis'
  | 'protect-opaque-redis'
  | 'protect-jwt-redis';

export interface Scenario {
  readonly name: ScenarioName;
  /** One line for the table. */
  readonly title: string;
  readonly method: 'GET' | 'POST';
  /** The path loaded on the scenario's port. */
  readonly path: string;
  /** The smallest acceptable median ratio to the bare GET; undefined for the baseline and the references. */
  readonly target?: number;
  /**
   * A target against another scenario instead of the bare GET: the smallest
   * acceptable median, over rounds, of this scenario's req/s over `of`'s req/s in
   * the same round. `of` always runs with this scenario (like the baseline).
   */
  readonly relativeTarget?: { readonly of: ScenarioName; readonly share: number };
  /** Uses the Redis store (BENCH_REDIS_URL, default redis://127.0.0.1:6379); run only with --redis or --only. */
  readonly redis?: boolean;
  /**
   * While measured, other connections (`--flood-connections`, default 1) send the
   * token request of the scenario named here (a client whose secret is hashed with
   * scrypt, in the same server process) with a wrong secret ({@link FLOOD_SECRET})
   * as fast as answered; only the measured connections count.
   */
  readonly flood?: ScenarioName;
  /**
   * Every request carries a JWT access token never sent before: before each run the
   * server makes the scenario a fresh provider and mints a pool of tokens with it
   * (`mint`), and the load generator hands them out one per request, warm-up
   * included. So each request is a verified-claims cache miss: a full signature
   * check. Tokens handed out beyond the pool are counted as reused.
   */
  readonly newTokens?: boolean;
  /**
   * Every request carries a DPoP proof never sent before (RFC 9449: the server
   * refuses a replayed `jti`): before each run the runner signs a pool of ES256
   * proofs for the scenario's method and URL ({@link BENCH_ISSUER} + path) with
   * one key, in its own process before the load starts (bench/dpop-proofs.ts),
   * and hands them out one per request, warm-up included, as `bench/token-pool.ts`
   * does for tokens. A protect scenario sends a token bound to that key
   * (`Authorization: DPoP`), and each proof carries the token's `ath`.
   */
  readonly dpop?: boolean;
  /**
   * The load acts for an end-user, with OpenID Connect: before the load the runner
   * gets the user's tokens from the scenario's `/token` with the password grant
   * ({@link USER_TOKEN_BODY}, scope {@link USER_SCOPE}). A GET scenario then sends
   * that JWT access token (Bearer) in every request; a POST scenario sends its
   * refresh token (`grant_type=refresh_token`), the same one every request, as the
   * provider does not rotate them (bench/openid.ts).
   */
  readonly user?: boolean;
}

/** The issuer of every bench provider: DPoP proofs name its origin + the path as `htu`. */
export const BENCH_ISSUER = 'https://auth.bench.test';

export const SCENARIOS: readonly Scenario[] = Object.freeze([
  { name: 'bare-get', title: 'bare Express GET, small JSON (baseline)', method: 'GET', path: '/' },
  {
    name: 'bare-post',
    title: 'bare Express POST + express.urlencoded (reference)',
    method: 'POST',
    path: '/',
  },
  {
    name: 'token-opaque',
    title: 'token() client_credentials, basic auth, opaque',
    method: 'POST',
    path: '/token',
    target: 0.8,
  },
  {
    name: 'token-jwt',
    title: 'token() client_credentials, basic auth, JWT ES256',
    method: 'POST',
    path: '/token',
    target: 0.6,
  },
  {
    // The same secret as token-opaque, hashed with scrypt (a person-chosen secret):
    // after the first request it is a verified-secret cache hit. Target: 90% of
    // token-opaque's (0.8).
    name: 'token-scrypt',
    title: 'token() as token-opaque, client secret hashed with scrypt',
    method: 'POST',
    path: '/token',
    target: 0.72,
  },
  {
    // Target: 80% of token-scrypt's.
    name: 'token-scrypt-flood',
    title: 'token() as token-scrypt, while a connection floods wrong secrets',
    method: 'POST',
    path: '/token',
    target: 0.58,
    flood: 'token-scrypt-flood',
  },
  {
    name: 'protect-opaque',
    title: "protect({ scope: 'read' }), opaque token",
    method: 'GET',
    path: '/api/read',
    target: 0.9,
  },
  {
    name: 'protect-jwt',
    title: "protect({ scope: 'read' }), JWT seen before",
    method: 'GET',
    path: '/api/read',
    target: 0.9,
  },
  {
    // A reference: a full ES256 signature check per request costs what it costs.
    name: 'protect-jwt-new',
    title: "protect({ scope: 'read' }), a JWT never seen before per request",
    method: 'GET',
    path: '/api/read',
    newTokens: true,
  },
  {
    // JWT checks do not queue behind scrypt on the libuv pool: 80% of protect-jwt-new kept.
    name: 'protect-jwt-new-flood',
    title: 'protect() as protect-jwt-new, while a connection floods wrong secrets',
    method: 'GET',
    path: '/api/read',
    relativeTarget: { of: 'protect-jwt-new', share: 0.8 },
    newTokens: true,
    flood: 'token-scrypt-flood',
  },
  {
    // A reference against token-jwt: the same, plus a proof verified (ES256, key import,
    // thumbprint) and its jti written to the replay cache per request, and cnf.jkt signed in.
    name: 'token-dpop',
    title: 'token() as token-jwt, with a new DPoP proof per request (RFC 9449)',
    method: 'POST',
    path: '/token',
    dpop: true,
  },
  {
    // A reference against protect-jwt (the token is a verified-claims cache hit in both):
    // what a proof per request costs, its signature check and replay-cache write.
    name: 'protect-dpop',
    title: "protect({ scope: 'read' }), a DPoP-bound JWT seen before + a new proof per request",
    method: 'GET',
    path: '/api/read',
    dpop: true,
  },
  {
    // protect-jwt's check (a JWT seen before) plus a client lookup and the host's
    // claims callback (a fixed object): UserInfo keeps 90% of protect-jwt.
    name: 'userinfo-jwt',
    title: 'GET /userinfo (OIDC Core 5.3), a JWT seen before, scope openid profile email',
    method: 'GET',
    path: '/userinfo',
    relativeTarget: { of: 'protect-jwt', share: 0.9 },
    user: true,
  },
  {
    // A reference against token-jwt: a refresh that keeps openid signs an id_token
    // (OIDC Core 12.2) besides the JWT access token, and reads the refresh token.
    name: 'token-id-token',
    title: 'token() refresh_token (not rotated) with openid: JWT access token + id_token',
    method: 'POST',
    path: '/token',
    user: true,
  },
  {
    name: 'token-opaque-redis',
    title: 'token() as token-opaque, Redis store',
    method: 'POST',
    path: '/token',
    redis: true,
  },
  {
    name: 'token-jwt-redis',
    title: 'token() as token-jwt, Redis store (stateless: writes nothing)',
    method: 'POST',
    path: '/token',
    redis: true,
  },
  {
    name: 'protect-opaque-redis',
    title: 'protect() as protect-opaque, Redis store',
    method: 'GET',
    path: '/api/read',
    redis: true,
  },
  {
    name: 'protect-jwt-redis',
    title: 'protect() as protect-jwt, Redis store (stateless: deny-list in memory, pub/sub)',
    method: 'GET',
    path: '/api/read',
    redis: true,
  },
]);

/** The scenario every ratio is taken against. */
export const BASELINE: ScenarioName = 'bare-get';

/** The client the token scenarios authenticate as. */
export const CLIENT_ID = 'bench';

/** The wrong secret of the flood (see {@link Scenario.flood}). */
export const FLOOD_SECRET = 'not-the-secret';

/** The form body of every POST scenario (the bare POST gets the same bytes). */
export const TOKEN_BODY = 'grant_type=client_credentials&scope=read';

/** The end-user of the {@link Scenario.user} scenarios, as the password grant knows them. */
export const BENCH_USER = Object.freeze({
  username: 'bench-user',
  password: 'bench-password',
  subject: 'user-bench',
});

/** The scope of the {@link Scenario.user} scenarios' tokens. */
export const USER_SCOPE = 'openid profile email';

/** The password grant that gets the {@link Scenario.user} scenarios' tokens before the load. */
export const USER_TOKEN_BODY = new URLSearchParams({
  grant_type: 'password',
  username: BENCH_USER.username,
  password: BENCH_USER.password,
  scope: USER_SCOPE,
}).toString();

/** Messages from the server process to the runner (over the IPC channel). */
export type ServerMessage =
  | { type: 'ready'; ports: Record<ScenarioName, number>; clientSecret: string }
  | { type: 'profiling' }
  | { type: 'reset-done' }
  /** The pool `mint` asked for, in minting order. */
  | { type: 'minted'; tokens: string[] }
  | { type: 'mint-failed'; error: string }
  | { type: 'profile-written'; file: string }
  | { type: 'profile-failed'; error: string }
  | { type: 'bye'; memory: NodeJS.MemoryUsage };

/** Messages from the runner to the server process. */
export type RunnerMessage =
  | { type: 'shutdown' }
  /** Give the token scenarios fresh memory stores (answer: `reset-done`). */
  | { type: 'reset' }
  /**
   * Give a {@link Scenario.newTokens} scenario a fresh provider and mint `count`
   * access tokens with it (client_credentials, scope `read`); answer: `minted`.
   */
  | { type: 'mint'; scenario: ScenarioName; count: number }
  /** Start the V8 CPU profiler (answer: `profiling`). */
  | { type: 'profile-start' }
  /** Stop it and write the profile to `file` (answer: `profile-written` or `profile-failed`). */
  | { type: 'profile-stop'; file: string };

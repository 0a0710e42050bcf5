/**
 * JWT client assertions (RFC 7523 2.2 and 3, RFC 7521 4.2), the part that
 * `private_key_jwt` (./private-key-jwt.ts) and `client_secret_jwt`
 * (./client-secret-jwt.ts) share: finding the assertion in the request (phase
 * one) and checking it (phase two); each method is {@link assertionMethod} with
 * its own way to find the key, and each method's algorithms are listed once
 * (`ALGORITHMS`: for both phases and for metadata).
 *
 * Rules, phase one (the request's shape):
 * - `client_assertion_type` and `client_assertion` come together, else
 *   `invalid_request`; a type other than
 *   `urn:ietf:params:oauth:client-assertion-type:jwt-bearer` is `invalid_request`;
 * - the header's `alg` picks the one method that answers: HS256/384/512 →
 *   `client_secret_jwt`, an asymmetric algorithm of the allow-list →
 *   `private_key_jwt`; `none` or any other `alg` is refused by both, so exactly
 *   one method ever answers;
 * - the client is the payload's `sub` (RFC 7523 3 item 2); a `client_id`
 *   parameter, if sent, must name the same client (RFC 7521 4.2);
 * - an assertion that is not a compact JWS, or whose header or `sub` cannot be
 *   read, is `invalid_client` (400; the public text is fixed).
 * Rules, phase two (a client was found, registered for the method):
 * - the signature verifies with the client's key (./private-key-jwt.ts) or
 *   secret (./client-secret-jwt.ts); `crit` is refused;
 * - `iss` and `sub` are the client id (RFC 7523 3 items 1, 2);
 * - `aud` (a string or an array) names the issuer identifier, the URL of the
 *   endpoint called, or the token endpoint's URL (RFC 7523 3 item 3; RFC 9126 2
 *   asks the PAR endpoint to take all three, and the others take them alike);
 * - `exp` is required, a number after now and at most `maxLifetime` seconds
 *   ahead (item 4); `nbf` and `iat`, when present, are numbers at most 60 s
 *   ahead of now (clock skew), `iat` not after `exp` (items 5, 6);
 * - `jti` is required, a non-empty string of at most 256 characters, and used
 *   once: it is kept (lib/stores/assertion-replay.ts) until `exp` and 60 s more,
 *   in the shared store, so a replay fails at every process (item 7);
 * - the other checks come first: an assertion refused for them never uses up
 *   its `jti`;
 * - every refusal is the same public `invalid_client`; the reason is the
 *   error's private detail, and the failure counts against the `client_auth`
 *   limit of the client id and address, as a wrong secret does. The assertion
 *   itself is never logged nor put in an event.
 */
import { InvalidClientError, InvalidRequestError } from '../errors.js';
import {
  ASYMMETRIC_ALGORITHMS,
  decodeJsonObject,
  decodeSignature,
  HMAC_ALGORITHMS,
  JwsRefusal,
  signingInput,
  splitCompactJws,
  verifyJwsSignature,
  type JwsAlgorithm,
} from '../tokens/jws.js';
import type { Client, RequestContext } from '../types.js';
import type {
  ClientAssertionContext,
  ClientAuthContext,
  ClientAuthenticationMethod,
  PresentedCredentials,
} from './method.js';

/** RFC 7523 2.2's `client_assertion_type`. */
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Which method an assertion is for, by its `alg`. */
export type AssertionFamily = 'private_key_jwt' | 'client_secret_jwt';

/** The algorithms of each method: the one list the phases and metadata read. */
const ALGORITHMS: Readonly<Record<AssertionFamily, readonly JwsAlgorithm[]>> = Object.freeze({
  client_secret_jwt: HMAC_ALGORITHMS,
  private_key_jwt: ASYMMETRIC_ALGORITHMS,
});

/** Longest assertion read, in characters. */
const MAX_LENGTH = 16 * 1024;
/** Clock skew tolerated for `iat` and `nbf`, and kept beyond `exp` by the replay cache; seconds. */
const SKEW = 60;
/** Longest `jti`, in characters. */
const MAX_JTI = 256;

interface Found {
  readonly family: AssertionFamily;
  readonly credentials: PresentedCredentials;
}

/** Phase one's answer per request, so the two methods read an assertion once. */
const found = new WeakMap<RequestContext, Found | undefined>();

function malformed(detail: string): InvalidClientError {
  return new InvalidClientError(`client assertion: ${detail}`);
}

function isFor(family: AssertionFamily, alg: unknown): alg is JwsAlgorithm {
  return (ALGORITHMS[family] as readonly unknown[]).includes(alg);
}

function familyOf(alg: unknown): AssertionFamily {
  if (isFor('client_secret_jwt', alg)) return 'client_secret_jwt';
  if (isFor('private_key_jwt', alg)) return 'private_key_jwt';
  throw malformed(`alg ${JSON.stringify(alg)} is not allowed`);
}

function read(request: RequestContext): Found | undefined {
  const type = request.params['client_assertion_type'];
  const assertion = request.params['client_assertion'];
  if (type === undefined && assertion === undefined) return undefined;
  if (type === undefined) throw new InvalidRequestError('client_assertion_type is missing');
  if (assertion === undefined) throw new InvalidRequestError('client_assertion is missing');
  if (type !== JWT_BEARER_ASSERTION)
    throw new InvalidRequestError('client_assertion_type is not supported');
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    const [headerPart, payloadPart] = splitCompactJws(assertion, MAX_LENGTH);
    header = decodeJsonObject(headerPart, 'header');
    payload = decodeJsonObject(payloadPart, 'payload');
  } catch (err) {
    throw malformed((err as Error).message);
  }
  const family = familyOf(header['alg']);
  const sub = payload['sub'];
  if (typeof sub !== 'string' || sub === '') throw malformed('sub is not a non-empty string');
  const clientId = request.params['client_id'];
  if (clientId !== undefined && clientId !== sub)
    throw malformed("the client_id parameter is not the assertion's sub");
  return { family, credentials: { clientId: sub, assertion } };
}

/** Phase one for `family`: the assertion's credentials if its `alg` is the family's. */
function presentAssertion(
  request: RequestContext,
  family: AssertionFamily,
): PresentedCredentials | undefined {
  let answer = found.get(request);
  if (answer === undefined && !found.has(request)) {
    answer = read(request);
    found.set(request, answer);
  }
  return answer?.family === family ? answer.credentials : undefined;
}

/** A verified assertion's parts, for the method that checks the signature. */
export interface ParsedAssertion {
  readonly alg: JwsAlgorithm;
  readonly header: Readonly<Record<string, unknown>>;
  readonly input: Buffer;
  readonly signature: Buffer;
  readonly payload: Readonly<Record<string, unknown>>;
}

/** How a method finds the key that verifies an assertion of `client`; throws a JwsRefusal. */
export type AssertionKey = (
  client: Client,
  assertion: ParsedAssertion,
  context: ClientAuthContext,
) => Promise<Parameters<typeof verifyJwsSignature>[1]>;

function parse(assertion: string, family: AssertionFamily): ParsedAssertion {
  const [h, p, s] = splitCompactJws(assertion, MAX_LENGTH);
  const header = decodeJsonObject(h, 'header');
  const alg = header['alg'];
  if (!isFor(family, alg))
    throw new JwsRefusal(`alg ${JSON.stringify(alg)} is not allowed for ${family}`);
  if (header['crit'] !== undefined) throw new JwsRefusal('crit is not understood');
  const signature = decodeSignature(s);
  return {
    alg,
    header,
    input: signingInput(h, p),
    signature,
    payload: decodeJsonObject(p, 'payload'),
  };
}

function timeClaim(payload: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const value = payload[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new JwsRefusal(`${name} is not a number`);
  return value;
}

function checkAudience(
  aud: unknown,
  request: RequestContext | undefined,
  assertions: ClientAssertionContext,
): void {
  const named = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  const accepted = [assertions.issuer, assertions.tokenEndpoint(), request?.url];
  if (!named.some((a) => accepted.includes(a)))
    throw new JwsRefusal('aud names neither the issuer, this endpoint nor the token endpoint');
}

/** The claims' checks but the replay; returns the seconds the `jti` must be kept. */
function checkClaims(
  payload: Readonly<Record<string, unknown>>,
  clientId: string,
  context: ClientAuthContext,
): { jti: string; ttl: number } {
  const assertions = context.assertions as NonNullable<ClientAuthContext['assertions']>;
  if (payload['iss'] !== clientId) throw new JwsRefusal('iss is not the client id');
  if (payload['sub'] !== clientId) throw new JwsRefusal('sub is not the client id');
  checkAudience(payload['aud'], context.request, assertions);
  const now = Math.floor(context.now() / 1000);
  const exp = timeClaim(payload, 'exp');
  if (exp === undefined) throw new JwsRefusal('exp is missing');
  if (exp <= now) throw new JwsRefusal('exp has passed', true);
  if (exp > now + assertions.maxLifetime)
    throw new JwsRefusal(`exp is more than ${assertions.maxLifetime} s ahead`);
  const nbf = timeClaim(payload, 'nbf');
  if (nbf !== undefined && nbf > now + SKEW) throw new JwsRefusal('nbf is in the future');
  const iat = timeClaim(payload, 'iat');
  if (iat !== undefined && iat > now + SKEW) throw new JwsRefusal('iat is in the future');
  if (iat !== undefined && iat > exp) throw new JwsRefusal('iat is after exp');
  const jti = payload['jti'];
  if (jti === undefined) throw new JwsRefusal('jti is missing');
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI)
    throw new JwsRefusal(`jti must be a non-empty string of at most ${MAX_JTI} characters`);
  return { jti, ttl: exp - now + SKEW };
}

async function check(
  presented: PresentedCredentials,
  client: Client,
  context: ClientAuthContext,
  family: AssertionFamily,
  keyOf: AssertionKey,
): Promise<void> {
  const assertions = context.assertions;
  if (assertions === undefined) throw new JwsRefusal('client assertions are not set up here');
  const parsed = parse(presented.assertion ?? '', family);
  const key = await keyOf(client, parsed, context);
  if (!verifyJwsSignature(parsed.alg, key, parsed.input, parsed.signature))
    throw new JwsRefusal('the signature does not verify');
  const { jti, ttl } = checkClaims(parsed.payload, client.id, context);
  if (!(await assertions.replay.useOnce(client.id, jti, ttl)))
    throw new JwsRefusal('the jti was used before (a replayed assertion)');
}

/**
 * Phase two: whether the assertion proves `client` (rules in the header).
 * @throws InvalidClientError with the private reason; TooManyFailuresError (429)
 *   when the client id and address failed too often.
 */
async function verifyAssertion(
  presented: PresentedCredentials,
  client: Client,
  context: ClientAuthContext,
  family: AssertionFamily,
  keyOf: AssertionKey,
): Promise<true> {
  try {
    await check(presented, client, context, family, keyOf);
    return true;
  } catch (err) {
    if (!(err instanceof JwsRefusal)) throw err;
    await context.secrets?.countFailure({ clientId: client.id, request: context.request });
    throw new InvalidClientError(`client assertion: ${err.message}`);
  }
}

/**
 * The client-authentication method of `family` (confidential, with its
 * algorithms for metadata): phase one and two above, with `keyOf` finding the
 * key that verifies the signature.
 */
export function assertionMethod(
  family: AssertionFamily,
  keyOf: AssertionKey,
): ClientAuthenticationMethod {
  return {
    name: family,
    confidential: true,
    signingAlgorithms: ALGORITHMS[family],
    present: (request) => presentAssertion(request, family),
    verify: (presented, client, context) =>
      verifyAssertion(presented, client, context, family, keyOf),
  };
}

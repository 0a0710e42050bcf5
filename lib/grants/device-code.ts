/**
 * `urn:ietf:params:oauth:grant-type:device_code` (RFC 8628 3.4, 3.5): the
 * device polls the token endpoint with its device code until the user answered
 * on the verification page (lib/endpoints/device/).
 *
 * Rules:
 * - `device_code` is required (`invalid_request`); an unknown one, one issued
 *   to another client, or one that already gave tokens is `invalid_grant`;
 * - past its `expires_in`: `expired_token` (3.5: "The device_code has expired");
 * - not yet answered: `authorization_pending`, or `slow_down` when the client
 *   polled sooner than its interval since its last poll; then the interval grows
 *   by 5 seconds "for this and all subsequent requests" (3.5), stored with the
 *   poll's time by compare-and-set (a lost race reads the code again);
 * - denied: `access_denied`;
 * - approved: `resource` (RFC 8707) picks one of the granted resources as at the
 *   code grant (../helpers/resources.ts, before anything is used up), then the
 *   code is consumed atomically: of parallel polls exactly one gets the tokens
 *   (a refresh token when the client may refresh), every other one and every
 *   later one `invalid_grant` (a device code works once).
 */
import {
  AccessDeniedError,
  AuthorizationPendingError,
  ExpiredTokenError,
  InvalidGrantError,
  InvalidRequestError,
  SlowDownError,
} from '../errors.js';
import { scopeForResource, tokenResource } from '../helpers/resources.js';
import { sha256 } from '../helpers/secrets.js';
import type { DeviceCodeRecord, StoredDeviceCode } from '../stores/device-codes.js';
import type { TokenResponseBody } from '../tokens/minter.js';
import {
  mayRefresh,
  RESOURCE_PARAMETER,
  type GrantContext,
  type GrantOptions,
  type TokenGrant,
  type TokenGrantRequest,
} from './grant.js';

/** The grant type of RFC 8628 3.4. */
export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

/** Seconds added to the interval with each `slow_down` (RFC 8628 3.5). */
export const SLOW_DOWN_STEP = 5;

/** Compare-and-set attempts of one poll before it is answered `slow_down` unrecorded. */
const POLL_ATTEMPTS = 5;

/** The code, checked for what makes it unusable for this client (rules above). */
function usable(found: StoredDeviceCode | undefined, clientId: string): DeviceCodeRecord {
  if (found === undefined) throw new InvalidGrantError('the device code is unknown');
  if (found.consumed) throw new InvalidGrantError('the device code was already used');
  if (found.record.clientId !== clientId)
    throw new InvalidGrantError('the device code was issued to another client');
  return found.record;
}

/** Records a poll of a pending code; true when recorded (then the answer is thrown by the caller). */
async function recordPoll(
  found: StoredDeviceCode,
  context: GrantContext,
): Promise<SlowDownError | AuthorizationPendingError | undefined> {
  const { record, version } = found;
  const now = context.clock();
  const soon = record.lastPollMs !== undefined && now - record.lastPollMs < record.interval * 1000;
  const interval = soon ? record.interval + SLOW_DOWN_STEP : record.interval;
  const after = await context.stores.deviceCodes.update(record.id, version, {
    interval,
    lastPollMs: now,
  });
  if (after === undefined) return undefined;
  return soon
    ? new SlowDownError(`polling too fast: wait ${interval} seconds between requests`)
    : new AuthorizationPendingError();
}

/** Issues the tokens of an approved code, once (rules above). */
async function redeem(
  record: DeviceCodeRecord,
  { client, request, dpop }: TokenGrantRequest,
  context: GrantContext,
  options: Required<GrantOptions>,
): Promise<TokenResponseBody> {
  const resource = tokenResource(context.resources, request.all('resource'), record.resources);
  const scope = scopeForResource(resource, record.scope, false);
  const won = await context.stores.deviceCodes.consume(record.id);
  if (won === undefined || won.subject === undefined || won.grantId === undefined)
    throw new InvalidGrantError('the device code was already used');
  await context.userGrants?.used(won.grantId);
  return context.tokens.issue({
    client,
    subject: won.subject,
    scope,
    grantType: DEVICE_CODE_GRANT_TYPE,
    grantId: won.grantId,
    dpop,
    accessTokenLifetime: options.accessTokenLifetime,
    unique: options.uniqueTokens,
    resource,
    refreshToken: mayRefresh(client, context)
      ? { lifetime: context.refreshTokens.lifetime, scope: won.scope, resources: won.resources }
      : undefined,
  });
}

/** The device_code grant (rules above). */
export function deviceCodeGrant(options: Required<GrantOptions>): TokenGrant {
  return {
    grantType: DEVICE_CODE_GRANT_TYPE,
    repeatable: RESOURCE_PARAMETER,
    async handle(grantRequest, context) {
      const code = grantRequest.params['device_code'];
      if (code === undefined) throw new InvalidRequestError('device_code is required');
      const id = sha256(code);
      for (let attempt = 0; attempt < POLL_ATTEMPTS; attempt++) {
        const found = await context.stores.deviceCodes.find(id);
        const record = usable(found, grantRequest.client.id);
        if (record.expiresAt <= context.now()) throw new ExpiredTokenError();
        if (record.status === 'denied') throw new AccessDeniedError('the user denied the request');
        if (record.status === 'approved') return redeem(record, grantRequest, context, options);
        const answer = await recordPoll(found as StoredDeviceCode, context);
        if (answer !== undefined) throw answer;
      }
      throw new SlowDownError('polling too fast: wait longer between requests');
    },
  };
}

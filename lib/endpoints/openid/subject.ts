/**
 * The subject a client knows a user by (OpenID Connect Core 1.0 8): the user's
 * own subject for a `public` client, a pairwise one for a `pairwise` client.
 *
 * Rules:
 * - A pairwise subject is base64url(HMAC-SHA256(key, sector ‖ 0x00 ‖ subject)):
 *   stable for one user and one sector, unlinkable across sectors without the
 *   key, and never the local subject (OIDC Core 8.1).
 * - The sector is the host of the client's redirect URIs (OIDC Core 8.1: "the
 *   host component of the redirect_uri"); registration and client configuration
 *   refuse a pairwise client whose redirect URIs name more than one host. A
 *   client without redirect URIs (a service) has its client id as its sector.
 * - A `pairwise` client needs the server's pairwise key: configuration and
 *   registration refuse one without it, and meeting one here anyway is a
 *   TypeError, never the local subject handed out.
 * - Every place that shows a client a user's subject — the id_token, UserInfo,
 *   comparing an `id_token_hint` — goes through {@link clientSubject}; access
 *   tokens keep the local subject (they are for resource servers, RFC 9068).
 */
import { createHmac, type KeyObject } from 'node:crypto';
import type { Client } from '../../types.js';

/** The sector of a pairwise client (rules above). */
export function sectorIdentifier(client: Client): string {
  const first = client.redirectUris[0];
  return first === undefined ? client.id : new URL(first).host;
}

/** The pairwise subject of `subject` in `sector` under `key` (rules above). */
export function pairwiseSubject(key: KeyObject, sector: string, subject: string): string {
  return createHmac('sha256', key).update(`${sector}\u0000${subject}`).digest('base64url');
}

/**
 * The subject `client` knows the user `subject` by.
 * @param pairwiseKey the server's pairwise key (`options.openid`), if any.
 */
export function clientSubject(
  client: Client,
  subject: string,
  pairwiseKey: KeyObject | undefined,
): string {
  if (client.subjectType !== 'pairwise') return subject;
  if (pairwiseKey === undefined)
    throw new TypeError(`client ${client.id} is pairwise, but options.openid has no pairwiseKey`);
  return pairwiseSubject(pairwiseKey, sectorIdentifier(client), subject);
}

/**
 * The successor of a rotated refresh token, for the grace period
 * (`reuseGracePeriod`): a client that retries with the token it just rotated out
 * gets the same successor again, so the family never forks into two live chains.
 *
 * Rules:
 * - Stores keep hashes only, never a usable token. The successor is kept sealed
 *   with a key only the old token gives: AES-256-GCM under
 *   HMAC-SHA-256(old token, {@link KEY_LABEL}). The record's id is the old
 *   token's SHA-256, which does not give that key, so a leaked store opens
 *   nothing.
 * - The record (kind {@link SUCCESSOR_KIND}) lives as long as the grace period
 *   (and a second for rounding); after it a retired token is reuse anyway.
 * - A record that does not open with the presented token is no successor.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { RecordStore } from '../stores/records.js';

/** The record kind of sealed successors. */
export const SUCCESSOR_KIND = 'refresh-successor';

/** Domain separation of the sealing key. */
const KEY_LABEL = 'oauth2-stateless refresh successor v1';

/** Bytes of the GCM tag: a shorter one is refused. */
const TAG_LENGTH = 16;

interface Sealed {
  readonly iv: string;
  readonly data: string;
  readonly tag: string;
}

function keyOf(token: string): Buffer {
  return createHmac('sha256', token).update(KEY_LABEL).digest();
}

/**
 * Keeps `successor` sealed under `token` for `ttl` seconds.
 * @param id the old token's store id (its SHA-256).
 */
export async function saveSuccessor(
  records: RecordStore,
  id: string,
  token: string,
  successor: string,
  ttl: number,
): Promise<void> {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(token), iv, { authTagLength: TAG_LENGTH });
  const data = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final()]);
  const sealed: Sealed = {
    iv: iv.toString('base64url'),
    data: data.toString('base64url'),
    tag: cipher.getAuthTag().toString('base64url'),
  };
  await records.put(SUCCESSOR_KIND, id, { ...sealed }, Math.ceil(ttl) + 1);
}

/** The successor kept for `token`, or undefined when there is none (or it does not open). */
export async function findSuccessor(
  records: RecordStore,
  id: string,
  token: string,
): Promise<string | undefined> {
  const value = (await records.get(SUCCESSOR_KIND, id))?.value as Partial<Sealed> | undefined;
  if (
    typeof value?.iv !== 'string' ||
    typeof value.data !== 'string' ||
    typeof value.tag !== 'string'
  )
    return undefined;
  try {
    const iv = Buffer.from(value.iv, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', keyOf(token), iv, {
      authTagLength: TAG_LENGTH,
    });
    decipher.setAuthTag(Buffer.from(value.tag, 'base64url'));
    const plain = Buffer.concat([
      decipher.update(Buffer.from(value.data, 'base64url')),
      decipher.final(),
    ]);
    return plain.toString('utf8');
  } catch {
    return undefined;
  }
}

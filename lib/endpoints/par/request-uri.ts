/**
 * The `request_uri` values of pushed authorization requests (RFC 9126 2.2).
 *
 * Rules:
 * - a `request_uri` is `urn:ietf:params:oauth:request_uri:` and 32 bytes from the
 *   CSPRNG in base64url (43 characters), RFC 9126 2.2: "it MUST contain some part
 *   generated using a cryptographically strong pseudorandom algorithm such that
 *   it is computationally infeasible to predict or guess a valid value";
 * - a value of any other shape is refused before any store is asked, so what a
 *   request sends never reaches a lookup unless it could be one of ours.
 */
import { randomBytes } from 'node:crypto';

/** The prefix of every `request_uri` (RFC 9126 2.2). */
export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';

const SHAPE = /^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/;

/** A new `request_uri`. */
export function newRequestUri(): string {
  return REQUEST_URI_PREFIX + randomBytes(32).toString('base64url');
}

/** Whether `value` has the shape of a `request_uri` this server makes. */
export function isRequestUri(value: string): boolean {
  return SHAPE.test(value);
}

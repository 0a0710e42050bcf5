/**
 * The start-up warning for signing keys that only this process has.
 *
 * Rules:
 * - a provider whose stores are shared (any record store but memory) and whose
 *   signing keys were made at start (no `signingKeys` option) while it issues JWT
 *   access tokens gets one process warning, code {@link EPHEMERAL_KEYS_WARNING}:
 *   its tokens will not verify in the other processes sharing those stores, nor
 *   in this one after a restart;
 * - once per process, like the memory store's warning (`OAUTH2_MEMORY_STORE`).
 */
import type { RecordStore } from '../stores/records.js';
import { MemoryRecordStore } from '../stores/memory.js';

/** The `code` of the warning (`process.on('warning', w => w.code)`). */
export const EPHEMERAL_KEYS_WARNING = 'OAUTH2_EPHEMERAL_SIGNING_KEYS';

let warned = false;

/**
 * Warns when `records` is shared but the keys are this process's own.
 * @param keysGiven whether the `signingKeys` option was given.
 */
export function warnOnEphemeralKeys(
  records: RecordStore,
  keysGiven: boolean,
  format: 'jwt' | 'opaque',
): void {
  if (warned || keysGiven || format !== 'jwt' || records instanceof MemoryRecordStore) return;
  warned = true;
  process.emitWarning(
    'oauth2-stateless: the stores are shared, but the signing keys were made at start, so the ' +
      'JWT access tokens of this process will not verify in other processes or after a restart. ' +
      'Give every process the same keys: signingKeys: loadSigningKeys({ file: ' +
      'process.env.OAUTH2_SIGNING_KEYS_FILE }), with a key set made by `npx oauth2-stateless keys`.',
    { code: EPHEMERAL_KEYS_WARNING },
  );
}

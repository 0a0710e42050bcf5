/**
 * The start-up warning for DPoP nonces that only this process makes.
 *
 * Rules:
 * - a provider with server nonces on (`dpop.nonces`), whose nonce secret is its
 *   own (no `dpop.nonces.secret` and no `signingKeys` to derive one from) and
 *   whose stores are shared (any record store but memory), gets one process
 *   warning, code {@link PROCESS_NONCE_WARNING}: its nonces are refused by the
 *   other processes behind the same load balancer (every request there is
 *   answered `use_dpop_nonce` until the client lands on this process again);
 * - once per process, like ../engine/key-warning.ts.
 */
import { MemoryRecordStore } from '../stores/memory.js';
import type { RecordStore } from '../stores/records.js';
import type { ResolvedDpopOptions } from './options.js';

/** The `code` of the warning (`process.on('warning', w => w.code)`). */
export const PROCESS_NONCE_WARNING = 'OAUTH2_PROCESS_DPOP_NONCES';

let warned = false;

/** Warns when `records` is shared but the nonce secret is this process's own. */
export function warnOnProcessNonces(records: RecordStore, dpop: ResolvedDpopOptions): void {
  if (warned || dpop.nonces?.processOwn !== true || records instanceof MemoryRecordStore) return;
  warned = true;
  process.emitWarning(
    'oauth2-stateless: DPoP nonces are on and the stores are shared, but the nonce secret was ' +
      'made at start, so other processes will refuse this process nonces. Give every process ' +
      'the same dpop.nonces.secret (32 bytes or more), or the same signingKeys.',
    { code: PROCESS_NONCE_WARNING },
  );
}

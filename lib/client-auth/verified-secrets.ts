/**
 * The verified-secret cache: once a slow (scrypt) check of a client's secret has
 * succeeded, the same client, secret and stored hash verify again with one HMAC, in
 * microseconds, so legitimate traffic pays for scrypt once per process.
 *
 * Rules:
 * - an entry is HMAC-SHA256, under a key drawn at random when the cache is made
 *   (per process, never stored or sent), of the client id, the presented secret
 *   and the stored hash, each length-prefixed: no secret is kept, and an entry
 *   says nothing without the key;
 * - the stored hash is part of the entry, so once a client's hash changes (a new
 *   secret) the entries of the old one match nothing;
 * - only successful checks add entries, so a stranger cannot fill the cache; it
 *   holds at most `size` entries, the least recently used leaving first.
 */
import { createHmac, randomBytes } from 'node:crypto';

export class VerifiedSecrets {
  readonly #key = randomBytes(32);
  /** Entries in order of use, oldest first (a Map keeps insertion order). */
  readonly #entries = new Map<string, true>();
  readonly #size: number;

  /** @param size the most entries kept (a whole number >= 1). */
  constructor(size: number) {
    this.#size = size;
  }

  /** The entry of one attempt: compute once, then {@link has} and maybe {@link add}. */
  entry(clientId: string, secret: string, hash: string): string {
    const mac = createHmac('sha256', this.#key);
    for (const part of [clientId, secret, hash]) {
      const bytes = Buffer.from(part, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      mac.update(length).update(bytes);
    }
    return mac.digest('base64url');
  }

  /** Whether the entry was verified before; a hit becomes the most recently used. */
  has(entry: string): boolean {
    if (!this.#entries.delete(entry)) return false;
    this.#entries.set(entry, true);
    return true;
  }

  /** Remembers a successful check, dropping the least recently used entry when full. */
  add(entry: string): void {
    this.#entries.delete(entry);
    this.#entries.set(entry, true);
    if (this.#entries.size > this.#size) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  /** How many entries are kept. */
  get size(): number {
    return this.#entries.size;
  }
}

/**
 * The clients a provider knows: the configured ones (`options.clients`, checked
 * and frozen at start) found first, then the client registry of the stores
 * (registered at run time: dynamic registration, admin code).
 *
 * Why layered rather than copied into the registry at start: a configured client
 * then needs no write (nothing to race between processes starting together, no
 * store round trip to answer for it), configuration stays the source of truth for
 * it, and a registration can never replace it.
 *
 * Rules:
 * - a configured client id cannot be saved or deleted through the registry
 *   (TypeError): change the configuration instead;
 * - without a registry, saving is a TypeError that says how to get one.
 */
import type { ClientStore } from '../stores/types.js';
import type { Client } from '../types.js';

export class ConfiguredClients implements Required<ClientStore> {
  readonly #configured: ReadonlyMap<string, Client>;
  readonly #registry: ClientStore | undefined;

  constructor(configured: ReadonlyMap<string, Client>, registry: ClientStore | undefined) {
    this.#configured = configured;
    this.#registry = registry;
  }

  async find(clientId: string): Promise<Client | undefined> {
    return this.#configured.get(clientId) ?? this.#registry?.find(clientId);
  }

  async save(client: Client): Promise<void> {
    await this.#writable(client.id, 'save').save?.(client);
  }

  async delete(clientId: string): Promise<void> {
    await this.#writable(clientId, 'delete').delete?.(clientId);
  }

  #writable(clientId: string, operation: string): ClientStore {
    if (this.#configured.has(clientId)) {
      throw new TypeError(
        `clients.${operation}(): ${JSON.stringify(clientId)} is a configured client; change options.clients instead`,
      );
    }
    const registry = this.#registry;
    if (registry?.save === undefined || registry.delete === undefined) {
      throw new TypeError(
        `clients.${operation}(): these stores keep no client registry; use stores with one (memory, Redis, SQL, DynamoDB, MongoDB)`,
      );
    }
    return registry;
  }
}

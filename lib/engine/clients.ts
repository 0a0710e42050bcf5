/**
 * The clients a provider knows: the configured ones (`options.clients`, checked
 * and frozen at start) found first; then, with `clientIdMetadataDocuments` on, a
 * `client_id` that is an https URL is the client of the metadata document at
 * that URL (lib/client-id-documents/); any other id is looked up in the client
 * registry of the stores (registered at run time: dynamic registration, admin code).
 *
 * Why layered rather than copied into the registry at start: a configured client
 * then needs no write (nothing to race between processes starting together, no
 * store round trip to answer for it), configuration stays the source of truth for
 * it, and a registration can never replace it.
 *
 * Rules:
 * - a configured client id cannot be saved or deleted through the registry
 *   (TypeError): change the configuration instead;
 * - without a registry, saving is a TypeError that says how to get one;
 * - with documents on, an id starting with `https://` is never looked up in, saved
 *   to or deleted from the registry (TypeError): such an id means its document, so
 *   a registry entry could never be found and must not shadow the document;
 * - a document that cannot be had is an unknown client (the reason is logged by
 *   the resolver), never an error thrown from `find`;
 * - a save is `client.registered` (a new id) or `client.updated`, a delete
 *   `client.deleted`, after the store answered.
 */
import { isClientIdUrlCandidate } from '../client-id-documents/client-id-url.js';
import type { ClientIdDocuments } from '../client-id-documents/resolver.js';
import type { ClientStore } from '../stores/types.js';
import type { Client, Clock } from '../types.js';
import type { OAuthEventBus } from './events.js';

export class ConfiguredClients implements Required<ClientStore> {
  readonly #configured: ReadonlyMap<string, Client>;
  readonly #registry: ClientStore | undefined;
  readonly #events: OAuthEventBus;
  readonly #clock: Clock;
  readonly #documents: ClientIdDocuments | undefined;

  /** @param documents the Client ID Metadata Documents, when `clientIdMetadataDocuments` is on. */
  constructor(
    configured: ReadonlyMap<string, Client>,
    registry: ClientStore | undefined,
    events: OAuthEventBus,
    clock: Clock,
    documents?: ClientIdDocuments,
  ) {
    this.#configured = configured;
    this.#registry = registry;
    this.#events = events;
    this.#clock = clock;
    this.#documents = documents;
  }

  async find(clientId: string): Promise<Client | undefined> {
    const configured = this.#configured.get(clientId);
    if (configured !== undefined) return configured;
    if (this.#isDocumentId(clientId)) return this.#documents?.find(clientId);
    return this.#registry?.find(clientId);
  }

  /** Whether `clientId` names a metadata document (documents on, an https URL). */
  #isDocumentId(clientId: string): boolean {
    return this.#documents !== undefined && isClientIdUrlCandidate(clientId);
  }

  async save(client: Client): Promise<void> {
    const registry = this.#writable(client.id, 'save');
    const listening =
      this.#events.wants('client.registered') || this.#events.wants('client.updated');
    const existed = listening && (await registry.find(client.id)) !== undefined;
    await registry.save?.(client);
    if (listening) {
      const type = existed ? 'client.updated' : 'client.registered';
      this.#events.emit(type, { time: this.#clock(), clientId: client.id });
    }
  }

  async delete(clientId: string): Promise<void> {
    await this.#writable(clientId, 'delete').delete?.(clientId);
    if (this.#events.wants('client.deleted')) {
      this.#events.emit('client.deleted', { time: this.#clock(), clientId });
    }
  }

  #writable(clientId: string, operation: string): ClientStore {
    if (this.#configured.has(clientId)) {
      throw new TypeError(
        `clients.${operation}(): ${JSON.stringify(clientId)} is a configured client; change options.clients instead`,
      );
    }
    if (this.#isDocumentId(clientId)) {
      throw new TypeError(
        `clients.${operation}(): ${JSON.stringify(clientId)} is an https URL, which names a Client ID Metadata Document while options.clientIdMetadataDocuments is on; give the client another id`,
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

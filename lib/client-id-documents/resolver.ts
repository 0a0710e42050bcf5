/**
 * Clients whose `client_id` is the URL of their metadata: the shape of the URL
 * checked (./client-id-url.ts), the document fetched safely
 * (./fetch-document.ts), checked and made a client (./documents.ts), and cached
 * (./cache.ts).
 *
 * Rules:
 * - {@link ClientIdDocuments.find} never rejects: a URL of the wrong shape, a
 *   fetch that failed, a document refused, too many fetches at once — each is
 *   "no such client" to the endpoints (the authorization endpoint's
 *   invalid-client page, the token endpoint's `invalid_client`), never a 5xx
 *   and never the remote's text in a response;
 * - the reason goes to the logger: at debug for what a client id or its
 *   document did wrong, at warn when the fetch cap refused a lookup (this
 *   server's own limit);
 * - the document is only ever fetched with the rules of ./fetch-document.ts
 *   (public addresses unless `allowPrivateAddresses`, no redirects, size and
 *   time limits).
 */
import type { Client, Clock, Logger } from '../types.js';
import { CacheBusyError, DocumentCache, documentLifetime, type Loaded } from './cache.js';
import { clientIdUrlProblem } from './client-id-url.js';
import { clientFromDocument, type MetadataCheck } from './documents.js';
import { fetchDocument, type Resolver } from './fetch-document.js';
import type { ResolvedClientIdDocumentOptions } from './options.js';

/** What the resolver needs from the provider. */
export interface ClientIdDocumentsContext {
  readonly clock: Clock;
  readonly logger: Logger;
  /** The RFC 7591 validator with the server's rules (see ./documents.ts). */
  readonly check: MetadataCheck;
  /** How host names are resolved; default `dns.lookup` (tests inject one). */
  readonly resolve?: Resolver | undefined;
}

/** The clients of Client ID Metadata Documents; see the rules above. */
export class ClientIdDocuments {
  readonly #options: ResolvedClientIdDocumentOptions;
  readonly #context: ClientIdDocumentsContext;
  readonly #cache: DocumentCache<Client>;

  constructor(options: ResolvedClientIdDocumentOptions, context: ClientIdDocumentsContext) {
    this.#options = options;
    this.#context = context;
    this.#cache = new DocumentCache(options.cache, options.maxConcurrentFetches, context.clock);
  }

  /** The client whose document is at `clientId`, or undefined (the reason is logged). */
  async find(clientId: string): Promise<Client | undefined> {
    const problem = clientIdUrlProblem(clientId);
    if (problem !== undefined) return this.#refused(clientId, `the client_id ${problem}`);
    try {
      return await this.#cache.get(clientId, () => this.#load(clientId));
    } catch (err) {
      return this.#refused(clientId, (err as Error).message, err instanceof CacheBusyError);
    }
  }

  async #load(clientId: string): Promise<Loaded<Client>> {
    const { timeout, maxBytes, allowPrivateAddresses, ca } = this.#options;
    const fetched = await fetchDocument(new URL(clientId), {
      timeout,
      maxBytes,
      allowPrivateAddresses,
      ca,
      resolve: this.#context.resolve,
    });
    const value = clientFromDocument(clientId, fetched.body, this.#context.check);
    const lifetime = documentLifetime(fetched, this.#options.cache, this.#context.clock());
    return { value, lifetime };
  }

  #refused(clientId: string, reason: string, busy = false): undefined {
    const entry = { clientId, reason };
    if (busy) this.#context.logger.warn(entry, 'client id metadata document: too many fetches');
    else this.#context.logger.debug(entry, 'client id metadata document refused');
    return undefined;
  }
}

/**
 * Where the provider's clients come from besides its configuration, wired from
 * the checked options: the registration endpoint (RFC 7591/7592,
 * lib/endpoints/registration/) and Client ID Metadata Documents
 * (lib/client-id-documents/); and the start-up check of the configured clients.
 *
 * Rules:
 * - both judge a client's metadata by the rules of what the server offers, built
 *   by the one builder (lib/helpers/client-metadata-rules.ts) when a request or
 *   a document arrives, so a grant or method registered after start-up counts;
 *   registration withholds `password` (lib/endpoints/registration/context.ts);
 * - registration is off (undefined) under the `closed` policy; otherwise
 *   `options.clients`, when given as a store, must be writable (`save` and
 *   `delete`), else a TypeError at start-up that names the fix;
 * - every configured client names only client-authentication methods the server
 *   offers, else a TypeError naming the client, the method and what is offered.
 * - a configured pairwise client needs `options.openid.pairwiseKey`, and a
 *   configured `idTokenSignedResponseAlg` must be the active key's algorithm
 *   (lib/helpers/client-openid-fields.ts).
 */
import { ClientIdDocuments } from '../client-id-documents/resolver.js';
import {
  WITHHELD_FROM_REGISTRATION,
  type RegistrationContext,
} from '../endpoints/registration/endpoint.js';
import { checkClientMetadata } from '../helpers/client-metadata.js';
import { checkOpenIdClients } from '../helpers/client-openid-fields.js';
import { clientMetadataRules, type OfferedToClients } from '../helpers/client-metadata-rules.js';
import type { Stores } from '../stores/types.js';
import type { OAuthEventBus } from './events.js';
import type { ResolvedConfig } from './options.js';

/** What the server offers now, read from the provider's registries. */
export type Offered = () => OfferedToClients;

/** Client ID Metadata Documents, when the option is on; each document is checked when it arrives. */
export function clientIdDocuments(
  config: ResolvedConfig,
  offered: Offered,
): ClientIdDocuments | undefined {
  const options = config.clientIdMetadataDocuments;
  if (options === undefined) return undefined;
  return new ClientIdDocuments(options, {
    clock: config.clock,
    logger: config.logger,
    check: (metadata, clientId) =>
      checkClientMetadata(
        metadata,
        clientMetadataRules(offered(), { withheldGrantTypes: WITHHELD_FROM_REGISTRATION }),
        clientId,
      ).config,
  });
}

/**
 * The registration endpoint's engine pieces; undefined when registration is closed.
 * Its `url` is left empty: the provider sets it per request, from the endpoint table.
 * @throws TypeError when `options.clients` is a store that cannot be written.
 */
export function registrationContext(
  config: ResolvedConfig,
  parts: { stores: Stores; events: OAuthEventBus; limit: RegistrationContext['limit'] },
  offered: Offered,
): RegistrationContext | undefined {
  const options = config.registration;
  if (options.policy === 'closed') return undefined;
  const store = config.clientStore;
  if (store !== undefined && (store.save === undefined || store.delete === undefined))
    throw new TypeError(
      'options.registration: options.clients is a store without save() and delete(); registration needs a writable client registry (or keep policy "closed")',
    );
  return {
    options,
    clients: parts.stores.clients as RegistrationContext['clients'],
    rules: () => clientMetadataRules(offered(), { withheldGrantTypes: WITHHELD_FROM_REGISTRATION }),
    url: '',
    limit: parts.limit,
    events: parts.events,
    clock: config.clock,
  };
}

/** Every configured client may only name client-authentication methods this server offers. */
export function checkConfiguredClients(config: ResolvedConfig, methods: readonly string[]): void {
  checkOpenIdClients(config.configuredClients.values(), {
    pairwise: config.openid?.pairwiseKey !== undefined,
    idTokenSigningAlg: config.keys.active.alg,
  });
  const offered = new Set(methods);
  for (const client of config.configuredClients.values()) {
    const unknown = client.tokenEndpointAuthMethods.find((m) => !offered.has(m));
    if (unknown !== undefined) {
      throw new TypeError(
        `client ${JSON.stringify(client.id)}: tokenEndpointAuthMethods has ${JSON.stringify(unknown)}, which this server does not offer; offered: ${[...offered].join(', ')}`,
      );
    }
  }
}

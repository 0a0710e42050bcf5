/**
 * What a client's RFC 7591 metadata may ask for, built once from what the server
 * offers: the one builder of {@link ClientMetadataRules}, for dynamic
 * registration (lib/endpoints/registration/) and Client ID Metadata Documents
 * (lib/client-id-documents/). ./client-metadata.ts judges metadata by them.
 *
 * Rules:
 * - a client may ask for the grant types the token endpoint offers, minus those
 *   its way of coming to be withholds (`withheldGrantTypes`: a client that
 *   registered itself or is a metadata document never gets `password`,
 *   lib/endpoints/registration/context.ts), plus `implicit`
 *   when the authorization endpoint offers `token` (RFC 7591 2's name for it);
 * - response types, client-authentication methods and scopes are what the server
 *   offers, as they are; so are OpenID Connect's (the id_token's algorithm, the
 *   subject types), when it is on;
 * - the rules are built when asked, from the registries then: a grant or method
 *   registered later is offered at once.
 */
import type { OpenIdMetadataRules } from './client-metadata-oidc.js';

/** What the server offers, which registered metadata must stay within. */
export interface ClientMetadataRules {
  /** What the server's token endpoint offers (and `implicit` when the authorization endpoint offers `token`). */
  grantTypes: readonly string[];
  /** What the authorization endpoint offers (`code`, `token`). */
  responseTypes: readonly string[];
  /** Client-authentication methods the server offers. */
  authMethods: readonly string[];
  /** Scopes a client may register for. */
  scopes: readonly string[];
  /** OpenID Connect's rules (./client-metadata-oidc.ts); undefined when OpenID Connect is off. */
  openid?: OpenIdMetadataRules | undefined;
}

/** What the server offers, as its registries list it. */
export interface OfferedToClients {
  /** The token endpoint's grant types (`implicit` is not one: see `responseTypes`). */
  readonly grantTypes: readonly string[];
  /** The authorization endpoint's response types (`code`, `token`). */
  readonly responseTypes: readonly string[];
  /** The client-authentication methods, in the order they are looked for. */
  readonly authMethods: readonly string[];
  /** Every scope the server offers. */
  readonly scopes: Iterable<string>;
  /** What OpenID Connect offers clients; undefined when it is off. */
  readonly openid?: OpenIdMetadataRules | undefined;
}

/** How a client came to be changes what it may ask for. */
export interface ClientMetadataRulesOptions {
  /** Grant types such a client may never ask for, though the server offers them. Default none. */
  readonly withheldGrantTypes?: readonly string[];
}

/** The rules of client metadata, from what the server offers (rules above). */
export function clientMetadataRules(
  offered: OfferedToClients,
  options: ClientMetadataRulesOptions = {},
): ClientMetadataRules {
  const withheld = options.withheldGrantTypes ?? [];
  return {
    grantTypes: [
      ...offered.grantTypes.filter((grant) => !withheld.includes(grant)),
      ...(offered.responseTypes.includes('token') ? ['implicit'] : []),
    ],
    responseTypes: [...offered.responseTypes],
    authMethods: [...offered.authMethods],
    scopes: [...offered.scopes],
    openid: offered.openid,
  };
}

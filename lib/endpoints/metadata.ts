/**
 * Authorization server metadata (RFC 8414 2), built from what the provider
 * really offers: its grants, client authentication methods, scopes and PKCE methods.
 *
 * Rules:
 * - `*_endpoint_auth_signing_alg_values_supported` (RFC 8414 2: present when a
 *   method that signs, `private_key_jwt` or `client_secret_jwt`, is listed;
 *   never `none`) are the algorithms of the methods listed beside them;
 * - `dpop_signing_alg_values_supported` (RFC 9449 5.1) is the `dpop.algorithms`
 *   allow-list: DPoP proofs are always accepted at the token endpoint;
 * - `require_pushed_authorization_requests` (RFC 9126 5) is `true` when every
 *   client must push its authorization requests, absent otherwise (false is
 *   the default); `pushed_authorization_request_endpoint` comes from the
 *   endpoint table like every `*_endpoint`.
 */
import type { ClientAuthenticationMethod } from '../client-auth/method.js';
import type { EndpointDefinition } from './registry.js';

export interface ServerMetadata {
  issuer: string;
  authorization_endpoint?: string;
  token_endpoint: string;
  jwks_uri: string;
  scopes_supported?: string[];
  response_types_supported: string[];
  grant_types_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  revocation_endpoint: string;
  revocation_endpoint_auth_methods_supported: string[];
  introspection_endpoint: string;
  introspection_endpoint_auth_methods_supported: string[];
  code_challenge_methods_supported: string[];
  authorization_response_iss_parameter_supported: boolean;
  [extension: string]: unknown;
}

export interface MetadataInput {
  issuer: string;
  /** The enabled endpoints, from the endpoint table. */
  endpoints: readonly EndpointDefinition[];
  grantTypes: readonly string[];
  responseTypes: readonly string[];
  scopes: readonly string[];
  allowPlainPkce: boolean;
  /** The registered client-authentication methods. */
  clientAuthMethods: readonly ClientAuthenticationMethod[];
  /** Whether a `client_id` may be a Client ID Metadata Document's URL. Default false. */
  clientIdMetadataDocuments?: boolean;
  /** The `alg` values DPoP proofs may use (RFC 9449 5.1). Default: none listed. */
  dpopAlgorithms?: readonly string[];
  /** Whether authorization requests are accepted only when pushed (RFC 9126 5). Default false. */
  parRequired?: boolean;
}

/** The signing algorithms of `methods`, each once; undefined when none signs. */
function signingAlgorithms(methods: readonly ClientAuthenticationMethod[]): string[] | undefined {
  const algs = [...new Set(methods.flatMap((m) => m.signingAlgorithms ?? []))];
  return algs.length === 0 ? undefined : algs;
}

/** Sets `<prefix>_auth_methods_supported` and its signing algorithms, if any. */
function setAuthMethods(
  metadata: ServerMetadata,
  prefix: string,
  methods: readonly ClientAuthenticationMethod[],
): void {
  metadata[`${prefix}_auth_methods_supported`] = methods.map((m) => m.name);
  const algs = signingAlgorithms(methods);
  if (algs !== undefined) metadata[`${prefix}_auth_signing_alg_values_supported`] = algs;
}

export function buildMetadata(input: MetadataInput): ServerMetadata {
  const { issuer, scopes } = input;
  const responseTypes = [...input.responseTypes];
  const authMethods = input.clientAuthMethods.map((m) => m.name);
  const urls: Record<string, string> = {};
  for (const endpoint of input.endpoints) {
    if (endpoint.metadataKey !== undefined) urls[endpoint.metadataKey] = issuer + endpoint.path;
  }
  const metadata: ServerMetadata = {
    issuer,
    ...urls,
    ...(scopes.length > 0 ? { scopes_supported: [...scopes] } : {}),
    response_types_supported: responseTypes,
    response_modes_supported: responseTypes.includes('token') ? ['query', 'fragment'] : ['query'],
    grant_types_supported: [...input.grantTypes],
    token_endpoint_auth_methods_supported: authMethods,
    code_challenge_methods_supported: input.allowPlainPkce ? ['S256', 'plain'] : ['S256'],
    // RFC 9207: every authorization response carries `iss`.
    authorization_response_iss_parameter_supported: true,
  } as unknown as ServerMetadata;
  // draft-ietf-oauth-client-id-metadata-document: advertised only when on.
  if (input.clientIdMetadataDocuments === true)
    metadata['client_id_metadata_document_supported'] = true;
  const algs = signingAlgorithms(input.clientAuthMethods);
  if (algs !== undefined) metadata['token_endpoint_auth_signing_alg_values_supported'] = algs;
  if (input.dpopAlgorithms !== undefined)
    metadata['dpop_signing_alg_values_supported'] = [...input.dpopAlgorithms];
  if (input.parRequired === true && urls['pushed_authorization_request_endpoint'] !== undefined)
    metadata['require_pushed_authorization_requests'] = true;
  if (urls['revocation_endpoint'] !== undefined)
    setAuthMethods(metadata, 'revocation_endpoint', input.clientAuthMethods);
  if (urls['introspection_endpoint'] !== undefined)
    // Introspection needs a confidential client (RFC 7662 2.1).
    setAuthMethods(
      metadata,
      'introspection_endpoint',
      input.clientAuthMethods.filter((m) => m.confidential),
    );
  return metadata;
}

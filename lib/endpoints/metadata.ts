/**
 * Authorization server metadata (RFC 8414 2), built from what the provider
 * really offers: its grants, client authentication methods, scopes and PKCE methods.
 */
import type { EndpointPaths } from '../engine/options.js';

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

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'];
const SECRET_METHODS = ['client_secret_basic', 'client_secret_post'];

export interface MetadataInput {
  issuer: string;
  endpoints: Readonly<Required<EndpointPaths>>;
  grantTypes: readonly string[];
  responseTypes: readonly string[];
  scopes: readonly string[];
  allowPlainPkce: boolean;
}

export function buildMetadata(input: MetadataInput): ServerMetadata {
  const { issuer, endpoints, scopes } = input;
  const grants = [...input.grantTypes];
  const responseTypes = [...input.responseTypes];
  return {
    issuer,
    ...(responseTypes.length > 0
      ? { authorization_endpoint: issuer + endpoints.authorization }
      : {}),
    token_endpoint: issuer + endpoints.token,
    jwks_uri: issuer + endpoints.jwks,
    ...(scopes.length > 0 ? { scopes_supported: [...scopes] } : {}),
    response_types_supported: responseTypes,
    response_modes_supported: responseTypes.includes('token') ? ['query', 'fragment'] : ['query'],
    grant_types_supported: grants,
    token_endpoint_auth_methods_supported: AUTH_METHODS,
    revocation_endpoint: issuer + endpoints.revocation,
    revocation_endpoint_auth_methods_supported: AUTH_METHODS,
    introspection_endpoint: issuer + endpoints.introspection,
    introspection_endpoint_auth_methods_supported: SECRET_METHODS,
    code_challenge_methods_supported: input.allowPlainPkce ? ['S256', 'plain'] : ['S256'],
    // RFC 9207: every authorization response carries `iss`.
    authorization_response_iss_parameter_supported: true,
  };
}

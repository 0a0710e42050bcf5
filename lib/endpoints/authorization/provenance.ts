/**
 * What the consent page says about who the client is and where the user will be
 * sent: a client name is the client's own claim, so the page also shows facts
 * the client cannot dress up.
 *
 * Rules:
 * - a client the operator did not configure (`source` `registration` or
 *   `metadata-document`) is marked as such (the page says it is not
 *   pre-registered);
 * - a metadata-document client shows the host of its `client_id` URL (where it
 *   describes itself); IDNs stay in their ASCII (punycode) form, so a look-alike
 *   name shows as what it is;
 * - every client shows the host (with port) its redirect URI points to, or, for
 *   a private-use scheme of a native app, that scheme (`com.example.app:`).
 */
import type { AuthorizationRequest } from './request.js';

/** The facts of {@link consentProvenance}, as the consent page gets them. */
export interface ConsentProvenance {
  /** How a client the operator did not configure came to be; undefined for a configured one. */
  readonly clientSource: 'registration' | 'metadata-document' | undefined;
  /** For a metadata-document client, the host of its `client_id` URL. */
  readonly documentHost: string | undefined;
  /** Where the answer goes: the redirect URI's host (`app.example.com`, `127.0.0.1:8080`) or private-use scheme. */
  readonly redirectHost: string;
}

function hostOf(uri: string): string {
  const url = new URL(uri);
  return url.host === '' ? url.protocol : url.host;
}

/** The provenance facts of a checked request (see the rules above). */
export function consentProvenance(request: AuthorizationRequest): ConsentProvenance {
  const { client } = request;
  const source = client.source;
  return {
    clientSource: source,
    documentHost: source === 'metadata-document' ? hostOf(client.id) : undefined,
    redirectHost: hostOf(request.redirectUri),
  };
}

/**
 * node-oidc-provider (panva), mounted in Express as its docs show
 * (`app.use(provider.callback())`), with its own in-memory adapter.
 *
 * Rules:
 * - client_credentials is off by default: `features.clientCredentials.enabled`;
 * - the token format is chosen per resource server (RFC 8707 resource indicators):
 *   `defaultResource` names the API so requests need no `resource` parameter, and
 *   `getResourceServerInfo` gives its scopes, TTL, `accessTokenFormat` and ES256;
 * - the keystore holds one ES256 key (the JWT format signs with it); the client says
 *   `id_token_signed_response_alg: 'ES256'` because OpenID Connect's RS256 default
 *   is checked against the keystore even for a client that never gets an ID token;
 * - `ttl.ClientCredentials` is set (the provider warns when it is left to its default);
 * - oidc-provider has no bearer middleware for an API: the opaque check reads the
 *   provider's own store with `provider.ClientCredentials.find` (what its
 *   introspection endpoint does) and checks validity, audience and scope; the JWT
 *   check is jose against the provider's public key.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { RequestListener } from 'node:http';
import express from 'express';
import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import Provider from 'oidc-provider';
import type { Format } from '../scenarios.js';
import {
  API_SCOPE,
  AUDIENCE,
  CLIENT_SCOPES,
  ISSUER,
  TOKEN_TTL,
  apiAnswer,
  hasApiScope,
  type AppFactory,
  type BenchClient,
} from './common.js';

const KID = 'bench-es256';

function signingKey(): { privateJwk: JWK; publicJwk: JWK } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const meta = { kid: KID, alg: 'ES256', use: 'sig' };
  return {
    privateJwk: { ...privateKey.export({ format: 'jwk' }), ...meta },
    publicJwk: { ...publicKey.export({ format: 'jwk' }), ...meta },
  };
}

function provider(format: Format, client: BenchClient, privateJwk: JWK): Provider {
  const scope = CLIENT_SCOPES.join(' ');
  return new Provider(ISSUER, {
    clients: [
      {
        client_id: client.id,
        client_secret: client.secret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'ES256',
        scope,
      },
    ],
    jwks: { keys: [privateJwk as Parameters<typeof JSON.stringify>[0]] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: [...CLIENT_SCOPES],
    ttl: { ClientCredentials: TOKEN_TTL },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => AUDIENCE,
        getResourceServerInfo: async () => ({
          scope,
          accessTokenTTL: TOKEN_TTL,
          accessTokenFormat: format,
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
  });
}

/** The bearer token of an `Authorization` header, or undefined. */
function bearer(header: string | undefined): string | undefined {
  return /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header ?? '')?.[1];
}

/** The client id and scope of a valid token, or undefined. */
type TokenCheck = (token: string) => Promise<{ clientId: unknown; scope: unknown } | undefined>;

function opaqueCheck(oidc: Provider): TokenCheck {
  return async (token) => {
    const found = await oidc.ClientCredentials.find(token);
    if (found === undefined || !found.isValid || found.aud !== AUDIENCE) return undefined;
    return { clientId: found.clientId, scope: found.scope };
  };
}

function jwtCheck(publicJwk: JWK): TokenCheck {
  const keys = createLocalJWKSet({ keys: [publicJwk] });
  return async (token) => {
    const { payload } = await jwtVerify(token, keys, {
      algorithms: ['ES256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      typ: 'at+jwt',
    }).catch(() => ({ payload: undefined }));
    return payload === undefined
      ? undefined
      : { clientId: payload['client_id'], scope: payload['scope'] };
  };
}

export const oidcProviderApp: AppFactory = async (format, client) => {
  const { privateJwk, publicJwk } = signingKey();
  const oidc = provider(format, client, privateJwk);
  const check = format === 'jwt' ? jwtCheck(publicJwk) : opaqueCheck(oidc);
  const app = express();
  app.get('/api/read', async (req, res) => {
    const token = bearer(req.headers.authorization);
    const found = token === undefined ? undefined : await check(token);
    if (found === undefined) {
      res.status(401).set('WWW-Authenticate', 'Bearer error="invalid_token"').end();
    } else if (!hasApiScope(found.scope)) {
      res
        .status(403)
        .set('WWW-Authenticate', `Bearer error="insufficient_scope", scope="${API_SCOPE}"`)
        .end();
    } else {
      apiAnswer(res, found.clientId);
    }
  });
  app.use(oidc.callback());
  return app as RequestListener;
};

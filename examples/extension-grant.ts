/**
 * An extension grant (RFC 6749 4.5) written only against the package's public
 * API: a "magic link" sign-in for a command-line tool. The host e-mails the user
 * a link holding a short-lived, signed, one-time token; the tool (a confidential
 * client) trades it at the token endpoint for an access token of that user:
 *
 *     POST /token
 *     grant_type=urn:example:params:oauth:grant-type:magic-link&link_token=…&scope=read
 *
 * Rules:
 * - the link token is `<payload>.<HMAC-SHA256>` (base64url), signed with the
 *   host's secret and compared in constant time; it names its subject, the one
 *   client it was made for, an expiry and a random id;
 * - a missing `link_token` is `invalid_request`; a forged, expired or another
 *   client's one is `invalid_grant` (fixed public text, the reason private);
 * - it works once: the first use records its id with the persistence
 *   primitive's atomic `addOnce` (every backend), so two parallel uses get one
 *   token between them;
 * - the scope is checked like any other grant's (the server's and the client's).
 *
 * Run `npx tsx examples/extension-grant.ts`: it prints a link token and the
 * token response it gets.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import express from 'express';
import {
  createAuthorizationServer,
  generateClientSecret,
  InvalidGrantError,
  InvalidRequestError,
  type AuthorizationServer,
  type TokenGrant,
} from '../index.js';

/** The grant type: an absolute URI, as RFC 6749 4.5 asks of extension grants. */
export const MAGIC_LINK_GRANT_TYPE = 'urn:example:params:oauth:grant-type:magic-link';

export interface MagicLinkOptions {
  /** The HMAC key that signs link tokens: at least 32 random bytes, kept secret. */
  secret: Buffer;
  /** Seconds a link stays valid; default 600. */
  lifetime?: number;
  /** Seconds the access token lives; default 900. */
  accessTokenLifetime?: number;
  /** The clock in milliseconds; default `Date.now`. */
  clock?: () => number;
}

/** What a link token says. */
interface LinkClaims {
  sub: string;
  client_id: string;
  exp: number;
  jti: string;
}

/** Makes link tokens, and the grant that redeems them. */
export interface MagicLinks {
  /** A link token for `subject`, redeemable once by `clientId` (put it in the e-mailed link). */
  create(subject: string, clientId: string): string;
  readonly grant: TokenGrant;
}

function mac(secret: Buffer, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

/** The claims of a well-signed link token, or undefined. */
function opened(secret: Buffer, token: string): LinkClaims | undefined {
  const [payload = '', signature = '', extra] = token.split('.');
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(secret, payload);
  if (extra !== undefined || given.length !== expected.length || !timingSafeEqual(given, expected))
    return undefined;
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as LinkClaims;
}

/** Magic links signed with `options.secret` (rules in the header). */
export function magicLinks(options: MagicLinkOptions): MagicLinks {
  const { secret, lifetime = 600, accessTokenLifetime = 900, clock = Date.now } = options;
  if (!Buffer.isBuffer(secret) || secret.length < 32)
    throw new TypeError('magicLinks(): secret must be a Buffer of at least 32 bytes');
  const create = (subject: string, clientId: string): string => {
    const exp = Math.floor(clock() / 1000) + lifetime;
    const claims: LinkClaims = { sub: subject, client_id: clientId, exp, jti: randomUUID() };
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${payload}.${mac(secret, payload).toString('base64url')}`;
  };
  const grant: TokenGrant = {
    grantType: MAGIC_LINK_GRANT_TYPE,
    async handle({ params, client }, context) {
      const token = params['link_token'];
      if (token === undefined) throw new InvalidRequestError('link_token is required');
      const claims = opened(secret, token);
      if (claims === undefined) throw new InvalidGrantError('the link token is forged');
      if (claims.exp <= context.now()) throw new InvalidGrantError('the link token expired');
      if (claims.client_id !== client.id)
        throw new InvalidGrantError('the link token was made for another client');
      // Checked before the link is spent, so a bad scope does not burn it.
      const scope = context.scopes.resolve(client, context.scopes.parse(params['scope']));
      const first = await context.stores.records.addOnce(
        'magic-link-used',
        claims.jti,
        claims.exp - context.now() + 60,
      );
      if (!first) throw new InvalidGrantError('the link token was already used');
      return context.tokens.issue({
        client,
        subject: claims.sub,
        scope,
        grantType: MAGIC_LINK_GRANT_TYPE,
        grantId: context.tokens.newGrantId(),
        accessTokenLifetime,
      });
    },
  };
  return { create, grant };
}

/** A server offering the grant to one client, `cli`, and an API it may call. */
export function magicLinkServer(
  links: MagicLinks,
  options: { issuer: string; cliSecretHash: string; clock?: () => number },
): { app: express.Express; oauth: AuthorizationServer } {
  const oauth = createAuthorizationServer({
    issuer: options.issuer,
    scopes: { available: ['read', 'write'], default: ['read'] },
    clients: [
      { id: 'cli', secretHash: options.cliSecretHash, grantTypes: [MAGIC_LINK_GRANT_TYPE] },
    ],
    extensionGrants: [links.grant],
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const app = express();
  app.use(oauth.router());
  app.get('/api/me', oauth.protect({ scope: 'read' }), (req, res) => {
    res.json({ sub: req.oauth2?.token.subject, client_id: req.oauth2?.token.clientId });
  });
  return { app, oauth };
}

/** `npx tsx examples/extension-grant.ts`: one link, redeemed once through the engine. */
async function main(): Promise<void> {
  const links = magicLinks({ secret: Buffer.from(randomUUID() + randomUUID()) });
  const cli = generateClientSecret();
  const { oauth } = magicLinkServer(links, {
    issuer: 'http://localhost:3000',
    cliSecretHash: cli.secretHash,
  });
  const link = links.create('user-alice', 'cli');
  const answer = await oauth.provider.token({
    params: { grant_type: MAGIC_LINK_GRANT_TYPE, link_token: link },
    authorization: `Basic ${Buffer.from(`cli:${cli.secret}`).toString('base64')}`,
  });
  console.log(`link token: ${link}\ntoken response: ${JSON.stringify(answer.body)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();

/**
 * oauth2orize with Passport, as its README wires it: the client authenticated by
 * passport-http's BasicStrategy (`session: false`), `server.token()` with the
 * bundled client_credentials exchange, `server.errorHandler()`; the API behind
 * passport-http-bearer's BearerStrategy.
 *
 * Rules:
 * - one Passport instance per app, so the apps' strategies never meet;
 * - oauth2orize is a toolkit: the app makes the token in the exchange's `issue`
 *   callback and checks scopes there (oauth2orize passes the requested scopes as
 *   they came); the Bearer verify callback finds the token and the route checks
 *   the scope from `req.authInfo`;
 * - opaque: 32 random bytes (base64url) kept in a Map with their client, scope and
 *   expiry; JWT: signed and verified with jose, nothing stored.
 */
import { randomBytes } from 'node:crypto';
import type { RequestListener } from 'node:http';
import express from 'express';
import oauth2orize from 'oauth2orize';
import passportModule from 'passport';
import { BasicStrategy } from 'passport-http';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import type { Format } from '../scenarios.js';
import {
  API_SCOPE,
  TOKEN_TTL,
  allowedScopes,
  apiAnswer,
  clientMatcher,
  hasApiScope,
  type AppFactory,
  type BenchClient,
} from './common.js';
import { jwtCodec } from './jwt.js';

interface Client {
  readonly id: string;
}

/** What the Bearer check hands the route: the client as `req.user`, this as `req.authInfo`. */
interface Grant {
  readonly clientId: string;
  readonly scope: string;
  /** Epoch ms. */
  readonly expiresAt: number;
}

/** How the app makes and checks its tokens. */
interface Tokens {
  issue(clientId: string, scope: string): Promise<string>;
  check(token: string): Promise<Grant | undefined>;
}

async function tokens(format: Format): Promise<Tokens> {
  if (format === 'jwt') {
    const jwt = await jwtCodec();
    return {
      issue: (clientId, scope) => jwt.sign(clientId, scope),
      check: async (token) => {
        const payload = await jwt.verify(token).catch(() => undefined);
        if (payload === undefined) return undefined;
        return {
          clientId: String(payload['client_id']),
          scope: String(payload['scope']),
          expiresAt: (payload.exp ?? 0) * 1000,
        };
      },
    };
  }
  const stored = new Map<string, Grant>();
  return {
    issue: async (clientId, scope) => {
      const token = randomBytes(32).toString('base64url');
      stored.set(token, { clientId, scope, expiresAt: Date.now() + TOKEN_TTL * 1000 });
      return token;
    },
    check: async (token) => {
      const grant = stored.get(token);
      return grant !== undefined && grant.expiresAt > Date.now() ? grant : undefined;
    },
  };
}

export const oauth2orizeApp: AppFactory = async (format: Format, bench: BenchClient) => {
  const matches = clientMatcher(bench);
  const made = await tokens(format);
  const passport = new passportModule.Passport();
  passport.use(
    new BasicStrategy((id, secret, done) => done(null, matches(id, secret) ? { id } : false)),
  );
  passport.use(
    new BearerStrategy((token, done) => {
      made.check(token).then(
        (grant) =>
          grant === undefined ? done(null, false) : done(null, { id: grant.clientId }, grant),
        (err: unknown) => done(err),
      );
    }),
  );

  const server = oauth2orize.createServer<Client>();
  server.exchange(
    oauth2orize.exchange.clientCredentials<Client>((client, scope, issued) => {
      const scopes = allowedScopes(scope ?? [API_SCOPE]);
      if (scopes === undefined) {
        issued(new oauth2orize.TokenError('Invalid scope', 'invalid_scope'));
        return;
      }
      made.issue(client.id, scopes.join(' ')).then(
        (token) =>
          issued(null, token, undefined, { expires_in: TOKEN_TTL, scope: scopes.join(' ') }),
        (err: Error) => issued(err),
      );
    }),
  );

  const app = express();
  app.use(passport.initialize());
  app.get('/api/read', passport.authenticate('bearer', { session: false }), (req, res) => {
    if (!hasApiScope((req.authInfo as Grant | undefined)?.scope)) {
      res
        .status(403)
        .set('WWW-Authenticate', `Bearer error="insufficient_scope", scope="${API_SCOPE}"`)
        .end();
      return;
    }
    apiAnswer(res, (req.user as Client).id);
  });
  app.post(
    '/token',
    express.urlencoded({ extended: false }),
    passport.authenticate('basic', { session: false }),
    // @types/oauth2orize types these with its own request shape; they are Express middleware.
    server.token() as unknown as express.RequestHandler,
    server.errorHandler() as unknown as express.ErrorRequestHandler,
  );
  return app as RequestListener;
};

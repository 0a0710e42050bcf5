/**
 * The demo's MCP server: the Model Context Protocol over Streamable HTTP at
 * `ISSUER/mcp`, made with the official TypeScript SDK, as a protected resource
 * of the demo's authorization server. One tool, `whoami`, answers with the
 * caller's token as JSON text: `{"sub": …, "client_id": …, "scope": …}`.
 *
 * Rules:
 * - `/mcp` is the resource `ISSUER/mcp` (RFC 8707): only tokens issued for that
 *   resource pass; a token for the default audience (e.g. demo-service's
 *   client_credentials token) is refused with 401 `invalid_token`;
 * - without a token the answer is 401 with
 *   `WWW-Authenticate: Bearer resource_metadata="ISSUER/.well-known/oauth-protected-resource/mcp"`,
 *   where the protected resource metadata (RFC 9728) names this server;
 * - browser MCP clients on other origins may call it (CORS: any origin, never
 *   credentials, since the endpoint reads bearer tokens and no cookie; the
 *   challenge header is exposed so such a client can discover the server);
 * - the MCP server is stateless (a new server and transport per POST, JSON
 *   answers, no session id), so any number of demo processes can serve it; GET
 *   and DELETE (server-sent event streams, session ends) answer 405.
 */
import express, { type Router } from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { AuthorizationServer } from '../index.js';

/** The scopes a token for the MCP server may carry. */
export const MCP_SCOPES: readonly string[] = ['profile', 'read'];

/** What the `whoami` tool answers. */
interface WhoAmI {
  sub: string;
  client_id: string;
  scope: string;
}

/** A new MCP server (one per request: the transport is stateless). */
function mcpServer(): McpServer {
  const server = new McpServer({ name: 'oauth2-stateless-demo', version: '0.1.0' });
  server.registerTool(
    'whoami',
    {
      title: 'Who am I?',
      description: 'The user, client and scope of the access token this call was made with.',
    },
    (extra) => {
      const auth = extra.authInfo;
      const answer: WhoAmI = {
        sub: String(auth?.extra?.['sub'] ?? ''),
        client_id: auth?.clientId ?? '',
        scope: auth?.scopes.join(' ') ?? '',
      };
      return { content: [{ type: 'text', text: JSON.stringify(answer) }] };
    },
  );
  return server;
}

/** CORS for /mcp: any origin, no credentials; preflights answered here. */
function mcpCors(req: express.Request, res: express.Response, next: express.NextFunction): void {
  res.set('Access-Control-Allow-Origin', '*');
  res.set('Access-Control-Expose-Headers', 'WWW-Authenticate, Mcp-Session-Id');
  if (req.method !== 'OPTIONS') return next();
  res.set('Access-Control-Allow-Methods', 'POST, GET, DELETE');
  res.set(
    'Access-Control-Allow-Headers',
    'Authorization, Content-Type, Mcp-Protocol-Version, Mcp-Session-Id, Last-Event-ID',
  );
  res.set('Access-Control-Max-Age', '7200');
  res.status(204).end();
}

/** The JSON-RPC answer to anything but POST at a stateless MCP endpoint. */
function methodNotAllowed(_req: express.Request, res: express.Response): void {
  res
    .status(405)
    .set('Allow', 'POST')
    .json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null });
}

/**
 * The routes of the MCP server for `resource` (`ISSUER/mcp`): its protected
 * resource metadata and `/mcp` itself. Mount at the root of the app.
 */
export function mcpRoutes(oauth: AuthorizationServer, resource: string): Router {
  const router = express.Router();
  router.use(
    oauth.protectedResource({ resource, resourceName: 'oauth2-stateless demo MCP server' }),
  );
  const path = new URL(resource).pathname;
  router.all(path, mcpCors, oauth.protect({ resource }));
  router.post(path, express.json({ limit: '256kb' }), async (req, res, next) => {
    const token = req.oauth2!.token;
    (req as express.Request & { auth?: AuthInfo }).auth = {
      token: '',
      clientId: token.clientId,
      scopes: [...token.scope],
      expiresAt: token.expiresAt,
      resource: new URL(resource),
      extra: { sub: token.subject },
    };
    const server = mcpServer();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (err) {
      next(err);
    }
  });
  router.get(path, methodNotAllowed);
  router.delete(path, methodNotAllowed);
  return router;
}

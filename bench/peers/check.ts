/**
 * Before any load: each bearer-check scenario fetches its token from its own app,
 * then every scenario is requested once and must answer as it will under load.
 *
 * Rules:
 * - a token request must answer 2xx with a Bearer token of the scenario's format
 *   (three dot-separated parts for JWT, else not) for scope `read`;
 * - an API request must answer 2xx with `{ ok: true, client_id: 'bench' }`;
 * - anything else throws, naming the scenario and quoting the answer.
 */
import type { LoadRequest } from '../load.js';
import { CLIENT_ID, TOKEN_BODY, type Scenario, type ServerMessage } from './scenarios.js';

async function fetchToken(port: number, basic: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/token`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: TOKEN_BODY,
  });
  const text = await res.text();
  const token = (JSON.parse(text) as { access_token?: unknown }).access_token;
  if (res.status !== 200 || typeof token !== 'string')
    throw new Error(`token request got ${res.status} ${text}`);
  return token;
}

/** Whether one response is what the scenario must answer. */
function looksRight(s: Scenario, status: number, body: Record<string, unknown>): boolean {
  if (status < 200 || status >= 300) return false;
  if (s.operation !== 'token') return body['ok'] === true && body['client_id'] === CLIENT_ID;
  const token = body['access_token'];
  return (
    typeof token === 'string' &&
    (token.split('.').length === 3) === (s.format === 'jwt') &&
    String(body['token_type']).toLowerCase() === 'bearer' &&
    body['scope'] === 'read'
  );
}

/** One request of a scenario before any load: it must be 2xx and look right. */
async function check(s: Scenario, request: LoadRequest): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${request.port}${request.path}`, {
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON: looksRight refuses it below.
  }
  if (!looksRight(s, res.status, body))
    throw new Error(`${s.name}: ${request.method} ${request.path} answered ${res.status} ${text}`);
}

/** Builds each scenario's request and checks it once. */
export async function prepare(
  scenarios: readonly Scenario[],
  ready: Extract<ServerMessage, { type: 'ready' }>,
): Promise<Map<string, LoadRequest>> {
  const basic = `Basic ${Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(ready.clientSecret)}`).toString('base64')}`;
  const requests = new Map<string, LoadRequest>();
  for (const s of scenarios) {
    const port = ready.ports[s.name];
    if (port === undefined) throw new Error(`${s.name}: the server has no port for it`);
    let headers: Record<string, string> = {};
    if (s.method === 'POST')
      headers = { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' };
    else if (s.operation === 'protect')
      headers = { authorization: `Bearer ${await fetchToken(port, basic)}` };
    const request: LoadRequest = {
      port,
      method: s.method,
      path: s.path,
      headers,
      ...(s.method === 'POST' ? { body: TOKEN_BODY } : {}),
    };
    await check(s, request);
    requests.set(s.name, request);
  }
  return requests;
}

/** Writes engine responses out over Node's HTTP response (so Express and Connect alike). */
import type { ServerResponse } from 'node:http';
import type { EngineResponse } from '../types.js';

/** Sends an engine response as JSON. */
export function sendJson(res: ServerResponse, response: EngineResponse): void {
  const body = JSON.stringify(response.body);
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

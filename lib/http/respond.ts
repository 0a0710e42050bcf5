/** Writes engine responses out over Node's HTTP response (so Express and Connect alike). */
import type { ServerResponse } from 'node:http';
import type { EngineResponse } from '../types.js';

/** The Content-Type of every JSON answer. */
export const JSON_TYPE = 'application/json; charset=utf-8';

/** Sends an engine response as JSON, with all headers in one `writeHead`. */
export function sendJson(res: ServerResponse, response: EngineResponse): void {
  const body = JSON.stringify(response.body);
  const headers: Record<string, string | number> = {
    ...response.headers,
    'Content-Type': JSON_TYPE,
    'Content-Length': Buffer.byteLength(body),
  };
  res.writeHead(response.status, headers);
  res.end(body);
}

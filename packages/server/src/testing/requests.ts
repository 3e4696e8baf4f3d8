import { expect } from 'vitest';
import { type ApiClient, json } from './harness.js';
import { asIdentity, type Pair } from './identity.js';

/** fetch() options for `method` with a JSON body (a string is sent as it is, for malformed bodies), or none. */
export const withJson = (method: string, body?: unknown): RequestInit => ({
  method,
  ...(body !== undefined && {
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  }),
});

/** A /v1 request as `who`, with a JSON body when given. */
export const callAs = (server: ApiClient, who: Pair, method: string, path: string, body?: unknown) =>
  asIdentity(server, who.accessToken, path, withJson(method, body));

/** A /v1 write as `who` that must succeed: its JSON answer (undefined for 204). */
export async function writeAs(server: ApiClient, who: Pair, method: string, path: string, body?: unknown): Promise<any> {
  const response = await callAs(server, who, method, path, body);
  expect(response.ok).toBe(true);
  return response.status === 204 ? undefined : json(response);
}

import { type CryptoKey, importJWK, type JWTPayload, SignJWT } from 'jose';
import { expect } from 'vitest';
import type { Database } from '../db/database.js';
import { IdentityStore } from '../identity/store.js';
import { type ApiClient, json, type TestServer } from './harness.js';

/** A token pair as the identity routes answer it. */
export interface Pair {
  readonly identityId: string;
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresIn: number;
  readonly mergedFrom?: string | null;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** POST a JSON body to /v1 with the API key and any extra headers. */
export const postJson = (server: ApiClient, path: string, body: unknown, headers: Record<string, string> = {}) =>
  server.v1(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

/** fetch() /v1 as an identity: API key plus bearer token. */
export const asIdentity = (server: ApiClient, token: string, path: string, init: RequestInit = {}) =>
  server.v1(path, { ...init, headers: { ...bearer(token), ...(init.headers as Record<string, string> | undefined) } });

export async function createGuest(server: ApiClient): Promise<Pair> {
  const response = await server.v1('/v1/identities', { method: 'POST' });
  expect(response.status).toBe(201);
  return json(response);
}

export async function signUp(server: ApiClient, email: string, password: string, guestToken?: string): Promise<Pair> {
  const response = await postJson(server, '/v1/accounts', { email, password }, guestToken ? bearer(guestToken) : {});
  expect(response.status).toBe(201);
  return json(response);
}

export const passwordLogin = (server: ApiClient, email: string, password: string, guestToken?: string) =>
  postJson(server, '/v1/identities/login', { provider: 'password', email, password }, guestToken ? bearer(guestToken) : {});

export const refresh = (server: ApiClient, refreshToken: string) => postJson(server, '/v1/identities/refresh', { refreshToken });

export const me = (server: ApiClient, token: string) => asIdentity(server, token, '/v1/identities/me');

/** Asserts a problem answer and returns its body. */
export async function expectProblem(response: Response, status: number, code: string): Promise<any> {
  const body = await json(response);
  expect({ status: response.status, code: body.code }).toEqual({ status, code });
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return body;
}

/** Every identity as the admin API lists it: a snapshot to compare before and after a refused request. */
export async function identitySnapshot(server: TestServer): Promise<{ identities: any[] }> {
  const identities: any[] = [];
  let cursor: string | null = null;
  do {
    const response: Response = await server.admin(`/admin/identities?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    expect(response.status).toBe(200);
    const page = await json(response);
    identities.push(...page.identities);
    cursor = page.nextCursor;
  } while (cursor);
  return { identities };
}

/** The server's current signing key, read from its database the way a key thief would hold it. */
export async function serverSigningKey(server: TestServer): Promise<{ kid: string; key: CryptoKey }> {
  const row = await server.server.shoebox.database.db
    .selectFrom('signing_keys')
    .select(['kid', 'private_jwk'])
    .where('retired_at', 'is', null)
    .orderBy('created_at', 'desc')
    .executeTakeFirstOrThrow();
  return { kid: row.kid, key: (await importJWK(JSON.parse(row.private_jwk), 'EdDSA')) as CryptoKey };
}

export interface ForgeOptions {
  readonly header?: Record<string, unknown>;
  readonly claims?: JWTPayload;
  /** Sign with this key instead of the server's. */
  readonly key?: CryptoKey | Uint8Array;
}

/** An access token like the server's, with chosen changes; valid unless the changes make it invalid. */
export async function forgeAccessToken(server: TestServer, from: Pair, options: ForgeOptions = {}): Promise<string> {
  const { kid, key } = await serverSigningKey(server);
  const claims = JSON.parse(Buffer.from(from.accessToken.split('.')[1] ?? '', 'base64url').toString()) as JWTPayload;
  return new SignJWT({ ...claims, ...options.claims })
    .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt', ...options.header } as { alg: string })
    .sign(options.key ?? key);
}

/** base64url JSON segment, for hand-built tokens. */
export const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A default API key generous enough for suites that send many requests. */
export const ROOMY_PLAN = { SHOEBOX_DEFAULT_RATE: '10000', SHOEBOX_DEFAULT_BURST: '10000' };

/**
 * Identities made directly in the database, for tests that write through a service as them:
 * notes and photos are only created for an identity that exists (identity/owner-locks.ts).
 */
export async function seedIdentities(shoebox: { readonly database: Database }, ...ids: string[]): Promise<void> {
  const store = new IdentityStore(shoebox.database.db);
  for (const id of ids) await store.insert({ id, kind: 'guest', createdAt: Date.now() });
}

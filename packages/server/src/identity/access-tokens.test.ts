import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../testing/engines.js';
import { json, startTestServer, type TestServer } from '../testing/harness.js';
import {
  asIdentity,
  createGuest,
  expectProblem,
  forgeAccessToken,
  identitySnapshot,
  type Pair,
  ROOMY_PLAN,
  refresh,
  segment,
  serverSigningKey,
} from '../testing/identity.js';

const now = () => Math.floor(Date.now() / 1000);

type Forge = (server: TestServer, guest: Pair) => Promise<string>;

/** Each row is a token an attacker or a confused client might send, and the one code it must get. */
const badTokens: { name: string; code: string; token: Forge }[] = [
  { name: 'a string that is not a JWT', code: 'access_token_malformed', token: async () => 'not-a-token' },
  {
    name: 'a JWT whose header is not JSON',
    code: 'access_token_malformed',
    token: async (_server, guest) => `bm9wZQ.${guest.accessToken.split('.')[1]}.c2ln`,
  },
  {
    name: 'alg "none"',
    code: 'access_token_unsigned',
    token: async (_server, guest) => `${segment({ alg: 'none', typ: 'at+jwt' })}.${guest.accessToken.split('.')[1]}.`,
  },
  {
    name: 'a symmetric algorithm keyed with the public key',
    code: 'access_token_algorithm_refused',
    token: async (server, guest) => {
      const jwks = await json(await fetch(`${server.url}/.well-known/jwks.json`));
      return forgeAccessToken(server, guest, { header: { alg: 'HS256' }, key: new TextEncoder().encode(JSON.stringify(jwks.keys[0])) });
    },
  },
  {
    name: 'RS256',
    code: 'access_token_algorithm_refused',
    token: async (server, guest) => {
      const { privateKey } = await generateKeyPair('RS256');
      return forgeAccessToken(server, guest, { header: { alg: 'RS256' }, key: privateKey });
    },
  },
  {
    name: 'an unknown key id',
    code: 'access_token_key_unknown',
    token: async (server, guest) => {
      const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
      return forgeAccessToken(server, guest, { header: { kid: 'someone-elses-key' }, key: privateKey });
    },
  },
  {
    name: 'no key id',
    code: 'access_token_key_unknown',
    token: async (server, guest) => forgeAccessToken(server, guest, { header: { kid: undefined } }),
  },
  {
    name: 'a foreign key presented under our key id, with the key embedded in the header',
    code: 'access_token_signature_invalid',
    token: async (server, guest) => {
      const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
      return forgeAccessToken(server, guest, { header: { jwk: await exportJWK(publicKey) }, key: privateKey });
    },
  },
  {
    name: 'a tampered payload (another subject)',
    code: 'access_token_signature_invalid',
    token: async (_server, guest) => {
      const [header, payload, signature] = guest.accessToken.split('.');
      const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
      return `${header}.${segment({ ...claims, sub: 'id_someone_else_000' })}.${signature}`;
    },
  },
  {
    name: 'a wrong issuer',
    code: 'access_token_issuer_invalid',
    token: (server, guest) => forgeAccessToken(server, guest, { claims: { iss: 'https://evil.example' } }),
  },
  {
    name: 'a wrong audience',
    code: 'access_token_audience_invalid',
    token: (server, guest) => forgeAccessToken(server, guest, { claims: { aud: 'another-api' } }),
  },
  {
    name: 'an expired token',
    code: 'access_token_expired',
    token: (server, guest) => forgeAccessToken(server, guest, { claims: { iat: now() - 1000, nbf: now() - 1000, exp: now() - 100 } }),
  },
  {
    name: 'a token not valid yet (nbf)',
    code: 'access_token_not_yet_valid',
    token: (server, guest) => forgeAccessToken(server, guest, { claims: { nbf: now() + 3600, exp: now() + 3700 } }),
  },
  {
    name: 'a token issued in the future (iat)',
    code: 'access_token_not_yet_valid',
    token: (server, guest) => forgeAccessToken(server, guest, { claims: { iat: now() + 3600, exp: now() + 3700 } }),
  },
  {
    name: 'a JWT of ours that is not an access token (typ JWT)',
    code: 'access_token_type_invalid',
    token: (server, guest) => forgeAccessToken(server, guest, { header: { typ: 'JWT' } }),
  },
  {
    name: 'a token without a session claim',
    code: 'access_token_malformed',
    token: (server, guest) => forgeAccessToken(server, guest, { claims: { sid: undefined } }),
  },
  { name: 'a refresh token', code: 'access_token_is_refresh_token', token: async (_server, guest) => guest.refreshToken },
];

describe.each(engines)('access tokens ($name)', (engine) => {
  let server: TestServer;
  let guest: Pair;
  beforeAll(async () => {
    server = await startTestServer({ engine, env: ROOMY_PLAN });
    guest = await createGuest(server);
  });
  afterAll(() => server.stop());

  it('accepts a token forged with every claim left as issued (the table below changes one thing each)', async () => {
    const token = await forgeAccessToken(server, guest);
    expect((await asIdentity(server, token, '/v1/identities/me')).status).toBe(200);
  });

  it.each(badTokens)('refuses $name with 401 $code and changes nothing', async ({ code, token }) => {
    const before = await identitySnapshot(server);
    const forged = await token(server, guest);
    const response = await asIdentity(server, forged, '/v1/identities/me', { method: 'DELETE' });
    const body = await expectProblem(response, 401, code);
    expect(body.detail).toEqual(expect.any(String));
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(await identitySnapshot(server)).toEqual(before);
    expect((await asIdentity(server, guest.accessToken, '/v1/identities/me')).status).toBe(200);
  });

  it.each<{ name: string; headers: Record<string, string>; code: string }>([
    { name: 'no Authorization header', headers: {}, code: 'access_token_missing' },
    { name: 'an empty Authorization header', headers: { authorization: '' }, code: 'access_token_missing' },
    { name: 'the Basic scheme', headers: { authorization: 'Basic dXNlcjpwYXNz' }, code: 'access_token_malformed' },
    { name: 'Bearer without a token', headers: { authorization: 'Bearer ' }, code: 'access_token_malformed' },
    { name: 'an oversized header', headers: { authorization: `Bearer ${'a'.repeat(9000)}` }, code: 'access_token_malformed' },
  ])('refuses $name with 401 $code', async ({ headers, code }) => {
    const before = await identitySnapshot(server);
    await expectProblem(await server.v1('/v1/identities/me', { method: 'DELETE', headers }), 401, code);
    expect(await identitySnapshot(server)).toEqual(before);
  });

  it('refuses an access token presented as a refresh token, and the real refresh token still works', async () => {
    const own = await createGuest(server);
    await expectProblem(await refresh(server, own.accessToken), 401, 'refresh_token_is_access_token');
    expect((await refresh(server, own.refreshToken)).status).toBe(200);
  });

  it('checks the API key before the identity token', async () => {
    const response = await fetch(`${server.url}/v1/identities/me`, { headers: { authorization: `Bearer ${guest.accessToken}` } });
    await expectProblem(response, 401, 'api_key_missing');
  });

  it('issues tokens that anyone can verify with the published JWKS', async () => {
    const { jwtVerify, createLocalJWKSet } = await import('jose');
    const jwks = await json(await fetch(`${server.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(guest.accessToken, createLocalJWKSet(jwks), {
      issuer: server.server.shoebox.config.publicUrl,
      audience: 'shoebox',
    });
    expect(payload.sub).toBe(guest.identityId);
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt', kid: (await serverSigningKey(server)).kid });
    expect(payload.exp! - payload.iat!).toBe(900);
  });

  it('refuses an HS256 token signed with a guessable secret, even with a valid-looking payload', async () => {
    const token = await new SignJWT({ sid: 'ses_x' })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: (await serverSigningKey(server)).kid })
      .setSubject(guest.identityId)
      .setIssuer(server.server.shoebox.config.publicUrl)
      .setAudience('shoebox')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('secret'));
    await expectProblem(await asIdentity(server, token, '/v1/identities/me'), 401, 'access_token_algorithm_refused');
  });
});

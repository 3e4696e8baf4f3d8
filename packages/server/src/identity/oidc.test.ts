import { createHash } from 'node:crypto';
import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../config/config.js';
import { engines } from '../testing/engines.js';
import { json, startTestServer, type TestServer } from '../testing/harness.js';
import { createGuest, expectProblem, identitySnapshot, me, postJson, ROOMY_PLAN, segment } from '../testing/identity.js';
import { startOidcProvider, type TestOidcProvider } from '../testing/oidc-provider.js';

const now = () => Math.floor(Date.now() / 1000);
const login = (server: TestServer, provider: string, idToken: string) => postJson(server, '/v1/identities/login', { provider, idToken });
/** What the app sends the provider as `nonce`: the SHA-256 (hex) of the raw nonce it keeps and later sends Shoebox. */
const hashed = (nonce: string) => createHash('sha256').update(nonce).digest('hex');

type Forge = (provider: TestOidcProvider) => Promise<string>;

const badIdTokens: { name: string; code: string; token: Forge }[] = [
  { name: 'a string that is not a JWT', code: 'id_token_malformed', token: async () => 'nope' },
  {
    name: 'alg "none"',
    code: 'id_token_unsigned',
    token: async (p) => `${segment({ alg: 'none' })}.${(await p.idToken('alice')).split('.')[1]}.`,
  },
  {
    name: 'HS256 keyed with a guessable secret',
    code: 'id_token_algorithm_refused',
    token: (p) => p.idToken('alice', { header: { alg: 'HS256' }, key: new TextEncoder().encode('secret') }),
  },
  {
    name: 'a key id the provider does not publish',
    code: 'id_token_key_unknown',
    token: async (p) => p.idToken('alice', { header: { kid: 'not-published' }, key: (await generateKeyPair('ES256')).privateKey }),
  },
  {
    name: "a foreign key under the provider's key id",
    code: 'id_token_signature_invalid',
    token: async (p) => p.idToken('alice', { key: (await generateKeyPair('ES256')).privateKey }),
  },
  {
    name: 'a tampered payload',
    code: 'id_token_signature_invalid',
    token: async (p) => {
      const [header, payload, signature] = (await p.idToken('alice')).split('.');
      const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
      return `${header}.${segment({ ...claims, sub: 'mallory' })}.${signature}`;
    },
  },
  {
    name: 'another issuer',
    code: 'id_token_issuer_invalid',
    token: (p) => p.idToken('alice', { claims: { iss: 'https://evil.example' } }),
  },
  {
    name: "another app's client id",
    code: 'id_token_audience_invalid',
    token: (p) => p.idToken('alice', { claims: { aud: 'other-app' } }),
  },
  {
    name: 'an expired token',
    code: 'id_token_expired',
    token: (p) => p.idToken('alice', { claims: { iat: now() - 7200, exp: now() - 3600 } }),
  },
  { name: 'a token not valid yet', code: 'id_token_not_yet_valid', token: (p) => p.idToken('alice', { claims: { nbf: now() + 3600 } }) },
  { name: 'a token without a subject', code: 'id_token_malformed', token: (p) => p.idToken('alice', { claims: { sub: undefined } }) },
];

describe.each(engines)('OpenID Connect logins ($name)', (engine) => {
  let provider: TestOidcProvider;
  let server: TestServer;
  beforeAll(async () => {
    provider = await startOidcProvider();
    server = await startTestServer({ engine, env: { ...ROOMY_PLAN, SHOEBOX_OIDC_PROVIDERS: JSON.stringify([provider.config]) } });
  });
  afterAll(async () => {
    await server.stop();
    await provider.stop();
  });

  it('maps one (issuer, subject) to one identity, creating it on first login', async () => {
    const first = await login(server, provider.name, await provider.idToken('user-1'));
    expect(first.status).toBe(200);
    const pair = await json(first);
    expect(pair).toMatchObject({ tokenType: 'Bearer', mergedFrom: null });
    expect(await json(await me(server, pair.accessToken))).toMatchObject({
      kind: 'authenticated',
      logins: [{ provider: provider.name, subject: 'user-1' }],
    });
    const second = await json(await login(server, provider.name, await provider.idToken('user-1')));
    expect(second.identityId).toBe(pair.identityId);
    const other = await json(await login(server, provider.name, await provider.idToken('user-2')));
    expect(other.identityId).not.toBe(pair.identityId);
  });

  it('accepts every configured audience', async () => {
    const response = await login(
      server,
      provider.name,
      await provider.idToken('user-3', { claims: { aud: `${provider.name}-other-client` } }),
    );
    expect(response.status).toBe(200);
  });

  it("caches the provider's keys instead of fetching them for every login", async () => {
    const before = provider.jwksRequests;
    for (let i = 0; i < 3; i++) expect((await login(server, provider.name, await provider.idToken(`cached-${i}`))).status).toBe(200);
    expect(provider.jwksRequests).toBe(before);
    expect(before).toBeGreaterThanOrEqual(1);
  });

  it.each(badIdTokens)('refuses $name with 401 $code and changes nothing', async ({ code, token }) => {
    const guest = await createGuest(server);
    const before = await identitySnapshot(server);
    const response = await postJson(
      server,
      '/v1/identities/login',
      { provider: provider.name, idToken: await token(provider) },
      {
        authorization: `Bearer ${guest.accessToken}`,
      },
    );
    await expectProblem(response, 401, code);
    expect(await identitySnapshot(server)).toEqual(before);
  });

  it('accepts an idToken whose nonce is the hash of the raw nonce sent with it', async () => {
    const idToken = await provider.idToken('nonce-user', { claims: { nonce: hashed('raw-nonce-1') } });
    const response = await postJson(server, '/v1/identities/login', { provider: provider.name, idToken, nonce: 'raw-nonce-1' });
    expect(response.status).toBe(200);
  });

  it.each([
    { name: 'another raw nonce', claim: hashed('raw-nonce-2'), sent: 'raw-nonce-3' },
    { name: 'the nonce claim itself (read from a stolen token)', claim: hashed('raw-nonce-4'), sent: hashed('raw-nonce-4') },
    { name: 'no nonce, for a token bound to one', claim: hashed('raw-nonce-5'), sent: undefined },
    { name: 'a nonce, for a token bound to none', claim: undefined, sent: 'raw-nonce-6' },
  ])('refuses an idToken replayed with $name: 401 id_token_nonce_invalid, and changes nothing', async ({ claim, sent }) => {
    const idToken = await provider.idToken('nonce-victim', { claims: { nonce: claim } });
    const before = await identitySnapshot(server);
    const body = { provider: provider.name, idToken, ...(sent !== undefined && { nonce: sent }) };
    await expectProblem(await postJson(server, '/v1/identities/login', body), 401, 'id_token_nonce_invalid');
    expect(await identitySnapshot(server)).toEqual(before);
  });

  it.each([
    { name: 'an empty nonce', body: { nonce: '' } },
    { name: 'an overlong nonce', body: { nonce: 'n'.repeat(257) } },
  ])('refuses $name with 400', async ({ body }) => {
    const idToken = await provider.idToken('nonce-bounds');
    await expectProblem(
      await postJson(server, '/v1/identities/login', { provider: provider.name, idToken, ...body }),
      400,
      'validation_failed',
    );
  });

  it('refuses a nonce with a password login', async () => {
    const body = { provider: 'password', email: 'nonce@example.com', password: 'correct horse', nonce: 'n' };
    await expectProblem(await postJson(server, '/v1/identities/login', body), 400, 'validation_failed');
  });

  it('checks azp when the idToken has several audiences', async () => {
    const audiences = [provider.audience, 'someone-elses-client'];
    const authorized = await provider.idToken('azp-user', { claims: { aud: audiences, azp: provider.audience } });
    expect((await login(server, provider.name, authorized)).status).toBe(200);
    const before = await identitySnapshot(server);
    for (const azp of [undefined, 'someone-elses-client']) {
      const token = await provider.idToken('azp-victim', { claims: { aud: audiences, azp } });
      await expectProblem(await login(server, provider.name, token), 401, 'id_token_audience_invalid');
    }
    expect(await identitySnapshot(server)).toEqual(before);
    // One audience: azp may name another client of the app (Google names the Android client there).
    const single = await provider.idToken('azp-single', { claims: { azp: 'android-client' } });
    expect((await login(server, provider.name, single)).status).toBe(200);
  });

  it('refuses an idToken together with an email', async () => {
    const body = { provider: provider.name, idToken: await provider.idToken('x'), email: 'a@example.com' };
    await expectProblem(await postJson(server, '/v1/identities/login', body), 400, 'validation_failed');
  });
});

describe('an OpenID provider that is down', () => {
  it('answers 503 with Retry-After, and changes nothing', async () => {
    const provider = await startOidcProvider('downid');
    provider.setAvailable(false);
    const server = await startTestServer({ env: { SHOEBOX_OIDC_PROVIDERS: JSON.stringify([provider.config]) } });
    try {
      const before = await identitySnapshot(server);
      const response = await login(server, provider.name, await provider.idToken('someone'));
      await expectProblem(response, 503, 'oidc_provider_unavailable');
      expect(response.headers.get('retry-after')).toBe('30');
      expect(await identitySnapshot(server)).toEqual(before);
    } finally {
      await server.stop();
      await provider.stop();
    }
  });
});

describe('SHOEBOX_OIDC_PROVIDERS', () => {
  const good = {
    name: 'google',
    issuer: 'https://accounts.google.com',
    audiences: ['client'],
    jwksUrl: 'https://www.googleapis.com/oauth2/v3/certs',
  };
  const problemsFor = (value: string): string[] => {
    try {
      parseConfig({ SHOEBOX_OIDC_PROVIDERS: value });
      return [];
    } catch (error) {
      return error instanceof ConfigError ? [...error.problems] : ['unexpected'];
    }
  };

  it('accepts a valid list', () => {
    expect(parseConfig({ SHOEBOX_OIDC_PROVIDERS: JSON.stringify([good]) }).identity.oidcProviders).toEqual([
      { ...good, jwksUrl: 'https://www.googleapis.com/oauth2/v3/certs' },
    ]);
  });

  it.each([
    { name: 'not JSON', value: '[{', expect: 'expected JSON' },
    { name: 'not an array', value: JSON.stringify(good), expect: 'expected a JSON array' },
    { name: 'a bad name', value: JSON.stringify([{ ...good, name: 'Google!' }]), expect: '"name" must be' },
    { name: 'a reserved name', value: JSON.stringify([{ ...good, name: 'password' }]), expect: 'reserved or used twice' },
    { name: 'a duplicate name', value: JSON.stringify([good, good]), expect: 'reserved or used twice' },
    { name: 'no audiences', value: JSON.stringify([{ ...good, audiences: [] }]), expect: '"audiences" must be' },
    {
      name: 'plain http to another host',
      value: JSON.stringify([{ ...good, jwksUrl: 'http://example.com/jwks' }]),
      expect: 'must use https',
    },
    { name: 'an unknown field', value: JSON.stringify([{ ...good, secret: 'x' }]), expect: 'unknown field(s) secret' },
  ])('refuses $name at start with a clear line', ({ value, expect: expected }) => {
    const problems = problemsFor(value);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^SHOEBOX_OIDC_PROVIDERS=/);
    expect(problems[0]).toContain(expected);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.js';
import { TestClock } from '../testing/clock.js';
import { engines } from '../testing/engines.js';
import { json, startTestServer, type TestServer } from '../testing/harness.js';
import {
  bearer,
  createGuest,
  expectProblem,
  identitySnapshot,
  me,
  type Pair,
  passwordLogin,
  postJson,
  ROOMY_PLAN,
  refresh,
  signUp,
} from '../testing/identity.js';
import { startOidcProvider, type TestOidcProvider } from '../testing/oidc-provider.js';

describe.each(engines)('linking and merging ($name)', (engine) => {
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

  const oidcLogin = async (subject: string, token?: string) =>
    postJson(
      server,
      '/v1/identities/login',
      { provider: provider.name, idToken: await provider.idToken(subject) },
      token ? bearer(token) : {},
    );
  const developerLogin = (body: object) =>
    server.admin('/admin/identities/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const show = async (id: string) => json(await server.admin(`/admin/identities/${id}`));

  it('links a sign-up to the guest that makes it: same id, now authenticated, old tokens still work', async () => {
    const guest = await createGuest(server);
    const account = await signUp(server, 'linker@example.com', 'correct horse', guest.accessToken);
    expect(account).toMatchObject({ identityId: guest.identityId, mergedFrom: null });
    expect(await json(await me(server, guest.accessToken))).toMatchObject({
      identityId: guest.identityId,
      kind: 'authenticated',
      logins: [{ provider: 'password', subject: 'linker@example.com' }],
    });
    expect((await refresh(server, guest.refreshToken)).status).toBe(200);
  });

  it('links a new OpenID login to the guest that presents it', async () => {
    const guest = await createGuest(server);
    const response = await oidcLogin('fresh-subject', guest.accessToken);
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({ identityId: guest.identityId, mergedFrom: null });
  });

  it.each([
    { how: 'a password login', existing: 'password' },
    { how: 'an OpenID login', existing: 'oidc' },
  ])('merges a guest into the identity that already has $how', async ({ existing }) => {
    const owner: Pair =
      existing === 'password'
        ? await signUp(server, `owner-${Date.now()}@example.com`, 'correct horse')
        : await json(await oidcLogin(`owner-${Date.now()}`));
    const ownerView = await show(owner.identityId);
    const guest = await createGuest(server);
    const response =
      existing === 'password'
        ? await passwordLogin(server, ownerView.logins[0].subject, 'correct horse', guest.accessToken)
        : await oidcLogin(ownerView.logins[0].subject, guest.accessToken);
    expect(response.status).toBe(200);
    const merged = await json(response);
    expect(merged).toMatchObject({ identityId: owner.identityId, mergedFrom: guest.identityId });
    expect(await show(guest.identityId)).toMatchObject({ state: 'disabled', mergedInto: owner.identityId, kind: 'guest' });
    const refused = await expectProblem(await me(server, guest.accessToken), 403, 'identity_disabled');
    expect(refused.mergedInto).toBe(owner.identityId);
    await expectProblem(await refresh(server, guest.refreshToken), 401, 'refresh_token_revoked');
    expect(await json(await me(server, merged.accessToken))).toMatchObject({ identityId: owner.identityId });
    expect((await me(server, owner.accessToken)).status).toBe(200);
  });

  it('answers a login presented with its own identity token without merging anything', async () => {
    const owner = await json(await oidcLogin('self-subject'));
    const again = await json(await oidcLogin('self-subject', owner.accessToken));
    expect(again).toMatchObject({ identityId: owner.identityId, mergedFrom: null });
  });

  it('lets an authenticated identity add a login of another provider', async () => {
    const account = await signUp(server, 'two-logins@example.com', 'correct horse');
    expect((await oidcLogin('second-login', account.accessToken)).status).toBe(200);
    expect((await json(await me(server, account.accessToken))).logins.map((l: { provider: string }) => l.provider)).toEqual([
      'password',
      provider.name,
    ]);
  });

  it("refuses to move another identity's login to an authenticated identity (409), and changes nothing", async () => {
    const owner = await json(await oidcLogin('contested'));
    const other = await signUp(server, 'other@example.com', 'correct horse');
    const before = await identitySnapshot(server);
    await expectProblem(await oidcLogin('contested', other.accessToken), 409, 'login_taken');
    expect(await identitySnapshot(server)).toEqual(before);
    expect((await me(server, owner.accessToken)).status).toBe(200);
  });

  it('refuses a second login of the same provider on one identity (409), and changes nothing', async () => {
    const account = await json(await oidcLogin('first-of-provider'));
    const withPassword = await postJson(
      server,
      '/v1/accounts',
      { email: 'x@example.com', password: 'correct horse' },
      bearer(account.accessToken),
    );
    expect(await json(withPassword)).toMatchObject({ identityId: account.identityId });
    const before = await identitySnapshot(server);
    await expectProblem(await oidcLogin('second-of-provider', account.accessToken), 409, 'provider_already_linked');
    const secondPassword = await postJson(
      server,
      '/v1/accounts',
      { email: 'y@example.com', password: 'correct horse' },
      bearer(account.accessToken),
    );
    await expectProblem(secondPassword, 409, 'provider_already_linked');
    expect(await identitySnapshot(server)).toEqual(before);
  });

  it('refuses logins into a disabled identity and merges into it, and changes nothing', async () => {
    const owner = await signUp(server, 'disabled-owner@example.com', 'correct horse');
    expect((await server.admin(`/admin/identities/${owner.identityId}/disable`, { method: 'POST' })).status).toBe(200);
    const guest = await createGuest(server);
    const before = await identitySnapshot(server);
    await expectProblem(await passwordLogin(server, 'disabled-owner@example.com', 'correct horse'), 403, 'identity_disabled');
    await expectProblem(
      await passwordLogin(server, 'disabled-owner@example.com', 'correct horse', guest.accessToken),
      403,
      'identity_disabled',
    );
    expect(await identitySnapshot(server)).toEqual(before);
    expect((await me(server, guest.accessToken)).status).toBe(200);
  });

  it('lets exactly one of fifty guests linking one new login concurrently keep it; the rest merge into it', async () => {
    const guests = await Promise.all(Array.from({ length: 50 }, () => createGuest(server)));
    const idToken = await provider.idToken('race-subject');
    const responses = await Promise.all(
      guests.map((guest) => postJson(server, '/v1/identities/login', { provider: provider.name, idToken }, bearer(guest.accessToken))),
    );
    expect(responses.map((response) => response.status)).toEqual(guests.map(() => 200));
    const results = await Promise.all(responses.map(json));
    const winners = results.filter((result) => result.mergedFrom === null);
    expect(winners).toHaveLength(1);
    const winner = winners[0].identityId;
    expect(new Set(results.map((result) => result.identityId))).toEqual(new Set([winner]));
    const page = (await identitySnapshot(server)) as {
      identities: { identityId: string; logins: { subject: string }[]; mergedInto: string | null }[];
    };
    const holders = page.identities.filter((identity) =>
      identity.logins.some((login: { subject: string }) => login.subject === 'race-subject'),
    );
    expect(holders.map((identity) => identity.identityId)).toEqual([winner]);
    const ids = new Set(guests.map((guest) => guest.identityId));
    expect(page.identities.filter((identity) => ids.has(identity.identityId) && identity.mergedInto === winner)).toHaveLength(49);
  });

  it('lets exactly one of fifty authenticated identities linking one login concurrently have it; the rest get 409', async () => {
    const users = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => json(await developerLogin({ developerUserId: `racer-${i}` }))),
    );
    const idToken = await provider.idToken('authenticated-race');
    const responses = await Promise.all(
      users.map((user) => postJson(server, '/v1/identities/login', { provider: provider.name, idToken }, bearer(user.accessToken))),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(49);
    const page = await identitySnapshot(server);
    expect(
      page.identities.filter((identity) => identity.logins.some((login: { subject: string }) => login.subject === 'authenticated-race')),
    ).toHaveLength(1);
  });

  describe('developer-authenticated logins', () => {
    it('maps a developer user id to one identity', async () => {
      const first = await developerLogin({ developerUserId: 'user-42' });
      expect(first.status).toBe(200);
      const pair = await json(first);
      expect(await json(await me(server, pair.accessToken))).toMatchObject({
        kind: 'authenticated',
        logins: [{ provider: 'developer', subject: 'user-42' }],
      });
      expect((await json(await developerLogin({ developerUserId: 'user-42' }))).identityId).toBe(pair.identityId);
    });

    it('links a guest named by the backend, or merges it into the existing identity', async () => {
      const guest = await createGuest(server);
      expect(await json(await developerLogin({ developerUserId: 'user-43', identityId: guest.identityId }))).toMatchObject({
        identityId: guest.identityId,
        mergedFrom: null,
      });
      const another = await createGuest(server);
      expect(await json(await developerLogin({ developerUserId: 'user-43', identityId: another.identityId }))).toMatchObject({
        identityId: guest.identityId,
        mergedFrom: another.identityId,
      });
    });

    it.each([
      { name: 'an unknown identity', body: { developerUserId: 'u', identityId: 'id_nope' }, status: 404, code: 'not_found' },
      { name: 'an empty user id', body: { developerUserId: '' }, status: 400, code: 'validation_failed' },
      { name: 'a user id with spaces', body: { developerUserId: 'a b' }, status: 400, code: 'validation_failed' },
      { name: 'an overlong user id', body: { developerUserId: 'u'.repeat(129) }, status: 400, code: 'validation_failed' },
      { name: 'an unknown field', body: { developerUserId: 'u', extra: true }, status: 400, code: 'validation_failed' },
    ])('refuses $name with $status $code and changes nothing', async ({ body, status, code }) => {
      const before = await identitySnapshot(server);
      await expectProblem(await developerLogin(body), status, code);
      expect(await identitySnapshot(server)).toEqual(before);
    });

    it('needs the admin token', async () => {
      const response = await fetch(`${server.url}/admin/identities/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': server.apiKey },
        body: JSON.stringify({ developerUserId: 'u' }),
      });
      await expectProblem(response, 401, 'admin_token_required');
    });
  });
});

/**
 * A stolen access token must not let its thief attach a login of their own (a permanent way in)
 * to an authenticated identity. Sessions here count as recent for 5 seconds after their login; the
 * identities are made first, then the server's clock moves once past the window.
 */
describe.each(engines)('adding a login to an authenticated identity ($name)', (engine) => {
  let provider: TestOidcProvider;
  let server: TestServer;
  const clock = new TestClock();
  const oidcLogin = async (subject: string, token?: string) =>
    postJson(
      server,
      '/v1/identities/login',
      { provider: provider.name, idToken: await provider.idToken(subject) },
      token ? bearer(token) : {},
    );
  const providers = async (token: string) => (await json(await me(server, token))).logins.map((l: { provider: string }) => l.provider);
  /** Pairs of sessions logged in (or, for guests, created) before the window. */
  let old: {
    withOidc: Pair;
    withPassword: Pair;
    refreshing: Pair;
    returning: Pair;
    returningByPassword: Pair;
    backendLinked: Pair;
    guests: [Pair, Pair];
  };

  beforeAll(async () => {
    provider = await startOidcProvider();
    server = await startTestServer({
      engine,
      clock,
      env: { ...ROOMY_PLAN, SHOEBOX_REAUTH_WINDOW_SECONDS: '5', SHOEBOX_OIDC_PROVIDERS: JSON.stringify([provider.config]) },
    });
    old = {
      withOidc: await json(await oidcLogin('stolen-oidc-victim')),
      withPassword: await signUp(server, 'stolen-password-victim@example.com', 'correct horse'),
      refreshing: await json(await oidcLogin('refreshing-victim')),
      returning: await json(await oidcLogin('returning-user')),
      returningByPassword: await signUp(server, 'returning-by-password@example.com', 'correct horse'),
      backendLinked: await json(await oidcLogin('backend-linked')),
      guests: [await createGuest(server), await createGuest(server)],
    };
    clock.advance(5_200);
  });
  afterAll(async () => {
    await server.stop();
    await provider.stop();
  });

  it('refuses the token of a session logged in long ago (403), for a password and for an OpenID login, and changes nothing', async () => {
    const before = await identitySnapshot(server);
    const addPassword = await postJson(
      server,
      '/v1/accounts',
      { email: 'thief@example.com', password: 'thief password' },
      bearer(old.withOidc.accessToken),
    );
    const body = await expectProblem(addPassword, 403, 'reauthentication_required');
    expect(body.detail).toMatch(/log in again/i);
    await expectProblem(await oidcLogin('thief-subject', old.withPassword.accessToken), 403, 'reauthentication_required');
    expect(await identitySnapshot(server)).toEqual(before);
    await expectProblem(await passwordLogin(server, 'thief@example.com', 'thief password'), 401, 'invalid_credentials');
  });

  it('does not count a refresh as a login', async () => {
    const refreshed = await json(await refresh(server, old.refreshing.refreshToken));
    const before = await identitySnapshot(server);
    const response = await postJson(
      server,
      '/v1/accounts',
      { email: 'refresh-thief@example.com', password: 'thief password' },
      bearer(refreshed.accessToken),
    );
    await expectProblem(response, 403, 'reauthentication_required');
    expect(await identitySnapshot(server)).toEqual(before);
  });

  it('adds a password login after a fresh OpenID login of the identity', async () => {
    const again: Pair = await json(await oidcLogin('returning-user', old.returning.accessToken));
    expect(again.identityId).toBe(old.returning.identityId);
    const added = await signUp(server, 'returning@example.com', 'correct horse', again.accessToken);
    expect(added).toMatchObject({ identityId: old.returning.identityId, mergedFrom: null });
    expect(await providers(again.accessToken)).toEqual([provider.name, 'password']);
  });

  it('adds an OpenID login after a fresh password login of the identity', async () => {
    const again: Pair = await json(await passwordLogin(server, 'returning-by-password@example.com', 'correct horse'));
    expect(again.identityId).toBe(old.returningByPassword.identityId);
    const added = await oidcLogin('returning-by-password', again.accessToken);
    expect(added.status).toBe(200);
    expect(await json(added)).toMatchObject({ identityId: old.returningByPassword.identityId, mergedFrom: null });
    expect(await providers(again.accessToken)).toEqual(['password', provider.name]);
  });

  it('links guests as before, however old their session', async () => {
    const [first, second] = old.guests;
    const account = await signUp(server, 'old-guest@example.com', 'correct horse', first.accessToken);
    expect(account).toMatchObject({ identityId: first.identityId, mergedFrom: null });
    expect(await json(await oidcLogin('old-guest-subject', second.accessToken))).toMatchObject({ identityId: second.identityId });
  });

  it("lets the app's backend add its login to an authenticated identity (the admin token vouches for it)", async () => {
    const response = await server.admin('/admin/identities/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ developerUserId: 'backend-user-1', identityId: old.backendLinked.identityId }),
    });
    expect(await json(response)).toMatchObject({ identityId: old.backendLinked.identityId });
  });
});

describe('SHOEBOX_REAUTH_WINDOW_SECONDS', () => {
  it('defaults to 5 minutes', () => {
    expect(parseConfig({}).identity.reauthWindowSeconds).toBe(300);
  });

  it.each(['0', '86401', 'forever'])('refuses %s at start', (value) => {
    expect(() => parseConfig({ SHOEBOX_REAUTH_WINDOW_SECONDS: value })).toThrow(/SHOEBOX_REAUTH_WINDOW_SECONDS=.* is wrong/);
  });
});

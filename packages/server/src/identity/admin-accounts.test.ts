import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../testing/engines.js';
import { json, ownRedisPrefix, runCli, type TestServer } from '../testing/harness.js';
import { asIdentity, expectProblem, identitySnapshot, me, passwordLogin, postJson, signUp } from '../testing/identity.js';
import { accountServer, mailEnv } from '../testing/mail.js';
import { linkIn, startTestSmtp, type TestSmtp } from '../testing/smtp.js';

const createNote = (server: TestServer, token: string, headline: string) =>
  asIdentity(server, token, '/v1/notes', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ headline, text: 'text' }),
  });

describe.each(engines)('account administration ($name)', (engine) => {
  let smtp: TestSmtp;
  let server: TestServer;
  beforeAll(async () => {
    smtp = await startTestSmtp();
    server = await accountServer(engine, { ...mailEnv(smtp), ...ownRedisPrefix('admin-accounts') });
  });
  afterAll(async () => {
    await server.stop();
    await smtp.close();
  });

  it('finds an identity by email, in any case, and nothing for an unknown one', async () => {
    const account = await signUp(server, 'findme@example.com', 'the password');
    const found = await json(await server.admin('/admin/identities?email=FindMe%40example.com'));
    expect(found.identities.map((identity: { identityId: string }) => identity.identityId)).toEqual([account.identityId]);
    expect(found.nextCursor).toBeNull();
    expect(await json(await server.admin('/admin/identities?email=nobody%40example.com'))).toEqual({ identities: [], nextCursor: null });
    await expectProblem(await server.admin('/admin/identities?email=not-an-email'), 400, 'validation_failed');
  });

  it('deletes an identity with everything it owns, and nobody else’s', async () => {
    const doomed = await signUp(server, 'doomed@example.com', 'the password');
    const neighbour = await signUp(server, 'neighbour@example.com', 'the password');
    expect((await createNote(server, doomed.accessToken, 'mine')).status).toBe(201);
    expect((await createNote(server, neighbour.accessToken, 'theirs')).status).toBe(201);
    const { db } = server.server.shoebox.database;
    // Deleted notes stay as wiped tombstones (notes/tables.ts): count live ones.
    const notesOf = async (owner: string) =>
      (await db.selectFrom('notes').select('note_id').where('owner_id', '=', owner).where('deleted_at', 'is', null).execute()).length;

    const before = await identitySnapshot(server);
    expect((await server.admin('/admin/identities/id_unknown', { method: 'DELETE' })).status).toBe(404);
    expect(await identitySnapshot(server)).toEqual(before);

    expect((await server.admin(`/admin/identities/${doomed.identityId}`, { method: 'DELETE' })).status).toBe(204);
    expect((await server.admin(`/admin/identities/${doomed.identityId}`)).status).toBe(404);
    await expectProblem(await me(server, doomed.accessToken), 401, 'identity_deleted');
    expect(await notesOf(doomed.identityId)).toBe(0);
    expect(await notesOf(neighbour.identityId)).toBe(1);
    const leftovers = await db.selectFrom('account_tokens').select('token_hash').where('identity_id', '=', doomed.identityId).execute();
    expect(leftovers).toEqual([]);
    // The email is free again.
    expect((await postJson(server, '/v1/accounts', { email: 'doomed@example.com', password: 'the password' })).status).toBe(201);
  });

  it('forces a password reset: the password stops, every session ends, and the mailed link sets a new one', async () => {
    const account = await signUp(server, 'compromised@example.com', 'leaked password');
    const forced = await server.admin(`/admin/identities/${account.identityId}/password-reset`, { method: 'POST' });
    expect(forced.status).toBe(200);
    expect(await json(forced)).toMatchObject({ identity: { identityId: account.identityId }, mailed: true });
    await expectProblem(await me(server, account.accessToken), 401, 'session_revoked');
    await expectProblem(await passwordLogin(server, 'compromised@example.com', 'leaked password'), 401, 'invalid_credentials');

    const reset = (await smtp.waitFor('compromised@example.com', 2)).find((mail) => linkIn(mail).type === 'reset');
    const confirmed = await postJson(server, '/v1/accounts/password-reset/confirm', {
      token: linkIn(reset!).token,
      newPassword: 'fresh password',
    });
    expect(confirmed.status).toBe(204);
    expect((await passwordLogin(server, 'compromised@example.com', 'fresh password')).status).toBe(200);
  });

  it('refuses a forced reset for an identity without a password, changing nothing', async () => {
    const guest = await json(await server.v1('/v1/identities', { method: 'POST' }));
    const before = await identitySnapshot(server);
    await expectProblem(await server.admin(`/admin/identities/${guest.identityId}/password-reset`, { method: 'POST' }), 409, 'conflict');
    await expectProblem(await server.admin('/admin/identities/id_unknown/password-reset', { method: 'POST' }), 404, 'not_found');
    expect(await identitySnapshot(server)).toEqual(before);
  });
});

describe('the identity CLI for accounts', () => {
  let server: TestServer;
  const cli = (...args: string[]) => runCli(['identity', ...args], { env: { SHOEBOX_DATA_DIR: server.dataDir } });
  beforeAll(async () => {
    server = await accountServer(engines[0]!, { SHOEBOX_PASSWORD_SCRYPT_LOG_N: '12' });
  });
  afterAll(() => server.stop());

  it('finds by email, forces a reset, and deletes only with --yes', async () => {
    const account = await signUp(server, 'cli-user@example.com', 'the password');
    const found = await cli('list', '--email', 'CLI-user@example.com', '--json');
    expect(found.code).toBe(0);
    expect(JSON.parse(found.stdout).identities.map((identity: { identityId: string }) => identity.identityId)).toEqual([
      account.identityId,
    ]);

    const reset = await cli('reset-password', account.identityId);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(/Mail is not configured/);
    await expectProblem(await passwordLogin(server, 'cli-user@example.com', 'the password'), 401, 'invalid_credentials');

    const refused = await cli('delete', account.identityId);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/--yes/);
    expect((await server.admin(`/admin/identities/${account.identityId}`)).status).toBe(200);
    const deleted = await cli('delete', account.identityId, '--yes');
    expect(deleted.code).toBe(0);
    expect((await server.admin(`/admin/identities/${account.identityId}`)).status).toBe(404);
  });
});

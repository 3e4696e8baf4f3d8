import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../testing/engines.js';
import { json, ownRedisPrefix, type TestServer } from '../testing/harness.js';
import { bearer, createGuest, expectProblem, identitySnapshot, type Pair, passwordLogin, postJson, signUp } from '../testing/identity.js';
import { accountServer } from '../testing/mail.js';

/** A code of the authenticator app `steps` time steps from now (the server accepts one step either way). */
const codeOf = (secret: string, steps = 0) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + steps * 30 });

const enrol = async (server: TestServer, account: Pair) => {
  const response = await postJson(server, '/v1/accounts/mfa/totp', {}, bearer(account.accessToken));
  expect(response.status).toBe(201);
  return json(response);
};

describe.each(engines)('TOTP second factor ($name)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await accountServer(engine, {
      ...ownRedisPrefix('mfa'),
      SHOEBOX_PASSWORD_SCRYPT_LOG_N: '12',
      SHOEBOX_APP_NAME: 'Photo App',
      SHOEBOX_TRUST_PROXY: 'loopback',
    });
  });
  afterAll(() => server.stop());

  /** An account with an active second factor: its secret and recovery codes. */
  async function protectedAccount(email: string) {
    const account = await signUp(server, email, 'the password');
    const { secret } = await enrol(server, account);
    const confirmed = await postJson(server, '/v1/accounts/mfa/totp/confirm', { code: await codeOf(secret) }, bearer(account.accessToken));
    expect(confirmed.status).toBe(200);
    const { recoveryCodes } = await json(confirmed);
    return { account, secret, recoveryCodes: recoveryCodes as string[] };
  }

  async function mfaTokenOf(email: string, address = '203.0.113.1'): Promise<string> {
    const response = await postJson(
      server,
      '/v1/identities/login',
      { provider: 'password', email, password: 'the password' },
      { 'x-forwarded-for': address },
    );
    const problem = await expectProblem(response, 401, 'mfa_required');
    expect(problem.expiresIn).toBe(300);
    expect(problem).not.toHaveProperty('accessToken');
    return problem.mfaToken;
  }

  const mfaLogin = (mfaToken: string, code: string, address = '203.0.113.1') =>
    postJson(server, '/v1/identities/login/mfa', { mfaToken, code }, { 'x-forwarded-for': address });

  it('enrols with a secret, an otpauth URI and a QR code, and changes nothing for logins until confirmed', async () => {
    const account = await signUp(server, 'enrol@example.com', 'the password');
    const enrolment = await enrol(server, account);
    expect(enrolment.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrolment.otpauthUri).toBe(`otpauth://totp/Photo%20App:enrol%40example.com?secret=${enrolment.secret}&issuer=Photo%20App`);
    expect(enrolment.qrCode).toMatch(/^data:image\/png;base64,iVBOR/);
    expect((await passwordLogin(server, 'enrol@example.com', 'the password')).status).toBe(200);
    const before = await identitySnapshot(server);
    await expectProblem(
      await postJson(server, '/v1/accounts/mfa/totp/confirm', { code: '000000' }, bearer(account.accessToken)),
      400,
      'mfa_code_invalid',
    );
    await expectProblem(
      await postJson(server, '/v1/accounts/mfa/totp/confirm', { code: 'x' }, bearer(account.accessToken)),
      400,
      'validation_failed',
    );
    expect(await identitySnapshot(server)).toEqual(before);
    expect((await passwordLogin(server, 'enrol@example.com', 'the password')).status).toBe(200);
  });

  it('refuses a second factor to a guest', async () => {
    const guest = await createGuest(server);
    await expectProblem(await postJson(server, '/v1/accounts/mfa/totp', {}, bearer(guest.accessToken)), 409, 'conflict');
  });

  it('asks for a code after the password once confirmed, and logs in with one; each token and code works once', async () => {
    const { account, secret, recoveryCodes } = await protectedAccount('second@example.com');
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);

    const mfaToken = await mfaTokenOf('second@example.com');
    // A wrong code leaves the mfaToken usable.
    await expectProblem(await mfaLogin(mfaToken, '000000'), 400, 'mfa_code_invalid');
    const code = await codeOf(secret, 1);
    const login = await mfaLogin(mfaToken, code);
    expect(login.status).toBe(200);
    expect((await json(login)).identityId).toBe(account.identityId);
    // Replays: the mfaToken is used up, and so is the code.
    await expectProblem(await mfaLogin(mfaToken, await codeOf(secret, 1)), 401, 'mfa_token_invalid');
    await expectProblem(await mfaLogin(await mfaTokenOf('second@example.com'), code), 400, 'mfa_code_invalid');

    // A recovery code stands in for the app, once.
    const recovery = await mfaTokenOf('second@example.com');
    expect((await mfaLogin(recovery, recoveryCodes[0]!.toUpperCase())).status).toBe(200);
    await expectProblem(await mfaLogin(await mfaTokenOf('second@example.com'), recoveryCodes[0]!), 400, 'mfa_code_invalid');
  });

  it('refuses an expired or unknown mfaToken, and malformed input, with nothing changed', async () => {
    const { recoveryCodes } = await protectedAccount('expiry@example.com');
    const mfaToken = await mfaTokenOf('expiry@example.com');
    await server.server.shoebox.database.db
      .updateTable('account_tokens')
      .set({ expires_at: Date.now() - 1 })
      .where('purpose', '=', 'mfa')
      .execute();
    await expectProblem(await mfaLogin(mfaToken, recoveryCodes[1]!), 401, 'mfa_token_invalid');
    await expectProblem(await mfaLogin(`sbm_${'A'.repeat(43)}`, recoveryCodes[1]!), 401, 'mfa_token_invalid');
    await expectProblem(await mfaLogin('bad token!', recoveryCodes[1]!), 400, 'validation_failed');
    await expectProblem(await postJson(server, '/v1/identities/login/mfa', { mfaToken }), 400, 'validation_failed');
    // The recovery code offered with the expired token was not used up.
    expect((await mfaLogin(await mfaTokenOf('expiry@example.com'), recoveryCodes[1]!)).status).toBe(200);
  });

  it('throttles code guessing like password guessing', async () => {
    await protectedAccount('guessed@example.com');
    const mfaToken = await mfaTokenOf('guessed@example.com', '198.51.100.7');
    const guesses = await Promise.all(Array.from({ length: 20 }, (_, i) => mfaLogin(mfaToken, String(100000 + i), '198.51.100.7')));
    const statuses = guesses.map(({ status }) => status);
    expect(statuses.filter((status) => status === 400).length).toBeLessThanOrEqual(5);
    expect(statuses).toContain(429);
    await expectProblem(await mfaLogin(mfaToken, '123456', '198.51.100.7'), 429, 'login_throttled');
  });

  it('disables with a code, and an admin can reset it', async () => {
    const { account, recoveryCodes } = await protectedAccount('disable@example.com');
    await expectProblem(
      await postJson(server, '/v1/accounts/mfa/totp/disable', { code: 'aaaaa-aaaaa' }, bearer(account.accessToken)),
      400,
      'mfa_code_invalid',
    );
    await expectProblem(await passwordLogin(server, 'disable@example.com', 'the password'), 401, 'mfa_required');
    const disabled = await postJson(server, '/v1/accounts/mfa/totp/disable', { code: recoveryCodes[2]! }, bearer(account.accessToken));
    expect(disabled.status).toBe(204);
    expect((await passwordLogin(server, 'disable@example.com', 'the password')).status).toBe(200);

    const other = await protectedAccount('lost-phone@example.com');
    await expectProblem(await passwordLogin(server, 'lost-phone@example.com', 'the password'), 401, 'mfa_required');
    const reset = await server.admin(`/admin/identities/${other.account.identityId}/mfa/reset`, { method: 'POST' });
    expect(reset.status).toBe(200);
    expect((await passwordLogin(server, 'lost-phone@example.com', 'the password')).status).toBe(200);
    expect((await server.admin('/admin/identities/id_unknown/mfa/reset', { method: 'POST' })).status).toBe(404);
  });
});

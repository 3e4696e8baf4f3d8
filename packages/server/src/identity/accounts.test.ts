import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../testing/engines.js';
import { json, ownRedisPrefix, type TestServer } from '../testing/harness.js';
import {
  asIdentity,
  bearer,
  expectProblem,
  identitySnapshot,
  me,
  type Pair,
  passwordLogin,
  postJson,
  refresh,
  signUp,
} from '../testing/identity.js';
import { accountServer, claimsOf, mailEnv, outboxOf } from '../testing/mail.js';
import { linkIn, startTestSmtp, type TestSmtp } from '../testing/smtp.js';

describe.each(engines)('account flows with real mail ($name)', (engine) => {
  let smtp: TestSmtp;
  let server: TestServer;
  beforeAll(async () => {
    smtp = await startTestSmtp();
    server = await accountServer(engine, { ...mailEnv(smtp), ...ownRedisPrefix('accounts') });
  });
  afterAll(async () => {
    await server.stop();
    await smtp.close();
  });

  it('mails a verification link at sign-up; the token proves the email once, and the identity and its tokens say so', async () => {
    const account = await signUp(server, 'Verify.Me@example.com', 'correct horse');
    expect(claimsOf(account).email_verified).toBe(false);
    expect((await json(await me(server, account.accessToken))).emailVerified).toBe(false);

    const [mail] = await smtp.waitFor('verify.me@example.com');
    expect(mail?.subject).toBe('Confirm your email for Photo App');
    expect(mail?.from).toBe('Photo App <no-reply@example.com>');
    const { type, token, link } = linkIn(mail!);
    expect(type).toBe('verify');
    expect(link).toBe(`photoapp://account?type=verify&token=${token}`);
    // The same token is shown as a code to paste.
    expect(mail?.body).toContain(`code in the app: ${token}`);

    const verified = await postJson(server, '/v1/accounts/verify', { token });
    expect(verified.status).toBe(200);
    expect(await json(verified)).toEqual({ identityId: account.identityId, email: 'verify.me@example.com' });
    expect((await json(await me(server, account.accessToken))).emailVerified).toBe(true);
    const again = await json(await passwordLogin(server, 'verify.me@example.com', 'correct horse'));
    expect(claimsOf(again).email_verified).toBe(true);

    await expectProblem(await postJson(server, '/v1/accounts/verify', { token }), 400, 'account_token_invalid');
  });

  it('refuses unknown, malformed and other kinds of tokens with a 4xx, changing nothing', async () => {
    await signUp(server, 'mixed@example.com', 'correct horse');
    const [mail] = await smtp.waitFor('mixed@example.com');
    const { token } = linkIn(mail!);
    const before = await identitySnapshot(server);
    await expectProblem(await postJson(server, '/v1/accounts/verify', { token: `sba_${'A'.repeat(43)}` }), 400, 'account_token_invalid');
    // A verification token is not a reset token.
    await expectProblem(
      await postJson(server, '/v1/accounts/password-reset/confirm', { token, newPassword: 'new password 1' }),
      400,
      'account_token_invalid',
    );
    await expectProblem(await postJson(server, '/v1/accounts/verify', { token: 'not a token!' }), 400, 'validation_failed');
    await expectProblem(await postJson(server, '/v1/accounts/verify', { token, extra: 1 }), 400, 'validation_failed');
    await expectProblem(await postJson(server, '/v1/accounts/password-reset', { email: 'not-an-email' }), 400, 'validation_failed');
    await expectProblem(
      await postJson(server, '/v1/accounts/password-reset/confirm', { token, newPassword: 'short' }),
      400,
      'validation_failed',
    );
    expect(await identitySnapshot(server)).toEqual(before);
    // The real token still works afterwards: nothing was used up.
    expect((await postJson(server, '/v1/accounts/verify', { token })).status).toBe(200);
  });

  it('answers a reset for an unknown email exactly as for a known one, with the same work, and mails only the account', async () => {
    await signUp(server, 'known@example.com', 'correct horse');
    const known = await postJson(server, '/v1/accounts/password-reset', { email: 'KNOWN@example.com' });
    const unknown = await postJson(server, '/v1/accounts/password-reset', { email: 'nobody@example.com' });
    expect({ status: unknown.status, body: await unknown.text() }).toEqual({ status: known.status, body: await known.text() });
    expect(known.status).toBe(202);
    // Both requests queued one message; the sender drops the one without an account.
    await expect
      .poll(async () => (await outboxOf(server, 'nobody@example.com')).map((row) => row.dropped), { timeout: 60_000 })
      .toEqual([1]);
    const mails = await smtp.waitFor('known@example.com', 2);
    expect(mails.map((mail) => linkIn(mail).type)).toEqual(['verify', 'reset']);
    expect(smtp.received.some((mail) => mail.to.includes('nobody@example.com'))).toBe(false);
  });

  it('resets a password once: every session ends, the old password stops working, and the owner is told', async () => {
    const account = await signUp(server, 'forgot@example.com', 'old password');
    const otherDevice = await json(await passwordLogin(server, 'forgot@example.com', 'old password'));
    expect((await postJson(server, '/v1/accounts/password-reset', { email: 'forgot@example.com' })).status).toBe(202);
    const reset = (await smtp.waitFor('forgot@example.com', 2)).find((mail) => linkIn(mail).type === 'reset');
    const { token } = linkIn(reset!);

    const confirmed = await postJson(server, '/v1/accounts/password-reset/confirm', { token, newPassword: 'new password' });
    expect(confirmed.status).toBe(204);
    await expectProblem(await me(server, account.accessToken), 401, 'session_revoked');
    await expectProblem(await refresh(server, otherDevice.refreshToken), 401, 'refresh_token_revoked');
    await expectProblem(await passwordLogin(server, 'forgot@example.com', 'old password'), 401, 'invalid_credentials');
    const fresh = await passwordLogin(server, 'forgot@example.com', 'new password');
    expect(fresh.status).toBe(200);
    // The link reached the inbox: the email is proven too.
    expect(claimsOf(await json(fresh)).email_verified).toBe(true);

    const notices = await smtp.waitFor('forgot@example.com', 3);
    expect(notices.at(-1)?.subject).toBe('Your Photo App password was changed');
    // Replayed: refused, and the password stays.
    await expectProblem(
      await postJson(server, '/v1/accounts/password-reset/confirm', { token, newPassword: 'third password' }),
      400,
      'account_token_invalid',
    );
    expect((await passwordLogin(server, 'forgot@example.com', 'new password')).status).toBe(200);
  });

  it('refuses an expired reset token and keeps the password', async () => {
    await signUp(server, 'late@example.com', 'old password');
    await postJson(server, '/v1/accounts/password-reset', { email: 'late@example.com' });
    const reset = (await smtp.waitFor('late@example.com', 2)).find((mail) => linkIn(mail).type === 'reset');
    const { token } = linkIn(reset!);
    // Time passes: the token's lifetime ends (SHOEBOX_RESET_TOKEN_TTL_SECONDS, 30 minutes here).
    await server.server.shoebox.database.db
      .updateTable('account_tokens')
      .set({ expires_at: Date.now() - 1 })
      .where('purpose', '=', 'reset')
      .where('email', '=', 'late@example.com')
      .execute();
    await expectProblem(
      await postJson(server, '/v1/accounts/password-reset/confirm', { token, newPassword: 'new password' }),
      400,
      'account_token_expired',
    );
    expect((await passwordLogin(server, 'late@example.com', 'old password')).status).toBe(200);
  });

  it('changes a password with the current one: other sessions end, this one stays, the owner is told', async () => {
    const account = await signUp(server, 'changer@example.com', 'old password');
    const other = await json(await passwordLogin(server, 'changer@example.com', 'old password'));
    const before = await identitySnapshot(server);
    await expectProblem(
      await postJson(
        server,
        '/v1/accounts/password',
        { currentPassword: 'wrong', newPassword: 'new password' },
        bearer(account.accessToken),
      ),
      401,
      'invalid_credentials',
    );
    await expectProblem(
      await postJson(server, '/v1/accounts/password', { newPassword: 'new password' }, bearer(account.accessToken)),
      400,
      'validation_failed',
    );
    expect(await identitySnapshot(server)).toEqual(before);
    expect((await passwordLogin(server, 'changer@example.com', 'old password')).status).toBe(200);

    const changed = await postJson(
      server,
      '/v1/accounts/password',
      { currentPassword: 'old password', newPassword: 'new password' },
      bearer(account.accessToken),
    );
    expect(changed.status).toBe(204);
    expect((await me(server, account.accessToken)).status).toBe(200);
    await expectProblem(await me(server, other.accessToken), 401, 'session_revoked');
    expect((await passwordLogin(server, 'changer@example.com', 'new password')).status).toBe(200);
    const mails = await smtp.waitFor('changer@example.com', 2);
    expect(mails.map((mail) => mail.subject)).toContain('Your Photo App password was changed');
  });

  it('changes an email once the new address confirms, and tells the old one', async () => {
    const account = await signUp(server, 'old.address@example.com', 'the password');
    await signUp(server, 'taken.address@example.com', 'the password');
    await expectProblem(
      await postJson(
        server,
        '/v1/accounts/email',
        { newEmail: 'taken.address@example.com', password: 'the password' },
        bearer(account.accessToken),
      ),
      409,
      'email_taken',
    );
    await expectProblem(
      await postJson(server, '/v1/accounts/email', { newEmail: 'new.address@example.com', password: 'wrong' }, bearer(account.accessToken)),
      401,
      'invalid_credentials',
    );
    const asked = await postJson(
      server,
      '/v1/accounts/email',
      { newEmail: 'New.Address@example.com', password: 'the password' },
      bearer(account.accessToken),
    );
    expect(asked.status).toBe(202);
    const [mail] = await smtp.waitFor('new.address@example.com');
    const { type, token } = linkIn(mail!);
    expect(type).toBe('email-change');
    // Nothing changes until the new address confirms.
    expect((await passwordLogin(server, 'old.address@example.com', 'the password')).status).toBe(200);

    const confirmed = await postJson(server, '/v1/accounts/email/confirm', { token });
    expect(await json(confirmed)).toEqual({ identityId: account.identityId, email: 'new.address@example.com' });
    await expectProblem(await passwordLogin(server, 'old.address@example.com', 'the password'), 401, 'invalid_credentials');
    const login = await json(await passwordLogin(server, 'new.address@example.com', 'the password'));
    expect(login.identityId).toBe(account.identityId);
    expect(claimsOf(login).email_verified).toBe(true);
    const notice = (await smtp.waitFor('old.address@example.com', 2)).find((sent) => sent.subject === 'Your Photo App email was changed');
    expect(notice?.body).toContain('new.address@example.com');
    await expectProblem(await postJson(server, '/v1/accounts/email/confirm', { token }), 400, 'account_token_invalid');
  });

  it('resends the verification message while the email is unverified, and refuses once it is', async () => {
    const account: Pair = await signUp(server, 'resend@example.com', 'the password');
    const resent = await asIdentity(server, account.accessToken, '/v1/accounts/verify/resend', { method: 'POST' });
    expect(resent.status).toBe(202);
    const mails = await smtp.waitFor('resend@example.com', 2);
    const { token } = linkIn(mails[1]!);
    expect((await postJson(server, '/v1/accounts/verify', { token })).status).toBe(200);
    await expectProblem(await asIdentity(server, account.accessToken, '/v1/accounts/verify/resend', { method: 'POST' }), 409, 'conflict');
  });
});

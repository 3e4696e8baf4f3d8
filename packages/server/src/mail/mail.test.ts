import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeConfig, parseConfig } from '../config/config.js';
import { engines, scaleOut } from '../testing/engines.js';
import { json, ownRedisPrefix, removeTestData, startTestServer, type TestServer, tempDir } from '../testing/harness.js';
import { bearer, expectProblem, identitySnapshot, passwordLogin, postJson, ROOMY_PLAN, signUp } from '../testing/identity.js';
import { accountServer, mailEnv, outboxOf } from '../testing/mail.js';
import { linkIn, startTestSmtp, type TestSmtp } from '../testing/smtp.js';

describe.each(engines)('outgoing mail ($name)', (engine) => {
  let smtp: TestSmtp;
  beforeAll(async () => {
    smtp = await startTestSmtp();
  });
  afterAll(() => smtp.close());

  describe('through a mail server that fails at first', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await accountServer(engine, { ...mailEnv(smtp), ...ownRedisPrefix('mail-retry') });
    });
    afterAll(() => server.stop());

    it('answers at once, retries the message until the server takes it, and delivers it once', async () => {
      await signUp(server, 'patient@example.com', 'the password');
      await smtp.waitFor('patient@example.com');
      smtp.failNext(2);
      const asked = await postJson(server, '/v1/accounts/password-reset', { email: 'patient@example.com' });
      expect(asked.status).toBe(202);
      const mails = await smtp.waitFor('patient@example.com', 2);
      const resets = mails.filter((mail) => linkIn(mail).type === 'reset');
      expect(resets).toHaveLength(1);
      // The sender marks the row once the server accepted the message: a moment after it arrives.
      const resetRow = async () => (await outboxOf(server, 'patient@example.com')).find((queued) => queued.kind === 'reset');
      await expect.poll(async () => (await resetRow())?.sent_at ?? null, { timeout: 60_000 }).not.toBeNull();
      const row = await resetRow();
      expect(row).toMatchObject({ attempts: 3, dropped: 0 });
      expect(resets[0]?.messageId).toBe(`<${row?.id}@shoebox>`);
    });

    it('keeps queued mail across a restart and sends it then', async () => {
      const dataDir = tempDir();
      const env = { ...mailEnv(smtp), ...ownRedisPrefix('mail-restart') };
      const first = await startTestServer({
        engine,
        dataDir,
        env: { ...ROOMY_PLAN, ...env, SHOEBOX_SMTP_URL: smtp.url.replace(/:\d+$/, ':1') },
      });
      await signUp(first, 'restart@example.com', 'the password');
      await expect
        .poll(async () => (await outboxOf(first, 'restart@example.com'))[0]?.attempts ?? 0, { timeout: 60_000 })
        .toBeGreaterThan(0);
      await first.stop();
      const second = await startTestServer({ engine, dataDir, apiKey: first.apiKey, env: { ...ROOMY_PLAN, ...env } });
      try {
        const [mail] = await smtp.waitFor('restart@example.com');
        expect(linkIn(mail!).type).toBe('verify');
      } finally {
        await second.stop();
        await removeTestData(dataDir, engine);
      }
    });
  });

  describe('throttled', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await accountServer(engine, {
        ...mailEnv(smtp),
        ...ownRedisPrefix('mail-throttle'),
        SHOEBOX_MAIL_PER_RECIPIENT: '2',
        SHOEBOX_MAIL_PER_ADDRESS: '6',
        SHOEBOX_TRUST_PROXY: 'loopback',
      });
    });
    afterAll(() => server.stop());

    const resetFrom = (address: string, email: string) =>
      postJson(server, '/v1/accounts/password-reset', { email }, { 'x-forwarded-for': address });

    it('per recipient, answering an unknown email the same as a known one', async () => {
      await signUp(server, 'bombed@example.com', 'the password');
      // The sign-up's verification message is not counted: each address gets it once.
      for (const email of ['bombed@example.com', 'ghost@example.com']) {
        expect((await resetFrom('198.51.100.1', email)).status).toBe(202);
        expect((await resetFrom('198.51.100.2', email)).status).toBe(202);
        const refused = await resetFrom('198.51.100.3', email);
        const body = await expectProblem(refused, 429, 'mail_throttled');
        expect(Number(refused.headers.get('retry-after'))).toBe(body.retryAfterSeconds);
      }
      expect((await outboxOf(server, 'bombed@example.com')).filter((row) => row.kind === 'reset')).toHaveLength(2);
      expect(await outboxOf(server, 'ghost@example.com')).toHaveLength(2);
    });

    it('per client address, across recipients', async () => {
      for (let i = 0; i < 6; i++) expect((await resetFrom('198.51.100.9', `someone${i}@example.com`)).status).toBe(202);
      await expectProblem(await resetFrom('198.51.100.9', 'someone-else@example.com'), 429, 'mail_throttled');
      expect(await outboxOf(server, 'someone-else@example.com')).toEqual([]);
    });
  });

  describe('not configured', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await accountServer(engine, { ...ownRedisPrefix('mail-off'), SHOEBOX_PASSWORD_SCRYPT_LOG_N: '12' });
    });
    afterAll(() => server.stop());

    it('answers 503 mail_not_configured to the flows that need mail, and signs up without a message', async () => {
      const account = await signUp(server, 'nomail@example.com', 'the password');
      const before = await identitySnapshot(server);
      await expectProblem(
        await postJson(server, '/v1/accounts/password-reset', { email: 'nomail@example.com' }),
        503,
        'mail_not_configured',
      );
      await expectProblem(
        await postJson(server, '/v1/accounts/verify/resend', {}, bearer(account.accessToken)),
        503,
        'mail_not_configured',
      );
      await expectProblem(
        await postJson(
          server,
          '/v1/accounts/email',
          { newEmail: 'other@example.com', password: 'the password' },
          bearer(account.accessToken),
        ),
        503,
        'mail_not_configured',
      );
      expect(await identitySnapshot(server)).toEqual(before);
      expect(await outboxOf(server, 'nomail@example.com')).toEqual([]);
    });
  });
});

describe('mail settings', () => {
  it('prints the message with the log transport instead of sending it', async () => {
    const server = await accountServer(engines[0]!, {
      SHOEBOX_SMTP_URL: 'log',
      SHOEBOX_ACCOUNT_LINK_URL: 'https://app.example.com/account',
      SHOEBOX_PASSWORD_SCRYPT_LOG_N: '12',
    });
    try {
      await signUp(server, 'dev@example.com', 'the password');
      await expect.poll(() => server.logs.find((line) => line.msg === 'mail (log transport, not sent)'), { timeout: 60_000 }).toBeDefined();
      const logged = server.logs.find((line) => line.msg === 'mail (log transport, not sent)') as { mail: { to: string; text: string } };
      expect(logged.mail.to).toBe('dev@example.com');
      expect(logged.mail.text).toMatch(/https:\/\/app\.example\.com\/account\?type=verify&token=sba_/);
    } finally {
      await server.stop();
    }
  });

  it('uses the templates of the operator’s folder, with the app name and link', async () => {
    const smtp = await startTestSmtp();
    const templates = tempDir();
    writeFileSync(join(templates, 'verify.subject.txt'), 'Welcome to {{appName}}!\n');
    writeFileSync(join(templates, 'verify.text.txt'), 'Tap {{link}} to start.\n');
    const server = await accountServer(engines[0]!, { ...mailEnv(smtp), SHOEBOX_MAIL_TEMPLATES_DIR: templates });
    try {
      await signUp(server, 'templated@example.com', 'the password');
      const [mail] = await smtp.waitFor('templated@example.com');
      expect(mail?.subject).toBe('Welcome to Photo App!');
      expect(mail?.body).toMatch(/Tap photoapp:\/\/account\?type=verify&token=sba_[\w-]+ to start\./);
    } finally {
      await server.stop();
      await smtp.close();
    }
  });

  it('refuses to start with a template naming a value its message does not fill', async () => {
    const templates = tempDir();
    mkdirSync(templates, { recursive: true });
    writeFileSync(join(templates, 'password-changed.text.txt'), 'Your code: {{token}}\n');
    await expect(
      startTestServer({
        env: { SHOEBOX_SMTP_URL: 'log', SHOEBOX_ACCOUNT_LINK_URL: 'https://app.example.com/a', SHOEBOX_MAIL_TEMPLATES_DIR: templates },
      }),
    ).rejects.toThrow(/names \{\{token\}\}/);
  });

  it('checks the settings at start and shows them with the password hidden', () => {
    expect(() => parseConfig({ SHOEBOX_SMTP_URL: 'smtp://mail.example.com:587' })).toThrow(
      /SHOEBOX_MAIL_FROM must be set[\s\S]*SHOEBOX_ACCOUNT_LINK_URL must be set/,
    );
    expect(() => parseConfig({ SHOEBOX_SMTP_URL: 'http://mail.example.com' })).toThrow(/SHOEBOX_SMTP_URL=\(hidden\) is wrong/);
    const printed = describeConfig(
      parseConfig({
        SHOEBOX_SMTP_URL: 'smtps://user:p4ss@mail.example.com:465',
        SHOEBOX_MAIL_FROM: 'no-reply@example.com',
        SHOEBOX_ACCOUNT_LINK_URL: 'https://app.example.com/account',
      }),
    ).join('\n');
    expect(printed).toContain('SHOEBOX_SMTP_URL=smtps://user:***@mail.example.com:465');
    expect(printed).not.toContain('p4ss');
    expect(describeConfig(parseConfig({})).join('\n')).toMatch(/SHOEBOX_SMTP_URL=\(off: .*mail_not_configured\)/);
  });
});

describe.each(engines)('email verification required before a password login ($name)', (engine) => {
  let smtp: TestSmtp;
  let server: TestServer;
  beforeAll(async () => {
    smtp = await startTestSmtp();
    server = await accountServer(engine, {
      ...mailEnv(smtp),
      ...ownRedisPrefix('verify-required'),
      SHOEBOX_REQUIRE_EMAIL_VERIFICATION: 'true',
    });
  });
  afterAll(async () => {
    await server.stop();
    await smtp.close();
  });

  it('refuses the login with 403 email_not_verified until the link is used', async () => {
    await signUp(server, 'strict@example.com', 'the password');
    await expectProblem(await passwordLogin(server, 'strict@example.com', 'the password'), 403, 'email_not_verified');
    // A wrong password still answers as wrong: the verification state is told only to who knows the password.
    await expectProblem(await passwordLogin(server, 'strict@example.com', 'wrong password'), 401, 'invalid_credentials');
    const [mail] = await smtp.waitFor('strict@example.com');
    expect((await postJson(server, '/v1/accounts/verify', { token: linkIn(mail!).token })).status).toBe(200);
    const login = await passwordLogin(server, 'strict@example.com', 'the password');
    expect(login.status).toBe(200);
    expect((await json(login)).accessToken).toBeTruthy();
  });
});

describe.skipIf(!process.env.SHOEBOX_TEST_DATABASE_URL)('mail sent by two processes sharing one queue', () => {
  const dataDir = tempDir();
  let smtp: TestSmtp;
  let first: TestServer;
  let second: TestServer;
  beforeAll(async () => {
    smtp = await startTestSmtp();
    const env = { ...ROOMY_PLAN, ...mailEnv(smtp), ...ownRedisPrefix('mail-shared') };
    first = await startTestServer({ engine: scaleOut, dataDir, env });
    second = await startTestServer({ engine: scaleOut, dataDir, env, apiKey: first.apiKey });
  });
  afterAll(async () => {
    await first.stop();
    await second.stop();
    await removeTestData(dataDir, scaleOut);
    await smtp.close();
  });

  it('delivers every message once, failures and retries included', async () => {
    const emails = Array.from({ length: 6 }, (_, i) => `shared${i}@example.com`);
    smtp.failNext(3);
    await Promise.all(emails.map((email, i) => signUp(i % 2 ? first : second, email, 'the password')));
    await Promise.all(emails.map((email, i) => postJson(i % 2 ? second : first, '/v1/accounts/password-reset', { email })));
    for (const email of emails) {
      const mails = await smtp.waitFor(email, 2);
      expect(mails.map((mail) => linkIn(mail).type).sort()).toEqual(['reset', 'verify']);
    }
    // Every row gets marked sent; nothing is left to send twice.
    const unsent = () => first.server.shoebox.database.db.selectFrom('mail_outbox').select('id').where('sent_at', 'is', null).execute();
    await expect.poll(unsent, { timeout: 60_000 }).toEqual([]);
    const ids = smtp.received.map((mail) => mail.messageId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

import type { TestEngine } from './engines.js';
import { startTestServer, type TestServer } from './harness.js';
import { ROOMY_PLAN } from './identity.js';
import type { TestSmtp } from './smtp.js';

/** The environment of a server sending through the test SMTP server, with a generous mail throttle. */
export const mailEnv = (smtp: TestSmtp): Record<string, string> => ({
  SHOEBOX_SMTP_URL: smtp.url,
  SHOEBOX_MAIL_FROM: 'Photo App <no-reply@example.com>',
  SHOEBOX_ACCOUNT_LINK_URL: 'photoapp://account',
  SHOEBOX_APP_NAME: 'Photo App',
  SHOEBOX_MAIL_PER_RECIPIENT: '50',
  SHOEBOX_MAIL_PER_ADDRESS: '1000',
  // Fast password hashing: these suites hash many passwords.
  SHOEBOX_PASSWORD_SCRYPT_LOG_N: '12',
});

export const accountServer = (engine: TestEngine, env: Record<string, string>): Promise<TestServer> =>
  startTestServer({ engine, env: { ...ROOMY_PLAN, ...env } });

/** The claims of a token pair's access token. */
export const claimsOf = (pair: { accessToken: string }): Record<string, unknown> =>
  JSON.parse(Buffer.from(pair.accessToken.split('.')[1] ?? '', 'base64url').toString());

/** The queued messages to `recipient`, as the sender left them. */
export const outboxOf = (server: TestServer, recipient: string) =>
  server.server.shoebox.database.db
    .selectFrom('mail_outbox')
    .select(['id', 'kind', 'sent_at', 'dropped', 'attempts', 'last_error'])
    .where('recipient', '=', recipient)
    .orderBy('created_at')
    .execute()
    .then((rows) => rows.map((row) => ({ ...row, dropped: Number(row.dropped), attempts: Number(row.attempts) })));

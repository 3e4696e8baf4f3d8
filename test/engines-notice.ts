// Vitest global setup: says which engine suites run, and how to enable the skipped ones.
export default function engineNotice(): void {
  if (process.env.SHOEBOX_TEST_DATABASE_URL) {
    process.stdout.write(
      `Engine suites: embedded (SQLite + filesystem) and PostgreSQL at ${new URL(process.env.SHOEBOX_TEST_DATABASE_URL).host}.\n`,
    );
  } else {
    process.stdout.write(
      'Engine suites: embedded (SQLite + filesystem) only. Skipped: PostgreSQL. ' +
        'Enable it with SHOEBOX_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres (a user that may create databases) and SHOEBOX_TEST_REDIS_URL=redis://127.0.0.1:6379/0.\n',
    );
  }
}

// Vitest global setup: says which engine suites run, and how to enable the skipped ones.
export default function engineNotice(): void {
  if (process.env.SHOEBOX_TEST_DATABASE_URL) {
    process.stdout.write(
      `Engine suites: embedded (SQLite + filesystem) and PostgreSQL at ${new URL(process.env.SHOEBOX_TEST_DATABASE_URL).host}.\n`,
    );
  } else {
    process.stdout.write(
      'Engine suites: embedded (SQLite + filesystem) only. Skipped: PostgreSQL. ' +
        'Enable it with SHOEBOX_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres (a user that may create databases).\n',
    );
  }
}

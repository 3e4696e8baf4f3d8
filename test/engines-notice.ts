import { browserAvailable, browserRequired, chromiumPath } from '../packages/server/src/testing/browser.js';
import { engines } from '../packages/server/src/testing/engines.js';

// Vitest global setup: says which engine and browser suites run, and how to enable the skipped ones.
export default function engineNotice(): void {
  const database = process.env.SHOEBOX_TEST_DATABASE_URL;
  const redis = process.env.SHOEBOX_TEST_REDIS_URL;
  const matrix =
    process.env.SHOEBOX_TEST_ENGINES === 'all'
      ? ''
      : ' (SHOEBOX_TEST_ENGINES=all runs every combination of database, blob store and limits)';
  const skipped = [
    ...(database
      ? []
      : ['PostgreSQL + S3 (SHOEBOX_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres, a user that may create databases)']),
    ...(redis ? [] : ['Redis and the multi-process suites (SHOEBOX_TEST_REDIS_URL=redis://127.0.0.1:6379/0)']),
  ];
  process.stdout.write(
    `Engine suites: ${engines.map((engine) => engine.name).join(', ')}${matrix}.${skipped.length ? ` Skipped, enable with: ${skipped.join('; ')}.` : ''}\n`,
  );
  if (browserAvailable) {
    process.stdout.write(`Browser suites: headless Chromium at ${chromiumPath}.\n`);
    return;
  }
  const missing = `Chromium is not at ${chromiumPath}. Install it (sudo apt-get install chromium) or set SHOEBOX_TEST_CHROMIUM to a Chromium or Chrome binary.`;
  // CI must run every browser suite: a missing browser fails the run instead of skipping them.
  if (browserRequired) throw new Error(`SHOEBOX_TEST_REQUIRE_BROWSER=1 and ${missing}`);
  process.stdout.write(`Browser suites (*.browser.test.ts): skipped. ${missing}\n`);
}

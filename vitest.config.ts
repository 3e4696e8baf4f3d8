import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'deploy/aws/test/**/*.test.ts'],
    // Generous: suites spawn real servers and CLI processes on a shared 2-core machine.
    testTimeout: 90_000,
    hookTimeout: 60_000,
    // Suites start real servers and databases; two cores run two files at a time comfortably.
    maxWorkers: 2,
    reporters: ['default'],
    globalSetup: ['test/engines-notice.ts', 'test/build-cli.ts'],
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start real emulators (Java DynamoDB Local, s3rver); give them room.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // expect.poll waits on pages and APIs answering: vitest's default of 1 s is a quiet machine's
    // figure, and a loaded CI machine (two cores, emulators, Chromium) takes several.
    expect: { poll: { timeout: 30_000, interval: 100 } },
    // Two cores: keep emulator-heavy files from starving each other.
    maxWorkers: 2,
    reporters: ['default'],
    // A private temp folder for the run, which must be empty when it ends.
    globalSetup: ['test/support/temp-dir.ts'],
    // A passing run prints only the runner's lines: no "No application metrics to publish" from
    // every handler call, no SDK advice to upgrade Node. Tests that need either set it themselves.
    env: {
      POWERTOOLS_METRICS_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // The `rebates` processes tests spawn would cache compiled sources in the run's temp
      // folder, which must be empty at the end (and is new each run, so the cache would not help).
      TSX_DISABLE_CACHE: '1',
    },
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start real emulators (Java DynamoDB Local, s3rver); give them room.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: keep emulator-heavy files from starving each other.
    maxWorkers: 2,
    reporters: ['default'],
  },
});

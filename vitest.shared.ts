// One vitest configuration for every package: each package's vitest.config.ts re-exports it.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests start real programs and move real bytes; a few of them send 16 MiB. A program started
    // through tsx on a busy 2-core machine can take many seconds to print its first line.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The JSON report lets .ci/run add up the totals of every package.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});

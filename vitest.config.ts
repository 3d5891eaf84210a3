import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: [
      'test/helpers/moto-global-setup.ts',
      'test/helpers/synapse/global-setup.ts',
      'test/helpers/tools-global-setup.ts',
    ],
    env: {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      // The functions' EMF lines go to stdout past vitest's console; the tests about metrics
      // turn them back on (test/infra/emf-metrics.test.ts, test/adapters/metrics-events.test.ts).
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_DEV: 'false',
    },
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // At least two files at a time, even on two cores (vitest's default there is one): the nginx
    // test's 35 s long-poll mostly waits, and the rest of the suite goes on meanwhile.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});

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
      POWERTOOLS_DEV: 'false',
    },
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

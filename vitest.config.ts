import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs no server; `integration` runs against real Elasticsearch, Kafka,
// Jaeger and the OpenTelemetry Collector, which its global setup installs and starts.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{pipeline,ingest,processors,exporters,deploy,bench}/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/setup/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});

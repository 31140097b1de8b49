import { defineConfig } from 'vitest/config';

// Engine and e2e suites share one dockerd and a 2-core machine: files run one at a time there,
// while the pure suites stay parallel (see the projects below).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/conformance/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'engine',
          include: ['test/engine/**/*.test.ts', 'test/e2e/**/*.test.ts', 'examples/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
          globalSetup: ['test/e2e/bundle-setup.ts'],
        },
      },
    ],
  },
});

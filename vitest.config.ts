import path from 'node:path';

import { defineConfig } from 'vitest/config';

// Server modules load as the Next.js server loads them: there, the react-server condition resolves
// `server-only` to its empty module (elsewhere it throws). What may import what is the linter's
// job (npm run lint), not this guard's.
const alias = {
  '@': path.resolve(import.meta.dirname),
  'server-only': path.resolve(import.meta.dirname, 'node_modules/server-only/empty.js'),
};

// Two layers: `unit` (no I/O; React components under jsdom) and `integration` (real PostgreSQL:
// an embedded PostgreSQL 18 started for the run, plus the machine's PostgreSQL when reachable).
// `image` holds the one test that builds the production image's tree (`next build`, minutes of both
// cores): it runs alone, after the integration suites, so no timing-sensitive suite runs beside it.
// A fourth, `faults` (tests/faults: the fault-injection suite), exists only while FAULTS is `quick`
// or `full` (npm run test:faults, scripts/test-faults.ts), so a plain `vitest run` leaves it out.
const IMAGE_TESTS = ['tests/integration/launcher/standalone-server.test.ts'];
const faults = process.env.FAULTS === 'quick' || process.env.FAULTS === 'full';

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.{ts,tsx}'],
          environment: 'node',
          sequence: { groupOrder: 0 },
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          exclude: IMAGE_TESTS,
          environment: 'node',
          globalSetup: ['tests/support/postgres-servers.setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // The machine has two cores; suites share one embedded server. Runs after the unit group.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'image',
          include: IMAGE_TESTS,
          environment: 'node',
          globalSetup: ['tests/support/postgres-servers.setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
      ...(faults
        ? [
            {
              resolve: { alias },
              test: {
                name: 'faults',
                include: ['tests/faults/**/*.test.ts'],
                environment: 'node',
                globalSetup: ['tests/support/postgres-servers.setup.ts'],
                testTimeout: 300_000,
                hookTimeout: 120_000,
                // One scenario at a time: each loads both cores, and some measure time and memory.
                maxWorkers: 1,
                sequence: { groupOrder: 3 },
              },
            },
          ]
        : []),
    ],
  },
});

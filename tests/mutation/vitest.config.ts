// The tests StrykerJS runs against each mutant (stryker.config.mjs): every unit test, and, for the
// PostgreSQL feed (MUTATION_GROUP postgres-feed or all), the integration suites that exercise the
// change feed and its positions (the rest cover other parts and would only slow each mutant down).
// MUTATION_INTEGRATION=0 leaves them out: a quick run over the feed's pure parts (positions, id
// order) that unit tests cover.
import path from 'node:path';

import { defineConfig } from 'vitest/config';

const root = path.resolve(import.meta.dirname, '..', '..');
const alias = { '@': root, 'server-only': path.resolve(root, 'node_modules/server-only/empty.js') };
const group = process.env.MUTATION_GROUP ?? 'all';
const withIntegration = process.env.MUTATION_INTEGRATION !== '0' && (group === 'postgres-feed' || group === 'all');
// The PostgreSQL feed alone is tested by the store's unit tests: the rest would only be loaded again
// each time a mutant that loops for ever makes Stryker start a fresh test runner (about 40 s each).
const unitTests = group === 'postgres-feed' ? 'tests/unit/store/**/*.test.{ts,tsx}' : 'tests/unit/**/*.test.{ts,tsx}';

export default defineConfig({
  root,
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: { name: 'unit', root, include: [unitTests], environment: 'node' },
      },
      ...(withIntegration
        ? [
            {
              resolve: { alias },
              test: {
                name: 'integration',
                root,
                include: [
                  'tests/integration/store/postgres-feed-horizon.test.ts',
                  'tests/integration/store/postgres-feed-id-order.test.ts',
                  'tests/integration/store/postgres-store.test.ts',
                  'tests/integration/store/notification-wake.test.ts',
                  // Id order's checkpoints, lag past its cap and late rows (both orders each).
                  'tests/integration/store/feed-checkpoint.test.ts',
                  'tests/integration/store/postgres-consumer-lag-many.test.ts',
                ],
                environment: 'node',
                globalSetup: ['tests/support/postgres-servers.setup.ts'],
                testTimeout: 60_000,
                hookTimeout: 120_000,
              },
            },
          ]
        : []),
    ],
  },
});

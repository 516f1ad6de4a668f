// The dashboard as it runs on MongoDB without change-stream pre-images (the default), on a
// database this machine has: PostgreSQL with `before` taken out of every change and
// capabilities.beforeImages false, and the console's users and audit log in a database of their
// own (CONSOLE_DATABASE_URL), as a MongoDB deployment has them. The live hub's projection and the
// simulated pipeline must reach the same states as with `before`.
import {} from 'vitest';

import { applyMigrations } from '@/lib/store/providers/postgres/schema/migration-runner';
import { setUpOwnDatabase } from '@/lib/store/providers/postgres/schema/prepare-datastore';

import { defineDashboardSuite } from '../../support/dashboard-suite';
import { createTestDatabase, testServers } from '../../support/test-databases';
import { withoutBeforeImages } from '../../support/without-before-images';

defineDashboardSuite({
  name: 'PostgreSQL without `before` (as MongoDB without pre-images), console database apart',
  expected: {
    provider: 'postgresql',
    feedStorage: 'changelog',
    beforeImages: false,
    migrations: false,
    consoleDatabase: true,
  },
  async prepare() {
    const [datastore, console] = await Promise.all([
      createTestDatabase(testServers()[0]),
      createTestDatabase(testServers()[0]),
    ]);
    await Promise.all([setUpOwnDatabase(datastore.url), applyMigrations(console.url)]);
    return {
      env: { DATABASE_URL: datastore.url, CONSOLE_DATABASE_URL: console.url },
      cleanup: async () => {
        await Promise.all([datastore.drop(), console.drop()]);
      },
    };
  },
  wrap: withoutBeforeImages,
});

// The dashboard's read models and operations routes on PostgreSQL (the datastore is also the
// console database), through tests/support/dashboard-suite.ts, which MongoDB runs too.
import {} from 'vitest';

import { setUpOwnDatabase } from '@/lib/store/providers/postgres/schema/prepare-datastore';

import { defineDashboardSuite } from '../../support/dashboard-suite';
import { createTestDatabase, testServers } from '../../support/test-databases';

defineDashboardSuite({
  name: 'PostgreSQL',
  expected: {
    provider: 'postgresql',
    feedStorage: 'changelog',
    beforeImages: true,
    migrations: true,
    consoleDatabase: false,
  },
  async prepare() {
    const database = await createTestDatabase(testServers()[0]);
    await setUpOwnDatabase(database.url);
    return { env: { DATABASE_URL: database.url }, cleanup: () => database.drop() };
  },
});

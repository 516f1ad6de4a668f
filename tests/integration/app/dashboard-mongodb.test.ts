// The dashboard on MongoDB: the same read models and operations routes as on PostgreSQL
// (tests/support/dashboard-suite.ts) with DATASTORE_PROVIDER=mongodb, a fresh MongoDB database
// (dropped afterwards) and the console's users and audit log in a fresh PostgreSQL database
// (CONSOLE_DATABASE_URL). Pre-images stay off, as they are by default, so changes carry no
// `before`. Runs only when MONGODB_URI points at a replica set; otherwise it says so loudly.
import { randomBytes } from 'node:crypto';

import { MongoClient } from 'mongodb';
import { describe, it } from 'vitest';

import { applyMigrations } from '@/lib/store/providers/postgres/schema/migration-runner';

import { defineDashboardSuite } from '../../support/dashboard-suite';
import { createTestDatabase, testServers } from '../../support/test-databases';

const uri = process.env.MONGODB_URI;

if (!uri) {
  console.warn('SKIPPED: dashboard on MongoDB (MONGODB_URI not set)');
  describe('the dashboard on MongoDB', () => {
    it.skip('needs MONGODB_URI (a replica set)', () => {});
  });
} else {
  defineDashboardSuite({
    name: 'MongoDB (no pre-images), console database in PostgreSQL',
    expected: {
      provider: 'mongodb',
      feedStorage: 'oplog',
      beforeImages: false,
      migrations: false,
      consoleDatabase: true,
    },
    async prepare() {
      const databaseName = `sentinel_console_dash_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
      const console = await createTestDatabase(testServers()[0]);
      await applyMigrations(console.url);
      return {
        env: {
          DATASTORE_PROVIDER: 'mongodb',
          MONGODB_URI: uri,
          MONGODB_DATABASE_NAME: databaseName,
          CONSOLE_DATABASE_URL: console.url,
        },
        cleanup: async () => {
          const client = new MongoClient(uri);
          try {
            await client.db(databaseName).dropDatabase();
          } finally {
            await client.close();
          }
          await console.drop();
        },
      };
    },
  });
}

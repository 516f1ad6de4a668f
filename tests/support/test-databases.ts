// A fresh database per suite, on every PostgreSQL server the run has, dropped afterwards.
import { randomBytes } from 'node:crypto';

import pg from 'pg';
import { inject } from 'vitest';

import { openDataStore, type DataStore } from '../../lib/store';
import { applyMigrations } from '../../lib/store/providers/postgres/schema/migration-runner';

export interface TestServer {
  name: string;
  adminUrl: string;
}

export function testServers(): TestServer[] {
  return inject('postgresServers');
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(server: TestServer): Promise<TestDatabase> {
  const name = `test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await admin(server.adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(server.adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => admin(server.adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}

export interface TestStore {
  store: DataStore;
  database: TestDatabase;
  /** Closes the store and drops the database. */
  close(): Promise<void>;
}

/** A fresh database with the migrations applied and a PostgreSQL store on it (the embedded server by default). */
export async function openTestStore(server: TestServer = testServers()[0]): Promise<TestStore> {
  const database = await createTestDatabase(server);
  await applyMigrations(database.url);
  const store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
  return {
    store,
    database,
    close: async () => {
      await store.close();
      await database.drop();
    },
  };
}

// A fresh database per suite, on every PostgreSQL server the run has, dropped afterwards.
import { randomBytes } from 'node:crypto';

import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';

import { openDataStore, type DataStore } from '../../lib/store';
import { setUpOwnDatabase } from '../../lib/store/providers/postgres/schema/prepare-datastore';

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

/** One connection to `url` for `work`, closed afterwards whatever happens. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(server: TestServer): Promise<TestDatabase> {
  const name = `test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await withClient(server.adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(server.adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () =>
      withClient(server.adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(
        () => {},
      ),
  };
}

export interface TestStore {
  store: DataStore;
  database: TestDatabase;
  /** Closes the store and drops the database. */
  close(): Promise<void>;
}

/**
 * A fresh database set up as `npm start` sets up an empty one (NVSentinel's schema, the console's
 * tables beside it) and a PostgreSQL store on it (the embedded server by default). The feed then
 * reads in id order, as on NVSentinel's schema as it is; `commitOrder` applies the opt-in column.
 */
export async function openTestStore(
  server: TestServer = testServers()[0],
  options: { commitOrder?: boolean } = {},
): Promise<TestStore> {
  const database = await createTestDatabase(server);
  await setUpOwnDatabase(database.url, { commitOrder: options.commitOrder });
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

/**
 * For a describe block: a fresh test store opened before its tests, and plain clients on its
 * database (connect()), all closed after them.
 */
export function storeForSuite(options: { commitOrder?: boolean } = {}) {
  let fresh: TestStore | undefined;
  const clients: pg.Client[] = [];
  const opened = () => {
    if (!fresh) throw new Error('the suite store is opened in beforeAll: use it inside a test');
    return fresh;
  };
  beforeAll(async () => {
    fresh = await openTestStore(undefined, options);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.end()));
    await fresh?.close();
  });
  return {
    get store(): DataStore {
      return opened().store;
    },
    get url(): string {
      return opened().database.url;
    },
    async connect(): Promise<pg.Client> {
      const client = new pg.Client({ connectionString: opened().database.url });
      await client.connect();
      clients.push(client);
      return client;
    },
  };
}

export { dmlOnlyRole } from './dml-role';

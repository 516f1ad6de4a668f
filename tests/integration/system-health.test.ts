// /api/health (and the Overview's datastore card) on real PostgreSQL databases: the datastore
// through the store SDK (provider, target, ping), its migrations only when it is PostgreSQL, the
// console database when it is one of its own; and with DATASTORE_PROVIDER=mongodb, an unreachable
// MongoDB reported as such beside a healthy console database, without a MongoDB server.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import type { SystemHealth } from '@/lib/server/system-health';
import type { DataStore } from '@/lib/store';
import { applyMigrations } from '@/lib/store/providers/postgres/schema/migration-runner';
import { setUpOwnDatabase } from '@/lib/store/providers/postgres/schema/prepare-datastore';

import { freePort } from '../support/free-port';
import { createTestDatabase, testServers, type TestDatabase } from '../support/test-databases';

vi.mock('server-only', () => ({}));

const SETTINGS = ['DATABASE_URL', 'DATASTORE_PROVIDER', 'MONGODB_URI', 'CONSOLE_DATABASE_URL'] as const;
const saved = Object.fromEntries(SETTINGS.map((name) => [name, process.env[name]]));

/** The app's datastore is one per process: close it so the next scenario opens its own. */
async function forgetDatastore(): Promise<void> {
  const holder = globalThis as unknown as { sentinelConsoleStore?: Promise<DataStore> };
  const open = holder.sentinelConsoleStore;
  holder.sentinelConsoleStore = undefined;
  await open?.then((store) => store.close(), () => {});
}

function configure(settings: Partial<Record<(typeof SETTINGS)[number], string>>): void {
  for (const name of SETTINGS) delete process.env[name];
  Object.assign(process.env, settings);
}

async function health(): Promise<SystemHealth> {
  const { GET } = await import('@/app/api/health/route');
  const response = await GET();
  expect(response.status).toBe(200); // liveness: 200 whatever the databases do
  return (await response.json()) as SystemHealth;
}

const hostOf = (url: string) => {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port}${parsed.pathname}`;
};

describe('/api/health through the store SDK', () => {
  let datastore: TestDatabase;
  let consoleDatabase: TestDatabase;
  let unmigrated: TestDatabase;

  beforeAll(async () => {
    [datastore, consoleDatabase, unmigrated] = await Promise.all([0, 1, 2].map(() => createTestDatabase(testServers()[0])));
    await setUpOwnDatabase(datastore.url);
    await applyMigrations(consoleDatabase.url);
  });

  beforeEach(forgetDatastore);

  afterAll(async () => {
    await forgetDatastore();
    configure(Object.fromEntries(Object.entries(saved).filter(([, value]) => value !== undefined)));
    await Promise.all([datastore, consoleDatabase, unmigrated].map((database) => database?.drop()));
  });

  it('PostgreSQL datastore that is also the console database: provider, target, ping and its migrations', async () => {
    configure({ DATABASE_URL: datastore.url });
    const body = await health();
    expect(body).toMatchObject({ status: 'ok', database: { provider: 'postgresql', target: hostOf(datastore.url), reachable: true }, migrations: { upToDate: true, pending: [] } });
    expect(body.database.latencyMs).toBeGreaterThanOrEqual(0);
    expect(body.migrations!.applied.length).toBeGreaterThanOrEqual(2);
    expect(body).not.toHaveProperty('consoleDatabase');
  });

  it('a console database of its own (CONSOLE_DATABASE_URL) is checked too, migrations and all', async () => {
    configure({ DATABASE_URL: datastore.url, CONSOLE_DATABASE_URL: consoleDatabase.url });
    expect(await health()).toMatchObject({
      status: 'ok',
      database: { provider: 'postgresql', reachable: true },
      consoleDatabase: { target: hostOf(consoleDatabase.url), reachable: true, migrations: { upToDate: true } },
    });

    await forgetDatastore();
    configure({ DATABASE_URL: datastore.url, CONSOLE_DATABASE_URL: unmigrated.url });
    const behind = await health();
    expect(behind.status).toBe('degraded');
    expect(behind.consoleDatabase).toMatchObject({ reachable: true, migrations: { upToDate: false, applied: [] } });
    expect(behind.consoleDatabase!.migrations!.pending.length).toBeGreaterThanOrEqual(2);
  });

  it('MongoDB datastore: its provider and target, unreachable here, no migrations of its own; the console database beside it', async () => {
    const port = await freePort();
    configure({
      DATASTORE_PROVIDER: 'mongodb',
      MONGODB_URI: `mongodb://reader:secret@127.0.0.1:${port}/?replicaSet=rs0&serverSelectionTimeoutMS=300&connectTimeoutMS=300`,
      CONSOLE_DATABASE_URL: consoleDatabase.url,
    });
    const body = await health();
    expect(body).toMatchObject({
      status: 'degraded',
      database: { provider: 'mongodb', target: `127.0.0.1:${port}/HealthEventsDatabase`, reachable: false },
      consoleDatabase: { reachable: true, migrations: { upToDate: true } },
    });
    expect(body.database.error).toMatch(new RegExp(`^cannot reach MongoDB at 127\\.0\\.0\\.1:${port}/HealthEventsDatabase`));
    expect(body).not.toHaveProperty('migrations');
    expect(JSON.stringify(body)).not.toContain('secret');
  });

  it('a datastore setting that cannot work is named, not thrown', async () => {
    configure({ DATASTORE_PROVIDER: 'mongodb', CONSOLE_DATABASE_URL: consoleDatabase.url });
    const body = await health();
    expect(body).toMatchObject({ status: 'degraded', database: { provider: null, reachable: false } });
    expect(body.database.error).toMatch(/needs MONGODB_URI/);
  });
});

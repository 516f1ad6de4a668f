// /api/health (and the Overview's datastore card) on real PostgreSQL databases: the datastore
// through the store SDK (provider, target, ping), its migrations only when it is PostgreSQL, the
// console database when it is one of its own; and with DATASTORE_PROVIDER=mongodb, an unreachable
// MongoDB reported as such beside a healthy console database, without a MongoDB server.
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { SystemHealth } from '@/lib/probes/system-health';
import type { DataStore } from '@/lib/store';
import { applyMigrations } from '@/lib/store/providers/postgres/schema/migration-runner';
import { setUpOwnDatabase } from '@/lib/store/providers/postgres/schema/prepare-datastore';

import { freePort } from '../../support/free-port';
import { createTestDatabase, testServers, type TestDatabase } from '../../support/test-databases';

const SETTINGS = ['DATABASE_URL', 'DATASTORE_PROVIDER', 'MONGODB_URI', 'CONSOLE_DATABASE_URL'] as const;
const saved = Object.fromEntries(SETTINGS.map((name) => [name, process.env[name]]));

/** The app's datastore is one per process: close it so the next scenario opens its own. */
async function forgetDatastore(): Promise<void> {
  const holder = globalThis as unknown as { sentinelConsoleStore?: Promise<DataStore> };
  const open = holder.sentinelConsoleStore;
  holder.sentinelConsoleStore = undefined;
  await open?.then(
    (store) => store.close(),
    () => {},
  );
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
    [datastore, consoleDatabase, unmigrated] = await Promise.all(
      [0, 1, 2].map(() => createTestDatabase(testServers()[0])),
    );
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
    expect(body).toMatchObject({
      status: 'ok',
      database: { provider: 'postgresql', target: hostOf(datastore.url), reachable: true },
      migrations: { upToDate: true, pending: [] },
    });
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
    expect(body.database.error).toMatch(
      new RegExp(`^cannot reach MongoDB at 127\\.0\\.0\\.1:${port}/HealthEventsDatabase`),
    );
    expect(body).not.toHaveProperty('migrations');
    expect(JSON.stringify(body)).not.toContain('secret');
  });

  it("300 concurrent anonymous requests share one probe over the app's pools: no request opens a connection of its own", async () => {
    configure({ DATABASE_URL: datastore.url });
    await health(); // the app's datastore pool and probe pool are open
    await new Promise((resolve) => setTimeout(resolve, 2_100)); // the shared answer has expired
    const admin = new pg.Client({ connectionString: datastore.url });
    await admin.connect();
    const connections = async () =>
      Number(
        (
          await admin.query(
            `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
          )
        ).rows[0].n,
      );
    try {
      const before = await connections();
      let most = before;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          most = Math.max(most, await connections());
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      const { GET } = await import('@/app/api/health/route');
      const answers = await Promise.all(
        Array.from({ length: 300 }, async () => {
          const response = await GET();
          return { status: response.status, body: (await response.json()) as SystemHealth };
        }),
      );
      sampling = false;
      await sampler;
      expect(answers.every((answer) => answer.status === 200 && answer.body.status === 'ok')).toBe(true);
      // One probe answered them all.
      expect(new Set(answers.map((answer) => answer.body.checkedAt)).size).toBe(1);
      // At most the probe pool's two connections beyond those already open (each request opened one before: 300).
      expect(most - before).toBeLessThanOrEqual(2);
    } finally {
      await admin.end();
    }
  });

  it('a datastore setting that cannot work is named, not thrown', async () => {
    configure({ DATASTORE_PROVIDER: 'mongodb', CONSOLE_DATABASE_URL: consoleDatabase.url });
    const body = await health();
    expect(body).toMatchObject({ status: 'degraded', database: { provider: null, reachable: false } });
    expect(body.database.error).toMatch(/needs MONGODB_URI/);
  });
});

// Backfilled history: the right number of events, spread over the range, already processed the
// way the pipeline would have left them, and not replayed through the change feed. Loaded with
// health_events' indexes dropped and built again, and nothing else: the table's indexes,
// constraints, trigger and columns are exactly as before after a run that succeeds, fails midway
// (in the load or in the index builds) or is killed.
import { spawn } from 'node:child_process';

import pg from 'pg';
import { describe, expect, it } from 'vitest';

import { backfill } from '@/lib/simulator/backfill';
import { rebuildableIndexes, restoreMissingIndexes } from '@/lib/store/postgres';
import { openDataStore } from '@/lib/store';
import { setUpOwnDatabase } from '@/lib/store/providers/postgres/schema/prepare-datastore';

import { createTestDatabase, type TestDatabase, testServers, withClient } from '../../support/test-databases';
import { until } from '../../support/until';

/** Everything about health_events a backfill could change: indexes, constraints, triggers, columns. */
const schemaOf = (url: string) =>
  withClient(url, async (client) => {
    const { rows } = await client.query(`SELECT json_build_object(
      'indexes', (SELECT json_agg(json_build_object('name', c.relname, 'def', pg_get_indexdef(i.indexrelid), 'valid', i.indisvalid,
                   'ready', i.indisready, 'live', i.indislive, 'unique', i.indisunique, 'primary', i.indisprimary) ORDER BY c.relname)
                  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'health_events'::regclass),
      'constraints', (SELECT json_agg(json_build_object('name', conname, 'type', contype, 'def', pg_get_constraintdef(oid)) ORDER BY conname)
                      FROM pg_constraint WHERE conrelid = 'health_events'::regclass),
      'triggers', (SELECT json_agg(json_build_object('name', tgname, 'enabled', tgenabled, 'def', pg_get_triggerdef(oid)) ORDER BY tgname)
                   FROM pg_trigger WHERE tgrelid = 'health_events'::regclass),
      'columns', (SELECT json_agg(json_build_object('name', attname, 'type', format_type(atttypid, atttypmod), 'notNull', attnotnull,
                    'default', pg_get_expr(d.adbin, d.adrelid)) ORDER BY attnum)
                  FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                  WHERE a.attrelid = 'health_events'::regclass AND attnum > 0 AND NOT attisdropped)) AS schema`);
    return rows[0].schema as {
      indexes: { name: string; valid: boolean }[];
      triggers: { name: string; enabled: string }[];
    };
  });

const countEvents = (url: string) =>
  withClient(
    url,
    async (client) => (await client.query('SELECT count(*)::int AS n FROM health_events')).rows[0].n as number,
  );

async function migratedDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase(testServers()[0]);
  await setUpOwnDatabase(database.url);
  return database;
}

/** Runs a backfill in a child process and SIGKILLs it when a line of its output matches `killAt`. */
async function killedBackfill(url: string, events: number, killAt: RegExp): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/support/backfill-process.ts'], {
    env: { ...process.env, DATABASE_URL: url, EVENTS: String(events) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  child.stderr.on('data', (chunk) => (errors += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (killAt.test(output)) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.once('exit', () =>
      reject(new Error(`backfill ended before ${killAt}: ${output.slice(-300)} ${errors.slice(-500)}`)),
    );
  });
  await exited;
  // The server rolls back once it notices the client is gone (at once during a COPY, at the end
  // of the statement during an index build).
  await withClient(url, (client) =>
    until(
      'the killed backfill to leave the server',
      async () =>
        (
          await client.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'sentinel-console-backfill'`,
          )
        ).rows[0].n === 0,
      60_000,
    ),
  );
  return output;
}

describe('simulator backfill', () => {
  it('writes days of processed history without flooding the changelog, and leaves the schema as it found it', async () => {
    const database = await migratedDatabase();
    const store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    try {
      const before = await schemaOf(database.url);
      const progress: number[] = [];
      const built: string[] = [];
      const result = await backfill(database.url, {
        seed: 3,
        nodes: 200,
        events: 12_000,
        days: 2,
        batchSize: 5_000,
        onProgress: (p) => progress.push(p.written),
        onIndex: (p) => built.push(`${p.done}/${p.of} ${p.name}`),
      });
      expect(result).toMatchObject({ written: 12_000, skippedChangelog: true, keptIndexesBecause: undefined });
      expect(progress).toEqual([5_000, 10_000, 12_000]);
      // Every index of the table, the primary key and NVSentinel's GIN and unique ones included.
      expect([...result.rebuiltIndexes].sort()).toEqual(before.indexes.map((index) => index.name).sort());
      expect(result.rebuiltIndexes).toContain('health_events_pkey');
      expect(result.rebuiltIndexes).toContain('idx_health_events_document_gin');
      expect(built).toHaveLength(before.indexes.length);
      expect(built[built.length - 1]).toMatch(new RegExp(`^${before.indexes.length}/${before.indexes.length} `));
      // The phases fit in the whole (the commit after them takes what it takes on a busy machine).
      expect(result.loadSeconds).toBeGreaterThan(0);
      expect(result.indexSeconds).toBeGreaterThan(0);
      expect(result.loadSeconds + result.indexSeconds).toBeLessThanOrEqual(result.seconds);
      expect(await schemaOf(database.url)).toEqual(before);

      expect(await store.healthEvents().count()).toBe(12_000);
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const span = (
        await client.query(
          `SELECT extract(epoch FROM max(created_at) - min(created_at)) / 3600 AS hours FROM health_events`,
        )
      ).rows[0];
      const changelog = (await client.query(`SELECT count(*)::int AS n FROM datastore_changelog`)).rows[0];
      const columns = (
        await client.query(`SELECT count(*)::int AS n FROM health_events
        WHERE node_quarantined IS DISTINCT FROM document->'healtheventstatus'->>'nodequarantined'
           OR user_pods_eviction_status IS DISTINCT FROM NULLIF(document->'healtheventstatus'->'userpodsevictionstatus'->>'status', '')
           OR fault_remediated IS DISTINCT FROM (document->'healtheventstatus'->'faultremediated'->>'value')::boolean
           OR node_name <> document->'healthevent'->>'nodeName' OR updated_at <> created_at`)
      ).rows[0];
      await client.end();
      expect(Number(span.hours)).toBeGreaterThan(47);
      expect(changelog.n).toBe(0);
      expect(columns.n).toBe(0);
      const fatal = await store.healthEvents().find({ isFatal: true }, { limit: 50 });
      expect(fatal.items.length).toBeGreaterThan(0);
      for (const event of fatal.items) {
        expect(['Quarantined', 'AlreadyQuarantined']).toContain(event.status.nodeQuarantined);
        expect(['Succeeded', 'AlreadyDrained']).toContain(event.status.userPodsEvictionStatus.status);
      }
      await expect(backfill(database.url, { seed: 1, nodes: 10, events: 0, days: 1 })).rejects.toThrow(
        'events must be a whole number from 1 to 100000000 (got 0)',
      );
    } finally {
      await store.close();
      await database.drop();
    }
  });

  it('keeps the indexes and commits batch by batch into a table holding real data, or when asked', async () => {
    const database = await migratedDatabase();
    const store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    try {
      await store
        .healthEvents()
        .insertMany([{ nodeName: 'real-node', agent: 'syslog-health-monitor', checkName: 'SysLogsXIDError' }]);
      const before = await schemaOf(database.url);
      const real = await backfill(database.url, { seed: 3, nodes: 20, events: 3_000, days: 1, batchSize: 1_000 });
      expect(real).toMatchObject({
        written: 3_000,
        rebuiltIndexes: [],
        indexSeconds: 0,
        keptIndexesBecause: 'the table holds events the simulator did not write',
      });
      const asked = await backfill(database.url, { seed: 4, nodes: 20, events: 1_000, days: 1, keepIndexes: true });
      expect(asked).toMatchObject({ rebuiltIndexes: [], keptIndexesBecause: 'asked to keep them' });
      expect(await schemaOf(database.url)).toEqual(before);
      expect(await countEvents(database.url)).toBe(4_001);
    } finally {
      await store.close();
      await database.drop();
    }
  });

  it('a backfill that fails in the load or in the index builds leaves every index and no rows', async () => {
    const database = await migratedDatabase();
    try {
      const before = await schemaOf(database.url);
      await expect(
        backfill(database.url, {
          seed: 3,
          nodes: 50,
          events: 20_000,
          days: 1,
          batchSize: 2_000,
          onProgress: ({ written }) => {
            if (written >= 6_000) throw new Error('disk full (simulated)');
          },
        }),
      ).rejects.toThrow('disk full (simulated)');
      expect(await schemaOf(database.url)).toEqual(before);
      expect(await countEvents(database.url)).toBe(0);

      await expect(
        backfill(database.url, {
          seed: 3,
          nodes: 50,
          events: 5_000,
          days: 1,
          onIndex: ({ done }) => {
            if (done === 3) throw new Error('out of memory building an index (simulated)');
          },
        }),
      ).rejects.toThrow('out of memory building an index (simulated)');
      expect(await schemaOf(database.url)).toEqual(before);
      expect(await countEvents(database.url)).toBe(0);

      // An index the new rows break (here: unique over a constant) fails its build: same outcome.
      await withClient(database.url, (client) =>
        client.query(`CREATE UNIQUE INDEX backfill_test_refuses_all ON health_events ((1))`),
      );
      const withExtra = await schemaOf(database.url);
      await expect(backfill(database.url, { seed: 3, nodes: 50, events: 3_000, days: 1 })).rejects.toThrow(
        /backfill_test_refuses_all/,
      );
      expect(await schemaOf(database.url)).toEqual(withExtra);
      expect(await countEvents(database.url)).toBe(0);
    } finally {
      await database.drop();
    }
  });

  it('a backfill process killed during the load or during the index builds leaves every index and no rows', async () => {
    const database = await migratedDatabase();
    try {
      const before = await schemaOf(database.url);
      const duringLoad = await killedBackfill(database.url, 200_000, /load 6000\n/);
      expect(duringLoad).not.toContain('index ');
      expect(await schemaOf(database.url)).toEqual(before);
      expect(await countEvents(database.url)).toBe(0);

      const duringIndexes = await killedBackfill(database.url, 60_000, /index \S+\n/);
      expect(duringIndexes).not.toContain('done');
      expect(await schemaOf(database.url)).toEqual(before);
      expect(await countEvents(database.url)).toBe(0);
    } finally {
      await database.drop();
    }
  }, 120_000);

  it('refuses clearly, changing nothing, when another session holds the table', async () => {
    const database = await migratedDatabase();
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    try {
      const before = await schemaOf(database.url);
      await holder.query('BEGIN');
      await holder.query('SELECT count(*) FROM health_events');
      await expect(
        backfill(database.url, { seed: 1, nodes: 10, events: 100, days: 1, lockTimeoutMs: 300 }),
      ).rejects.toThrow(
        'health_events is in use by another session (a running dashboard or simulator?); stop it, or keep the indexes (--keep-indexes)',
      );
      await holder.query('COMMIT');
      expect(await schemaOf(database.url)).toEqual(before);
      expect(await countEvents(database.url)).toBe(0);
    } finally {
      await holder.end();
      await database.drop();
    }
  });

  it('restoreMissingIndexes makes again exactly the indexes that are missing', async () => {
    const database = await migratedDatabase();
    try {
      const before = await schemaOf(database.url);
      const indexes = await withClient(database.url, (client) => rebuildableIndexes(client));
      const gin = indexes.find((index) => index.name === 'idx_health_events_document_gin')!;
      const primaryKey = indexes.find((index) => index.constraint === 'health_events_pkey')!;
      await withClient(database.url, async (client) => {
        await client.query(gin.drop);
        await client.query(primaryKey.drop);
      });
      expect((await schemaOf(database.url)).indexes).toHaveLength(before.indexes.length - 2);
      expect((await restoreMissingIndexes(database.url, indexes)).sort()).toEqual([
        'health_events_pkey',
        'idx_health_events_document_gin',
      ]);
      expect(await schemaOf(database.url)).toEqual(before);
      expect(await restoreMissingIndexes(database.url, indexes)).toEqual([]);
    } finally {
      await database.drop();
    }
  });
});

// The console on a database NVSentinel set up, in each state NVSentinel may leave it (an older
// release's runtime createTables(), its migrations 00001, 00002, 00003), as a role with DML rights
// only, its own tables in a console database apart: NVSentinel's writers, trigger and reader keep
// working, the change feed delivers a late commit, NVSentinel's consumers' lag is what their own
// reader has left, and nothing of NVSentinel's schema changes (no DDL: an event trigger logs any,
// and the catalog is compared before and after).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openDataStore, type ChangeEvent, type ChangeFeed, type DataStore } from '@/lib/store';
import { applyMigrations } from '@/lib/store/providers/postgres/schema/migration-runner';
import { prepareDatastore, withSearchPath } from '@/lib/store/providers/postgres/schema/prepare-datastore';

import { healthyDocument, xidFatalDocument } from '../../fixtures/nvsentinel/documents';
import { applyNvsentinelSchemaState, type SchemaState } from '../../fixtures/nvsentinel/schema-states';
import {
  changeStreamPage,
  faultQuarantineSetStatus,
  markProcessed,
  maintenanceUpsert,
  nodeDrainerSetEviction,
  platformConnectorInsert,
  saveResumeToken,
} from '../../fixtures/nvsentinel/writers';
import { catalogFingerprint, loggedDdl, stopWatchingDdl, watchDdl } from '../../support/ddl-watch';
import { dmlOnlyRole, dropRole } from '../../support/dml-role';
import { createTestDatabase, testServers, type TestDatabase } from '../../support/test-databases';
import { until } from '../../support/until';

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

const STATES: { state: SchemaState; label: string; verdict: string }[] = [
  { state: 'runtime', label: "an older release's runtime createTables()", verdict: 'older' },
  { state: 1, label: 'migration 00001', verdict: 'older' },
  { state: 2, label: 'migrations 00001-00002', verdict: 'older' },
  { state: 3, label: 'migrations 00001-00003', verdict: 'current' },
];
const variants = testServers().flatMap((server) => STATES.map((state) => ({ ...state, server, name: server.name })));

describe.each(variants)(
  "the console on NVSentinel's schema after $label, as a DML-only role, on $name",
  ({ state, verdict, server }) => {
    // Schema version 1 has no finish timestamps: its writers of that era wrote none.
    const finishTimestamps = state !== 1;
    const insert = (client: pg.Client, document: ReturnType<typeof xidFatalDocument>) =>
      platformConnectorInsert(client, document, { finishTimestamps });
    let database: TestDatabase;
    let consoleDatabase: TestDatabase;
    /** NVSentinel: its writers and reader, as the role that created the schema. */
    let nvsentinel: pg.Client;
    let dmlUrl: string;
    let store: DataStore;
    let before: string;
    let versionsBefore: unknown[];
    const notifications: number[] = [];
    let listener: pg.Client;

    const versions = async () => {
      const present = (
        await nvsentinel.query(`SELECT to_regclass('nvsentinel_schema_migrations') IS NOT NULL AS present`)
      ).rows[0].present;
      return present
        ? (
            await nvsentinel.query(
              'SELECT version::int, description FROM nvsentinel_schema_migrations ORDER BY version',
            )
          ).rows
        : [];
    };

    beforeAll(async () => {
      database = await createTestDatabase(server);
      consoleDatabase = await createTestDatabase(server);
      nvsentinel = await connect(database.url);
      await applyNvsentinelSchemaState(nvsentinel, state);
      await platformConnectorInsert(nvsentinel, xidFatalDocument('gpu-node-000'), { finishTimestamps });

      // The console's role: DML on NVSentinel's tables, nothing else (as NVSentinel's own applications).
      dmlUrl = await dmlOnlyRole(database.url);
      // Any DDL that succeeds in this database from here on is logged, whoever runs it.
      await watchDdl(nvsentinel);
      before = await catalogFingerprint(nvsentinel);
      versionsBefore = await versions();

      listener = await connect(database.url);
      listener.on('notification', (message) => notifications.push(Number(JSON.parse(message.payload ?? '{}').id)));
      await listener.query('LISTEN nvsentinel_changes');

      await applyMigrations(consoleDatabase.url);
      store = await openDataStore({
        provider: 'postgresql',
        connectionString: dmlUrl,
        consoleConnectionString: consoleDatabase.url,
      });
    });

    afterAll(async () => {
      await store?.close();
      await listener?.end();
      if (nvsentinel) await stopWatchingDdl(nvsentinel).catch(() => {});
      await nvsentinel?.end();
      await database?.drop();
      await consoleDatabase?.drop();
      if (dmlUrl) await dropRole(server.adminUrl, dmlUrl);
    });

    it('reads the schema version at start and says what it is, changing nothing', async () => {
      const prepared = await prepareDatastore(dmlUrl);
      expect(prepared.verdict.state).toBe(verdict);
      expect(prepared.consoleOwned).toBe(false);
      expect(prepared.consoleSchema).toBeNull();
      // A role without CREATE anywhere is refused any DDL: the console never needed it.
      const dml = await connect(dmlUrl);
      await expect(dml.query('CREATE TABLE console_probe (id int)')).rejects.toThrow(/permission denied/);
      await dml.end();
    });

    it("keeps NVSentinel's writers, trigger and reader working beside the console", async () => {
      const fatal = await insert(nvsentinel, xidFatalDocument('gpu-node-001'));
      await insert(nvsentinel, healthyDocument('gpu-node-002'));
      await faultQuarantineSetStatus(nvsentinel, fatal, 'Quarantined');
      await nodeDrainerSetEviction(nvsentinel, fatal, 'InProgress');
      await maintenanceUpsert(nvsentinel, {
        eventId: `aws-mx-${state}`,
        csp: 'aws',
        clusterName: 'c1',
        nodeName: 'gpu-node-001',
        status: 'DETECTED',
        cspStatus: 'PENDING',
      });
      const changes = await nvsentinel.query(`SELECT id::int FROM datastore_changelog ORDER BY id`);
      // The preexisting insert, two inserts, two updates, one maintenance insert.
      expect(changes.rowCount).toBe(6);
      // Version 1's trigger does not notify; every other state does (its Go runtime one too).
      if (state === 1) expect(notifications).toEqual([]);
      else await until('a notification per write', async () => notifications.length >= 5);
      const page = await changeStreamPage(nvsentinel, 'health_events', {
        timestamp: '1970-01-01T00:00:00Z',
        eventId: 0,
      });
      expect(page.map((row) => row.operation)).toEqual(['INSERT', 'INSERT', 'INSERT', 'UPDATE', 'UPDATE']);
    });

    it('delivers both events of an interleaved commit (A opened first, committed last), each once', async () => {
      await store.consumers().register('pipeline-check', { startAt: 'now' });
      const feed: ChangeFeed = await store.changes('pipeline-check', {
        collections: ['healthEvents'],
        pollIntervalMs: 50,
      });
      const received: string[] = [];
      const reading = (async () => {
        for await (const change of feed as AsyncIterable<ChangeEvent>) {
          if (change.collection === 'healthEvents' && change.document)
            received.push(change.document.healthEvent.nodeName);
          await feed.ack(change.position);
        }
      })();
      const writerA = await connect(database.url);
      try {
        await writerA.query('BEGIN');
        await insert(writerA, xidFatalDocument('node-a')); // lower changelog id, stays open
        await insert(nvsentinel, xidFatalDocument('node-b')); // higher id, committed at once
        await until('B delivered while A is open', async () => received.includes('node-b'));
        expect(received).not.toContain('node-a');
        await writerA.query('COMMIT');
        await until('A delivered once it committed', async () => received.includes('node-a'));
      } finally {
        await writerA.end();
      }
      await feed.close();
      await reading;
      expect(received.filter((name) => name === 'node-a' || name === 'node-b').sort()).toEqual(['node-a', 'node-b']);
      // After a restart from the stored position: nothing of it comes again.
      const lag = (await store.consumers().lag()).find((entry) => entry.consumer === 'pipeline-check');
      expect(lag).toMatchObject({ positionKnown: true, documentsBehind: 0 });
    });

    it("reports an NVSentinel consumer's lag as exactly what its own reader has left to read", async () => {
      for (let i = 0; i < 130; i += 1) await insert(nvsentinel, xidFatalDocument(`lag-node-${i % 13}`));
      // fault-quarantine reads one page of 100 and stores its position, as its watcher does.
      const page = await changeStreamPage(nvsentinel, 'health_events', {
        timestamp: '1970-01-01T00:00:00Z',
        eventId: 0,
      });
      const last = page[page.length - 1];
      await saveResumeToken(nvsentinel, 'fault-quarantine', {
        timestamp: last.changed_at_text,
        eventId: Number(last.id),
      });
      await markProcessed(nvsentinel, 'health_events', Number(last.id));
      // What its reader would still read from that token.
      let left = 0;
      let cursor = { timestamp: last.changed_at_text, eventId: Number(last.id) };
      for (;;) {
        const next = await changeStreamPage(nvsentinel, 'health_events', cursor);
        if (next.length === 0) break;
        left += next.length;
        cursor = { timestamp: next[next.length - 1].changed_at_text, eventId: Number(next[next.length - 1].id) };
      }
      expect(left).toBeGreaterThan(0);
      const lag = (await store.consumers().lag()).find((entry) => entry.consumer === 'fault-quarantine');
      expect(lag).toMatchObject({ positionKnown: true, documentsBehind: left });
      expect(lag!.lagSeconds).toBeGreaterThanOrEqual(0);
    });

    it('quarantines and releases a node through the SDK with DML only', async () => {
      const [forced] = await store.healthEvents().insertMany([
        {
          nodeName: 'gpu-node-001',
          agent: 'sentinel-console',
          checkName: 'ManualQuarantine',
          isFatal: true,
          message: 'bad GPU 3',
          quarantineOverrides: { force: true, skip: false },
          metadata: { creator_id: 'alice' },
        },
      ]);
      expect((await store.healthEvents().get(forced.recordId))?.healthEvent.metadata).toEqual({ creator_id: 'alice' });
      await faultQuarantineSetStatus(nvsentinel, forced.recordId, 'Quarantined');
      expect(await store.healthEvents().cancelQuarantine('gpu-node-001', new Date(0))).toBeGreaterThanOrEqual(1);
    });

    it('issued no DDL: the catalog, the schema versions and the console-free tables are as NVSentinel left them', async () => {
      expect(await loggedDdl(nvsentinel)).toEqual([]);
      expect(await catalogFingerprint(nvsentinel)).toBe(before);
      expect(await versions()).toEqual(versionsBefore);
      // Nothing of the console's in resume_tokens: its consumer's position is in the console database.
      const tokens = await nvsentinel.query('SELECT client_name FROM resume_tokens ORDER BY 1');
      expect(tokens.rows.map((row) => row.client_name)).toEqual(['fault-quarantine']);
    });
  },
);

describe("the console's tables in a schema a DBA made for it in NVSentinel's database", () => {
  let database: TestDatabase;
  let admin: pg.Client;
  let dmlUrl: string;
  let store: DataStore | undefined;

  beforeAll(async () => {
    database = await createTestDatabase(testServers()[0]);
    admin = await connect(database.url);
    await applyNvsentinelSchemaState(admin, 3);
    dmlUrl = await dmlOnlyRole(database.url);
    // The DBA's one statement for the console (README, "What the console needs from a DBA").
    await admin.query(`CREATE SCHEMA sentinel_console AUTHORIZATION ${new URL(dmlUrl).username}`);
  });

  afterAll(async () => {
    await store?.close();
    await admin?.end();
    await database?.drop();
    if (dmlUrl) await dropRole(testServers()[0].adminUrl, dmlUrl);
  });

  it('finds the schema, keeps every console table in it, and leaves public as NVSentinel made it', async () => {
    const url = new URL(dmlUrl);
    const publicTables = async () =>
      (
        await admin.query(
          `SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY 1`,
        )
      ).rows.map((row) => row.relname);
    const before = await publicTables();
    const prepared = await prepareDatastore(url.toString());
    expect(prepared).toMatchObject({ consoleOwned: false, consoleSchema: 'sentinel_console' });
    const consoleUrl = withSearchPath(url.toString(), 'sentinel_console');
    await applyMigrations(consoleUrl);
    store = await openDataStore({
      provider: 'postgresql',
      connectionString: url.toString(),
      consoleConnectionString: consoleUrl,
    });
    await store.consumers().register('schema-consumer', { startAt: 'now' });
    const ours = (
      await admin.query(
        `SELECT relname FROM pg_class WHERE relnamespace = 'sentinel_console'::regnamespace AND relkind = 'r' ORDER BY 1`,
      )
    ).rows.map((row) => row.relname);
    expect(ours).toEqual(
      expect.arrayContaining([
        '_prisma_migrations',
        'console_consumers',
        'console_dead_letters',
        'console_audit_log',
        'console_user',
      ]),
    );
    expect(await publicTables()).toEqual(before);
    const registered = await admin.query(
      `SELECT resume_token IS NOT NULL AS stored FROM sentinel_console.console_consumers WHERE client_name = 'schema-consumer'`,
    );
    expect(registered.rows).toEqual([{ stored: true }]);
  });
});

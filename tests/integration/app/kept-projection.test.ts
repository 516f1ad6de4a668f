// The node projection kept in the console database (issue 18), on a real PostgreSQL: the first
// start builds it in pages while the hub already answers, writes during the build count once, a
// restart loads the kept rows instead of reading every event, an interrupted build goes on from
// its last page, and a projection whose place left the changelog is built again, never served.
// The Throughput page's roll-ups kept with it hold every event exactly once through all of that
// (compared row for row with the datastore's own count per minute and hour).
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { LiveHub } from '@/lib/live/live-hub';
import { readThroughput } from '@/lib/queries/throughput';
import { THROUGHPUT_GROUPINGS, THROUGHPUT_RANGE_NAMES } from '@/lib/queries/throughput-view';
import { NodeProjection } from '@/lib/node-state/node-projection';
import { EventCountReads } from '@/lib/projection/event-count-reads';
import { KeptProjection } from '@/lib/projection/kept-projection';
import { ProjectionLease } from '@/lib/projection/projection-lease';
import { ProjectionTables } from '@/lib/projection/projection-tables';
import { openDataStore, type DataStore, type NewHealthEvent } from '@/lib/store';
import { setUpOwnDatabase } from '@/lib/store/providers/postgres/schema/prepare-datastore';

import { createTestDatabase, testServers, type TestDatabase } from '../../support/test-databases';
import { xidFatalDocument } from '../../fixtures/nvsentinel/documents';
import { platformConnectorInsert } from '../../fixtures/nvsentinel/writers';
import { countsAgree as rollUpsAgree, keptCountRows } from '../../support/event-counts';
import { until } from '../../support/until';
import { shown } from '../../support/node-views';

const NODES = 60;
const PAGE = 25;
const node = (i: number) => `kept-${String(i).padStart(3, '0')}`;
const fatal = (nodeName: string, overrides: Partial<NewHealthEvent> = {}): NewHealthEvent => ({
  nodeName,
  agent: 'syslog-health-monitor',
  checkName: 'SysLogsXIDError',
  isFatal: true,
  errorCode: ['79'],
  recommendedAction: 'RESTART_BM',
  entitiesImpacted: [{ entityType: 'GPU', entityValue: String(nodeName.length % 8) }],
  ...overrides,
});

describe('kept node projection', () => {
  let database: TestDatabase;
  let store: DataStore;
  let pool: pg.Pool;
  const hubs: LiveHub[] = [];
  const logs: string[] = [];

  const keptHub = (tables: ProjectionTables = new ProjectionTables(pool), on: DataStore = store) => {
    const kept = new KeptProjection(tables, { pageSize: PAGE, log: (line) => logs.push(line) });
    const lease = new ProjectionLease(pool, { ttlSeconds: 3 });
    const hub = new LiveHub(on, {
      consumer: 'kept-test',
      flushMs: 20,
      persistMs: 20,
      pipelineSampleMs: 60_000,
      kept,
      lease,
    });
    hubs.push(hub);
    return hub;
  };

  /** The projection as one consistent read of the datastore gives it now: the reference. */
  const reference = async () => {
    const projection = new NodeProjection();
    projection.load(await store.readNodeState());
    return projection
      .views()
      .map(shown)
      .sort((a, b) => a.name.localeCompare(b.name));
  };
  const viewsOf = (hub: LiveHub) =>
    hub
      .nodes()
      .map(shown)
      .sort((a, b) => a.name.localeCompare(b.name));
  const keptRows = async () =>
    Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM console_node_projection')).rows[0].n);
  const agrees = async (hub: LiveHub) => JSON.stringify(viewsOf(hub)) === JSON.stringify(await reference());
  const savedAgrees = async () => {
    const projection = new NodeProjection();
    await new ProjectionTables(pool).loadRecords((kept) => projection.importRecords(kept.map((entry) => entry.record)));
    return (
      JSON.stringify(
        projection
          .views()
          .map(shown)
          .sort((a, b) => a.name.localeCompare(b.name)),
      ) === JSON.stringify(await reference())
    );
  };

  const countRows = () => keptCountRows(pool);
  const countsAgree = () => rollUpsAgree(pool, store);

  beforeAll(async () => {
    database = await createTestDatabase(testServers()[0]);
    await setUpOwnDatabase(database.url);
    store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    pool = new pg.Pool({ connectionString: database.url, max: 4 });
    // History before the first start: NODES nodes, two fatal events each, a quarantine on some.
    const stored = await store
      .healthEvents()
      .insertMany(Array.from({ length: NODES * 2 }, (_, i) => fatal(node(i % NODES))));
    for (const event of stored.slice(0, 10))
      await store.healthEvents().updateQuarantine(event.recordId, { status: 'Quarantined' });
  });

  // A failed test must not leave its hub holding the lease for the next one.
  afterEach(async () => {
    for (const hub of hubs.splice(0)) await hub.stop();
  });

  afterAll(async () => {
    await pool?.end();
    await store?.close();
    await database?.drop();
  });

  it('the first start builds it page by page while the hub answers; writes during the build count once', async () => {
    // Hold the build before it reads its second page, so that writes land while it is under way,
    // on a built page and on one still to come.
    let reads = 0;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const heldStore = new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'readNodeState')
          return async (...args: Parameters<DataStore['readNodeState']>) => {
            reads += 1; // 1: the checkpoint before page 1; 2: page 1; 3: page 2
            if (reads === 3) await held;
            return target.readNodeState(...args);
          };
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const hub = keptHub(new ProjectionTables(pool), heldStore);
    await hub.start();
    // Answering already: warming up, with what is read so far.
    await until('the first page', async () => hub.status().projection?.nodesBuilt === PAGE);
    expect(hub.status().projection).toMatchObject({ phase: 'building', nodesBuilt: PAGE, nodesTotal: NODES });
    expect(hub.nodes()).toHaveLength(PAGE);
    // A node of the built page and one of a page still to come get a fatal event each; a new node too.
    await store.healthEvents().insertMany([fatal(node(0)), fatal(node(NODES - 1)), fatal('kept-new')]);
    release();
    await until('the build to end', async () => hub.status().projection?.phase === 'live');
    await until('the hub to agree with the datastore', () => agrees(hub));
    expect(hub.nodes().find((view) => view.name === node(0))?.fatalCount).toBe(3);
    expect(hub.nodes().find((view) => view.name === node(NODES - 1))?.fatalCount).toBe(3);
    await until('the kept rows to agree with the datastore', savedAgrees);
    expect(await keptRows()).toBe(NODES + 1);
    // The roll-ups too: the page before the writes counted node 0's new event from the feed, the
    // page after counted node 59's in its read; each once.
    await until('the roll-ups to agree with the datastore', countsAgree);
    expect((await countRows()).length).toBeGreaterThan(0);
    expect(logs.some((line) => /building it from postgresql \(60 nodes, 25 per page\)/.test(line))).toBe(true);
    await hub.stop();
  });

  it('a restart loads the kept rows (no build) and catches up on what was written while it was away, once', async () => {
    const before = (await new ProjectionTables(pool).state())!;
    await store.healthEvents().insertMany([fatal(node(5)), fatal(node(30)), fatal('kept-while-away')]);
    // NVSentinel's platform connector: the document's createdAt is the writer's clock (an hour
    // behind here), created_at the database's NOW(); the roll-ups count it where the datastore's
    // own queries do, by created_at.
    const writer = await pool.connect();
    try {
      await platformConnectorInsert(writer, xidFatalDocument('kept-go-writer', Math.floor(Date.now() / 1000) - 3_600));
    } finally {
      writer.release();
    }
    const hub = keptHub();
    await hub.start();
    // Loaded at once: live, no new build.
    expect(hub.status().projection?.phase).toBe('live');
    expect((await new ProjectionTables(pool).state())!.buildStartedAt).toEqual(before.buildStartedAt);
    await until('the catch-up', () => agrees(hub));
    expect(hub.nodes().find((view) => view.name === node(5))?.fatalCount).toBe(3);
    await until('the kept rows to follow', savedAgrees);
    await until('the roll-ups to follow', countsAgree);
    await hub.stop();
  });

  it('an interrupted build goes on from its last page and counts nothing twice', async () => {
    await pool.query(`UPDATE console_projection_state SET datastore = 'another'`); // as if built from another datastore
    const tables = new ProjectionTables(pool);
    const savePage = tables.savePage.bind(tables);
    let pages = 0;
    tables.savePage = async (...args) => {
      pages += 1;
      if (pages === 2) throw new Error('the console database went away');
      await savePage(...args);
    };
    const errors: string[] = [];
    const kept = new KeptProjection(tables, { pageSize: PAGE, log: (line) => logs.push(line) });
    const hub = new LiveHub(store, {
      consumer: 'kept-test',
      flushMs: 20,
      persistMs: 20,
      pipelineSampleMs: 60_000,
      recoverMs: 20,
      kept,
      lease: new ProjectionLease(pool, { ttlSeconds: 3 }),
      onError: (error) => errors.push((error as Error).message),
    });
    hubs.push(hub);
    await hub.start();
    await until('the build to end after the failure', async () => hub.status().projection?.phase === 'live');
    expect(errors).toContain('the console database went away');
    expect(logs.some((line) => /going on with the build after 25 of/.test(line))).toBe(true);
    await store.healthEvents().insertMany([fatal(node(50))]);
    await until('the hub to agree', () => agrees(hub));
    await until('the kept rows to agree', savedAgrees);
    await until('the roll-ups to agree', countsAgree);
    await hub.stop();
  });

  it('a kept projection whose place left the changelog is built again, not served', async () => {
    // The console was away while retention removed what the hub's consumer had not read.
    await store.healthEvents().insertMany([fatal(node(7))]);
    await pool.query(
      `UPDATE console_consumers SET position_lost_at = now(), position_lost_reason = 'test: rows removed by retention' WHERE client_name = 'kept-test'`,
    );
    const before = (await new ProjectionTables(pool).state())!;
    const hub = keptHub();
    await hub.start();
    await until('a new build to end', async () => {
      const state = await new ProjectionTables(pool).state();
      return (
        state!.buildStartedAt.getTime() > before.buildStartedAt.getTime() && hub.status().projection?.phase === 'live'
      );
    });
    await until('the hub to agree', () => agrees(hub));
    expect(hub.nodes().find((view) => view.name === node(7))?.fatalCount).toBe(3);
    await until('the roll-ups to agree', countsAgree);
    await hub.stop();
  });

  it('a save whose commit went through but whose answer was lost counts nothing twice: the keeper starts again from the kept rows', async () => {
    const tables = new ProjectionTables(pool);
    const save = tables.save.bind(tables);
    let failed = 0;
    tables.save = async (...args) => {
      await save(...args);
      // Committed, then the connection dropped before the answer: the keeper cannot tell.
      if (args[3] && args[3].length > 0 && failed === 0) {
        failed += 1;
        throw new Error('connection terminated unexpectedly');
      }
    };
    const errors: string[] = [];
    const hub = new LiveHub(store, {
      consumer: 'kept-test',
      flushMs: 20,
      persistMs: 20,
      pipelineSampleMs: 60_000,
      recoverMs: 20,
      kept: new KeptProjection(tables, { pageSize: PAGE }),
      lease: new ProjectionLease(pool, { ttlSeconds: 3 }),
      onError: (error) => errors.push((error as Error).message),
    });
    hubs.push(hub);
    await hub.start();
    await store.healthEvents().insertMany([fatal(node(21)), fatal(node(22), { isFatal: false, checkName: 'GpuTemp' })]);
    await until('the failed save', async () => failed === 1);
    await store.healthEvents().insertMany([fatal(node(23))]);
    await until('the hub to agree', () => agrees(hub));
    await until('the kept rows to agree', savedAgrees);
    await until('the roll-ups to agree', countsAgree);
    expect(errors).toContain('connection terminated unexpectedly');
    await hub.stop();
  });

  it('the roll-ups answer the Throughput page as the datastore would; a projection kept before roll-ups is built again', async () => {
    // Kept by an older console (no roll-ups): built again, which backfills them.
    await pool.query(`UPDATE console_projection_state SET rollup_version = 0`);
    await pool.query(`DELETE FROM console_event_counts`);
    // History in earlier hours too, so that hour rows answer as well as minute rows.
    const hour = 3_600_000;
    await store
      .healthEvents()
      .insertMany([
        fatal(node(40), { createdAt: new Date(Date.now() - 3 * hour) }),
        fatal(node(41), { createdAt: new Date(Date.now() - 3 * hour + 60_000), isFatal: false }),
        fatal(node(42), { createdAt: new Date(Date.now() - 26 * hour), agent: 'gpu-health-monitor' }),
      ]);
    const reads = new EventCountReads(pool, new ProjectionTables(pool));
    const asked = {
      from: new Date(Math.floor(Date.now() / (6 * hour)) * 6 * hour - 30 * hour),
      // Whole minutes (the minute in progress is the caller's to read from the events).
      to: new Date(Math.floor(Date.now() / 60_000) * 60_000 + 60_000),
      groupBy: ['agent', 'isFatal'] as const,
    };
    expect(await reads.throughput(store, { ...asked, bucketSeconds: 60 })).toBeNull();
    const hub = keptHub();
    await hub.start();
    await until('the build to end', async () => hub.status().projection?.phase === 'live');
    await until('the roll-ups to agree', countsAgree);
    for (const bucketSeconds of [60, 300, 900, 3_600, 21_600]) {
      const request = { ...asked, bucketSeconds };
      const answered = await reads.throughput(store, request);
      expect(answered, `buckets of ${bucketSeconds} s`).toEqual(await store.healthEvents().throughput(request));
      expect(answered!.reduce((sum, row) => sum + row.count, 0)).toBe(await store.healthEvents().count());
    }
    // The Throughput page reads them for every range and grouping, and draws what every event gives.
    const now = Date.now();
    for (const range of THROUGHPUT_RANGE_NAMES)
      for (const by of THROUGHPUT_GROUPINGS) {
        const { source, ...fromCounts } = await readThroughput(store, { range, by, now }, { counts: reads });
        const { source: read, ...fromEvents } = await readThroughput(store, { range, by, now });
        expect([source, read]).toEqual(['rollups', 'events']);
        expect(fromCounts, `${range} by ${by}`).toEqual(fromEvents);
      }
    // Buckets finer than a minute, or a filter, are not theirs to answer.
    expect(await reads.throughput(store, { ...asked, bucketSeconds: 10 })).toBeNull();
    expect(
      await reads.throughput(store, { ...asked, to: new Date(asked.to.getTime() - 1_000), bucketSeconds: 60 }),
    ).toBeNull();
    expect(await reads.throughput(store, { ...asked, bucketSeconds: 60, filter: { nodeNames: [node(1)] } })).toBeNull();
    await hub.stop();
  });

  it('two replicas: one keeps it, the other follows; when the keeper dies the other takes over within seconds, nothing missed or doubled', async () => {
    const replica = async (name: string) => {
      const replicaStore = await openDataStore({ provider: 'postgresql', connectionString: database.url });
      const replicaPool = new pg.Pool({ connectionString: database.url, max: 4 });
      const lease = new ProjectionLease(replicaPool, { ttlSeconds: 2, holder: name });
      const kept = new KeptProjection(new ProjectionTables(replicaPool), { pageSize: PAGE });
      const hub = new LiveHub(replicaStore, {
        consumer: 'kept-test',
        flushMs: 20,
        persistMs: 20,
        pipelineSampleMs: 60_000,
        kept,
        lease,
      });
      return {
        hub,
        lease,
        close: async () => {
          await hub.stop();
          await replicaStore.close();
          await replicaPool.end();
        },
      };
    };
    const first = await replica('replica-a');
    await first.hub.start();
    const second = await replica('replica-b');
    await second.hub.start();
    expect(first.lease.hold?.holder).toBe('replica-a');
    expect(second.lease.hold).toBeNull();
    // Both serve the same nodes, live: the follower from the feed, without a place of its own.
    await store.healthEvents().insertMany([fatal(node(11)), fatal('kept-two-replicas')]);
    await until('the keeper to agree', () => agrees(first.hub));
    await until('the follower to agree', () => agrees(second.hub));
    expect(await store.consumers().names()).not.toContain('replica-b');

    // The keeper dies (stops renewing, its process gone): the follower takes the lease over.
    await first.lease.stop(false);
    await first.hub.stop();
    await store.healthEvents().insertMany([fatal(node(12)), fatal('kept-after-death')]);
    await until('the follower to take the lease over', async () => second.lease.hold?.holder === 'replica-b', 15_000);
    await store.healthEvents().insertMany([fatal(node(13))]);
    await until('the new keeper to agree', () => agrees(second.hub));
    await until('the kept rows to agree', savedAgrees);
    expect(second.hub.nodes().find((view) => view.name === node(12))?.fatalCount).toBe(3);
    await until('the roll-ups to agree', countsAgree);
    await second.close();
    await first.close();
  });
});

// Scenario 6: the kept node projection (lib/projection) under faults. The PostgreSQL server stops
// while the keeper is building the projection page by page, and starts again; two replicas start at
// the same moment on a database with history and race for the lease. Either way the hub ends live
// and agrees with one consistent read of the datastore, the kept rows agree with it, and the
// Throughput page's roll-ups hold every event exactly once: nothing lost, nothing doubled.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';

import { openConsolePool } from '@/lib/console-database/console-database';
import { EmbeddedDatabase } from '@/lib/embedded-database/embedded-database';
import { LiveHub } from '@/lib/live/live-hub';
import { NodeProjection } from '@/lib/node-state/node-projection';
import { KeptProjection } from '@/lib/projection/kept-projection';
import { PROJECTION_LEASE, ProjectionLease } from '@/lib/projection/projection-lease';
import { ProjectionTables } from '@/lib/projection/projection-tables';
import { openDataStore, type DataStore, type NewHealthEvent, type NodeStateReadOptions } from '@/lib/store';
import { setUpOwnDatabase } from '@/lib/store/providers/postgres/schema/prepare-datastore';

import { freePort } from '../support/free-port';
import { createTestDatabase, testServers, withClient } from '../support/test-databases';
import { until } from '../support/until';
import { shown } from '../support/node-views';
import { bySize } from './fault-mode';

const NODES = bySize(300, 1_200);
const PAGE = 20;
const node = (i: number) => `faults-node-${String(i).padStart(4, '0')}`;
/** Sorts before every page's nodes, so no build page reads it: it comes by the feed alone. */
const NEW_NODE = 'faults-new-node';

/** The k-th event of a node: agents, checks, fatality and health vary, spread over the last hours. */
const healthEvent = (nodeName: string, k: number, minutesAgo = 0): NewHealthEvent => ({
  nodeName,
  agent: k % 2 === 0 ? 'syslog-health-monitor' : 'gpu-health-monitor',
  checkName: ['SysLogsXIDError', 'GpuThermalWatch', 'GpuNvlinkWatch'][k % 3],
  isFatal: k % 3 === 0,
  isHealthy: k % 3 === 2 && nodeName.endsWith('0'),
  errorCode: ['79'],
  recommendedAction: k % 3 === 0 ? 'RESTART_BM' : 'NONE',
  entitiesImpacted: [{ entityType: 'GPU', entityValue: String(k % 8) }],
  createdAt: new Date(Date.now() - minutesAgo * 60_000),
});

/** Three events on every node, written before any hub starts. */
async function writeHistory(store: DataStore): Promise<void> {
  const events = Array.from({ length: NODES * 3 }, (_, i) =>
    healthEvent(node(i % NODES), Math.floor(i / NODES), (i * 7) % 240),
  );
  for (let start = 0; start < events.length; start += 1_000)
    await store.healthEvents().insertMany(events.slice(start, start + 1_000));
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);

/** One row of the roll-ups as text, whatever their columns (each column a key). */
const rollupRows = async (pool: pg.Pool) =>
  (await pool.query<{ row: string }>(`SELECT to_jsonb(counted)::text AS row FROM console_event_counts counted`)).rows
    .map((row) => row.row)
    .sort();

/**
 * A console database of its own where the projection is built afresh from the datastore: its
 * roll-ups are the datastore's events counted as they stand (each page's nodes counted in one read
 * by the datastore, no feed), to which the kept ones must come.
 */
async function scratchBuild(url: string, cleanups: (() => Promise<unknown>)[]) {
  await setUpOwnDatabase(url);
  const pool = openConsolePool({ connectionString: url }, 2);
  cleanups.push(() => pool.end());
  const lease = new ProjectionLease(pool, { ttlSeconds: 60, holder: 'scratch-build' });
  cleanups.push(() => lease.stop());
  await lease.start();
  return {
    rollups: async (store: DataStore) => {
      await new KeptProjection(new ProjectionTables(pool), { pageSize: 500 }).build(
        store,
        new NodeProjection(),
        lease.hold!,
      );
      return rollupRows(pool);
    },
  };
}

/** What the datastore says now, and what the console database and a hub hold, to compare. */
function truth(store: DataStore, pool: pg.Pool) {
  const viewsOf = (projection: NodeProjection) => projection.views().map(shown).sort(byName);
  return {
    /** The projection as one consistent read of the datastore gives it now: the reference. */
    reference: async () => {
      const projection = new NodeProjection();
      projection.load(await store.readNodeState());
      return viewsOf(projection);
    },
    hubViews: async (hub: LiveHub) => hub.nodes().map(shown).sort(byName),
    keptViews: async () => {
      const projection = new NodeProjection();
      await new ProjectionTables(pool).loadRecords((kept) =>
        projection.importRecords(kept.map((entry) => entry.record)),
      );
      return viewsOf(projection);
    },
  };
}

/**
 * Waits until `actual` equals `expected`; on timeout fails with the difference (not only "timed
 * out"), so a lost or doubled node or count shows which.
 */
async function comesToAgree(what: string, actual: () => Promise<unknown>, expected: () => Promise<unknown>) {
  try {
    await until(what, async () => JSON.stringify(await actual()) === JSON.stringify(await expected()), 60_000);
  } catch (error) {
    expect(await actual(), what).toEqual(await expected());
    throw error;
  }
}

/**
 * The hubs, the kept rows and the roll-ups all agree with the datastore (once nothing more is
 * written): every node as one read shows it, every event counted once.
 */
async function allAgree(
  store: DataStore,
  pool: pg.Pool,
  hubs: LiveHub[],
  scratch: Awaited<ReturnType<typeof scratchBuild>>,
) {
  const t = truth(store, pool);
  for (const [i, hub] of hubs.entries())
    await comesToAgree(`hub ${i + 1} to agree`, () => t.hubViews(hub), t.reference);
  await comesToAgree('the kept rows to agree', t.keptViews, t.reference);
  const counted = await scratch.rollups(store);
  expect(counted.length).toBeGreaterThan(0);
  await comesToAgree(
    'the roll-ups to agree',
    () => rollupRows(pool),
    async () => counted,
  );
}

interface ReadHold {
  /** Reads waiting on the hold now. */
  readonly waiting: number;
  release(): void;
}

/**
 * `store` whose readNodeState can be held: a read that `matches` (by its call number, from 1, and
 * its options) waits until the hold is released. The build's reads: first its starting checkpoint
 * (no nodes), then one per page.
 */
function holdingReads(store: DataStore) {
  let reads = 0;
  const holds: { matches: (call: number, options?: NodeStateReadOptions) => boolean; released: Promise<void> }[] = [];
  const held = new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'readNodeState')
        return async (options?: NodeStateReadOptions) => {
          reads += 1;
          const call = reads;
          for (const hold of holds) if (hold.matches(call, options)) await hold.released;
          return target.readNodeState(options);
        };
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    store: held,
    hold(matches: (call: number, options?: NodeStateReadOptions) => boolean): ReadHold {
      let release!: () => void;
      let waiting = 0;
      const released = new Promise<void>((resolve) => (release = resolve));
      holds.push({
        matches: (call, options) => {
          const hit = matches(call, options);
          if (hit) {
            waiting += 1;
            void released.then(() => (waiting -= 1));
          }
          return hit;
        },
        released,
      });
      return {
        get waiting() {
          return waiting;
        },
        release,
      };
    },
  };
}

const pageRead = (options?: NodeStateReadOptions) => (options?.nodeNames?.length ?? 0) > 0;

describe('the kept projection under faults', () => {
  /** Undone after each test in reverse order, whatever happened: hubs, stores, pools, servers, files. */
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    const failures: unknown[] = [];
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw failures[0];
  });

  it('the database restarted while the projection is being built: the build goes on from its last page, nothing lost or doubled', async () => {
    const baseDir = await mkdtemp(path.join(os.tmpdir(), 'console-faults-projection-'));
    cleanups.push(() => rm(baseDir, { recursive: true, force: true }));
    const server = new EmbeddedDatabase({ baseDir, port: await freePort(), settings: { fsync: 'off' } });
    cleanups.push(() => server.stop());
    await server.start();
    await setUpOwnDatabase(server.url);
    const store = await openDataStore({ provider: 'postgresql', connectionString: server.url });
    cleanups.push(() => store.close());
    // The console's pool as the app opens it (its idle clients' errors, when the server goes, are no crash).
    const pool = openConsolePool({ connectionString: server.url }, 4);
    cleanups.push(() => pool.end());
    await writeHistory(store);

    // Read 1 is the build's starting checkpoint, 2-4 pages 1-3: page 1's waits for a write, page 4's
    // for the outage.
    const reads = holdingReads(store);
    const beforePage1 = reads.hold((call) => call === 2);
    const beforePage4 = reads.hold((call) => call === 5);
    const logs: string[] = [];
    const errors: string[] = [];
    const hub = new LiveHub(reads.store, {
      consumer: 'faults-projection',
      flushMs: 20,
      persistMs: 20,
      pipelineSampleMs: 60_000,
      recoverMs: 50,
      kept: new KeptProjection(new ProjectionTables(pool), { pageSize: PAGE, log: (line) => logs.push(line) }),
      lease: new ProjectionLease(pool, { ttlSeconds: 3 }),
      onError: (error) => errors.push((error as Error).message),
    });
    cleanups.push(() => hub.stop());
    await hub.start();
    // After the starting checkpoint, before page 1 reads its node: the feed brings it too, and the
    // page's checkpoint (kept with the page) says it was seen, across the outage as well.
    await until('page 1 held', async () => beforePage1.waiting === 1);
    await store.healthEvents().insertMany([healthEvent(node(5), 3)]);
    beforePage1.release();
    await until('three pages built and the fourth held', async () => beforePage4.waiting === 1);
    expect(hub.status().projection).toMatchObject({ phase: 'building', nodesBuilt: 3 * PAGE, nodesTotal: NODES });
    const tables = new ProjectionTables(pool);
    const buildStartedAt = (await tables.state())!.buildStartedAt;
    // Written while the build is under way, before the outage: a built node and one still to come.
    await store.healthEvents().insertMany([healthEvent(node(1), 3), healthEvent(node(NODES - 100), 3)]);

    // The server goes (fast shutdown) while the build waits for its fourth page; released, the read
    // meets no server. Once back, the build's next page read waits again, for the writes below.
    await server.stop();
    const afterRestart = reads.hold((call, options) => call > 5 && pageRead(options));
    beforePage4.release();
    await until('the build to fail on the stopped server', async () => errors.length > 0);
    await server.start();
    await until('the build back, its next page held', async () => afterRestart.waiting > 0, 60_000);
    // A node of a built page, one of a page still to come, and a new node (the feed's alone).
    await store
      .healthEvents()
      .insertMany([healthEvent(node(0), 4), healthEvent(node(NODES - 1), 4), healthEvent(NEW_NODE, 0)]);
    afterRestart.release();

    await until('the build to end', async () => hub.status().projection?.phase === 'live', 60_000);
    await withClient(server.url, (client) => client.query('CREATE DATABASE projection_scratch'));
    const scratch = await scratchBuild(server.urlFor('projection_scratch'), cleanups);
    await allAgree(store, pool, [hub], scratch);
    expect(hub.nodes()).toHaveLength(NODES + 1);
    // It went on from its last saved page (the kept pages and their checkpoints), not from the
    // start: one build begun, at the time it first began, and one going on after the 3 pages.
    expect(logs.filter((line) => /building it from postgresql/.test(line))).toEqual([
      `node projection: building it from postgresql (${NODES} nodes, ${PAGE} per page)`,
    ]);
    expect(logs.filter((line) => /going on with the build after/.test(line))).toEqual([
      `node projection: going on with the build after ${3 * PAGE} of ${NODES} nodes`,
    ]);
    const state = (await tables.state())!;
    expect(state.buildStartedAt).toEqual(buildStartedAt);
    expect(state).toMatchObject({ phase: 'live', nodesBuilt: NODES, nodesTotal: NODES });
    expect(errors.some((message) => /cannot reach PostgreSQL/.test(message))).toBe(true);

    // And it keeps following after the outage.
    await store.healthEvents().insertMany([healthEvent(node(2), 5), healthEvent(NEW_NODE, 1)]);
    await allAgree(store, pool, [hub], scratch);
  }, 180_000);

  it('two replicas started at the same second: one keeps and builds it, once; both agree', async () => {
    const database = await createTestDatabase(testServers()[0]);
    cleanups.push(() => database.drop());
    await setUpOwnDatabase(database.url);
    const store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    cleanups.push(() => store.close());
    const pool = openConsolePool({ connectionString: database.url }, 2);
    cleanups.push(() => pool.end());
    await writeHistory(store);
    const scratchDatabase = await createTestDatabase(testServers()[0]);
    cleanups.push(() => scratchDatabase.drop());
    const scratch = await scratchBuild(scratchDatabase.url, cleanups);

    // Each replica as its own process would have it: a datastore, a pool, a lease and a kept
    // projection. Their page reads after the second page wait, so that writes land mid-build (a
    // follower reads no pages, only the keeper's build does).
    const logs: string[] = [];
    const replica = async (holder: string) => {
      const replicaStore = await openDataStore({ provider: 'postgresql', connectionString: database.url });
      cleanups.push(() => replicaStore.close());
      const replicaPool = openConsolePool({ connectionString: database.url }, 4);
      cleanups.push(() => replicaPool.end());
      const reads = holdingReads(replicaStore);
      const midBuild = reads.hold((call) => call === 4);
      const lease = new ProjectionLease(replicaPool, { ttlSeconds: 3, holder });
      const hub = new LiveHub(reads.store, {
        consumer: 'faults-replicas',
        flushMs: 20,
        persistMs: 20,
        pipelineSampleMs: 60_000,
        recoverMs: 50,
        kept: new KeptProjection(new ProjectionTables(replicaPool), {
          pageSize: PAGE,
          log: (line) => logs.push(`${holder}: ${line}`),
        }),
        lease,
      });
      cleanups.push(() => hub.stop());
      return { holder, hub, lease, midBuild };
    };
    const replicas = [await replica('replica-a'), await replica('replica-b')];
    const tables = new ProjectionTables(pool);
    /** Every build start seen in the state row while waiting: one build sets it once. */
    const buildStarts = new Set<number>();
    const noteBuildStart = async () => {
      const state = await tables.state();
      if (state) buildStarts.add(state.buildStartedAt.getTime());
    };

    await Promise.all(replicas.map((one) => one.hub.start()));
    const holding = replicas.filter((one) => one.lease.hold !== null);
    expect(holding).toHaveLength(1);
    const [keeper] = holding;
    const follower = replicas.find((one) => one !== keeper)!;
    const { rows: leases } = await pool.query<{ holder: string }>(`SELECT holder FROM console_leases WHERE name = $1`, [
      PROJECTION_LEASE,
    ]);
    expect(leases).toEqual([{ holder: keeper.holder }]);

    // Mid-build: the follower shows the keeper's saved pages meanwhile, then writes land on a built
    // node, one still to come, and a new node.
    await until('the keeper to hold its third page', async () => {
      await noteBuildStart();
      return keeper.midBuild.waiting === 1;
    });
    await until('the follower to show the pages built', async () => {
      await noteBuildStart();
      return follower.hub.nodes().length === 2 * PAGE;
    });
    expect(follower.hub.status().projection).toMatchObject({ phase: 'building', nodesBuilt: 2 * PAGE });
    expect(follower.midBuild.waiting).toBe(0);
    await store
      .healthEvents()
      .insertMany([healthEvent(node(0), 3), healthEvent(node(NODES - 1), 3), healthEvent(NEW_NODE, 0)]);
    keeper.midBuild.release();
    follower.midBuild.release();

    for (const one of replicas)
      await until(
        `${one.holder} live`,
        async () => {
          await noteBuildStart();
          return one.hub.status().projection?.phase === 'live';
        },
        60_000,
      );
    await allAgree(store, pool, [keeper.hub, follower.hub], scratch);
    await noteBuildStart();
    // Exactly one build ran, by the keeper, never begun again or gone on with.
    expect(logs.filter((line) => /building it from/.test(line))).toEqual([
      `${keeper.holder}: node projection: building it from postgresql (${NODES} nodes, ${PAGE} per page)`,
    ]);
    expect(logs.filter((line) => /going on with the build/.test(line))).toEqual([]);
    expect(buildStarts.size).toBe(1);
    expect((await tables.state())!).toMatchObject({ phase: 'live', nodesBuilt: NODES, nodesTotal: NODES });

    // Both follow what comes next; the lease stayed where it was.
    await store
      .healthEvents()
      .insertMany([healthEvent(node(1), 4), healthEvent(node(NODES - 2), 4), healthEvent(NEW_NODE, 1)]);
    await allAgree(store, pool, [keeper.hub, follower.hub], scratch);
    expect(keeper.lease.hold?.holder).toBe(keeper.holder);
    expect(follower.lease.hold).toBeNull();
    expect(logs.filter((line) => /building it from/.test(line))).toHaveLength(1);
    await noteBuildStart();
    expect(buildStarts.size).toBe(1);
  }, 180_000);
});

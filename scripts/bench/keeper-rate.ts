// How fast the replica that keeps the node projection and the roll-ups takes changes in (issue 18:
// "≥ 5,000 events/s sustained"): a backlog of inserts written while it was stopped, then the time
// from its start until every one of them is applied, counted into the roll-ups and saved with the
// checkpoint (the roll-ups' total equals the datastore's). The writer on this machine reaches about
// 4,500 events/s alone, so a paced 5,000/s cannot be offered; the backlog measures the keeper's own
// rate instead. Baseline in the same run, on the same backlog: the change feed alone, read from the
// same checkpoint without a projection, counts or saves.
import pg from 'pg';

import { LiveHub } from '../../lib/live/live-hub';
import { NodeProjection } from '../../lib/node-state/node-projection';
import { KeptProjection } from '../../lib/projection/kept-projection';
import { ProjectionLease } from '../../lib/projection/projection-lease';
import { ProjectionTables } from '../../lib/projection/projection-tables';
import { backfill } from '../../lib/simulator/backfill';
import { openDataStore, type ChangeEvent, type DataStore, type NewHealthEvent } from '../../lib/store';
import { freshDatabase, type BenchDatabase } from './bench-database';

export interface KeeperRateRow {
  nodes: number;
  backlog: number;
  /** Seconds from the keeper's start until every backlog event is applied, counted and saved. */
  keeperSeconds: number;
  keeperPerSecond: number;
  /** Seconds for the change feed alone to deliver the same backlog from the same checkpoint. */
  feedSeconds: number;
  feedPerSecond: number;
  /** The writer's own rate while the backlog was written (for scale). */
  writerPerSecond: number;
  rssMb: number;
}

const AGENTS = ['syslog-health-monitor', 'gpu-health-monitor', 'nic-health-monitor'];
const CHECKS = ['SysLogsXIDError', 'GpuThermalWatch', 'GpuMemWatch', 'InfiniBandStateCheck', 'GpuNvlinkWatch'];

function backlogEvent(index: number, nodes: number): NewHealthEvent {
  return {
    nodeName: `gpu-node-${String(index % nodes).padStart(5, '0')}`,
    agent: AGENTS[index % AGENTS.length],
    checkName: CHECKS[index % CHECKS.length],
    componentClass: index % 7 === 0 ? 'NIC' : 'GPU',
    isFatal: index % 11 === 0,
    isHealthy: index % 3 === 0,
    errorCode: index % 11 === 0 ? ['79'] : [],
    entitiesImpacted: [{ entityType: 'GPU', entityValue: String(index % 8) }],
  };
}

async function totalCounted(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string | null }>(
    `SELECT sum(count) AS n FROM console_event_counts WHERE span_seconds = 3600 AND dimension = 'severity'`,
  );
  return Number(rows[0].n ?? 0);
}

export async function keeperRateBench(database: BenchDatabase, options: { quick: boolean }): Promise<KeeperRateRow> {
  const nodes = options.quick ? 1_000 : 10_000;
  const backlog = options.quick ? 20_000 : 300_000;
  const fresh = await freshDatabase(database, 'keeper_rate');
  const pool = new pg.Pool({ connectionString: fresh.url, max: 4 });
  let store: DataStore | undefined;
  try {
    await backfill(fresh.url, { seed: 31, nodes, events: nodes * 10, days: 1 });
    store = await openDataStore({ provider: 'postgresql', connectionString: fresh.url });
    const tables = new ProjectionTables(pool);
    const lease = new ProjectionLease(pool, { ttlSeconds: 60, holder: 'bench-keeper' });
    await lease.start();
    await new KeptProjection(tables).build(store, new NodeProjection(), lease.hold!);
    await lease.stop();
    const from = (await tables.state())!.checkpoint;

    // The backlog, written while no keeper runs.
    const writeStarted = performance.now();
    for (let start = 0; start < backlog; start += 1_000)
      await store
        .healthEvents()
        .insertMany(Array.from({ length: Math.min(1_000, backlog - start) }, (_, i) => backlogEvent(start + i, nodes)));
    const writerPerSecond = backlog / ((performance.now() - writeStarted) / 1000);
    const expected = Number(
      (await pool.query<{ n: string }>('SELECT count(*) AS n FROM health_events WHERE created_at IS NOT NULL')).rows[0]
        .n,
    );

    // Baseline: the feed alone from the same checkpoint.
    const feedStarted = performance.now();
    const feed = await store.changes('bench-keeper-baseline', { collections: ['healthEvents'], from, durable: false });
    let delivered = 0;
    for await (const change of feed as AsyncIterable<ChangeEvent>) {
      if (change.operation === 'insert') delivered += 1;
      if (delivered >= backlog) break;
    }
    const feedSeconds = (performance.now() - feedStarted) / 1000;
    await feed.close();

    // The keeper: loads the kept rows, takes the backlog in, saves it with its counts.
    const hub = new LiveHub(store, {
      consumer: 'bench-keeper',
      pipelineSampleMs: 3_600_000,
      kept: new KeptProjection(tables),
      lease: new ProjectionLease(pool, { ttlSeconds: 60, holder: 'bench-keeper' }),
    });
    const keeperStarted = performance.now();
    await hub.start();
    for (;;) {
      if ((await totalCounted(pool)) >= expected) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const keeperSeconds = (performance.now() - keeperStarted) / 1000;
    const rssMb = process.memoryUsage().rss / 2 ** 20;
    await hub.stop();
    const row: KeeperRateRow = {
      nodes,
      backlog,
      keeperSeconds,
      keeperPerSecond: backlog / keeperSeconds,
      feedSeconds,
      feedPerSecond: backlog / feedSeconds,
      writerPerSecond,
      rssMb,
    };
    console.log(
      `  ${backlog.toLocaleString()} events on ${nodes.toLocaleString()} nodes: the keeper ${Math.round(row.keeperPerSecond).toLocaleString()} events/s (${keeperSeconds.toFixed(1)} s, applied, counted and saved); the feed alone ${Math.round(row.feedPerSecond).toLocaleString()} events/s; the writer ${Math.round(writerPerSecond).toLocaleString()} events/s; RSS ${rssMb.toFixed(0)} MB`,
    );
    return row;
  } finally {
    await store?.close();
    await pool.end();
    await fresh.drop();
  }
}

export function keeperRateTable(row: KeeperRateRow): string[] {
  return [
    '| backlog | nodes | the keeper: applied, counted and saved (events/s) | baseline: the feed alone from the same checkpoint (events/s) | ratio | the writer alone (events/s) | goal |',
    '|---|---|---|---|---|---|---|',
    `| ${row.backlog.toLocaleString()} | ${row.nodes.toLocaleString()} | ${Math.round(row.keeperPerSecond).toLocaleString()} (${row.keeperSeconds.toFixed(1)} s) | ${Math.round(row.feedPerSecond).toLocaleString()} (${row.feedSeconds.toFixed(1)} s) | ${(row.keeperPerSecond / row.feedPerSecond).toFixed(2)} | ${Math.round(row.writerPerSecond).toLocaleString()} | ≥ 5,000 events/s |`,
  ];
}

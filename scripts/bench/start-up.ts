// Start-up to ready on a big history (issue 18): the live hub started from the node projection
// kept in the console database (one row per node, then the feed from their checkpoint), beside the
// start it replaces, measured in the same run on the same data: one consistent read of every
// node's state from the events (the DISTINCT ON reads). "Ready" is the hub following the feed
// and the Nodes page's first page computed. Also the kept projection's first build (once per
// datastore, in pages, while the pages answer) and its rate, and the Throughput page's read of
// 24 hours, 7 and 30 days from the roll-ups the build backfilled, beside the same read of every
// event of the range (what it did before, and still does while the roll-ups are built).
import pg from 'pg';

import { LiveHub } from '../../lib/live/live-hub';
import { matchesNodeFilter, parseNodeFilter } from '../../lib/node-state/node-filter';
import { readThroughput } from '../../lib/queries/throughput';
import type { ThroughputRange } from '../../lib/queries/throughput-view';
import { EventCountReads } from '../../lib/projection/event-count-reads';
import { KeptProjection } from '../../lib/projection/kept-projection';
import { ProjectionLease } from '../../lib/projection/projection-lease';
import { ProjectionTables } from '../../lib/projection/projection-tables';
import { NodeProjection } from '../../lib/node-state/node-projection';
import { backfill } from '../../lib/simulator/backfill';
import { openDataStore, type DataStore } from '../../lib/store';
import { freshDatabase, type BenchDatabase } from './bench-database';
import { percentiles, type Percentiles } from './delivery-latency';

export interface StartUpRow {
  nodes: number;
  events: number;
  backfillSeconds: number;
  /** The kept projection's first build, seconds, and nodes built a second. */
  buildSeconds: number;
  buildNodesPerSecond: number;
  /** Start-up to ready from the kept projection (ms), several starts. */
  kept: Percentiles;
  /** The start it replaces: every node's state read from the events (ms). */
  fromEvents: Percentiles;
  keptMaxMs: number;
  fromEventsMaxMs: number;
  /** Heap used after a kept start (MB, after GC when exposed). */
  heapMb: number;
  /** The Throughput page's read (by agent, with the fatal share), from the roll-ups and from every event (ms). */
  throughput: { range: ThroughputRange; rollups: Percentiles; events: Percentiles }[];
}

const THROUGHPUT_RANGES: ThroughputRange[] = ['24h', '7d', '30d'];

/** The Throughput page's read of each range, from the roll-ups (many runs) and from the events (a few), in turns. */
async function throughputReads(store: DataStore, pool: pg.Pool, events: number): Promise<StartUpRow['throughput']> {
  const counts = new EventCountReads(pool, new ProjectionTables(pool));
  const rows: StartUpRow['throughput'] = [];
  for (const range of THROUGHPUT_RANGES) {
    const rolled: number[] = [];
    const read: number[] = [];
    const baselineRuns = events >= 5_000_000 ? 3 : 5;
    for (let run = 0; run < 40; run += 1) {
      let started = performance.now();
      const view = await readThroughput(store, { range, by: 'agent' }, { counts });
      rolled.push(performance.now() - started);
      if (view.source !== 'rollups') throw new Error(`the ${range} read did not come from the roll-ups`);
      if (run < baselineRuns) {
        started = performance.now();
        await readThroughput(store, { range, by: 'agent' });
        read.push(performance.now() - started);
      }
    }
    rows.push({ range, rollups: percentiles(rolled), events: percentiles(read) });
  }
  return rows;
}

const PAGE = parseNodeFilter(new URLSearchParams(''));

/** One start to ready: the hub following, the first page of the Nodes page computed. */
async function startOnce(store: DataStore, pool: pg.Pool | null): Promise<number> {
  const started = performance.now();
  const kept = pool ? new KeptProjection(new ProjectionTables(pool)) : undefined;
  const lease = pool ? new ProjectionLease(pool, { ttlSeconds: 10 }) : undefined;
  const hub = new LiveHub(store, {
    consumer: 'bench-start-up',
    flushMs: 50,
    pipelineSampleMs: 3_600_000,
    ...(kept ? { kept, lease } : {}),
  });
  await hub.start();
  if (kept && kept.progress()?.phase !== 'live')
    throw new Error('the kept projection was not loaded: the start built it');
  JSON.stringify(
    hub
      .nodes()
      .filter((view) => matchesNodeFilter(view, PAGE))
      .slice(0, 100),
  );
  const ms = performance.now() - started;
  await hub.stop();
  return ms;
}

export async function startUpBench(
  database: BenchDatabase,
  options: { quick: boolean; sizes?: { nodes: number; events: number }[] },
): Promise<StartUpRow[]> {
  const sizes =
    options.sizes ??
    (options.quick
      ? [
          { nodes: 1_000, events: 50_000 },
          { nodes: 1_000, events: 250_000 },
        ]
      : [
          { nodes: 10_000, events: 1_000_000 },
          { nodes: 10_000, events: 10_000_000 },
          { nodes: 100_000, events: 1_000_000 },
        ]);
  const rows: StartUpRow[] = [];
  for (const size of sizes) {
    const fresh = await freshDatabase(database, `start_up_${size.events}`);
    const pool = new pg.Pool({ connectionString: fresh.url, max: 4 });
    let store: DataStore | undefined;
    try {
      let lastPrint = Date.now();
      const backfillStarted = performance.now();
      await backfill(fresh.url, {
        seed: 17,
        nodes: size.nodes,
        events: size.events,
        days: 30,
        onProgress: ({ written, total }) => {
          if (Date.now() - lastPrint < 15_000) return;
          lastPrint = Date.now();
          console.log(`  backfill ${written.toLocaleString()} / ${total.toLocaleString()}`);
        },
      });
      const backfillSeconds = (performance.now() - backfillStarted) / 1000;
      await pool.query('ANALYZE health_events');
      store = await openDataStore({ provider: 'postgresql', connectionString: fresh.url });

      // The first build, as the first start on this datastore runs it (in the background there).
      const lease = new ProjectionLease(pool, { ttlSeconds: 60 });
      await lease.start();
      const buildStarted = performance.now();
      const built = await new KeptProjection(new ProjectionTables(pool)).build(
        store,
        new NodeProjection(),
        lease.hold!,
      );
      const buildSeconds = (performance.now() - buildStarted) / 1000;
      await lease.stop();
      void built;

      const runs = 5;
      const keptMs: number[] = [];
      const eventsMs: number[] = [];
      // In turns, so both sides see the same host load; the read from events is the slow one.
      const baselineRuns = size.events >= 5_000_000 ? 1 : options.quick ? 3 : 2;
      for (let run = 0; run < runs; run += 1) {
        keptMs.push(await startOnce(store, pool));
        if (run < baselineRuns) eventsMs.push(await startOnce(store, null));
      }
      globalThis.gc?.();
      const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
      const throughput = await throughputReads(store, pool, size.events);
      const row: StartUpRow = {
        ...size,
        backfillSeconds,
        buildSeconds,
        buildNodesPerSecond: size.nodes / buildSeconds,
        kept: percentiles(keptMs),
        fromEvents: percentiles(eventsMs),
        keptMaxMs: Math.max(...keptMs),
        fromEventsMaxMs: Math.max(...eventsMs),
        heapMb,
        throughput,
      };
      console.log(
        `  ${size.nodes.toLocaleString()} nodes, ${size.events.toLocaleString()} events: start-up from the kept projection ${row.kept.p50.toFixed(0)} / ${row.keptMaxMs.toFixed(0)} ms (p50 / max of ${runs}); from the events ${row.fromEvents.p50.toFixed(0)} ms (${eventsMs.length} runs); first build ${buildSeconds.toFixed(1)} s (${Math.round(row.buildNodesPerSecond).toLocaleString()} nodes/s)`,
      );
      for (const read of throughput)
        console.log(
          `  throughput ${read.range}: from the roll-ups p95 ${read.rollups.p95.toFixed(1)} ms (${read.rollups.count} runs); from every event p95 ${read.events.p95.toFixed(0)} ms (${read.events.count} runs)`,
        );
      rows.push(row);
    } finally {
      await store?.close();
      await pool.end();
      await fresh.drop();
    }
  }
  return rows;
}

export function startUpTable(rows: StartUpRow[]): string[] {
  return [
    '| nodes | events | start-up to ready from the kept projection, p50 / max (ms) | baseline: every node read from the events, p50 / max (ms) | ratio | first build of the kept projection | goal |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${row.nodes.toLocaleString()} | ${row.events.toLocaleString()} | ${row.kept.p50.toFixed(0)} / ${row.keptMaxMs.toFixed(0)} | ${row.fromEvents.p50.toFixed(0)} / ${row.fromEventsMaxMs.toFixed(0)} | ${(row.kept.p50 / row.fromEvents.p50).toFixed(3)} | ${row.buildSeconds.toFixed(1)} s (${Math.round(row.buildNodesPerSecond).toLocaleString()} nodes/s) | ≤ ${row.nodes >= 100_000 ? 10 : 5} s at any history |`,
    ),
  ];
}

export function throughputReadTable(rows: StartUpRow[]): string[] {
  return [
    '| events | range | from the roll-ups, p50 / p95 (ms) | baseline: every event of the range, p50 / p95 (ms) | ratio (p95) | goal |',
    '|---|---|---|---|---|---|',
    ...rows.flatMap((row) =>
      row.throughput.map(
        (read) =>
          `| ${row.events.toLocaleString()} | ${read.range} | ${read.rollups.p50.toFixed(1)} / ${read.rollups.p95.toFixed(1)} | ${read.events.p50.toFixed(0)} / ${read.events.p95.toFixed(0)} | ${(read.rollups.p95 / read.events.p95).toFixed(3)} | < 50 ms p95 (24 h, 7 d) |`,
      ),
    ),
  ];
}

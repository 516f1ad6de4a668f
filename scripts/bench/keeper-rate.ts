// How fast the replica that keeps the node projection and the roll-ups takes changes in (issue 18:
// "≥ 5,000 events/s sustained, lag ≤ 1 s"), in two phases on one keeper:
//   - its rate: a backlog of inserts written while it was stopped, then the time from its start
//     until every one of them is applied, counted into the roll-ups and saved with the checkpoint
//     (the roll-ups' total equals the datastore's). Baseline in the same run, on the same backlog:
//     the change feed alone, read from the same checkpoint without a projection, counts or saves.
//   - sustained: then, caught up, a writer in a process of its own (as NVSentinel's platform
//     connector is) offers a paced rate (full 5,000 events/s for 30 s) while the keeper runs; every
//     200 ms the age of the oldest event written and not yet counted and saved (keeper-lag.ts). The
//     row says whether the writer reached the offered rate: on two cores it shares them with the
//     keeper and the database, and a rate it did not reach is not the goal's.
import { fork } from 'node:child_process';
import path from 'node:path';

import pg from 'pg';

import { LiveHub } from '../../lib/live/live-hub';
import { NodeProjection } from '../../lib/node-state/node-projection';
import { KeptProjection } from '../../lib/projection/kept-projection';
import { ProjectionLease } from '../../lib/projection/projection-lease';
import { ProjectionTables } from '../../lib/projection/projection-tables';
import { backfill } from '../../lib/simulator/backfill';
import { openDataStore, type ChangeEvent, type DataStore } from '../../lib/store';
import { freshDatabase, type BenchDatabase } from './bench-database';
import { percentiles, rateAchieved } from './delivery-latency';
import { backlogEvent } from './keeper-events';
import { keeperLagMs, type WriterProgress } from './keeper-lag';

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
  sustained: SustainedKeeping;
}

/** The sustained phase: a paced writer in its own process beside the caught-up keeper. */
export interface SustainedKeeping {
  offeredPerSecond: number;
  seconds: number;
  /** What the writer reached (events committed over its seconds). */
  writtenPerSecond: number;
  /** Events counted and saved by the keeper over the phase, per second of the writer's run. */
  keptPerSecond: number;
  /** The age of the oldest event written and not yet kept, sampled every 200 ms (ms). */
  lagP50Ms: number;
  lagP95Ms: number;
  lagMaxMs: number;
  /** Samples with that age over a second, of all samples. */
  samplesOverOneSecond: number;
  samples: number;
  /** From the writer's last batch until the keeper had kept every event (ms); null: not within a minute. */
  caughtUpAfterMs: number | null;
  /** Events written and never counted within that minute. */
  missing: number;
}

const SAMPLE_MS = 200;

/** Runs the paced writer (./paced-writer.ts) and samples the keeper's lag behind it. */
async function sustainedKeeping(
  pool: pg.Pool,
  options: { url: string; rate: number; seconds: number; nodes: number; first: number },
): Promise<SustainedKeeping> {
  const base = await totalCounted(pool);
  const progress: WriterProgress[] = [];
  const writer = fork(path.join(import.meta.dirname, 'paced-writer.ts'), [], { execArgv: ['--import', 'tsx'] });
  const finished = new Promise<{ written: number; seconds: number }>((resolve, reject) => {
    writer.on('message', (message: WriterProgress | { done: true; written: number; seconds: number }) => {
      if ('done' in message) resolve(message);
      else progress.push(message);
    });
    writer.once('exit', (code) => reject(new Error(`the paced writer exited with ${code} before it was done`)));
  });
  writer.send({
    url: options.url,
    rate: options.rate,
    seconds: options.seconds,
    nodes: options.nodes,
    first: options.first,
  });
  const lags: number[] = [];
  let done: { written: number; seconds: number } | undefined;
  void finished.then((result) => (done = result)).catch(() => {});
  while (!done) {
    const [counted] = await Promise.all([totalCounted(pool), new Promise((resolve) => setTimeout(resolve, SAMPLE_MS))]);
    if (progress.length > 0) lags.push(keeperLagMs(progress, counted - base, Date.now()));
    if (writer.exitCode !== null && !done) await finished; // throws the writer's failure
  }
  const writerEnded = progress.at(-1)?.at ?? Date.now();
  let counted = (await totalCounted(pool)) - base;
  while (counted < done.written && Date.now() - writerEnded < 60_000) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    counted = (await totalCounted(pool)) - base;
  }
  const caughtUpAfterMs = counted >= done.written ? Math.max(0, Date.now() - writerEnded) : null;
  const figures = percentiles(lags);
  return {
    offeredPerSecond: options.rate,
    seconds: options.seconds,
    writtenPerSecond: done.written / done.seconds,
    keptPerSecond: Math.min(counted, done.written) / done.seconds,
    lagP50Ms: figures.p50,
    lagP95Ms: figures.p95,
    lagMaxMs: lags.length ? Math.max(...lags) : 0,
    samplesOverOneSecond: lags.filter((lag) => lag > 1_000).length,
    samples: lags.length,
    caughtUpAfterMs,
    missing: Math.max(0, done.written - counted),
  };
}

async function totalCounted(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string | null }>(
    `SELECT sum(count) AS n FROM console_event_counts WHERE span_seconds = 3600 AND dimension = 'severity'`,
  );
  return Number(rows[0].n ?? 0);
}

export async function keeperRateBench(
  database: BenchDatabase,
  options: { quick: boolean; rate?: number; seconds?: number },
): Promise<KeeperRateRow> {
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
    let sustained: SustainedKeeping;
    try {
      sustained = await sustainedKeeping(pool, {
        url: fresh.url,
        rate: options.rate ?? (options.quick ? 1_000 : 5_000),
        seconds: options.seconds ?? (options.quick ? 5 : 30),
        nodes,
        first: backlog,
      });
    } finally {
      await hub.stop();
    }
    const row: KeeperRateRow = {
      nodes,
      backlog,
      keeperSeconds,
      keeperPerSecond: backlog / keeperSeconds,
      feedSeconds,
      feedPerSecond: backlog / feedSeconds,
      writerPerSecond,
      rssMb,
      sustained,
    };
    console.log(
      `  ${backlog.toLocaleString()} events on ${nodes.toLocaleString()} nodes: the keeper ${Math.round(row.keeperPerSecond).toLocaleString()} events/s (${keeperSeconds.toFixed(1)} s, applied, counted and saved); the feed alone ${Math.round(row.feedPerSecond).toLocaleString()} events/s; the writer ${Math.round(writerPerSecond).toLocaleString()} events/s; RSS ${rssMb.toFixed(0)} MB`,
    );
    console.log(`  sustained: ${sustainedLine(sustained)}`);
    return row;
  } finally {
    await store?.close();
    await pool.end();
    await fresh.drop();
  }
}

/** The sustained phase in words: offered and reached, the lag, whether the goal holds. */
export function sustainedLine(figures: SustainedKeeping): string {
  const reached = rateAchieved(figures.offeredPerSecond, figures.writtenPerSecond);
  const caughtUp =
    figures.caughtUpAfterMs === null
      ? `not caught up a minute after the writer stopped: ${figures.missing.toLocaleString()} events never kept`
      : `caught up ${(figures.caughtUpAfterMs / 1000).toFixed(1)} s after the writer stopped`;
  return (
    `${figures.offeredPerSecond.toLocaleString()} events/s offered for ${figures.seconds} s, the writer reached ` +
    `${Math.round(figures.writtenPerSecond).toLocaleString()}${reached ? '' : ' (not the offered rate: the goal is not measured by this run)'}; ` +
    `kept ${Math.round(figures.keptPerSecond).toLocaleString()} events/s; lag p50 / p95 / max ` +
    `${(figures.lagP50Ms / 1000).toFixed(2)} / ${(figures.lagP95Ms / 1000).toFixed(2)} / ${(figures.lagMaxMs / 1000).toFixed(2)} s, ` +
    `over 1 s in ${figures.samplesOverOneSecond} of ${figures.samples} samples; ${caughtUp}; ` +
    `goal (≥ 5,000 events/s kept, lag ≤ 1 s): ${sustainedGoal(figures)}`
  );
}

/** Whether this run shows the goal: 5,000 events/s offered and reached, all kept, no sample over a second. */
export function sustainedGoal(
  figures: SustainedKeeping,
):
  | 'met'
  | 'not met'
  | 'not measured (under 5,000 events/s offered)'
  | 'not measured (the writer did not reach the rate)' {
  if (figures.offeredPerSecond < 5_000) return 'not measured (under 5,000 events/s offered)';
  if (!rateAchieved(figures.offeredPerSecond, figures.writtenPerSecond))
    return 'not measured (the writer did not reach the rate)';
  return figures.missing === 0 && figures.samplesOverOneSecond === 0 && rateAchieved(5_000, figures.keptPerSecond)
    ? 'met'
    : 'not met';
}

export function keeperRateTable(row: KeeperRateRow): string[] {
  return [
    '| backlog | nodes | the keeper: applied, counted and saved (events/s) | baseline: the feed alone from the same checkpoint (events/s) | ratio | the writer alone (events/s) | goal |',
    '|---|---|---|---|---|---|---|',
    `| ${row.backlog.toLocaleString()} | ${row.nodes.toLocaleString()} | ${Math.round(row.keeperPerSecond).toLocaleString()} (${row.keeperSeconds.toFixed(1)} s) | ${Math.round(row.feedPerSecond).toLocaleString()} (${row.feedSeconds.toFixed(1)} s) | ${(row.keeperPerSecond / row.feedPerSecond).toFixed(2)} | ${Math.round(row.writerPerSecond).toLocaleString()} | ≥ 5,000 events/s |`,
    '',
    `Sustained, with a writer in its own process: ${sustainedLine(row.sustained)}.`,
  ];
}

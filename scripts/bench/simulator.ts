// The simulator's speeds: backfill of processed history beside raw COPY of the same rows, and the
// steady live rate it sustains with the three pipeline consumers running (and how far behind they
// are at the end). Each backfill figure starts from a fresh empty database on the same server.
import pg from 'pg';

import { backfill, HistoryRows } from '../../lib/simulator/backfill';
import { ClusterSimulator, PIPELINE_CONSUMERS } from '../../lib/simulator/cluster-simulator';
import { openDataStore } from '../../lib/store';
import { copyRows, HISTORY_COLUMNS, historyCopyText } from '../../lib/store/postgres';
import { freshDatabase, type BenchDatabase } from './bench-database';

export interface SimulatorBench {
  backfillEvents: number;
  /** Whole backfill: generation, load, index builds, ANALYZE. */
  backfillPerSecond: number;
  backfillLoadPerSecond: number;
  backfillIndexSeconds: number;
  backfillSeconds: number;
  /**
   * Baseline: the same rows, generated beforehand (not timed), COPY'd in one transaction into the
   * table with all its indexes in place, change trigger skipped as the backfill skips it.
   */
  rawCopyPerSecond: number;
  rawCopySeconds: number;
  steadyTarget: number;
  steadyAchieved: number;
  pipelineDocumentsBehindAtEnd: Record<string, number | null>;
}

const SHAPE = { seed: 9, nodes: 10_000 };

async function rawCopy(database: BenchDatabase, events: number): Promise<number> {
  const end = Date.now();
  const start = end - 30 * 86_400_000;
  const history = new HistoryRows(SHAPE, start, (end - start) / events);
  const chunks: string[] = [];
  for (let made = 0; made < events; made += 5_000)
    chunks.push(historyCopyText(history.next(Math.min(5_000, events - made))));
  const fresh = await freshDatabase(database, 'raw_copy');
  const client = new pg.Client({ connectionString: fresh.url });
  await client.connect();
  try {
    await client.query('SET session_replication_role = replica');
    const started = performance.now();
    await client.query('BEGIN');
    await copyRows(client, 'health_events', HISTORY_COLUMNS, chunks);
    await client.query('COMMIT');
    return (performance.now() - started) / 1000;
  } finally {
    await client.end();
    await fresh.drop();
  }
}

export async function simulatorBench(database: BenchDatabase, options: { quick: boolean }): Promise<SimulatorBench> {
  const events = options.quick ? 20_000 : 500_000;
  const rawCopySeconds = await rawCopy(database, events);
  const fresh = await freshDatabase(database, 'backfill');
  try {
    const filled = await backfill(fresh.url, { ...SHAPE, events, days: 30, batchSize: 50_000 });

    const store = await openDataStore({ provider: 'postgresql', connectionString: fresh.url });
    const target = 200;
    const seconds = options.quick ? 3 : 20;
    const simulator = new ClusterSimulator(store, {
      seed: 9,
      nodes: 1_000,
      rate: target,
      allowRealData: true,
      settings: { drainMs: 50, remediationMs: 50 },
    });
    await simulator.start();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const written = simulator.status().written;
    const lag = await store.consumers().lag();
    await simulator.stop();
    await store.close();
    return {
      backfillEvents: events,
      backfillPerSecond: filled.perSecond,
      backfillLoadPerSecond: filled.loadPerSecond,
      backfillIndexSeconds: Math.round(filled.indexSeconds * 10) / 10,
      backfillSeconds: Math.round(filled.seconds * 10) / 10,
      rawCopyPerSecond: Math.round(events / rawCopySeconds),
      rawCopySeconds: Math.round(rawCopySeconds * 10) / 10,
      steadyTarget: target,
      steadyAchieved: Math.round(written / seconds),
      pipelineDocumentsBehindAtEnd: Object.fromEntries(
        lag
          .filter((l) => (PIPELINE_CONSUMERS as readonly string[]).includes(l.consumer))
          .map((l) => [l.consumer, l.documentsBehind]),
      ),
    };
  } finally {
    await fresh.drop();
  }
}

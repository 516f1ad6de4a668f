// The simulator's speeds: backfill of processed history, and the steady live rate it sustains
// with the three pipeline consumers running (and how far behind they are at the end).
import { backfill } from '../../lib/simulator/backfill';
import { ClusterSimulator, PIPELINE_CONSUMERS } from '../../lib/simulator/cluster-simulator';
import { openDataStore } from '../../lib/store';
import type { BenchDatabase } from './bench-database';

export interface SimulatorBench {
  backfillEvents: number;
  backfillPerSecond: number;
  steadyTarget: number;
  steadyAchieved: number;
  pipelineDocumentsBehindAtEnd: Record<string, number | null>;
}

export async function simulatorBench(database: BenchDatabase, options: { quick: boolean }): Promise<SimulatorBench> {
  const events = options.quick ? 50_000 : 500_000;
  const filled = await backfill(database.url, { seed: 9, nodes: 10_000, events, days: 30 });

  const store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
  const target = 200;
  const seconds = options.quick ? 5 : 20;
  const simulator = new ClusterSimulator(store, { seed: 9, nodes: 1_000, rate: target, allowRealData: true, settings: { drainMs: 50, remediationMs: 50 } });
  await simulator.start();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const written = simulator.status().written;
  const lag = await store.consumers().lag();
  await simulator.stop();
  await store.close();
  return {
    backfillEvents: events,
    backfillPerSecond: filled.perSecond,
    steadyTarget: target,
    steadyAchieved: Math.round(written / seconds),
    pipelineDocumentsBehindAtEnd: Object.fromEntries(lag.filter((l) => (PIPELINE_CONSUMERS as readonly string[]).includes(l.consumer)).map((l) => [l.consumer, l.documentsBehind])),
  };
}

// Sustained load (issue 8): the simulator writes at a target rate (batches every 100 ms through the
// SDK, triggers and changelog on) for a while with the three simulated pipeline consumers
// (fault-quarantine, node-drainer, fault-remediation) reading the change feed. Every second:
// each consumer's seconds behind head, and this process's memory. The baseline in the same run is
// the writer alone (pipeline off): what the machine can write at all.
import { ClusterSimulator, PIPELINE_CONSUMERS } from '../../lib/simulator/cluster-simulator';
import { openDataStore } from '../../lib/store';
import type { BenchDatabase } from './bench-database';

export interface SustainedBench {
  targetPerSecond: number;
  seconds: number;
  /** Writer alone, pipeline off. */
  baselinePerSecond: number;
  achievedPerSecond: number;
  maxLagSeconds: number;
  /** Seconds behind head per consumer at the end of the run. */
  lagAtEnd: Record<string, number | null>;
  secondsOverOneSecondLag: number;
  /** Heap after a GC-free warm-up and at the end (MB), and the most seen. */
  heapMb: { start: number; end: number; max: number };
  rssMb: { start: number; end: number; max: number };
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

async function writeFor(
  database: BenchDatabase,
  options: { rate: number; seconds: number; pipeline: boolean; sample?: (second: number) => Promise<void> },
): Promise<number> {
  const store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
  const simulator = new ClusterSimulator(store, {
    seed: 21,
    nodes: 2_000,
    rate: options.rate,
    pipeline: options.pipeline,
    allowRealData: true,
    settings: { drainMs: 100, remediationMs: 100 },
  });
  try {
    await simulator.start();
    const before = simulator.status().written;
    const started = performance.now();
    for (let second = 1; second <= options.seconds; second += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await options.sample?.(second);
    }
    return Math.round((simulator.status().written - before) / ((performance.now() - started) / 1000));
  } finally {
    await simulator.stop();
    await store.close();
  }
}

export async function sustainedBench(
  database: BenchDatabase,
  options: { quick: boolean; rate?: number; seconds?: number },
): Promise<SustainedBench> {
  const targetPerSecond = options.rate ?? (options.quick ? 1_000 : 5_000);
  const seconds = options.seconds ?? (options.quick ? 8 : 60);
  const baselinePerSecond = await writeFor(database, {
    rate: targetPerSecond,
    seconds: Math.min(seconds, 15),
    pipeline: false,
  });

  const observer = await openDataStore({ provider: 'postgresql', connectionString: database.url });
  let maxLagSeconds = 0;
  let secondsOverOneSecondLag = 0;
  let lagAtEnd: Record<string, number | null> = {};
  const heap = { start: 0, end: 0, max: 0 };
  const rss = { start: 0, end: 0, max: 0 };
  try {
    const achievedPerSecond = await writeFor(database, {
      rate: targetPerSecond,
      seconds,
      pipeline: true,
      sample: async (second) => {
        const lag = (await observer.consumers().lag()).filter((figures) =>
          (PIPELINE_CONSUMERS as readonly string[]).includes(figures.consumer),
        );
        const worst = Math.max(0, ...lag.map((figures) => figures.lagSeconds ?? 0));
        // The first seconds are start-up (consumers registering, plans warming).
        if (second > 3) {
          maxLagSeconds = Math.max(maxLagSeconds, worst);
          if (worst > 1) secondsOverOneSecondLag += 1;
        }
        lagAtEnd = Object.fromEntries(
          lag.map((figures) => [
            figures.consumer,
            figures.lagSeconds === null ? null : Math.round(figures.lagSeconds * 10) / 10,
          ]),
        );
        const memory = process.memoryUsage();
        if (second === 5) {
          heap.start = mb(memory.heapUsed);
          rss.start = mb(memory.rss);
        }
        heap.end = mb(memory.heapUsed);
        rss.end = mb(memory.rss);
        heap.max = Math.max(heap.max, heap.end);
        rss.max = Math.max(rss.max, rss.end);
      },
    });
    return {
      targetPerSecond,
      seconds,
      baselinePerSecond,
      achievedPerSecond,
      maxLagSeconds: Math.round(maxLagSeconds * 10) / 10,
      lagAtEnd,
      secondsOverOneSecondLag,
      heapMb: heap,
      rssMb: rss,
    };
  } finally {
    await observer.close();
  }
}

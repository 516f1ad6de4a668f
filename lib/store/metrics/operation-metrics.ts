// Latency of store operations per provider and operation, for the Providers page and /metrics.
// Keeps the most recent samples per operation (a ring), so percentiles follow current behaviour
// and memory stays bounded whatever the traffic. Observers get every sample as it is recorded
// (the /metrics histogram), so nothing is re-derived from the ring's percentiles.

const RING_SIZE = 1024;

export interface OperationLatency {
  operation: string;
  count: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

/** One finished store operation. */
export interface OperationSample {
  operation: string;
  ms: number;
  failed: boolean;
}

export type OperationObserver = (sample: OperationSample) => void;

class Ring {
  readonly samples = new Float64Array(RING_SIZE);
  size = 0;
  next = 0;
  count = 0;
  errors = 0;

  add(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % RING_SIZE;
    this.size = Math.min(this.size + 1, RING_SIZE);
    this.count += 1;
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, index)] * 100) / 100;
}

export class OperationMetrics {
  private readonly rings = new Map<string, Ring>();
  private readonly observers = new Set<OperationObserver>();

  private ring(operation: string): Ring {
    let ring = this.rings.get(operation);
    if (!ring) {
      ring = new Ring();
      this.rings.set(operation, ring);
    }
    return ring;
  }

  record(operation: string, ms: number, failed = false): void {
    const ring = this.ring(operation);
    ring.add(ms);
    if (failed) ring.errors += 1;
    for (const observer of this.observers) {
      try {
        observer({ operation, ms, failed });
      } catch {
        // An observer's failure must never fail the store operation it watches.
      }
    }
  }

  /** Hands `observer` every operation recorded from now on; returns the function that stops it. */
  observe(observer: OperationObserver): () => void {
    this.observers.add(observer);
    return () => {
      this.observers.delete(observer);
    };
  }

  /** Runs `work`, recording how long it took under `operation`. */
  async time<T>(operation: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await work();
      this.record(operation, performance.now() - started);
      return result;
    } catch (error) {
      this.record(operation, performance.now() - started, true);
      throw error;
    }
  }

  snapshot(): OperationLatency[] {
    return [...this.rings.entries()]
      .map(([operation, ring]) => {
        const sorted = ring.samples.slice(0, ring.size).sort();
        return {
          operation,
          count: ring.count,
          errors: ring.errors,
          p50Ms: percentile(sorted, 50),
          p95Ms: percentile(sorted, 95),
          p99Ms: percentile(sorted, 99),
        };
      })
      .sort((a, b) => a.operation.localeCompare(b.operation));
  }
}

// The figures every latency benchmark reports, kept pure so they are unit-tested
// (tests/unit/bench): percentiles, what arrived late or never, and whether a writer reached the
// rate it was offered.

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  count: number;
}

/** Nearest-rank percentiles, rounded to 0.01 ms; NaN for no samples. */
export function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] * 100) / 100 : NaN;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), count: sorted.length };
}

/** Latency of every event sent, with the ones that never arrived counted, not dropped. */
export interface Delivery {
  sent: number;
  arrived: number;
  /** Arrived, but more than `lateAfterMs` after it was sent (inside the percentiles). */
  late: number;
  lateAfterMs: number;
  /** Not arrived when the benchmark stopped waiting. */
  missing: number;
  /** Over every event sent, a missing one counting as slower than any: null where a percentile falls on one. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/**
 * `sentAt` and `arrivedAt` are times on one clock (performance.now() in one process) by event
 * key. An arrival of a key never sent is a benchmark bug, as is one before its send.
 */
export function delivery(
  sentAt: ReadonlyMap<string, number>,
  arrivedAt: ReadonlyMap<string, number>,
  lateAfterMs: number,
): Delivery {
  const latencies: number[] = [];
  let missing = 0;
  for (const [key, sent] of sentAt) {
    const arrived = arrivedAt.get(key);
    if (arrived === undefined) {
      missing += 1;
      continue;
    }
    if (arrived < sent)
      throw new Error(
        `event ${key} arrived ${sent - arrived} ms before it was sent: the two times are not on one clock`,
      );
    latencies.push(arrived - sent);
  }
  for (const key of arrivedAt.keys()) if (!sentAt.has(key)) throw new Error(`event ${key} arrived but was never sent`);
  const figures = percentiles([...latencies, ...Array<number>(missing).fill(Infinity)]);
  const known = (value: number) => (Number.isFinite(value) ? value : null);
  return {
    sent: sentAt.size,
    arrived: latencies.length,
    late: latencies.filter((latency) => latency > lateAfterMs).length,
    lateAfterMs,
    missing,
    p50: known(figures.p50),
    p95: known(figures.p95),
    p99: known(figures.p99),
  };
}

/** A rate counts as achieved within 5 % of what was offered (the pacing's own rounding is far below that). */
export function rateAchieved(offered: number, achieved: number): boolean {
  return achieved >= offered * 0.95;
}

/** `p50 / p95 / p99` in ms, "missing" where a percentile falls on an event that never arrived. */
export function formatDelivery(figures: Pick<Delivery, 'p50' | 'p95' | 'p99'>): string {
  const one = (value: number | null) => (value === null ? 'missing' : String(value));
  return `${one(figures.p50)} / ${one(figures.p95)} / ${one(figures.p99)}`;
}

/** What did not arrive in time, or "none". */
export function formatLateAndMissing(figures: Pick<Delivery, 'sent' | 'late' | 'lateAfterMs' | 'missing'>): string {
  return `${figures.sent} sent: ${figures.late} later than ${figures.lateAfterMs / 1000} s, ${figures.missing} missing`;
}

/** feed p99 / baseline p99 as "1.4×"; "n/a" when either is missing or the baseline is 0. */
export function p99Ratio(figure: number | null, baseline: number | null): string {
  if (figure === null || baseline === null || !(baseline > 0)) return 'n/a';
  return `${(figure / baseline).toFixed(1)}×`;
}

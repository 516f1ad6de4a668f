// The Throughput chart's rows: each bucket's counts per series as a rate per second or minute,
// the newest (still filling) bucket's over the seconds counted so far.
import { countOf } from '@/lib/live/live-messages';
import type { ThroughputSeries } from '@/lib/queries/throughput-view';

export interface ChartRow {
  start: number;
  end: number;
  /** The newest bucket: its rate is over the seconds counted so far, not the whole bucket. */
  inProgress: boolean;
  total: number;
  /** Rate per unit (second or minute) of every series, by position in `series`. */
  rates: number[];
  counts: number[];
}

/** Rows for the chart: each series' rate in events per `unitSeconds`. */
export function chartRows(series: ThroughputSeries, unitSeconds: number): ChartRow[] {
  const bucketMs = series.bucketSeconds * 1000;
  const last = series.buckets.length - 1;
  return series.buckets.map((bucket, index) => {
    // The newest bucket while it fills: a zoom into the past ends on a whole one.
    const inProgress = index === last && series.coveredUntil < bucket.start + bucketMs;
    const seconds = inProgress
      ? Math.min(series.bucketSeconds, Math.max(1, (series.coveredUntil - bucket.start) / 1000))
      : series.bucketSeconds;
    const counts = series.series.map((entry) => countOf(bucket.counts, entry.key));
    return {
      start: bucket.start,
      end: bucket.start + bucketMs,
      inProgress,
      total: bucket.total,
      counts,
      rates: counts.map((count) => (count * unitSeconds) / seconds),
    };
  });
}

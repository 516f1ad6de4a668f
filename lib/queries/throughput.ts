// The Throughput page's read model: event counts per time bucket and grouping field from the
// datastore, shaped into series by the throughput model (./throughput-view.ts, which the browser
// also runs to fold live counts in).
import type { AppContext } from '@/lib/context/app-context';
import type { DataStore, ThroughputBucket } from '@/lib/store';

import {
  bucketWindow,
  buildSeries,
  type CountRow,
  type ThroughputGrouping,
  type ThroughputRange,
  type ThroughputView,
} from './throughput-view';

const rows = (buckets: ThroughputBucket[], keyAt = 0): CountRow[] =>
  buckets.map((bucket) => ({
    bucketStart: bucket.bucketStart.getTime(),
    key: bucket.keys[keyAt],
    count: bucket.count,
  }));

export async function readThroughput(
  store: DataStore,
  request: { range: ThroughputRange; by: ThroughputGrouping; now?: number },
): Promise<ThroughputView> {
  const now = request.now ?? Date.now();
  const window = bucketWindow(request.range, now);
  const from = new Date(window.from);
  const to = new Date(window.to);
  const events = store.healthEvents();
  // One pass over the range: counts per (bucket, grouping field, isFatal) give both the chosen
  // series (summed over fatality: zeroFill adds rows of the same bucket and key) and the fatal
  // count per bucket, for the fatal share as buckets roll off. Grouping by fatality is both at once.
  const fatalToo = request.by !== 'isFatal';
  const [counts, recent] = await Promise.all([
    events.throughput({
      from,
      to,
      bucketSeconds: window.bucketSeconds,
      groupBy: fatalToo ? [request.by, 'isFatal'] : request.by,
    }),
    events.throughput({
      from: new Date(Math.max(window.from, window.to - 60_000)),
      to,
      bucketSeconds: 1,
      groupBy: 'none',
    }),
  ]);
  return {
    ...buildSeries({
      range: request.range,
      by: request.by,
      window,
      grouped: rows(counts),
      fatal: fatalToo ? rows(counts, 1) : undefined,
      recent: rows(recent),
    }),
    provider: store.provider,
    readAt: now,
  };
}

export async function readThroughputView(
  context: AppContext,
  range: ThroughputRange,
  by: ThroughputGrouping,
): Promise<ThroughputView> {
  return readThroughput(await context.store(), { range, by });
}

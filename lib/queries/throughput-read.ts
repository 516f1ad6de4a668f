// The Throughput page's read model over any DataStore (no server-only import, so integration
// tests run it on a real database). lib/queries/throughput.ts hands it the app's datastore.
import { bucketWindow, buildSeries, type CountRow, type ThroughputGrouping, type ThroughputRange, type ThroughputSeries } from '@/lib/format/throughput-series';
import type { DataStore, ProviderName, ThroughputBucket } from '@/lib/store';

export interface ThroughputView extends ThroughputSeries {
  /** The provider that served the figures. */
  provider: ProviderName;
  /** When the server read them (ms). */
  readAt: number;
}

const rows = (buckets: ThroughputBucket[], keyAt = 0): CountRow[] =>
  buckets.map((bucket) => ({ bucketStart: bucket.bucketStart.getTime(), key: bucket.keys[keyAt], count: bucket.count }));

export async function readThroughput(store: DataStore, request: { range: ThroughputRange; by: ThroughputGrouping; now?: number }): Promise<ThroughputView> {
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
    events.throughput({ from, to, bucketSeconds: window.bucketSeconds, groupBy: fatalToo ? [request.by, 'isFatal'] : request.by }),
    events.throughput({ from: new Date(Math.max(window.from, window.to - 60_000)), to, bucketSeconds: 1, groupBy: 'none' }),
  ]);
  return {
    ...buildSeries({ range: request.range, by: request.by, window, grouped: rows(counts), fatal: fatalToo ? rows(counts, 1) : undefined, recent: rows(recent) }),
    provider: store.provider,
    readAt: now,
  };
}

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

const rows = (buckets: ThroughputBucket[]): CountRow[] => buckets.map((bucket) => ({ bucketStart: bucket.bucketStart.getTime(), key: bucket.key, count: bucket.count }));

export async function readThroughput(store: DataStore, request: { range: ThroughputRange; by: ThroughputGrouping; now?: number }): Promise<ThroughputView> {
  const now = request.now ?? Date.now();
  const window = bucketWindow(request.range, now);
  const from = new Date(window.from);
  const to = new Date(window.to);
  const events = store.healthEvents();
  const [grouped, fatal, recent] = await Promise.all([
    events.throughput({ from, to, bucketSeconds: window.bucketSeconds, groupBy: request.by }),
    // Fatal per bucket, for the fatal share as buckets roll off (the same rows when grouping by it).
    request.by === 'isFatal' ? null : events.throughput({ from, to, bucketSeconds: window.bucketSeconds, groupBy: 'isFatal' }),
    events.throughput({ from: new Date(Math.max(window.from, window.to - 60_000)), to, bucketSeconds: 1, groupBy: 'none' }),
  ]);
  return {
    ...buildSeries({ range: request.range, by: request.by, window, grouped: rows(grouped), fatal: fatal ? rows(fatal) : undefined, recent: rows(recent) }),
    provider: store.provider,
    readAt: now,
  };
}

// The process-wide Prometheus registry (/metrics). Created when the first datastore opens, so the
// store operation histogram counts every operation from the start, not from the first scrape.
// Kept on globalThis so Next.js dev reloads do not register the metrics twice.
import 'server-only';

import { ConsoleMetrics, type DatastoreRole } from '@/lib/metrics/console-metrics';
import type { DataStore } from '@/lib/store';

const holder = globalThis as unknown as { sentinelConsoleMetrics?: ConsoleMetrics };

export function appMetrics(): ConsoleMetrics {
  holder.sentinelConsoleMetrics ??= new ConsoleMetrics({
    defaultMetrics: true,
    onSourceError: (source, error) => console.error(`[metrics] ${source}: ${(error as Error).message}`),
  });
  return holder.sentinelConsoleMetrics;
}

/** Records `store`'s operations in the latency histogram; returns the store. */
export function withOperationMetrics(store: DataStore, datastore: DatastoreRole): DataStore {
  appMetrics().observeStore(store, datastore);
  return store;
}

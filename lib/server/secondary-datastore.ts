// The optional second datastore of this server process (lib/context/secondary-datastore-config.ts),
// opened once on first use.
import 'server-only';

import { secondaryConfigFromEnv } from '@/lib/context/secondary-datastore-config';
import { withOperationMetrics } from '@/lib/server/metrics';
import { openDataStore, type DataStore } from '@/lib/store';

const holder = globalThis as unknown as { sentinelConsoleSecondaryStore?: Promise<DataStore> };

/** The secondary datastore, or null when none is configured. A failed open is retried next call. */
export function getSecondaryDataStore(): Promise<DataStore> | null {
  const config = secondaryConfigFromEnv();
  if (!config) return null;
  holder.sentinelConsoleSecondaryStore ??= openDataStore(config)
    .then((store) => withOperationMetrics(store, 'secondary'))
    .catch((error) => {
      holder.sentinelConsoleSecondaryStore = undefined;
      throw error;
    });
  return holder.sentinelConsoleSecondaryStore;
}

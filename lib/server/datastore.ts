// One datastore per server process, opened on first use from the environment (DATABASE_URL,
// DATASTORE_*, MONGODB_*). Kept on globalThis so Next.js dev reloads do not open a pool each time.
import 'server-only';

import { withOperationMetrics } from '@/lib/server/metrics';
import { openDataStore, type DataStore } from '@/lib/store';

const holder = globalThis as unknown as { sentinelConsoleStore?: Promise<DataStore> };

export function getDataStore(): Promise<DataStore> {
  holder.sentinelConsoleStore ??= openDataStore()
    .then((store) => withOperationMetrics(store, 'primary'))
    .catch((error) => {
      holder.sentinelConsoleStore = undefined;
      throw error;
    });
  return holder.sentinelConsoleStore;
}

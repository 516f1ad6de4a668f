// The Providers page's read model on the configured datastores: the app's, and the secondary one
// when SECONDARY_DATABASE_URL is set (the logic is in providers-read.ts).
import 'server-only';

import { configFromEnv, describeDataStoreTarget, type DataStoreConfig } from '@/lib/store';
import { getDataStore } from '@/lib/server/datastore';
import { getSecondaryDataStore, secondaryConfigFromEnv } from '@/lib/server/secondary-datastore';

import { readProviders, type DatastoreSource, type ProvidersView, type TotalCountCache } from './providers-read';

export type { ProvidersView };

const holder = globalThis as unknown as { sentinelConsoleTotals?: TotalCountCache };

function targetOf(read: () => DataStoreConfig | null): string | null {
  try {
    const config = read();
    return config ? describeDataStoreTarget(config) : null;
  } catch {
    return null;
  }
}

export function datastoreSources(): DatastoreSource[] {
  const sources: DatastoreSource[] = [
    { id: 'primary', role: 'App datastore', target: targetOf(() => configFromEnv()), open: getDataStore },
  ];
  if (process.env.SECONDARY_DATABASE_URL?.trim()) {
    sources.push({
      id: 'secondary',
      role: 'Secondary datastore',
      target: targetOf(() => secondaryConfigFromEnv()),
      open: async () => {
        const store = getSecondaryDataStore();
        if (!store) throw new Error('SECONDARY_DATABASE_URL is not set');
        return store;
      },
    });
  }
  return sources;
}

export function readProvidersView(): Promise<ProvidersView> {
  holder.sentinelConsoleTotals ??= new Map();
  return readProviders(datastoreSources(), { totals: holder.sentinelConsoleTotals });
}

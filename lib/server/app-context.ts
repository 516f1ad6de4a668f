// The composition root: this server process's app context, built once from the process-wide
// holders (datastore, live hub, console pool, sign-in). Pages, route handlers and the action entry
// points call appContext() and hand it to read models, actions and probes.
import 'server-only';

import type { AppContext, DatastoreSource } from '@/lib/context/app-context';
import { secondaryConfigFromEnv } from '@/lib/context/secondary-datastore-config';
import { sharedConsolePool } from '@/lib/console-database/console-database';
import { getClusterState } from '@/lib/server/cluster';
import { getDataStore } from '@/lib/server/datastore';
import { currentLiveHub, getLiveHub } from '@/lib/server/live-hub';
import { EventCountReads } from '@/lib/projection/event-count-reads';
import { ProjectionTables } from '@/lib/projection/projection-tables';
import { getSecondaryDataStore } from '@/lib/server/secondary-datastore';
import { actorFrom, getAuth } from '@/lib/server/session';
import { configFromEnv, describeDataStoreTarget, type DataStoreConfig } from '@/lib/store';

/** A datastore's place without credentials, or null when its settings cannot be read (the column then shows the open error). */
function targetOf(read: () => DataStoreConfig | null): string | null {
  try {
    const config = read();
    return config ? describeDataStoreTarget(config) : null;
  } catch {
    return null;
  }
}

function datastores(): DatastoreSource[] {
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

let eventCountReads: EventCountReads | undefined;

/** The roll-ups the live hub's keeper writes (lib/server/live-hub.ts keeps the projection they go with). */
function eventCounts(): EventCountReads {
  eventCountReads ??= new EventCountReads(sharedConsolePool(), new ProjectionTables(sharedConsolePool()));
  return eventCountReads;
}

const context: AppContext = {
  store: getDataStore,
  liveHub: getLiveHub,
  currentLiveHub,
  datastores,
  consolePool: sharedConsolePool,
  eventCounts,
  auth: getAuth,
  actor: actorFrom,
  cluster: getClusterState,
};

export function appContext(): AppContext {
  return context;
}

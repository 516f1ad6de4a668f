// The process-wide live hub, started on first use, told of the cluster's node changes when a
// cluster is configured. Kept on globalThis so Next.js dev reloads do not open a second change feed.
import 'server-only';

import { followClusterChanges } from '@/lib/live/cluster-changes';
import { flushMsFromEnv, LiveHub } from '@/lib/live/live-hub';
import { getClusterState } from '@/lib/server/cluster';
import { getDataStore } from '@/lib/server/datastore';
import { sharedConsolePool } from '@/lib/console-database/console-database';
import { KeptProjection, pageSizeFromEnv } from '@/lib/projection/kept-projection';
import { ProjectionLease } from '@/lib/projection/projection-lease';
import { ProjectionTables } from '@/lib/projection/projection-tables';

const holder = globalThis as unknown as { sentinelConsoleLiveHub?: LiveHub };

export async function getLiveHub(): Promise<LiveHub> {
  if (!holder.sentinelConsoleLiveHub) {
    const store = await getDataStore();
    if (!holder.sentinelConsoleLiveHub) {
      const hub = new LiveHub(store, {
        consumer: process.env.LIVE_CONSUMER_NAME || undefined,
        flushMs: flushMsFromEnv(),
        onError: (error) => console.error(`[live] ${(error as Error).message}`),
        // The node projection is kept in the console database: a start loads it instead of
        // reading every event (built once per datastore, in pages, while the pages answer).
        kept: new KeptProjection(new ProjectionTables(sharedConsolePool()), {
          pageSize: pageSizeFromEnv(),
          log: (line) => console.log(`[live] ${line}`),
        }),
        // Several replicas on one database: the one holding the lease keeps it, the others follow.
        lease: new ProjectionLease(sharedConsolePool(), {
          onChange: (hold) =>
            console.log(
              hold
                ? `[live] keeping the node projection (lease epoch ${hold.epoch})`
                : '[live] following the node projection another replica keeps',
            ),
          onError: (error) => console.error(`[live] projection lease: ${(error as Error).message}`),
        }),
      });
      // Open pages hear of a node's cluster half changing (a kubectl cordon, an opt-out).
      const cluster = getClusterState();
      if (cluster) followClusterChanges(cluster.state, hub);
      holder.sentinelConsoleLiveHub = hub;
    }
  }
  await holder.sentinelConsoleLiveHub.start();
  return holder.sentinelConsoleLiveHub;
}

/** The process's live hub as it is (starting, running or recovering), without starting one; undefined before the first getLiveHub(). */
export function currentLiveHub(): LiveHub | undefined {
  return holder.sentinelConsoleLiveHub;
}

// The process-wide live hub, started on first use, told of the cluster's node changes when a
// cluster is configured. Kept on globalThis so Next.js dev reloads do not open a second change feed.
import 'server-only';

import { followClusterChanges } from '@/lib/live/cluster-changes';
import { flushMsFromEnv, LiveHub } from '@/lib/live/live-hub';
import { getClusterState } from '@/lib/server/cluster';
import { getDataStore } from '@/lib/server/datastore';

const holder = globalThis as unknown as { sentinelConsoleLiveHub?: LiveHub };

export async function getLiveHub(): Promise<LiveHub> {
  if (!holder.sentinelConsoleLiveHub) {
    const store = await getDataStore();
    if (!holder.sentinelConsoleLiveHub) {
      const hub = new LiveHub(store, {
        consumer: process.env.LIVE_CONSUMER_NAME || undefined,
        flushMs: flushMsFromEnv(),
        onError: (error) => console.error(`[live] ${(error as Error).message}`),
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

// This process's cluster state (lib/cluster/cluster-state.ts), when a cluster is configured
// (lib/cluster/cluster-access.ts): started when the server boots (instrumentation.ts), else on first
// use, following the API server from then on.
// Kept on globalThis so Next.js dev reloads do not start a second set of watches. Beside it runs
// this process's put-back of maintenance opt-outs whose time ended (lib/cluster/opt-out-expiry.ts),
// audited in the console database.
import 'server-only';

import { clusterAccessFromEnv, type ClusterAccess } from '@/lib/cluster/cluster-access';
import { ClusterState } from '@/lib/cluster/cluster-state';
import { OptOutExpiry } from '@/lib/cluster/opt-out-expiry';
import { recordAttempt } from '@/lib/audit/record-attempt';
import { sharedConsolePool } from '@/lib/console-database/console-database';

const holder = globalThis as unknown as {
  sentinelClusterState?: { access: ClusterAccess; state: ClusterState } | null;
};

/** The cluster state, or null when no cluster is configured (the console then works from the datastore alone). */
export function getClusterState(): { access: ClusterAccess; state: ClusterState } | null {
  if (holder.sentinelClusterState === undefined) {
    const access = clusterAccessFromEnv();
    if (!access) holder.sentinelClusterState = null;
    else {
      const state = new ClusterState(access.config, access.namespace);
      // It connects in the background: pages say "connecting" until the first list answers.
      void state.start().catch((error: Error) => console.error(`[cluster] ${error.message}`));
      // It reads the state in memory and calls the API server only for an opt-out that is due.
      new OptOutExpiry({
        state,
        config: access.config,
        audit: async (entry) => void (await recordAttempt(sharedConsolePool(), entry, true)),
      }).start();
      holder.sentinelClusterState = { access, state };
    }
  }
  return holder.sentinelClusterState;
}

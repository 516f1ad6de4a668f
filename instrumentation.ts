// Next.js calls register() once in each server process before it serves. The cluster state starts
// here, with the server, so its watch is live and the put-back of ended maintenance opt-outs
// (lib/cluster/opt-out-expiry.ts, which starts with it) runs from boot: before, it started on the
// first use of the cluster state, so a replica nobody had opened a page on never put anything back.
// The alert engine (lib/server/alerts.ts) starts here too, for the same reason.
// Not during `next build`, whose page-data and prerender workers call register() too (NEXT_PHASE is
// phase-production-build there) and must not watch a cluster; not in the edge runtime (the
// Kubernetes client needs Node).
import { PHASE_PRODUCTION_BUILD } from 'next/constants';

export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === 'nodejs' && process.env.NEXT_PHASE !== PHASE_PRODUCTION_BUILD) {
    const { getClusterState } = await import('@/lib/server/cluster');
    try {
      // Connects in the background; null when no cluster is configured.
      getClusterState();
    } catch (error) {
      // A cluster setting that cannot work: the server still serves, and the pages say what is wrong.
      console.error(`[cluster] not started at boot: ${(error as Error).message}`);
    }
    // Webhook alerts go out with no page open: the alert engine starts the live hub it listens to.
    try {
      // Inside the try: a module that fails to load (a bad setting read at import) is logged too.
      const { startAlerts } = await import('@/lib/server/alerts');
      startAlerts();
    } catch (error) {
      console.error(`[alerts] not started at boot: ${(error as Error).message}`);
    }
  }
}

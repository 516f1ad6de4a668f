// Where /metrics reads its scrape-time gauges in an app context: the live hub's lag reading (the
// Pipeline page's), dead letters and a ping from the app's datastore. Each read is bounded, so a
// database that hangs costs a scrape its gauges, not its answer.
import { breakerLimitsFromEnv, circuitBreakerView } from '@/lib/cluster/circuit-breaker-view';
import type { AppContext } from '@/lib/context/app-context';
import type { LiveHub } from '@/lib/live/live-hub';
import { settleWithin, within } from '@/lib/probes/settle-within';
import { consumerLagReading, openDeadLettersByConsumer } from '@/lib/queries/pipeline';

import type { MetricsSources } from './console-metrics';

/** How long a scrape waits for one source (Prometheus' default scrape timeout is 10 s). */
const SOURCE_TIMEOUT_MS = 4_000;
/** How long a scrape waits for the live hub to start (it loads a snapshot first; it goes on starting regardless). */
const HUB_WAIT_MS = 2_000;

/**
 * The process's live hub, started if it is not (waiting at most HUB_WAIT_MS, so a scrape also
 * retries a start that failed). A hub that exists is reported whether its start finished or not:
 * its figures stay truthful (feed state, a lag reading that goes stale) and its counter never
 * drops back to 0 while it recovers.
 */
async function liveHub(context: AppContext): Promise<LiveHub | null> {
  const settled = await settleWithin(context.liveHub(), HUB_WAIT_MS);
  const hub = settled.status === 'done' ? settled.value : context.currentLiveHub();
  if (!hub && settled.status === 'failed') throw settled.error;
  return hub ?? null;
}

export function appMetricsSources(context: AppContext): MetricsSources {
  return {
    consumerLag: async () => {
      const hub = await liveHub(context);
      return hub ? consumerLagReading(hub) : null;
    },
    openDeadLetters: async () =>
      within(context.store().then(openDeadLettersByConsumer), SOURCE_TIMEOUT_MS, 'the datastore (dead letters)'),
    liveHub: async () => {
      const hub = await liveHub(context);
      return hub ? { clients: hub.clientCount, feed: hub.status().feed, healthEventsSeen: hub.healthEventsSeen } : null;
    },
    ping: async () =>
      within(
        context.store().then((store) => store.ping()),
        SOURCE_TIMEOUT_MS,
        'the datastore (ping)',
      ),
    // From memory (the cluster state's informers): no call to the API server per scrape.
    cluster: async () => {
      const cluster = context.cluster();
      if (!cluster) return null;
      const nodes = cluster.state.allNodes();
      const breaker = circuitBreakerView(
        cluster.state.breaker(),
        nodes,
        breakerLimitsFromEnv(),
        null,
        cluster.state.status(),
      );
      return {
        context: cluster.access.context,
        namespace: cluster.access.namespace,
        state: breaker.connection.state,
        breakerStatus: breaker.status,
        breakerCordons: breaker.recentCordons,
        breakerLimit: breaker.limit,
        cordonedNodes: nodes.filter((node) => node.cordoned).length,
      };
    },
  };
}

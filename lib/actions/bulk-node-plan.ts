// What a bulk quarantine or release would do, read from what the console holds in memory (the
// live hub's projection, the watched cluster): which nodes it would act on, which it would refuse
// and why (the single-node mutation's own refusals, ./node-mutations.ts), and before a quarantine
// NVSentinel's circuit breaker as it stands. Nothing is written: a dry run is this plan alone.
import { breakerLimitsFromEnv, circuitBreakerView, type CircuitBreakerView } from '@/lib/cluster/circuit-breaker-view';
import type { ClusterNode } from '@/lib/cluster/cluster-node';
import type { AppContext } from '@/lib/context/app-context';
import { NODE_STATE_LABELS, QUARANTINED_STATES, type NodeState, type NodeView } from '@/lib/node-state/node-view';

export type BulkOperation = 'quarantine' | 'release';

export interface BulkBreakerOutlook {
  /** CLOSED or TRIPPED as NVSentinel's ConfigMap says; null when it is missing. */
  status: string | null;
  /** Cordons by NVSentinel's rules within the window that trip it, and how many it counts now. */
  limit: number;
  recentCordons: number;
  percentage: number;
  windowSeconds: number;
  gpuNodes: number;
  /** GPU nodes cordoned now, for any reason, and after this quarantine (each acted-on GPU node cordoned). */
  cordonedNow: number;
  cordonedAfter: number;
}

export interface BulkNodePlan {
  operation: BulkOperation;
  /** The nodes it would act on, in the order asked (a filter's: worst first, as the Nodes page lists them). */
  act: { name: string; state: NodeState }[];
  /** The nodes it would refuse, with the single action's reason. */
  refused: { name: string; state: NodeState | null; why: string }[];
  /** Before a quarantine with cluster access; null otherwise. */
  breaker: BulkBreakerOutlook | null;
  /** CONSOLE_MUTATION_RATE_LIMIT: each node acted on is one change of the user's per minute. */
  rateLimit: number;
}

/** Why the single-node mutation would refuse `view` (null: it would act), as far as memory can tell. */
export function bulkRefusal(
  operation: BulkOperation,
  view: NodeView | undefined,
  clusterConfigured: boolean,
): string | null {
  if (!view) return 'unknown: no node of this name has reported to this datastore';
  const label = NODE_STATE_LABELS[view.state];
  if (operation === 'quarantine') {
    if (QUARANTINED_STATES.has(view.state)) return `already quarantined (${label})`;
    if (view.quarantineRequested) return 'a quarantine is already requested and waiting for fault-quarantine';
    return null;
  }
  if (!view.session || !QUARANTINED_STATES.has(view.state)) return `not quarantined (${label}): nothing to release`;
  if (!clusterConfigured) return 'no Kubernetes cluster configured: a release is an uncordon';
  return null;
}

/** The breaker before a quarantine of `names`: its limit, and the cordoned GPU nodes now and after. */
export function breakerOutlook(
  view: CircuitBreakerView,
  nodes: readonly ClusterNode[],
  names: readonly string[],
): BulkBreakerOutlook {
  const acting = new Set(names);
  const gpu = nodes.filter((node) => node.gpu);
  const cordonedNow = gpu.filter((node) => node.cordoned).length;
  const added = gpu.filter((node) => !node.cordoned && acting.has(node.name)).length;
  return {
    status: view.status,
    limit: view.limit,
    recentCordons: view.recentCordons,
    percentage: view.limits.percentage,
    windowSeconds: view.limits.windowSeconds,
    gpuNodes: view.gpuNodes,
    cordonedNow,
    cordonedAfter: cordonedNow + added,
  };
}

export async function planBulkNodeAction(
  context: AppContext,
  operation: BulkOperation,
  names: readonly string[],
  rateLimit: number,
): Promise<BulkNodePlan> {
  const hub = await context.liveHub();
  const cluster = context.cluster();
  const act: BulkNodePlan['act'] = [];
  const refused: BulkNodePlan['refused'] = [];
  for (const name of names) {
    const view = hub.projection.get(name);
    const why = bulkRefusal(operation, view, cluster !== null);
    if (why === null) act.push({ name, state: view!.state });
    else refused.push({ name, state: view?.state ?? null, why });
  }
  const breaker =
    operation === 'quarantine' && cluster
      ? breakerOutlook(
          circuitBreakerView(
            cluster.state.breaker(),
            cluster.state.allNodes(),
            breakerLimitsFromEnv(),
            null,
            cluster.state.status(),
          ),
          cluster.state.allNodes(),
          act.map((node) => node.name),
        )
      : null;
  return { operation, act, refused, breaker, rateLimit };
}

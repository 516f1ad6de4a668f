// What the Why chain (./node-why.ts) is built from: what the node page read of the datastore and the cluster.
import type { ClusterNode } from '@/lib/cluster/cluster-node';
import type { CircuitBreakerState, ClusterStatus } from '@/lib/cluster/cluster-state';
import type { NodeResource } from '@/lib/cluster/nvsentinel-resource';
import type { NodeView } from '@/lib/node-state/node-view';

import type { NodeEventRow } from './node-detail-view';

export interface WhyInputs {
  view: NodeView | null;
  /** The event that opened the open session (by the session's recordId); null without a session. */
  opening: NodeEventRow | null;
  /**
   * The node's events of the tracked checks since the session opened, newest first (with the
   * unhealthy ones NVSentinel added to the session: nodeQuarantined AlreadyQuarantined).
   */
  sessionEvents: NodeEventRow[];
  /** The cluster half; null when the console has no cluster access. */
  cluster: {
    /** The watch: a missing node means "deleted" only once it has listed (live or stale). */
    status: ClusterStatus['state'];
    node: ClusterNode | null;
    breaker: CircuitBreakerState;
    resources: NodeResource[];
  } | null;
  /** fault-quarantine's backlog in the datastore, when known. */
  quarantineBacklog: number | null;
}

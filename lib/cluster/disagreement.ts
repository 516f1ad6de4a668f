// Where the datastore and the cluster tell different stories about a node: the cases NVSentinel's
// users ask about most ("why is this node still cordoned?", "why is it schedulable?").
import { QUARANTINED_STATES, type NodeState } from '@/lib/node-state/node-view';

import type { ClusterNode } from './cluster-node';

export type ClusterDisagreement =
  'schedulable-while-quarantined' | 'cordoned-without-session' | 'cordoned-before-nvsentinel';

export const DISAGREEMENT_LABELS: Record<ClusterDisagreement, string> = {
  'schedulable-while-quarantined': 'quarantined, yet schedulable',
  'cordoned-without-session': 'cordoned outside NVSentinel',
  'cordoned-before-nvsentinel': 'cordoned before NVSentinel (it will not uncordon)',
};

/** The disagreement of a node's datastore state and its cluster object, or null when they agree (or the cluster has no such node). */
export function disagreementOf(state: NodeState, node: ClusterNode | undefined): ClusterDisagreement | null {
  if (!node) return null;
  const quarantined = QUARANTINED_STATES.has(state);
  // A session of NVSentinel's whose rules did not cordon (taint or label only) is schedulable by design
  // (reconciler.go:1012-1014, lalitadithya/NVSentinel @ 42672ae).
  const uncordonedByDesign = node.nvsentinelSession && !node.cordonedByNvsentinel;
  if (quarantined && !node.cordoned && !uncordonedByDesign) return 'schedulable-while-quarantined';
  if (node.cordoned && node.cordonPreExisting) return 'cordoned-before-nvsentinel';
  if (node.cordoned && !node.nvsentinelSession && !quarantined) return 'cordoned-without-session';
  return null;
}

// The Nodes page's read model: the live hub's projection, filtered. No database scan per request.
import 'server-only';

import { matchesNodeFilter, type NodeFilter } from '@/lib/projection/node-filter';
import type { NodeState, NodeView } from '@/lib/projection/node-view';
import { getLiveHub } from '@/lib/server/live-hub';

export interface NodeList {
  nodes: NodeView[];
  counts: Record<NodeState, number>;
  total: number;
  /** Every agent and check seen, for the filter menus. */
  agents: string[];
  checks: string[];
}

export async function readNodeList(filter: NodeFilter): Promise<NodeList> {
  const hub = await getLiveHub();
  const all = hub.nodes();
  const agents = new Set<string>();
  const checks = new Set<string>();
  for (const view of all) {
    for (const agent of view.agents) agents.add(agent);
    for (const check of view.checks) checks.add(check);
  }
  return {
    nodes: all.filter((view) => matchesNodeFilter(view, filter)),
    counts: hub.projection.counts(),
    total: all.length,
    agents: [...agents].sort(),
    checks: [...checks].sort(),
  };
}

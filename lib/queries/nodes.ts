// The Nodes page's read model: the live hub's projection, filtered, ordered worst first and paged
// on the server, so a browser gets one page of 10,000 nodes, never all of them; beside each node of
// the page, whether the cluster has it cordoned and where the two disagree (from the watched
// cluster state in memory), and whether it is out of NVSentinel's hands (the maintenance opt-out,
// ?optedOut=1 lists only those). No database scan, no API call per request.
import type { ClusterNode } from '@/lib/cluster/cluster-node';
import { disagreementOf } from '@/lib/cluster/disagreement';
import type { AppContext } from '@/lib/context/app-context';
import type { NodeFilter } from '@/lib/node-state/node-filter';
import { nodeListOf, type NodeListRequest } from '@/lib/node-state/node-list';

import type { NodesPage } from './nodes-view';
import { optedOutMarkOf, type OptedOutMark } from './opt-out-view';

export async function readNodeList(
  context: AppContext,
  filter: NodeFilter,
  request: NodeListRequest,
): Promise<NodesPage> {
  const hub = await context.liveHub();
  const cluster = context.cluster();
  const disagrees = filter.disagree
    ? (view: { name: string; state: Parameters<typeof disagreementOf>[0] }) =>
        cluster !== null && disagreementOf(view.state, cluster.state.node(view.name)) !== null
    : undefined;
  const optedOut = filter.optedOut
    ? (view: { name: string }) => cluster !== null && optedOutMarkOf(cluster.state.node(view.name)?.optOut) !== null
    : undefined;
  const alsoMatches =
    disagrees && optedOut
      ? (view: Parameters<typeof disagrees>[0]) => disagrees(view) && optedOut(view)
      : (disagrees ?? optedOut);
  const list = nodeListOf(hub.nodes(), hub.projection.counts(), filter, request, {
    alsoMatches,
    menus: hub.projection.filterMenus(),
  });
  return {
    ...list,
    readAt: Date.now(),
    cluster: cluster
      ? {
          configured: true,
          nodes: Object.fromEntries(
            list.nodes.map((view) => {
              const node = cluster.state.node(view.name);
              return [
                view.name,
                {
                  cordoned: node ? node.cordoned : null,
                  disagreement: disagreementOf(view.state, node),
                  optedOut: optedOutMarkOf(node?.optOut),
                },
              ];
            }),
          ),
          ...(filter.optedOut ? { optedOutElsewhere: optedOutElsewhere(cluster.state.allNodes(), hub, filter) } : {}),
        }
      : { configured: false, nodes: {} },
  };
}

/** Opted-out nodes the datastore has never heard of (no row to mark), when no datastore-only filter excludes them. */
function optedOutElsewhere(
  nodes: ClusterNode[],
  hub: { projection: { get(name: string): unknown } },
  filter: NodeFilter,
): { name: string; mark: OptedOutMark }[] {
  if (filter.states?.length || filter.agent || filter.check || filter.disagree) return [];
  const search = filter.search?.toLowerCase();
  return nodes
    .filter((node) => !hub.projection.get(node.name) && (!search || node.name.toLowerCase().includes(search)))
    .flatMap((node) => {
      const mark = optedOutMarkOf(node.optOut);
      return mark ? [{ name: node.name, mark }] : [];
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

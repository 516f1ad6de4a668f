// The Nodes page's read model: the live hub's projection, filtered, ordered worst first and paged
// on the server, so a browser gets one page of 10,000 nodes, never all of them; beside each node of
// the page, whether the cluster has it cordoned and where the two disagree (from the watched
// cluster state in memory). No database scan, no API call per request.
import { disagreementOf } from '@/lib/cluster/disagreement';
import type { AppContext } from '@/lib/context/app-context';
import type { NodeFilter } from '@/lib/node-state/node-filter';
import { nodeListOf } from '@/lib/node-state/node-list';
import type { NodePageRequest } from '@/lib/node-state/node-order';

import type { NodesPage } from './nodes-view';

export async function readNodeList(
  context: AppContext,
  filter: NodeFilter,
  request: NodePageRequest,
): Promise<NodesPage> {
  const hub = await context.liveHub();
  const cluster = context.cluster();
  const disagrees = filter.disagree
    ? (view: { name: string; state: Parameters<typeof disagreementOf>[0] }) =>
        cluster !== null && disagreementOf(view.state, cluster.state.node(view.name)) !== null
    : undefined;
  const list = nodeListOf(hub.nodes(), hub.projection.counts(), filter, request, disagrees);
  return {
    ...list,
    cluster: cluster
      ? {
          configured: true,
          nodes: Object.fromEntries(
            list.nodes.map((view) => {
              const node = cluster.state.node(view.name);
              return [
                view.name,
                { cordoned: node ? node.cordoned : null, disagreement: disagreementOf(view.state, node) },
              ];
            }),
          ),
        }
      : { configured: false, nodes: {} },
  };
}

// The Nodes page's read model: the live hub's projection, filtered, ordered worst first and paged
// on the server, so a browser gets one page of 10,000 nodes, never all of them. No database scan
// per request.
import type { AppContext } from '@/lib/context/app-context';
import type { NodeFilter } from '@/lib/node-state/node-filter';
import { nodeListOf, type NodeList } from '@/lib/node-state/node-list';
import type { NodePageRequest } from '@/lib/node-state/node-order';

export type { NodeList };

export async function readNodeList(
  context: AppContext,
  filter: NodeFilter,
  request: NodePageRequest,
): Promise<NodeList> {
  const hub = await context.liveHub();
  return nodeListOf(hub.nodes(), hub.projection.counts(), filter, request);
}

// The Nodes page's read model: the live hub's projection, filtered, ordered worst first and paged
// on the server, so a browser gets one page of 10,000 nodes, never all of them. No database scan
// per request.
import 'server-only';

import type { NodeFilter } from '@/lib/projection/node-filter';
import { nodeListOf, type NodeList } from '@/lib/projection/node-list';
import type { NodePageRequest } from '@/lib/projection/node-order';
import { getLiveHub } from '@/lib/server/live-hub';

export type { NodeList };

export async function readNodeList(filter: NodeFilter, request: NodePageRequest): Promise<NodeList> {
  const hub = await getLiveHub();
  return nodeListOf(hub.nodes(), hub.projection.counts(), filter, request);
}

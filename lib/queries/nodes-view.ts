// What the Nodes page's browser side receives (one page of the node list, lib/node-state/node-list.ts)
// and how a live nodes message changes it: rows on the page change at once and the page is sorted
// again in the order asked (so a node whose state changed takes its place within the second); only a
// change that can alter which nodes belong on the page has the page fetched again.
import type { ClusterDisagreement } from '@/lib/cluster/disagreement';

export { DISAGREEMENT_LABELS, type ClusterDisagreement } from '@/lib/cluster/disagreement';
import type { ClusterMessage, NodesMessage } from '@/lib/live/live-messages';
import type { NodeFilter } from '@/lib/node-state/node-filter';
import type { NodeList } from '@/lib/node-state/node-list';
import { compareBy, type NodeSort } from '@/lib/node-state/node-sort';
import { QUARANTINED_STATES } from '@/lib/node-state/node-view';

import type { OptedOutMark } from './opt-out-view';

export type { NodeList };

/** One page of the Nodes page: the node list, and the cluster's word on each node of the page. */
export interface NodesPage extends NodeList {
  /** When the page was read (ms): the server writes its ages ("In state") from it in the first paint. */
  readAt: number;
  cluster: {
    /** false: no cluster access (the page says so). */
    configured: boolean;
    /** By node name: cordoned in the cluster (null: no such node there) and any disagreement. */
    nodes: Record<
      string,
      {
        cordoned: boolean | null;
        disagreement: ClusterDisagreement | null;
        /** Out of NVSentinel's hands (the maintenance opt-out), until when; null or absent: managed. */
        optedOut?: OptedOutMark | null;
      }
    >;
    /** With ?optedOut=1: nodes out of NVSentinel's hands that never reported to this datastore, so the list cannot show them. */
    optedOutElsewhere?: { name: string; mark: OptedOutMark }[];
  };
}

/** The node views a message brings: all of them for a snapshot, else the new and updated ones. */
function viewsOf(message: NodesMessage) {
  return message.kind === 'equals' ? message.new : [...message.new, ...message.updated];
}

/**
 * Whether `message` may change WHICH nodes belong on `page` (the page as shown before the message, in
 * `sort`'s order), so the page must be read again: a snapshot; a node entering or leaving the filter;
 * a node not on the page whose new values sort within the page's rows (from the first to the last,
 * ties included); a node on the page whose new values sort outside them (it leaves, another takes its
 * place); a row of the page entering or leaving quarantine (its Cordoned column's disagreement is
 * worked out by the server from it). The first page is open above its first row and the last page
 * below its last row: anything beyond that end still belongs there. A row that only moves among the page's rows is re-sorted here
 * (applyNodesMessage), without a read: the stream brings every matching node, and reading the page
 * filters and sorts the whole projection, so reading on every change of order made each open tab cost
 * a steady share of the server's CPU under sort=lastEvent. Not caught: a node jumping over the whole
 * page from an earlier page to a later one (or back) shifts the page by one row until the next read;
 * telling that apart needs where the node was, which the message does not carry.
 */
export function nodesMessageMovesPage(message: NodesMessage, page: NodeList, sort: NodeSort): boolean {
  if (message.kind === 'equals' || message.new.length > 0 || message.deleted.length > 0) return true;
  if (message.updated.length === 0) return false;
  if (page.nodes.length === 0) return true;
  const compare = compareBy(sort);
  const first = page.nodes[0];
  const last = page.nodes[page.nodes.length - 1];
  const openAbove = page.page === 0;
  const openBelow = page.page >= page.pages - 1;
  const onPage = new Map(page.nodes.map((view) => [view.name, view]));
  return message.updated.some((view) => {
    const shown = onPage.get(view.name);
    // The Cordoned column's disagreement is the server's, from the state's side of quarantine.
    if (shown && QUARANTINED_STATES.has(shown.state) !== QUARANTINED_STATES.has(view.state)) return true;
    const within = (openAbove || compare(first, view) <= 0) && (openBelow || compare(view, last) <= 0);
    return shown ? !within : within;
  });
}

/** The page with the rows `message` changes replaced, sorted again in `sort`'s order, and the new counts per state. */
export function applyNodesMessage<L extends NodeList>(list: L, message: NodesMessage, sort: NodeSort): L {
  const changed = new Map(viewsOf(message).map((view) => [view.name, view]));
  const nodes = list.nodes.map((view) => changed.get(view.name) ?? view);
  return { ...list, nodes: nodes.sort(compareBy(sort)), counts: message.counts };
}

/**
 * Whether a change of nodes' cluster half (a cordon, labels, an opt-out) means this page must be
 * read again: a node on it changed, or the filter itself is about the cluster (?disagree=1,
 * ?optedOut=1: a change anywhere can bring a node in or take it out), or too many changed to name.
 */
export function clusterMessageRefetches(message: ClusterMessage, page: NodesPage, filter: NodeFilter): boolean {
  if (message.nodes === null || filter.disagree || filter.optedOut) return true;
  return message.nodes.some((name) => page.nodes.some((view) => view.name === name));
}

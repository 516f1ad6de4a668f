// What the Nodes page's browser side receives (one page of the node list, lib/node-state/node-list.ts)
// and how a live nodes message changes it: rows on the page change at once and the page is sorted
// again in the order asked (so a node whose state changed takes its place within the second); a node
// that enters, leaves or moves in the order may cross pages, so the page is also fetched again.
import type { ClusterDisagreement } from '@/lib/cluster/disagreement';

export { DISAGREEMENT_LABELS, type ClusterDisagreement } from '@/lib/cluster/disagreement';
import type { ClusterMessage, NodesMessage } from '@/lib/live/live-messages';
import type { NodeFilter } from '@/lib/node-state/node-filter';
import type { NodeList } from '@/lib/node-state/node-list';
import { compareBy, orderKey, type NodeSort } from '@/lib/node-state/node-sort';

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
 * Whether `message` may change the order or membership of the page in `sort`'s order (a snapshot, a
 * node that appears or goes, a node whose state or sorted value changed). `known` is the last
 * orderKey seen per node, kept across messages for one sort; it is brought up to date here.
 */
export function nodesMessageReorders(message: NodesMessage, known: Map<string, string>, sort: NodeSort): boolean {
  let reorder = message.kind === 'equals' || message.new.length > 0 || message.deleted.length > 0;
  for (const view of viewsOf(message)) {
    const key = orderKey(sort, view);
    if (known.get(view.name) !== key) reorder = true;
    known.set(view.name, key);
  }
  return reorder;
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

// What the Nodes page's browser side receives (one page of the node list, lib/node-state/node-list.ts)
// and how a live nodes message changes it: rows on the page change in place at once; a node that
// enters, leaves or changes state may move across pages, so the page is fetched again.
import type { ClusterDisagreement } from '@/lib/cluster/disagreement';

export { DISAGREEMENT_LABELS, type ClusterDisagreement } from '@/lib/cluster/disagreement';
import type { ClusterMessage, NodesMessage } from '@/lib/live/live-messages';
import type { NodeFilter } from '@/lib/node-state/node-filter';
import type { NodeList } from '@/lib/node-state/node-list';
import type { NodeState } from '@/lib/node-state/node-view';

import type { OptedOutMark } from './opt-out-view';

export type { NodeList };

/** One page of the Nodes page: the node list, and the cluster's word on each node of the page. */
export interface NodesPage extends NodeList {
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
 * Whether `message` may change the order or membership of the page (a snapshot, a node that
 * appears or goes, a node whose state changed). `states` is the last state seen per node, kept
 * across messages; it is brought up to date here.
 */
export function nodesMessageReorders(message: NodesMessage, states: Map<string, NodeState>): boolean {
  let reorder = message.kind === 'equals' || message.new.length > 0 || message.deleted.length > 0;
  for (const view of viewsOf(message)) {
    if (states.get(view.name) !== view.state) reorder = true;
    states.set(view.name, view.state);
  }
  return reorder;
}

/** The page with the rows `message` changes replaced in place, and the new counts per state. */
export function applyNodesMessage<L extends NodeList>(list: L, message: NodesMessage): L {
  const changed = new Map(viewsOf(message).map((view) => [view.name, view]));
  return { ...list, nodes: list.nodes.map((view) => changed.get(view.name) ?? view), counts: message.counts };
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

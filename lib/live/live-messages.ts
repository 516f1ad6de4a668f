// The messages of the live stream (/api/live), shared by the server's hub and the browser.
// Every message is one SSE event: `id:` (the hub's sequence), `event:` (the type) and `data:` (JSON).
import type { NodeState, NodeView } from '../node-state/node-view';

/** Topics a client subscribes to with `?topics=`; `node:<name>` follows one node's events. */
export type LiveTopic = 'nodes' | 'pipeline' | 'throughput' | `node:${string}`;

/**
 * The node set in view, in the shape of a node watcher: `equals` replaces the whole set (on
 * connect, or when a resume is impossible), a diff lists new / updated / deleted nodes. A burst of
 * changes reaches the browser as one message (one batch), with the counts per state after it.
 */
export interface NodesMessage {
  kind: 'equals' | 'diff';
  new: NodeView[];
  updated: NodeView[];
  /** Names of nodes that left the view (no longer match the filter). */
  deleted: string[];
  counts: Record<NodeState, number>;
}

/** A health event of a followed node was inserted or changed status. */
export interface NodeEventMessage {
  nodeName: string;
  operation: 'insert' | 'update';
  recordId: string;
}

/** Events stored in one second, counted from the change feed. */
export interface ThroughputMessage {
  /** Start of the second (ms since the epoch). */
  second: number;
  total: number;
  fatal: number;
  byAgent: Record<string, number>;
  byCheck: Record<string, number>;
  byComponent: Record<string, number>;
}

/** One consumer's lag as the Pipeline page shows it (times in ms since the epoch). */
export interface ConsumerLagView {
  consumer: string;
  status: 'ok' | 'falling-behind' | 'stalled' | 'stopped' | 'position-lost';
  statusReason: string;
  position: string | null;
  positionKnown: boolean;
  positionLost: { at: number; reason: string } | null;
  lagSeconds: number | null;
  documentsBehind: number | null;
  documentsBehindCapped: boolean;
  documentsBehindEstimated: boolean;
  lastAckAt: number | null;
  lastSeenAt: number | null;
  catchUpSeconds: number | null;
  /**
   * When the oldest change it has not read was written (ms): the head's time less the lag; null
   * when caught up or unknown. Its time until events are lost counts from here
   * (lib/queries/event-loss-view.ts).
   */
  oldestUnreadAt?: number | null;
  /** Oldest first, for the sparkline. */
  history: { at: number; lagSeconds: number | null; documentsBehind: number | null }[];
}

/** A reading of every consumer's lag, judged over the hub's sliding window. */
export interface PipelineMessage {
  at: number;
  consumers: ConsumerLagView[];
  outOfOrderTotal: number;
}

export interface LiveStatusMessage {
  /** The hub's change feed: live, or reconnecting while the datastore is away. */
  feed: 'starting' | 'live' | 'reconnecting' | 'closed';
  provider: string;
  /**
   * The node projection kept in the console database (lib/projection): 'building' while its first
   * build reads the datastore page by page (the nodes list holds the nodes read so far: warming
   * up), 'live' once followed from the feed. Absent when the hub keeps none.
   */
  projection?: ProjectionStatus;
}

export interface ProjectionStatus {
  phase: 'building' | 'live';
  nodesBuilt: number;
  nodesTotal: number | null;
  startedAt: number;
  finishedAt: number | null;
}

export interface LiveMessageMap {
  nodes: NodesMessage;
  'node-event': NodeEventMessage;
  pipeline: PipelineMessage;
  throughput: ThroughputMessage;
  status: LiveStatusMessage;
  /** The client must reload its data: what it missed can no longer be replayed. */
  reset: { reason: string };
  heartbeat: { at: number };
  /** Nodes whose cluster half changed (cordon, NVSentinel's labels and annotations, opt-out): read them again. */
  cluster: ClusterMessage;
}

/** Sent to the nodes list and to the pages of the nodes named; `nodes` null: too many to name, read everything again. */
export interface ClusterMessage {
  nodes: string[] | null;
}

export type LiveMessageType = keyof LiveMessageMap;

/**
 * A count kept in a plain object under a key from the data (an agent, a check): only the object's
 * own keys count, so an agent named "toString", "constructor" or "__proto__" is a key like any other.
 */
export function countOf(counts: Record<string, number>, key: string): number {
  return Object.hasOwn(counts, key) ? counts[key] : 0;
}

/** Adds `count` under `key` as an own property (a plain assignment to "__proto__" would set the prototype). */
export function addCount(counts: Record<string, number>, key: string, count: number): void {
  Object.defineProperty(counts, key, {
    value: countOf(counts, key) + count,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

// The node page's data as JSON, shared by the server's read model and the browser (no server imports).
import type { ClusterNode } from '@/lib/cluster/cluster-node';
import type { ClusterStatus } from '@/lib/cluster/cluster-state';
import type { NodeView } from '@/lib/node-state/node-view';

import type { EntityGrid, NodeEventFilter } from './node-gpus-view';
import type { NodeHeadline } from './node-headline-view';
import type { WhyChain } from './node-why-view';

export const NODE_RANGES = {
  '1h': 3_600_000,
  '6h': 21_600_000,
  '24h': 86_400_000,
  '7d': 604_800_000,
  '30d': 2_592_000_000,
} as const;
export type NodeRange = keyof typeof NODE_RANGES;
/** The timeline draws at most this many events of its range, the newest (and says so when the range holds more). */
export const MAX_TIMELINE_POINTS = 2_000;
/** Events a page of the node's event table holds; older ones come a page at a time. */
export const EVENT_PAGE_SIZE = 50;

export interface NodeEventRow {
  recordId: string;
  createdAt: number;
  generatedAt: number | null;
  agent: string;
  componentClass: string;
  checkName: string;
  isFatal: boolean;
  isHealthy: boolean;
  message: string;
  recommendedAction: string;
  customRecommendedAction: string;
  errorCode: string[];
  entities: { entityType: string; entityValue: string }[];
  metadata: Record<string, string>;
  processingStrategy: string;
  quarantineOverrides: { force: boolean; skip: boolean } | null;
  drainOverrides: { force: boolean; skip: boolean } | null;
  status: {
    nodeQuarantined: string | null;
    quarantineFinishedAt: number | null;
    eviction: string;
    evictionMessage: string;
    drainFinishedAt: number | null;
    remediated: boolean | null;
    remediatedAt: number | null;
    /** healtheventstatus.faultquarantinerecovery ('' when absent). */
    faultQuarantineRecovery: string;
  };
}

/**
 * One event as the timeline, its tooltip and the GPU grid draw it: a NodeEventRow's fields they use,
 * the message cut to its first 200 characters (lib/store TIMELINE_MESSAGE_CHARS), and no others.
 */
export interface NodeTimelinePoint {
  recordId: string;
  createdAt: number;
  generatedAt: number | null;
  agent: string;
  checkName: string;
  isFatal: boolean;
  isHealthy: boolean;
  errorCode: string[];
  entities: { entityType: string; entityValue: string }[];
  message: string;
  /** What the quarantine and drain bands and the remediation lines are drawn from. */
  status: Pick<
    NodeEventRow['status'],
    'nodeQuarantined' | 'quarantineFinishedAt' | 'eviction' | 'drainFinishedAt' | 'remediated' | 'remediatedAt'
  >;
}

/** What the timeline draws: the range's newest events (at most MAX_TIMELINE_POINTS) and how many it holds. */
export interface NodeTimelineView {
  /** Newest first. */
  points: NodeTimelinePoint[];
  /** Events of the node in the range; more than points.length when the range holds more than are drawn. */
  total: number;
}

/** Where the node's event table goes on: its older events start strictly after this one (newest first). */
export interface NodeEventsCursor {
  /** The event's stored time to the microsecond, as the store hands it out. */
  createdAt: string;
  recordId: string;
}

export interface MaintenanceRow {
  eventId: string;
  csp: string;
  maintenanceType: string;
  status: string;
  cspStatus: string;
  scheduledStartTime: number | null;
  scheduledEndTime: number | null;
  actualEndTime: number | null;
  lastUpdatedTimestamp: number;
}

export interface NodeDetail {
  name: string;
  view: NodeView | null;
  range: NodeRange;
  from: number;
  to: number;
  /** The range's newest events as the timeline and the GPU grid draw them. */
  timeline: NodeTimelineView;
  /** The first page of the event table (EVENT_PAGE_SIZE events, every field, newest first) for `filter`. */
  events: NodeEventRow[];
  /** The filter `events` were read for (an entity, fatal only). */
  filter: NodeEventFilter;
  /** Where the table's older events start; null when `events` holds the last of them. */
  older: NodeEventsCursor | null;
  maintenance: MaintenanceRow[];
  /** The node as the cluster holds it; configured false when the console has no cluster access. */
  cluster: NodeClusterView;
  /** Why the node is in its state: traps first, what would release it, then the steps newest first. */
  why: WhyChain;
  /** The header in words: the cause, the pipeline's step and its outcome, what happens next. */
  headline: NodeHeadline;
  /** Every entity the timeline's events named (GPUs first): a strip of the range, failures, XIDs, bursts. */
  gpus: EntityGrid;
  /** The event the page's ?event= names, when it is not among `events`; null when it is, or none is named. */
  linkedEvent: LinkedEvent | null;
}

/**
 * An event a link or a timeline point names (the Events search's ?event=) that the event table's
 * rows leave out: older than the range, or on an older page. Read by its id; event null when no
 * event of this node has that id.
 */
export interface LinkedEvent {
  recordId: string;
  event: NodeEventRow | null;
  /** Why the datastore refused the id (not one of its ids, such as a non-UUID on PostgreSQL); null when it read it. */
  refused: string | null;
}

export interface NodeClusterView {
  configured: boolean;
  /** The watch of the API server (connecting, live, stale since when); null without cluster access. */
  status: ClusterStatus | null;
  /** null: not configured, not listed yet, or no such node in the cluster. */
  node: ClusterNode | null;
}

export function parseNodeRange(value: string | string[] | undefined | null): NodeRange {
  const one = Array.isArray(value) ? value[0] : value;
  return one && Object.hasOwn(NODE_RANGES, one) ? (one as NodeRange) : '1h';
}

/** The live messages after which the node's page is read again: a new or changed event of the node, its cluster half changed, or a reset of the stream. */
export function refetchesNodeDetail(type: string): boolean {
  return type === 'node-event' || type === 'cluster' || type === 'reset';
}

// The node page's data as JSON, shared by the server's read model and the browser (no server imports).
import type { ClusterNode } from '@/lib/cluster/cluster-node';
import type { ClusterStatus } from '@/lib/cluster/cluster-state';
import type { NodeView } from '@/lib/node-state/node-view';

import type { EntityGrid } from './node-gpus-view';
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
export const MAX_TIMELINE_EVENTS = 2_000;

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
  events: NodeEventRow[];
  /** More events exist in the range than were read. */
  truncated: boolean;
  maintenance: MaintenanceRow[];
  /** The node as the cluster holds it; configured false when the console has no cluster access. */
  cluster: NodeClusterView;
  /** Why the node is in its state: traps first, what would release it, then the steps newest first. */
  why: WhyChain;
  /** The header in words: the cause, the pipeline's step and its outcome, what happens next. */
  headline: NodeHeadline;
  /** Every entity the events named (GPUs first): a strip of the range, failures, XIDs, bursts. */
  gpus: EntityGrid;
  /** The event the page's ?event= names, when it is not among `events`; null when it is, or none is named. */
  linkedEvent: LinkedEvent | null;
}

/**
 * An event a link names (the Events search's ?event=) that the range's read left out: older than
 * the range, or beyond the newest MAX_TIMELINE_EVENTS of it. Read by its id; event null when no
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

// What the dashboard shows of one node: a projection of its event history under NVSentinel's
// rules (docs/nvsentinel-data-model.md §2), small enough to send to browsers as JSON.
import type { RecommendedAction } from '../store';

/** NVSentinel's node states, in the order a node moves through them (healthy first). */
export const NODE_STATES = [
  'healthy',
  'unhealthy',
  'quarantined',
  'draining',
  'drain-failed',
  'remediating',
  'remediated',
  'remediation-failed',
  'released',
] as const;
export type NodeState = (typeof NODE_STATES)[number];

export const NODE_STATE_LABELS: Record<NodeState, string> = {
  healthy: 'Healthy',
  unhealthy: 'Unhealthy',
  quarantined: 'Quarantined',
  draining: 'Draining',
  'drain-failed': 'Drain failed',
  remediating: 'Remediating',
  remediated: 'Remediated',
  'remediation-failed': 'Remediation failed',
  released: 'Released by hand',
};

/** States inside a quarantine session: the node is cordoned and can be released by hand. */
export const QUARANTINED_STATES: ReadonlySet<NodeState> = new Set([
  'quarantined',
  'draining',
  'drain-failed',
  'remediating',
  'remediated',
  'remediation-failed',
]);

/** The open quarantine of a node: the event fault-quarantine marked Quarantined, and how far the pipeline took it. */
export interface QuarantineSession {
  recordId: string;
  /** When the quarantining event was stored (ms since the epoch). */
  since: number;
  /** Quarantined by an operator (quarantineOverrides.force) rather than by the rule engine. */
  manual: boolean;
  /** The event's message: for a manual quarantine, the operator's reason. */
  reason: string;
  /** Who asked for a manual quarantine: metadata['sentinel-console/creator'], else metadata.creator_id. */
  actor: string | null;
  checkName: string;
  recommendedAction: RecommendedAction;
  eviction: string;
  evictionMessage: string;
  remediated: boolean | null;
}

export interface NodeView {
  name: string;
  state: NodeState;
  /** When the node entered its state (ms since the epoch). */
  stateSince: number;
  lastEventAt: number | null;
  lastCheck: string | null;
  /** Fatal events stored for the node. */
  fatalCount: number;
  /** Checks (per entity) whose newest event is unhealthy. */
  openFaults: number;
  agents: string[];
  checks: string[];
  session: QuarantineSession | null;
  /** When the last session was released by hand (ms), while the node shows as released. */
  releasedAt: number | null;
  /** A manual quarantine is stored but fault-quarantine has not acted on it yet. */
  quarantineRequested: boolean;
}

/** The action a node's state offers: the label and the button always agree. */
export function offeredAction(view: Pick<NodeView, 'state' | 'quarantineRequested'>): 'quarantine' | 'release' | null {
  if (view.quarantineRequested) return null;
  return QUARANTINED_STATES.has(view.state) ? 'release' : 'quarantine';
}

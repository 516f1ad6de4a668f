// Node state as a projection of the event history, kept incrementally from the change feed.
//
// Rules (NVSentinel's, docs/nvsentinel-data-model.md §2):
//  - every (check, entities) pair tracks its newest event by generatedTimestamp; the node is
//    unhealthy while any pair's newest event is unhealthy;
//  - fault-quarantine's decisions open and close sessions: Quarantined opens one on its event,
//    UnQuarantined closes it (every tracked check recovered), Cancelled is a release by hand;
//  - inside a session the quarantining event's eviction and remediation status give the state:
//    quarantined -> draining -> remediating -> remediated, or drain-failed / remediation-failed.
// Events that arrive older (by generatedTimestamp) than what was applied for the same check and
// entities are out of order: they are counted, listed and do not overwrite the newer state.
//
// A decision counts when it is new on its event. With `before` (PostgreSQL; MongoDB with
// pre-images) that is exact. Without it (MongoDB without pre-images: capabilities.beforeImages
// false) the projection remembers the decision it last saw on each of a node's recent decided
// events; an update to an event it never saw decided is a new decision unless that event is older
// than the node's newest decision (the order the snapshot load uses), so a late write to an event
// of a closed session (a drain or remediation finishing) never reopens or closes a session.
import type { ChangeEvent, CheckLatest, HealthEventWithStatus, QuarantineStatus } from '../store';
import { isChartRemediationAction } from '../nvsentinel/remediation-actions';
import { timestampToDate, toCheckLatest } from '../store';
import { NODE_STATES, type NodeState, type NodeView, type QuarantineSession } from './node-view';

interface CheckState {
  checkName: string;
  unhealthy: boolean;
  generatedMs: number;
}

interface NodeRecord {
  name: string;
  checks: Map<string, CheckState>;
  agents: Set<string>;
  session: QuarantineSession | null;
  releasedAt: number | null;
  lastEventAt: number | null;
  lastCheck: string | null;
  fatalCount: number;
  /** Manual quarantines stored but not yet decided by fault-quarantine. */
  requested: Set<string>;
  /** The decision last seen on each recent decided event (newest last, at most DECISIONS_KEPT). */
  decided: Map<string, QuarantineStatus>;
  /** createdAt (ms) of the newest event carrying a decision (Quarantined, UnQuarantined, Cancelled). */
  newestDecisionAt: number | null;
  view: NodeView | null;
  viewJson: string;
}

export interface OutOfOrderArrival {
  nodeName: string;
  checkName: string;
  entities: string;
  recordId: string;
  /** The late event's generatedTimestamp (ms). */
  generatedAt: number;
  /** The newer generatedTimestamp already applied for the same check and entities (ms). */
  appliedAt: number;
  receivedAt: number;
}

export interface ProjectionSnapshot {
  /** Newest event per (node, check, entities): HealthEventStore.latestPerCheck(). */
  latestPerCheck: CheckLatest[];
  /** HealthEventStore.latestQuarantineDecisions(). */
  decisions: HealthEventWithStatus[];
  /** HealthEventStore.latestPerNode(). */
  latestPerNode: HealthEventWithStatus[];
  /** HealthEventStore.countByNode({ isFatal: true }). */
  fatalCounts: Map<string, number>;
}

const OUT_OF_ORDER_KEPT = 200;
/** Decided events remembered per node, to tell a new decision from a repeated one without `before`. */
const DECISIONS_KEPT = 16;
const SESSION_DECISIONS: ReadonlySet<QuarantineStatus> = new Set(['Quarantined', 'UnQuarantined', 'Cancelled']);

const entitiesKey = (check: CheckLatest) =>
  check.entitiesImpacted.map((entity) => `${entity.entityType}:${entity.entityValue}`).join(',');
const generatedMs = (check: CheckLatest) =>
  check.generatedTimestamp ? timestampToDate(check.generatedTimestamp).getTime() : check.createdAt.getTime();
const isManual = (event: HealthEventWithStatus) =>
  event.healthEvent.quarantineOverrides?.force === true && !event.healthEvent.quarantineOverrides.skip;

function sessionFrom(event: HealthEventWithStatus): QuarantineSession {
  const { healthEvent, status } = event;
  return {
    recordId: event.recordId,
    since: event.createdAt.getTime(),
    manual: isManual(event),
    reason: healthEvent.message,
    // The full identity the console stores beside the label-safe creator_id (lib/actions/creator-id.ts).
    actor: healthEvent.metadata['sentinel-console/creator'] ?? healthEvent.metadata.creator_id ?? null,
    checkName: healthEvent.checkName,
    recommendedAction: healthEvent.recommendedAction,
    eviction: status.userPodsEvictionStatus.status,
    evictionMessage: status.userPodsEvictionStatus.message,
    remediated: status.faultRemediated,
  };
}

export function sessionState(session: QuarantineSession): NodeState {
  switch (session.eviction) {
    case 'InProgress':
      return 'draining';
    case 'Failed':
      return 'drain-failed';
    case 'Succeeded':
    case 'AlreadyDrained':
      if (session.remediated === true) return 'remediated';
      if (session.remediated === false) return 'remediation-failed';
      // Remediating only for an action fault-remediation's chart maps to a maintenance resource: it
      // labels a node `remediating` only as it starts one (fault-remediation/pkg/reconciler/
      // reconciler.go:388-399); NONE it skips, any other action (CONTACT_SUPPORT, CUSTOM, UNKNOWN)
      // it marks failed without remediating (225-314); until then the node stays quarantined,
      // drained (lib/nvsentinel/remediation-actions.ts). An action this SDK does not know neither.
      return isChartRemediationAction(String(session.recommendedAction)) ? 'remediating' : 'quarantined';
    default:
      // Not started, or a status this SDK does not know (shown as such, never as a known state).
      return 'quarantined';
  }
}

export class NodeProjection {
  private readonly nodes = new Map<string, NodeRecord>();
  private readonly lateArrivals: OutOfOrderArrival[] = [];
  private lateCount = 0;

  /** Replaces everything with a snapshot read from the store. */
  load(snapshot: ProjectionSnapshot, now = Date.now()): void {
    this.nodes.clear();
    for (const check of snapshot.latestPerCheck) this.trackCheck(this.record(check.nodeName), check, now, false);
    for (const event of snapshot.latestPerNode) {
      const node = this.record(event.healthEvent.nodeName);
      node.lastEventAt = event.createdAt.getTime();
      node.lastCheck = event.healthEvent.checkName;
    }
    for (const [name, count] of snapshot.fatalCounts) this.record(name).fatalCount = count;
    for (const event of snapshot.decisions) {
      const node = this.record(event.healthEvent.nodeName);
      if (event.status.nodeQuarantined === 'Quarantined') node.session = sessionFrom(event);
      if (event.status.nodeQuarantined === 'Cancelled') node.releasedAt = event.createdAt.getTime();
      remember(node, event);
    }
    for (const node of this.nodes.values()) this.refresh(node, estimateSince(node, now));
  }

  /** Applies one change; returns the names of nodes whose view changed. */
  apply(change: ChangeEvent, now = Date.now()): string[] {
    if (change.collection !== 'healthEvents' || !change.document) return [];
    const event = change.document;
    const node = this.record(event.healthEvent.nodeName);
    if (change.operation === 'insert') {
      node.agents.add(event.healthEvent.agent);
      node.lastEventAt = Math.max(node.lastEventAt ?? 0, event.createdAt.getTime());
      if (node.lastEventAt === event.createdAt.getTime()) node.lastCheck = event.healthEvent.checkName;
      if (event.healthEvent.isFatal) node.fatalCount += 1;
      this.trackCheck(node, toCheckLatest(event), now, true);
    }
    this.applyStatus(node, event, previousDecision(node, change), now);
    remember(node, event);
    return this.refresh(node, now) ? [node.name] : [];
  }

  get(name: string): NodeView | undefined {
    return this.nodes.get(name)?.view ?? undefined;
  }

  /** The node's view as JSON (kept with the view, so sending it costs no serialization). */
  json(name: string): string | undefined {
    return this.nodes.get(name)?.viewJson || undefined;
  }

  views(): NodeView[] {
    // Stryker disable next-line MethodExpression: without the filter it is equivalent: every node record is refreshed right after it is made (load and apply), so none is without a view
    return [...this.nodes.values()].map((node) => node.view!).filter(Boolean);
  }

  counts(): Record<NodeState, number> {
    const counts = Object.fromEntries(NODE_STATES.map((state) => [state, 0])) as Record<NodeState, number>;
    for (const node of this.nodes.values()) if (node.view) counts[node.view.state] += 1;
    return counts;
  }

  outOfOrder(): { total: number; recent: OutOfOrderArrival[] } {
    return { total: this.lateCount, recent: [...this.lateArrivals] };
  }

  get size(): number {
    return this.nodes.size;
  }

  private record(name: string): NodeRecord {
    let node = this.nodes.get(name);
    if (!node) {
      node = {
        name,
        checks: new Map(),
        agents: new Set(),
        session: null,
        releasedAt: null,
        lastEventAt: null,
        lastCheck: null,
        fatalCount: 0,
        requested: new Set(),
        decided: new Map(),
        newestDecisionAt: null,
        view: null,
        // Stryker disable next-line StringLiteral: any other initial text is equivalent: it only has to differ from a view's JSON, so the first refresh stores the view
        viewJson: '',
      };
      this.nodes.set(name, node);
    }
    return node;
  }

  private trackCheck(node: NodeRecord, check: CheckLatest, now: number, live: boolean): void {
    node.agents.add(check.agent);
    if (check.forcedQuarantine) {
      if (!check.nodeQuarantined) node.requested.add(check.recordId);
      return; // an operator's quarantine is not a health fault of its own
    }
    const entities = entitiesKey(check);
    const key = `${check.checkName}|${entities}`;
    const generated = generatedMs(check);
    const current = node.checks.get(key);
    if (current && current.generatedMs > generated) {
      if (live) {
        this.lateCount += 1;
        this.lateArrivals.unshift({
          nodeName: node.name,
          checkName: check.checkName,
          entities,
          recordId: check.recordId,
          generatedAt: generated,
          appliedAt: current.generatedMs,
          receivedAt: now,
        });
        this.lateArrivals.length = Math.min(this.lateArrivals.length, OUT_OF_ORDER_KEPT);
      }
      return;
    }
    node.checks.set(key, { checkName: check.checkName, unhealthy: !check.isHealthy, generatedMs: generated });
  }

  private applyStatus(
    node: NodeRecord,
    event: HealthEventWithStatus,
    previous: QuarantineStatus | null,
    now: number,
  ): void {
    const decision = event.status.nodeQuarantined;
    if (decision) node.requested.delete(event.recordId);
    const changed = (decision || null) !== previous;
    const session = node.session;
    if (changed && decision === 'Quarantined' && (!session || event.createdAt.getTime() >= session.since)) {
      node.session = sessionFrom(event);
      node.releasedAt = null;
      return;
    }
    if (changed && decision === 'UnQuarantined') {
      node.session = null;
      node.releasedAt = null;
      return;
    }
    if (changed && decision === 'Cancelled' && session) {
      node.session = null;
      node.releasedAt = now;
      return;
    }
    if (session?.recordId === event.recordId) node.session = sessionFrom(event);
  }

  /** Recomputes the node's view; true when it changed. */
  private refresh(node: NodeRecord, since: number): boolean {
    const openFaults = [...node.checks.values()].filter((check) => check.unhealthy).length;
    const state: NodeState = node.session
      ? sessionState(node.session)
      : node.releasedAt !== null
        ? 'released'
        : openFaults > 0
          ? 'unhealthy'
          : 'healthy';
    const view: NodeView = {
      name: node.name,
      state,
      stateSince: node.view && node.view.state === state ? node.view.stateSince : since,
      lastEventAt: node.lastEventAt,
      lastCheck: node.lastCheck,
      fatalCount: node.fatalCount,
      openFaults,
      agents: [...node.agents].sort(),
      checks: [...new Set([...node.checks.values()].map((check) => check.checkName))].sort(),
      session: node.session,
      releasedAt: node.releasedAt,
      quarantineRequested: node.requested.size > 0,
    };
    const json = JSON.stringify(view);
    if (json === node.viewJson) return false;
    node.view = view;
    node.viewJson = json;
    return true;
  }
}

/**
 * The event's decision before this change: from `before` when the feed carries it; else what the
 * projection last saw on the event; else, for an event older than the node's newest decision,
 * its current decision (an old event's late write is no new decision); else none.
 */
function previousDecision(
  node: NodeRecord,
  change: ChangeEvent & { collection: 'healthEvents' },
): QuarantineStatus | null {
  if (change.operation === 'insert') return null;
  if (change.before) return change.before.status.nodeQuarantined || null;
  const event = change.document!;
  const seen = node.decided.get(event.recordId);
  if (seen !== undefined) return seen;
  if (node.newestDecisionAt !== null && event.createdAt.getTime() < node.newestDecisionAt)
    return event.status.nodeQuarantined || null;
  return null;
}

/** Remembers the event's decision (if any) as the newest seen on it. */
function remember(node: NodeRecord, event: HealthEventWithStatus): void {
  const decision = event.status.nodeQuarantined;
  if (!decision) return;
  node.decided.delete(event.recordId);
  node.decided.set(event.recordId, decision);
  if (node.decided.size > DECISIONS_KEPT) node.decided.delete(node.decided.keys().next().value!);
  if (SESSION_DECISIONS.has(decision))
    node.newestDecisionAt = Math.max(node.newestDecisionAt ?? 0, event.createdAt.getTime());
}

/** At load, when each node entered its state, from the timestamps its events carry. */
function estimateSince(node: NodeRecord, now: number): number {
  if (node.session) return node.session.since;
  if (node.releasedAt !== null) return node.releasedAt;
  const checks = [...node.checks.values()];
  const open = checks.filter((check) => check.unhealthy).map((check) => check.generatedMs);
  if (open.length) return Math.min(...open);
  const recovered = checks.map((check) => check.generatedMs);
  return recovered.length ? Math.max(...recovered) : (node.lastEventAt ?? now);
}

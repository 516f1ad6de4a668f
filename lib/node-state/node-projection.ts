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
import { pooledName } from './name-pool';

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

/**
 * A node's record as it is kept outside the process (the persisted projection, lib/projection):
 * plain JSON, loaded back into the same record. `version` changes when the shape does; a kept
 * record of another version is not loaded (the projection is built again).
 */
export interface NodeRecordData {
  version: typeof RECORD_VERSION;
  name: string;
  /** [check key, check name, unhealthy, generatedMs] per tracked (check, entities). */
  checks: [string, string, boolean, number][];
  agents: string[];
  session: QuarantineSession | null;
  releasedAt: number | null;
  lastEventAt: number | null;
  lastCheck: string | null;
  fatalCount: number;
  requested: string[];
  /** [recordId, decision], oldest first. */
  decided: [string, QuarantineStatus][];
  newestDecisionAt: number | null;
  view: NodeView;
}

export const RECORD_VERSION = 1;

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

/** A count of zero for every state. */
const noNodes = () => Object.fromEntries(NODE_STATES.map((state) => [state, 0])) as Record<NodeState, number>;

export class NodeProjection {
  private readonly nodes = new Map<string, NodeRecord>();
  /** Nodes whose record changed since takeDirty() was last called. */
  private readonly dirty = new Set<string>();
  private readonly lateArrivals: OutOfOrderArrival[] = [];
  private lateCount = 0;
  /**
   * How many views name each agent and each check, kept as views change: the Nodes page's filter
   * menus, without collecting them from every node on each request (at 100,000 nodes that pass was a
   * third of a page's read). The tallies hold only while every change of a view goes through
   * tally(): refresh, forget, importRecords and clear.
   */
  private readonly named = { agents: new Map<string, number>(), checks: new Map<string, number>() };
  /** Views per state, kept the same way (every page read and live message sends them). */
  private perState = noNodes();

  /** Replaces everything with a snapshot read from the store. */
  load(snapshot: ProjectionSnapshot, now = Date.now()): void {
    this.clear();
    this.loadNodes(snapshot, undefined, now);
  }

  /**
   * Loads the snapshot of some nodes (a page of a build), replacing what was held of `names`
   * (every node in the snapshot when omitted) and keeping every other node.
   */
  loadNodes(snapshot: ProjectionSnapshot, names?: Iterable<string>, now = Date.now()): void {
    for (const name of names ?? []) this.forget(name);
    const loaded = new Set<string>();
    const record = (name: string) => {
      loaded.add(name);
      return this.record(name);
    };
    for (const check of snapshot.latestPerCheck) this.trackCheck(record(check.nodeName), check, now, false);
    for (const event of snapshot.latestPerNode) {
      const node = record(event.healthEvent.nodeName);
      node.lastEventAt = event.createdAt.getTime();
      node.lastCheck = pooledName(event.healthEvent.checkName);
    }
    for (const [name, count] of snapshot.fatalCounts) record(name).fatalCount = count;
    for (const event of snapshot.decisions) {
      const node = record(event.healthEvent.nodeName);
      if (event.status.nodeQuarantined === 'Quarantined') node.session = sessionFrom(event);
      if (event.status.nodeQuarantined === 'Cancelled') node.releasedAt = event.createdAt.getTime();
      remember(node, event);
    }
    for (const name of loaded) {
      const node = this.nodes.get(name)!;
      this.refresh(node, estimateSince(node, now));
      this.dirty.add(name);
    }
  }

  /** Nodes whose record changed since the last call (apply, loadNodes): what a persisted copy must write. */
  takeDirty(): string[] {
    const names = [...this.dirty];
    this.dirty.clear();
    return names;
  }

  /** Marks nodes changed again (a save of them failed: the next one writes them). */
  markDirty(names: Iterable<string>): void {
    for (const name of names) if (this.nodes.has(name)) this.dirty.add(name);
  }

  /** The node's record as plain JSON (undefined for a node not held). */
  exportRecord(name: string): NodeRecordData | undefined {
    const node = this.nodes.get(name);
    if (!node?.view) return undefined;
    return {
      version: RECORD_VERSION,
      name: node.name,
      checks: [...node.checks].map(([key, check]) => [key, check.checkName, check.unhealthy, check.generatedMs]),
      agents: [...node.agents],
      session: node.session,
      releasedAt: node.releasedAt,
      lastEventAt: node.lastEventAt,
      lastCheck: node.lastCheck,
      fatalCount: node.fatalCount,
      requested: [...node.requested],
      decided: [...node.decided],
      newestDecisionAt: node.newestDecisionAt,
      view: node.view,
    };
  }

  /** Loads kept records (replacing what is held of those nodes); none of them is dirty. */
  importRecords(records: Iterable<NodeRecordData>): void {
    for (const data of records) {
      if (data.version !== RECORD_VERSION)
        throw new Error(
          `node record of ${data.name} has version ${data.version}, this console reads ${RECORD_VERSION}`,
        );
      this.forget(data.name);
      const view: NodeView = {
        ...data.view,
        lastCheck: data.view.lastCheck === null ? null : pooledName(data.view.lastCheck),
        agents: data.view.agents.map(pooledName),
        checks: data.view.checks.map(pooledName),
      };
      this.tally(view, 1);
      this.nodes.set(data.name, {
        name: data.name,
        checks: new Map(
          data.checks.map(([key, checkName, unhealthy, generatedMs]) => [
            pooledName(key),
            { checkName: pooledName(checkName), unhealthy, generatedMs },
          ]),
        ),
        agents: new Set(data.agents.map(pooledName)),
        session: data.session,
        releasedAt: data.releasedAt,
        lastEventAt: data.lastEventAt,
        lastCheck: data.lastCheck === null ? null : pooledName(data.lastCheck),
        fatalCount: data.fatalCount,
        requested: new Set(data.requested),
        decided: new Map(data.decided),
        newestDecisionAt: data.newestDecisionAt,
        view,
        viewJson: JSON.stringify(data.view),
      });
      this.dirty.delete(data.name);
    }
  }

  /** Forgets every node (a projection about to be built again). */
  clear(): void {
    this.nodes.clear();
    this.dirty.clear();
    this.named.agents.clear();
    this.named.checks.clear();
    this.perState = noNodes();
  }

  /** The agents and the checks the nodes' views name, sorted: the Nodes page's filter menus. */
  filterMenus(): { agents: string[]; checks: string[] } {
    return { agents: [...this.named.agents.keys()].sort(), checks: [...this.named.checks.keys()].sort() };
  }

  /** Drops a node's record (and its view's names from the menus). */
  private forget(name: string): void {
    this.tally(this.nodes.get(name)?.view ?? null, -1);
    this.nodes.delete(name);
  }

  private tally(view: NodeView | null, by: 1 | -1): void {
    if (!view) return;
    // A state this console does not know (a kept record of a newer one) has no count to keep.
    if (view.state in this.perState) this.perState[view.state] += by;
    for (const [names, tally] of [
      [view.agents, this.named.agents],
      [view.checks, this.named.checks],
    ] as const)
      for (const name of names) {
        const count = (tally.get(name) ?? 0) + by;
        if (count > 0) tally.set(name, count);
        else tally.delete(name);
      }
  }

  /** Applies one change; returns the names of nodes whose view changed. */
  apply(change: ChangeEvent, now = Date.now()): string[] {
    if (change.collection !== 'healthEvents' || !change.document) return [];
    const event = change.document;
    const node = this.record(event.healthEvent.nodeName);
    if (change.operation === 'insert') {
      node.agents.add(pooledName(event.healthEvent.agent));
      node.lastEventAt = Math.max(node.lastEventAt ?? 0, event.createdAt.getTime());
      if (node.lastEventAt === event.createdAt.getTime()) node.lastCheck = pooledName(event.healthEvent.checkName);
      if (event.healthEvent.isFatal) node.fatalCount += 1;
      this.trackCheck(node, toCheckLatest(event), now, true);
    }
    this.applyStatus(node, event, previousDecision(node, change), now);
    remember(node, event);
    this.dirty.add(node.name);
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
    // One pass (not spread, map and filter): the Nodes page reads this on every request, 100,000 views at scale.
    const views: NodeView[] = [];
    // Stryker disable next-line ConditionalExpression: equivalent: every node record is refreshed right after it is made (load and apply), so none is without a view
    for (const node of this.nodes.values()) if (node.view) views.push(node.view);
    return views;
  }

  counts(): Record<NodeState, number> {
    return { ...this.perState };
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
    node.agents.add(pooledName(check.agent));
    if (check.forcedQuarantine) {
      if (!check.nodeQuarantined) node.requested.add(check.recordId);
      return; // an operator's quarantine is not a health fault of its own
    }
    const entities = entitiesKey(check);
    const key = pooledName(`${check.checkName}|${entities}`);
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
    node.checks.set(key, {
      checkName: pooledName(check.checkName),
      unhealthy: !check.isHealthy,
      generatedMs: generated,
    });
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
    this.tally(node.view, -1);
    this.tally(view, 1);
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

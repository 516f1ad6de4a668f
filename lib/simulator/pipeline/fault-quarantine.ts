// Simulated fault-quarantine, following NVSentinel's rules:
//  - acts only on inserted events whose processing strategy is EXECUTE_REMEDIATION (or unset);
//  - quarantineOverrides.skip: ignore; quarantineOverrides.force: quarantine whatever the event;
//  - a fatal (or forced) unhealthy event quarantines the node (Quarantined), or, on a node already
//    quarantined, is recorded as AlreadyQuarantined and its check/entity tracked too;
//  - a healthy event clears its check/entity; when nothing tracked is left the node is released
//    (UnQuarantined on that healthy event);
//  - a manual release (events marked Cancelled) forgets the node;
//  - a node opted out in the cluster (ManagedByNVSentinel=false, managed=false) matches no ruleset:
//    an event that is not forced leaves it and the event's status alone, as NVSentinel's nil status
//    does (reconciler.go:616-626, 744-750; eventwatcher/event_watcher.go:206-213); recovery is not
//    a rule, so its healthy events still release it (./cluster-quarantine.ts).
// Node state lives in memory and is rebuilt from the store when the consumer starts. Nothing here
// needs a change's `before` (MongoDB without pre-images has none): a Cancelled event ends the
// node's session only if it belongs to it (stored at or after the session began), so a late write
// to an event of an older, released session never ends a newer one.
import type { ChangeEvent, DataStore, HealthEventWithStatus } from '../../store';
import { dateToTimestamp } from '../../store';
import type { SimulatedCircuitBreaker } from './circuit-breaker';
import type { ClusterQuarantine } from './cluster-quarantine';
import { sleep, type PipelineSettings } from './pipeline-settings';

interface QuarantinedNode {
  since: Date;
  /** "check|entityType:value" of faults still open. */
  tracked: Set<string>;
}

const trackKey = (event: HealthEventWithStatus) =>
  `${event.healthEvent.checkName}|${event.healthEvent.entitiesImpacted.map((e) => `${e.entityType}:${e.entityValue}`).join(',')}`;

export class SimulatedFaultQuarantine {
  static readonly consumer = 'fault-quarantine';
  private readonly quarantined = new Map<string, QuarantinedNode>();
  /** The sessions restore() found open: their quarantining events. */
  private restored: HealthEventWithStatus[] = [];

  constructor(
    private readonly store: DataStore,
    private readonly settings: () => PipelineSettings,
    /** The cluster it cordons through, when the simulator runs one (its Kubernetes twin). */
    private readonly cluster?: ClusterQuarantine,
    /** Its circuit breaker, with the cluster (the state lives in a ConfigMap). */
    private readonly breaker?: SimulatedCircuitBreaker,
  ) {}

  /** A node uncordoned by hand (the cluster half cleaned it up): its session's events become Cancelled, as NVSentinel's event watcher does. */
  async cancelManuallyUncordoned(node: string): Promise<void> {
    const current = this.quarantined.get(node);
    if (!current) return;
    this.quarantined.delete(node);
    await this.store.healthEvents().cancelQuarantine(node, current.since);
  }

  /** Rebuilds which nodes are quarantined from the events the pipeline already marked. */
  async restore(): Promise<void> {
    this.quarantined.clear();
    // A node is quarantined while its newest decision is a quarantine (one query for all nodes:
    // reading every quarantine and then each node's releases took over 20 minutes on 10,000,000
    // events).
    this.restored = [];
    for (const event of await this.store.healthEvents().latestQuarantineDecisions()) {
      if (event.status.nodeQuarantined !== 'Quarantined') continue;
      this.quarantined.set(event.healthEvent.nodeName, { since: event.createdAt, tracked: new Set([trackKey(event)]) });
      this.restored.push(event);
    }
    // The twin cluster starts empty each time: nodes still quarantined in the datastore get their
    // cordon back, so the two agree again (and a release can uncordon them).
    for (const event of this.restored) await this.cluster?.ensureQuarantined(event);
  }

  isQuarantined(node: string): boolean {
    return this.quarantined.has(node);
  }

  handle = async (change: ChangeEvent): Promise<void> => {
    if (change.collection !== 'healthEvents' || !change.document) return;
    const event = change.document;
    const node = event.healthEvent.nodeName;
    if (change.operation === 'update') {
      const current = this.quarantined.get(node);
      if (
        event.status.nodeQuarantined === 'Cancelled' &&
        current &&
        event.createdAt.getTime() >= current.since.getTime()
      )
        this.quarantined.delete(node);
      return;
    }
    if (change.operation !== 'insert') return;
    // Tripped, nothing is processed (healthy events included) until a restart finds the breaker closed.
    if (this.breaker && (await this.breaker.admit(event.createdAt)) === 'skip') return;
    await sleep(this.settings().handlerDelayMs);
    const { healthEvent } = event;
    if (healthEvent.processingStrategy !== 'EXECUTE_REMEDIATION' && healthEvent.processingStrategy !== 'UNSPECIFIED')
      return;
    if (healthEvent.quarantineOverrides?.skip) return;
    const finishedAt = dateToTimestamp(new Date());
    const span = { module: SimulatedFaultQuarantine.consumer, id: change.position };
    const current = this.quarantined.get(node);

    if (!healthEvent.isHealthy && (healthEvent.isFatal || healthEvent.quarantineOverrides?.force)) {
      // The node first, then the datastore, as NVSentinel writes them.
      const clusterStatus = await this.cluster?.quarantine(event);
      if (clusterStatus === null) return;
      if (current) {
        current.tracked.add(trackKey(event));
        await this.store
          .healthEvents()
          .updateQuarantine(event.recordId, { status: 'AlreadyQuarantined', finishedAt, span });
      } else {
        this.quarantined.set(node, { since: event.createdAt, tracked: new Set([trackKey(event)]) });
        const status = clusterStatus ?? 'Quarantined';
        await this.store.healthEvents().updateQuarantine(event.recordId, { status, finishedAt, span });
        // Forced quarantines are not counted (reconciler.go:1065, 1168-1173).
        if (status === 'Quarantined' && !healthEvent.quarantineOverrides?.force)
          await this.breaker?.recordQuarantine(node);
      }
      return;
    }
    if (healthEvent.isHealthy && current) {
      current.tracked.delete(trackKey(event));
      if (current.tracked.size === 0) {
        this.quarantined.delete(node);
        await this.cluster?.release(node);
        await this.store.healthEvents().updateQuarantine(event.recordId, { status: 'UnQuarantined', span });
      }
    }
  };
}

// Simulated fault-remediation: once a quarantined node is drained (Succeeded, or AlreadyDrained),
// runs the event's recommended action (none for NONE or UNKNOWN, as NVSentinel skips those, nor
// for one this SDK does not know, which it cannot run). It acts on the state an event is in
// (drained, quarantined, not remediated yet), so it needs no `before` (MongoDB without pre-images
// has none), and reads the event again before acting, so repeated changes remediate it once.
//
// Without a cluster the action is simulated: faultremediated true, or false at the failure rate.
// With one it does what NVSentinel's does (lalitadithya/NVSentinel @ 42672ae,
// fault-remediation/pkg/reconciler/reconciler.go), where faultremediated means "the maintenance
// resource was created", not "the node is repaired" (the simulated janitor then works on it):
//  - an action the chart maps to no resource is unsupported: remediation-failed on the node while
//    the event is in its live quarantine, faultremediated=false (shouldSkipEvent, 225-314; 1105-1109);
//  - an earlier resource of the same equivalence group in latestFaultRemediationState is waited for
//    while in progress (requeued, 1387-1407), covers the event when it succeeded after the event
//    came (faultremediated=true, nothing created, 1344-1378, 1707-1723), and is dropped from the
//    annotation when it failed, is gone or is older than the event (1593-1705);
//  - `remediating`, then the resource (./maintenance-resources.ts) and the annotation
//    (./remediation-annotation.ts), then `remediation-succeeded`, or `remediation-failed` when
//    either write was refused (e.g. no CRD: a cluster without janitor's), then faultremediated
//    (performRemediation 389-456, runLogCollectorAndRemediate 1419-1468). The state manager writes an
//    unexpected `remediating` (e.g. from drain-failed) all the same but returns an error: that pass
//    stores faultremediated=false and the requeued one, finding `remediating` there, goes on;
//  - on a release (Cancelled or UnQuarantined, 172-175): the annotation goes and the state label
//    too, but only while it is one of its own three values (handleCancellationEvent, 461-562).
import type { ChangeEvent, DataStore, HealthEventWithStatus, RemediationUpdate } from '../../store';
import { dateToTimestamp, isRemediableAction } from '../../store';
import type { SeededRandom } from '../seeded-random';
import { CHART_ACTIONS, type MaintenanceResources } from './maintenance-resources';
import type { NodeStateLabel } from './node-state-label';
import { sleep, type PipelineSettings } from './pipeline-settings';
import type { RemediationAnnotation } from './remediation-annotation';
import { SimulatedStage } from './simulated-stage';

const DRAINED = new Set(['Succeeded', 'AlreadyDrained']);

/** How many times an event waits behind a resource in progress before the simulator lets it go (NVSentinel waits on). */
const MAX_REQUEUES = 200;

/** Whether fault-remediation owes this event its action now. */
export function awaitsRemediation(event: HealthEventWithStatus): boolean {
  const { status, healthEvent } = event;
  if (!DRAINED.has(status.userPodsEvictionStatus.status)) return false;
  if (status.nodeQuarantined !== 'Quarantined' && status.nodeQuarantined !== 'AlreadyQuarantined') return false;
  if (status.faultRemediated !== null) return false;
  return isRemediableAction(healthEvent.recommendedAction);
}

/** What fault-remediation writes on the cluster. */
export interface RemediationCluster {
  stateLabel: NodeStateLabel;
  annotation: RemediationAnnotation;
  resources: MaintenanceResources;
  /** The node's quarantineHealthEvent holds this event (its live session). */
  inLiveQuarantine(event: HealthEventWithStatus): Promise<boolean>;
}

export class SimulatedFaultRemediation extends SimulatedStage {
  static readonly consumer = 'fault-remediation';

  constructor(
    store: DataStore,
    settings: () => PipelineSettings,
    random: SeededRandom,
    /** The cluster, when the simulator runs one. */
    private readonly cluster?: RemediationCluster,
  ) {
    super(store, settings, random);
  }

  handle = async (change: ChangeEvent): Promise<void> => {
    const shown = SimulatedStage.updatedEvent(change);
    if (!shown) return;
    const decision = shown.status.nodeQuarantined;
    if (this.cluster && (decision === 'Cancelled' || decision === 'UnQuarantined')) {
      await this.released(shown.healthEvent.nodeName);
      return;
    }
    if (!awaitsRemediation(shown)) return;
    const current = await this.store.healthEvents().get(shown.recordId);
    if (!current || !awaitsRemediation(current)) return;
    const settings = this.settings();
    const span = { module: SimulatedFaultRemediation.consumer, id: change.position };
    const store = (update: Omit<RemediationUpdate, 'span'>) =>
      this.store.healthEvents().updateRemediation(current.recordId, { ...update, span });
    await sleep(settings.handlerDelayMs);
    if (this.cluster) return this.remediateOnCluster(current, this.cluster, store);
    await sleep(settings.remediationMs);
    const remediated = !this.random.chance(settings.remediationFailureRate);
    await store({ remediated, at: remediated ? dateToTimestamp(new Date()) : null });
  };

  private async remediateOnCluster(
    event: HealthEventWithStatus,
    cluster: RemediationCluster,
    store: (update: Omit<RemediationUpdate, 'span'>) => Promise<unknown>,
  ): Promise<void> {
    const node = event.healthEvent.nodeName;
    const actionName = String(event.healthEvent.recommendedAction);
    const action = CHART_ACTIONS[actionName];
    if (!action) {
      if (await cluster.inLiveQuarantine(event)) await cluster.stateLabel.set(node, 'remediation-failed');
      await store({ remediated: false, at: null });
      return;
    }
    const group = action.equivalenceGroup;
    for (let requeues = 0; ; requeues += 1) {
      const existing = (await cluster.annotation.read(node))[group];
      if (!existing) break;
      const state = await cluster.resources.state(existing.actionName, existing.maintenanceCR);
      if (state === 'InProgress') {
        // Requeued until the resource ends; the event may be released meanwhile.
        if (requeues >= MAX_REQUEUES) return;
        await sleep(Math.max(50, this.settings().remediationMs / 2));
        const now = await this.store.healthEvents().get(event.recordId);
        if (!now || !awaitsRemediation(now)) return;
        continue;
      }
      // A remediation that succeeded after the event came covers it (eventCoveredByRemediationSession).
      if (state === 'Succeeded' && event.createdAt.getTime() <= Date.parse(existing.createdAt)) {
        await store({ remediated: true, at: dateToTimestamp(new Date()) });
        return;
      }
      await cluster.annotation.removeGroups(node, [group]);
      break;
    }
    if ((await cluster.stateLabel.set(node, 'remediating')).unexpected) await store({ remediated: false, at: null });
    let created = true;
    try {
      const name = await cluster.resources.create(action, node, event.recordId);
      await cluster.annotation.record(node, group, name, actionName);
    } catch {
      created = false;
    }
    await cluster.stateLabel.set(node, created ? 'remediation-succeeded' : 'remediation-failed');
    await store({ remediated: created, at: created ? dateToTimestamp(new Date()) : null });
  }

  /** The session ended: its remediation state goes, and the label while it is fault-remediation's own. */
  private async released(nodeName: string): Promise<void> {
    await this.cluster!.annotation.clear(nodeName);
    await this.cluster!.stateLabel.removeIf(nodeName, ['remediating', 'remediation-succeeded', 'remediation-failed']);
  }
}

// Simulated fault-remediation: once a quarantined node is drained (Succeeded, or AlreadyDrained),
// runs the event's recommended action (none for NONE or UNKNOWN, as NVSentinel skips those, nor
// for one this SDK does not know, which it cannot run) and
// records faultremediated true, or false at the failure rate. It acts on the state an event is in
// (drained, quarantined, not remediated yet), so it needs no `before` (MongoDB without pre-images
// has none), and reads the event again before acting, so repeated changes remediate it once.
//
// With a cluster it writes the node's state label where NVSentinel's fault-remediation writes it
// (lalitadithya/NVSentinel @ 42672ae, fault-remediation/pkg/reconciler/reconciler.go), through the
// state manager (./node-state-label.ts):
//  - `remediating` before the action (performRemediation, 396-411). The state manager writes an
//    unexpected transition (e.g. from drain-failed) all the same but returns an error, so that pass
//    fails and stores faultremediated=false (runLogCollectorAndRemediate, 1440-1461); the requeued
//    pass finds the label already `remediating` and goes on;
//  - `remediation-succeeded` / `remediation-failed` after it (418-449), then faultremediated;
//  - on a release (Cancelled or UnQuarantined, 172-175): the latestFaultRemediationState annotation
//    goes and the label too, but only while it is one of its own three values
//    (handleCancellationEvent, 461-537; clearFaultRemediationNodeLabel, 542-562).
import type { ChangeEvent, DataStore, HealthEventWithStatus } from '../../store';
import { dateToTimestamp, isRemediableAction } from '../../store';
import type { SeededRandom } from '../seeded-random';
import type { NodeStateLabel } from './node-state-label';
import { sleep, type PipelineSettings } from './pipeline-settings';
import type { RemediationAnnotation } from './remediation-annotation';
import { SimulatedStage } from './simulated-stage';

const DRAINED = new Set(['Succeeded', 'AlreadyDrained']);

/** Whether fault-remediation owes this event its action now. */
export function awaitsRemediation(event: HealthEventWithStatus): boolean {
  const { status, healthEvent } = event;
  if (!DRAINED.has(status.userPodsEvictionStatus.status)) return false;
  if (status.nodeQuarantined !== 'Quarantined' && status.nodeQuarantined !== 'AlreadyQuarantined') return false;
  if (status.faultRemediated !== null) return false;
  return isRemediableAction(healthEvent.recommendedAction);
}

/** What fault-remediation writes on the cluster's nodes. */
export interface RemediationCluster {
  stateLabel: NodeStateLabel;
  annotation: RemediationAnnotation;
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
    const { recordId } = shown;
    const current = await this.store.healthEvents().get(recordId);
    if (!current || !awaitsRemediation(current)) return;
    const settings = this.settings();
    const span = { module: SimulatedFaultRemediation.consumer, id: change.position };
    const node = shown.healthEvent.nodeName;
    const labels = this.cluster?.stateLabel;
    await sleep(settings.handlerDelayMs);
    if (labels && (await labels.set(node, 'remediating')).unexpected) {
      // That pass fails (faultremediated=false); the requeued one finds the label already written.
      await this.store.healthEvents().updateRemediation(recordId, { remediated: false, at: null, span });
    }
    await sleep(settings.remediationMs);
    const remediated = !this.random.chance(settings.remediationFailureRate);
    await labels?.set(node, remediated ? 'remediation-succeeded' : 'remediation-failed');
    await this.store.healthEvents().updateRemediation(recordId, {
      remediated,
      at: remediated ? dateToTimestamp(new Date()) : null,
      span,
    });
  };

  /** The session ended: its remediation state goes, and the label while it is fault-remediation's own. */
  private async released(nodeName: string): Promise<void> {
    await this.cluster!.annotation.clear(nodeName);
    await this.cluster!.stateLabel.removeIf(nodeName, ['remediating', 'remediation-succeeded', 'remediation-failed']);
  }
}

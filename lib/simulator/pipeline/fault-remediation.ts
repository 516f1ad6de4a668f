// Simulated fault-remediation: once a quarantined node is drained (Succeeded, or AlreadyDrained),
// runs the event's recommended action (none for NONE or UNKNOWN, as NVSentinel skips those, nor
// for one this SDK does not know, which it cannot run) and
// records faultremediated true, or false at the failure rate. It acts on the state an event is in
// (drained, quarantined, not remediated yet), so it needs no `before` (MongoDB without pre-images
// has none), and reads the event again before acting, so repeated changes remediate it once.
import type { ChangeEvent, HealthEventWithStatus } from '../../store';
import { dateToTimestamp, isRemediableAction } from '../../store';
import { sleep } from './pipeline-settings';
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

export class SimulatedFaultRemediation extends SimulatedStage {
  static readonly consumer = 'fault-remediation';

  handle = async (change: ChangeEvent): Promise<void> => {
    const shown = SimulatedStage.updatedEvent(change);
    if (!shown || !awaitsRemediation(shown)) return;
    const { recordId } = shown;
    const current = await this.store.healthEvents().get(recordId);
    if (!current || !awaitsRemediation(current)) return;
    const settings = this.settings();
    await sleep(settings.handlerDelayMs + settings.remediationMs);
    const remediated = !this.random.chance(settings.remediationFailureRate);
    await this.store.healthEvents().updateRemediation(recordId, {
      remediated,
      at: remediated ? dateToTimestamp(new Date()) : null,
      span: { module: SimulatedFaultRemediation.consumer, id: change.position },
    });
  };
}

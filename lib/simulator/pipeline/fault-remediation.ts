// Simulated fault-remediation: once a quarantined node is drained (Succeeded, or AlreadyDrained),
// runs the event's recommended action (none for NONE or UNKNOWN, as NVSentinel skips those, nor
// for one this SDK does not know, which it cannot run) and
// records faultremediated true, or false at the failure rate. It acts on the state an event is in
// (drained, quarantined, not remediated yet), so it needs no `before` (MongoDB without pre-images
// has none), and reads the event again before acting, so repeated changes remediate it once.
import type { ChangeEvent, DataStore, HealthEventWithStatus } from '../../store';
import { dateToTimestamp, isRemediableAction } from '../../store';
import type { SeededRandom } from '../seeded-random';
import { sleep, type PipelineSettings } from './pipeline-settings';

const DRAINED = new Set(['Succeeded', 'AlreadyDrained']);

/** Whether fault-remediation owes this event its action now. */
export function awaitsRemediation(event: HealthEventWithStatus): boolean {
  const { status, healthEvent } = event;
  if (!DRAINED.has(status.userPodsEvictionStatus.status)) return false;
  if (status.nodeQuarantined !== 'Quarantined' && status.nodeQuarantined !== 'AlreadyQuarantined') return false;
  if (status.faultRemediated !== null) return false;
  return isRemediableAction(healthEvent.recommendedAction);
}

export class SimulatedFaultRemediation {
  static readonly consumer = 'fault-remediation';

  constructor(
    private readonly store: DataStore,
    private readonly settings: () => PipelineSettings,
    private readonly random: SeededRandom,
  ) {}

  handle = async (change: ChangeEvent): Promise<void> => {
    if (change.collection !== 'healthEvents' || change.operation !== 'update' || !change.document) return;
    if (!awaitsRemediation(change.document)) return;
    const { recordId } = change.document;
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

// Simulated fault-remediation: once a quarantined node is drained (Succeeded, or AlreadyDrained),
// runs the event's recommended action (none for NONE or UNKNOWN, as NVSentinel skips those) and
// records faultremediated true, or false at the failure rate.
import type { ChangeEvent, DataStore } from '../../store';
import { dateToTimestamp } from '../../store';
import type { SeededRandom } from '../seeded-random';
import { sleep, type PipelineSettings } from './pipeline-settings';

const DRAINED = new Set(['Succeeded', 'AlreadyDrained']);

export class SimulatedFaultRemediation {
  static readonly consumer = 'fault-remediation';

  constructor(
    private readonly store: DataStore,
    private readonly settings: () => PipelineSettings,
    private readonly random: SeededRandom,
  ) {}

  handle = async (change: ChangeEvent): Promise<void> => {
    if (change.collection !== 'healthEvents' || change.operation !== 'update' || !change.document) return;
    const { status, healthEvent, recordId } = change.document;
    const drainedNow = DRAINED.has(status.userPodsEvictionStatus.status) && status.userPodsEvictionStatus.status !== change.before?.status.userPodsEvictionStatus.status;
    if (!drainedNow || (status.nodeQuarantined !== 'Quarantined' && status.nodeQuarantined !== 'AlreadyQuarantined')) return;
    if (status.faultRemediated !== null) return;
    if (healthEvent.recommendedAction === 'NONE' || healthEvent.recommendedAction === 'UNKNOWN') return;
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

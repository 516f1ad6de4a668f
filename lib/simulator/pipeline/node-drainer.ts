// Simulated node-drainer: reacts to fault-quarantine's decisions, as NVSentinel's does.
//  - Quarantined: evicts the node's pods (InProgress, then Succeeded or, at the failure rate, Failed);
//  - AlreadyQuarantined: the node is drained already (AlreadyDrained);
//  - Cancelled (manual release) while not finished: Cancelled.
import type { ChangeEvent, DataStore } from '../../store';
import { dateToTimestamp } from '../../store';
import type { SeededRandom } from '../seeded-random';
import { sleep, type PipelineSettings } from './pipeline-settings';

export class SimulatedNodeDrainer {
  static readonly consumer = 'node-drainer';

  constructor(
    private readonly store: DataStore,
    private readonly settings: () => PipelineSettings,
    private readonly random: SeededRandom,
  ) {}

  handle = async (change: ChangeEvent): Promise<void> => {
    if (change.collection !== 'healthEvents' || change.operation !== 'update' || !change.document) return;
    const now = change.document.status.nodeQuarantined;
    if (now === change.before?.status.nodeQuarantined) return;
    const settings = this.settings();
    await sleep(settings.handlerDelayMs);
    const id = change.document.recordId;
    const span = { module: SimulatedNodeDrainer.consumer, id: change.position };
    const eviction = change.document.status.userPodsEvictionStatus.status;
    if (now === 'Quarantined') {
      await this.store.healthEvents().updateEviction(id, { status: 'InProgress', span });
      await sleep(settings.drainMs);
      const failed = this.random.chance(settings.drainFailureRate);
      await this.store.healthEvents().updateEviction(id, failed
        ? { status: 'Failed', message: 'pods did not terminate within the eviction timeout', span }
        : { status: 'Succeeded', finishedAt: dateToTimestamp(new Date()), span });
    } else if (now === 'AlreadyQuarantined') {
      await this.store.healthEvents().updateEviction(id, { status: 'AlreadyDrained', finishedAt: dateToTimestamp(new Date()), span });
    } else if (now === 'Cancelled' && eviction !== 'Succeeded' && eviction !== 'Failed' && eviction !== 'AlreadyDrained') {
      await this.store.healthEvents().updateEviction(id, { status: 'Cancelled', message: 'node released by an operator', span });
    }
  };
}

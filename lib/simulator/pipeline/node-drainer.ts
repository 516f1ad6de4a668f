// Simulated node-drainer: reacts to fault-quarantine's decisions, as NVSentinel's does.
//  - Quarantined: evicts the node's pods (InProgress, then Succeeded or, at the failure rate, Failed);
//  - AlreadyQuarantined: the node is drained already (AlreadyDrained);
//  - Cancelled (manual release) while not finished: Cancelled.
// It acts on the state an event is in, not on a transition: quarantined with no drain started,
// released with the drain unfinished. No `before` is needed (MongoDB without pre-images has none),
// and before acting it reads the event again, so a change delivered twice, or one that shows a
// document looked up later (MongoDB's updateLookup), never starts a second drain.
import type { ChangeEvent, DataStore, HealthEventWithStatus } from '../../store';
import { dateToTimestamp, isUnknownEnum } from '../../store';
import type { SeededRandom } from '../seeded-random';
import { sleep, type PipelineSettings } from './pipeline-settings';

const FINISHED = new Set(['Succeeded', 'Failed', 'AlreadyDrained', 'Cancelled']);

/** What the drainer owes this event now: start a drain, mark it drained already, cancel it, or nothing. */
export function drainerAction(event: HealthEventWithStatus): 'drain' | 'already-drained' | 'cancel' | null {
  const decision = event.status.nodeQuarantined;
  const eviction = event.status.userPodsEvictionStatus.status;
  // A status this SDK does not know (a newer node-drainer's, e.g. Skipped) is not ours to overwrite.
  if (isUnknownEnum(eviction)) return null;
  const notStarted = eviction === '' || eviction === 'NotStarted';
  if (decision === 'Quarantined' && notStarted) return 'drain';
  if (decision === 'AlreadyQuarantined' && notStarted) return 'already-drained';
  if (decision === 'Cancelled' && !FINISHED.has(eviction)) return 'cancel';
  return null;
}

export class SimulatedNodeDrainer {
  static readonly consumer = 'node-drainer';

  constructor(
    private readonly store: DataStore,
    private readonly settings: () => PipelineSettings,
    private readonly random: SeededRandom,
  ) {}

  handle = async (change: ChangeEvent): Promise<void> => {
    if (change.collection !== 'healthEvents' || change.operation !== 'update' || !change.document) return;
    if (!drainerAction(change.document)) return;
    const settings = this.settings();
    await sleep(settings.handlerDelayMs);
    const id = change.document.recordId;
    const current = await this.store.healthEvents().get(id);
    const action = current ? drainerAction(current) : null;
    const span = { module: SimulatedNodeDrainer.consumer, id: change.position };
    if (action === 'drain') {
      await this.store.healthEvents().updateEviction(id, { status: 'InProgress', span });
      await sleep(settings.drainMs);
      const failed = this.random.chance(settings.drainFailureRate);
      await this.store
        .healthEvents()
        .updateEviction(
          id,
          failed
            ? { status: 'Failed', message: 'pods did not terminate within the eviction timeout', span }
            : { status: 'Succeeded', finishedAt: dateToTimestamp(new Date()), span },
        );
    } else if (action === 'already-drained') {
      await this.store
        .healthEvents()
        .updateEviction(id, { status: 'AlreadyDrained', finishedAt: dateToTimestamp(new Date()), span });
    } else if (action === 'cancel') {
      await this.store
        .healthEvents()
        .updateEviction(id, { status: 'Cancelled', message: 'node released by an operator', span });
    }
  };
}

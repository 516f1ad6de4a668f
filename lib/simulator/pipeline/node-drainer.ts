// Simulated node-drainer: reacts to fault-quarantine's decisions, as NVSentinel's does.
//  - Quarantined: evicts the node's pods (InProgress, then Succeeded or, at the failure rate, Failed);
//  - AlreadyQuarantined: the node is drained already (AlreadyDrained);
//  - Cancelled (manual release) while not finished, or a release (by hand or by recovery) seen when a
//    drain ends: Cancelled.
// It acts on the state an event is in, not on a transition: quarantined with no drain started,
// released with the drain unfinished. No `before` is needed (MongoDB without pre-images has none),
// and before acting it reads the event again, so a change delivered twice, or one that shows a
// document looked up later (MongoDB's updateLookup), never starts a second drain.
//
// With a cluster it also writes the node's state label, where NVSentinel's node-drainer writes it
// (lalitadithya/NVSentinel @ 42672ae, node-drainer/pkg/reconciler/reconciler.go), through the
// state manager (./node-state-label.ts: GET and update, never a patch):
//  - `draining` once eviction starts (updateNodeDrainStatus, 888-905), after InProgress is stored
//    (setInitialStatusAndEnqueue, 261-308); a failed write is logged there, not fatal;
//  - `drain-succeeded` / `drain-failed` before the final status is stored (executeUpdateStatus,
//    815-860): a write that did not happen fails the event (it is retried);
//  - AlreadyDrained writes no label (executeMarkAlreadyDrained, 761-780);
//  - removed, whatever its value, after Cancelled is stored (handleCancelledEvent, 1175-1230) and
//    when the release (UnQuarantined) reaches it (executeSkip → updateNodeDrainStatus, 580-620,
//    862-886). The datastore side of that last one (NVSentinel also stores Succeeded on the
//    UnQuarantined event) is not simulated.
import type { ChangeEvent, DataStore, EvictionUpdate, HealthEventWithStatus } from '../../store';
import { dateToTimestamp, isUnknownEnum } from '../../store';
import type { SeededRandom } from '../seeded-random';
import type { NodeStateLabel } from './node-state-label';
import { sleep, type PipelineSettings } from './pipeline-settings';
import { SimulatedStage } from './simulated-stage';

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

export class SimulatedNodeDrainer extends SimulatedStage {
  static readonly consumer = 'node-drainer';

  constructor(
    store: DataStore,
    settings: () => PipelineSettings,
    random: SeededRandom,
    /** The state label on the cluster's nodes, when the simulator runs one. */
    private readonly stateLabel?: NodeStateLabel,
  ) {
    super(store, settings, random);
  }

  handle = async (change: ChangeEvent): Promise<void> => {
    const shown = SimulatedStage.updatedEvent(change);
    if (!shown) return;
    // The release reaches the drainer as the UnQuarantined healthy event: the label goes.
    if (shown.status.nodeQuarantined === 'UnQuarantined' && !FINISHED.has(shown.status.userPodsEvictionStatus.status)) {
      await this.stateLabel?.remove(shown.healthEvent.nodeName);
      return;
    }
    if (!drainerAction(shown)) return;
    const settings = this.settings();
    await sleep(settings.handlerDelayMs);
    const id = shown.recordId;
    const current = await this.store.healthEvents().get(id);
    const action = current ? drainerAction(current) : null;
    const node = shown.healthEvent.nodeName;
    const span = { module: SimulatedNodeDrainer.consumer, id: change.position };
    if (action === 'drain') {
      await this.store.healthEvents().updateEviction(id, { status: 'InProgress', span });
      await this.stateLabel?.set(node, 'draining').catch(() => undefined);
      await sleep(settings.drainMs);
      if (await this.endedWhileDraining(current!)) {
        await this.cancel(id, node, span);
        return;
      }
      const failed = this.random.chance(settings.drainFailureRate);
      await this.stateLabel?.set(node, failed ? 'drain-failed' : 'drain-succeeded');
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
      await this.cancel(id, node, span);
    }
  };

  /**
   * The session ended while the drain ran: released by hand (the event Cancelled) or by recovery (an
   * UnQuarantined event at or after it on the node). NVSentinel checks for both before each step of a
   * drain (isEventCancelled, reconciler.go:1094-1131, with the node's cutoff set by UnQuarantined,
   * 1057-1092) and cancels instead of finishing it.
   */
  private async endedWhileDraining(event: HealthEventWithStatus): Promise<boolean> {
    const now = await this.store.healthEvents().get(event.recordId);
    if (now?.status.nodeQuarantined === 'Cancelled') return true;
    const [latest] = await this.store.healthEvents().latestQuarantineDecisions([event.healthEvent.nodeName]);
    return (
      latest?.status.nodeQuarantined === 'UnQuarantined' && latest.createdAt.getTime() >= event.createdAt.getTime()
    );
  }

  /** handleCancelledEvent (reconciler.go:1175-1230): Cancelled stored, then the label removed whatever its value. */
  private async cancel(id: string, node: string, span: EvictionUpdate['span']): Promise<void> {
    await this.store
      .healthEvents()
      .updateEviction(id, { status: 'Cancelled', message: 'node released by an operator', span });
    await this.stateLabel?.remove(node);
  }
}

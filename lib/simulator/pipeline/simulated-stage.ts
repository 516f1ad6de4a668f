// What the simulated drainer and remediation share: the datastore, the live settings and the seeded
// dice, and which changes concern them at all (updates of health events that show the document).
// Each reads the event again before acting, so a change delivered twice acts once.
import type { ChangeEvent, DataStore, HealthEventWithStatus } from '../../store';
import type { SeededRandom } from '../seeded-random';
import type { PipelineSettings } from './pipeline-settings';

export abstract class SimulatedStage {
  constructor(
    protected readonly store: DataStore,
    protected readonly settings: () => PipelineSettings,
    protected readonly random: SeededRandom,
  ) {}

  abstract handle: (change: ChangeEvent) => Promise<void>;

  /** The health event an update shows, or null for any other change. */
  protected static updatedEvent(change: ChangeEvent): HealthEventWithStatus | null {
    return change.collection === 'healthEvents' && change.operation === 'update' && change.document
      ? change.document
      : null;
  }
}

import type { DataStore } from '../store';
import { SIMULATOR_MARK } from './event-generator';

export class SimulatorRefusedError extends Error {
  override name = 'SimulatorRefusedError';
}

/** Refuses a datastore whose newest events the simulator did not write (real data stays real). */
export async function assertSimulatedData(store: DataStore, allowRealData = false): Promise<void> {
  if (allowRealData) return;
  const newest = await store.healthEvents().find({}, { limit: 200 });
  const foreign = newest.items.find((event) => event.healthEvent.metadata[SIMULATOR_MARK] !== 'true');
  if (foreign) {
    throw new SimulatorRefusedError(
      `the datastore holds events the simulator did not write (e.g. node ${foreign.healthEvent.nodeName}, agent ${foreign.healthEvent.agent}); ` +
        'refusing to mix simulated events into real data (pass --allow-real-data to do it anyway)',
    );
  }
}

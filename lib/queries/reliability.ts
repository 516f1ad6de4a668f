// The Reliability page's read model: the range's decided events from the datastore (one
// index-backed read of only the fields the figures use), made into incidents and figures.
import type { AppContext } from '@/lib/context/app-context';
import type { DataStore } from '@/lib/store';

import { incidentsFrom } from './reliability-incidents';
import {
  RELIABILITY_RANGES,
  reliabilityFigures,
  type ReliabilityDimension,
  type ReliabilityRange,
  type ReliabilityView,
} from './reliability-view';

export async function readReliability(
  store: DataStore,
  request: { range: ReliabilityRange; by: ReliabilityDimension; now?: number },
): Promise<ReliabilityView> {
  const now = request.now ?? Date.now();
  const window = { from: now - RELIABILITY_RANGES[request.range].ms, to: now };
  const history = await store
    .healthEvents()
    .quarantineHistory({ from: new Date(window.from), to: new Date(window.to) });
  return {
    ...reliabilityFigures(incidentsFrom(history), { range: request.range, by: request.by, ...window }),
    decisionsRead: history.length,
    provider: store.provider,
    readAt: now,
  };
}

export async function readReliabilityView(
  context: AppContext,
  range: ReliabilityRange,
  by: ReliabilityDimension,
): Promise<ReliabilityView> {
  return readReliability(await context.store(), { range, by });
}

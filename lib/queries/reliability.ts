// The Reliability page's read model: the range's decided events from the datastore (one
// index-backed read of only the fields the figures use) and, for the nodes they name, what was
// decided before the range, made into incidents and figures. A range's read is kept for
// READ_CACHE_MS and shared by every request of it (each open tab refetches every minute; N tabs and
// both groupings cost one read a minute), and one read in flight is shared by the requests that
// arrive meanwhile.
import type { AppContext } from '@/lib/context/app-context';
import type { DataStore } from '@/lib/store';

import { incidentsFrom, type Incident } from './reliability-incidents';
import {
  RELIABILITY_RANGES,
  reliabilityFigures,
  type ReliabilityDimension,
  type ReliabilityRange,
  type ReliabilityView,
} from './reliability-view';

/** How long a range's read answers every request of it: the page refetches every 60 s. */
export const READ_CACHE_MS = 60_000;

interface RangeRead {
  incidents: Incident[];
  decisionsRead: number;
  from: number;
  to: number;
}

async function readRange(store: DataStore, range: ReliabilityRange, now: number): Promise<RangeRead> {
  const window = { from: now - RELIABILITY_RANGES[range].ms, to: now };
  const events = store.healthEvents();
  const history = await events.quarantineHistory({ from: new Date(window.from), to: new Date(window.to) });
  const nodeNames = [...new Set(history.map((event) => event.nodeName))];
  const before = await events.quarantineDecisionsBefore(nodeNames, new Date(window.from));
  return { incidents: incidentsFrom(history, before), decisionsRead: history.length + before.length, ...window };
}

/** Reads the range now (no cache): the figures of its incidents grouped by `by`. */
export async function readReliability(
  store: DataStore,
  request: { range: ReliabilityRange; by: ReliabilityDimension; now?: number },
): Promise<ReliabilityView> {
  const now = request.now ?? Date.now();
  return viewOf(store, request, await readRange(store, request.range, now), now);
}

function viewOf(
  store: DataStore,
  request: { range: ReliabilityRange; by: ReliabilityDimension },
  read: RangeRead,
  readAt: number,
): ReliabilityView {
  return {
    ...reliabilityFigures(read.incidents, { range: request.range, by: request.by, from: read.from, to: read.to }),
    decisionsRead: read.decisionsRead,
    provider: store.provider,
    readAt,
  };
}

type CachedRead = { at: number; read: Promise<RangeRead> };
// On globalThis: Next.js may bundle this module into the page's and the API's chunks apart.
const holder = globalThis as unknown as {
  sentinelConsoleReliabilityReads?: WeakMap<DataStore, Map<string, CachedRead>>;
};

/**
 * The range's read from the cache while it is younger than READ_CACHE_MS (or still in flight),
 * else read anew; a failed read is not kept, so the next request tries again.
 */
export async function readReliabilityCached(
  store: DataStore,
  request: { range: ReliabilityRange; by: ReliabilityDimension; now?: number },
): Promise<ReliabilityView> {
  const now = request.now ?? Date.now();
  const reads = (holder.sentinelConsoleReliabilityReads ??= new WeakMap());
  let perRange = reads.get(store);
  if (!perRange) reads.set(store, (perRange = new Map()));
  let cached = perRange.get(request.range);
  if (!cached || now - cached.at >= READ_CACHE_MS) {
    const entry: CachedRead = { at: now, read: readRange(store, request.range, now) };
    perRange.set(request.range, entry);
    entry.read.catch(() => {
      if (perRange.get(request.range) === entry) perRange.delete(request.range);
    });
    cached = entry;
  }
  return viewOf(store, request, await cached.read, cached.at);
}

export async function readReliabilityView(
  context: AppContext,
  range: ReliabilityRange,
  by: ReliabilityDimension,
): Promise<ReliabilityView> {
  return readReliabilityCached(await context.store(), { range, by });
}

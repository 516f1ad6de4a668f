// The Throughput page's read model: event counts per time bucket and grouping field from the
// datastore, shaped into series by the throughput model (./throughput-view.ts, which the browser
// also runs to fold live counts in).
import type { AppContext } from '@/lib/context/app-context';
import type { EventCountReads } from '@/lib/projection/event-count-reads';
import type { BucketKey, DataStore, ThroughputBucket, ThroughputRequest } from '@/lib/store';

import {
  bucketWindow,
  buildSeries,
  zoomWindow,
  type CountRow,
  type ThroughputGrouping,
  type ThroughputRange,
  type ThroughputView,
  type ThroughputZoom,
} from './throughput-view';

const rows = (buckets: ThroughputBucket[], keyAt = 0): CountRow[] =>
  buckets.map((bucket) => ({
    bucketStart: bucket.bucketStart.getTime(),
    key: bucket.keys[keyAt],
    count: bucket.count,
  }));

/** Where the figures may come from besides the datastore. */
export interface ThroughputSources {
  /** The console's roll-ups (when kept and built for this datastore). */
  counts?: EventCountReads;
}

export async function readThroughput(
  store: DataStore,
  /** A zoom reads its own time instead of the range's (the range stays, for going back to it). */
  request: { range: ThroughputRange; by: ThroughputGrouping; zoom?: ThroughputZoom | null; now?: number },
  sources: ThroughputSources = {},
): Promise<ThroughputView> {
  const now = request.now ?? Date.now();
  const window = request.zoom ? zoomWindow(request.zoom, now) : bucketWindow(request.range, now);
  const events = store.healthEvents();
  // One pass over the range: counts per (bucket, grouping field, isFatal) give both the chosen
  // series (summed over fatality: zeroFill adds rows of the same bucket and key) and the fatal
  // count per bucket, for the fatal share as buckets roll off. Grouping by fatality is both at once.
  const fatalToo = request.by !== 'isFatal';
  const groupBy: BucketKey[] = fatalToo ? [request.by, 'isFatal'] : [request.by];
  const asked: ThroughputRequest = {
    from: new Date(window.from),
    to: new Date(window.to),
    bucketSeconds: window.bucketSeconds,
    groupBy,
  };
  // The last minute per second (the "events/s" figure), read from the events: at most 60 s of
  // them, through NVSentinel's created_at index.
  const lastMinuteFrom = Math.max(window.from, window.to - 60_000);
  const lastMinute = events.throughput({ from: new Date(lastMinuteFrom), to: asked.to, bucketSeconds: 1, groupBy });
  lastMinute.catch(() => {}); // awaited below; a failure is reported there, not as unhandled
  const rolledUp = sources.counts ? await fromRollUps(store, sources.counts, asked, window, lastMinuteFrom) : null;
  // While the roll-ups are being built (or without them), every event of the range is read.
  const [counts, recent] = rolledUp
    ? await lastMinute.then((seconds) => [
        [...rolledUp.rows, ...seconds.filter((second) => second.bucketStart.getTime() >= rolledUp.secondsFrom)],
        seconds,
      ])
    : await Promise.all([events.throughput(asked), lastMinute]);
  return {
    source: rolledUp ? 'rollups' : 'events',
    ...buildSeries({
      range: request.range,
      by: request.by,
      window,
      grouped: rows(counts),
      fatal: fatalToo ? rows(counts, 1) : undefined,
      recent: rows(recent),
    }),
    provider: store.provider,
    readAt: now,
  };
}

/**
 * The range's counts from the roll-ups up to the whole minute they hold every event to (the
 * keeper's last save, ./event-count-reads.ts), then from the events up to the last minute, whose
 * seconds the caller adds from `secondsFrom` on. Null when the roll-ups cannot answer (not built for
 * this datastore, or the console database failing): the caller reads every event of the range.
 */
async function fromRollUps(
  store: DataStore,
  counts: EventCountReads,
  asked: ThroughputRequest,
  window: { from: number; to: number },
  lastMinuteFrom: number,
): Promise<{ rows: ThroughputBucket[]; secondsFrom: number } | null> {
  try {
    const covered = await counts.coveredUntil(store);
    if (covered === null) return null;
    const split = Math.max(window.from, Math.min(Math.floor(window.to / 60_000) * 60_000, covered));
    const secondsFrom = Math.max(split, lastMinuteFrom);
    const [rolled, between] = await Promise.all([
      split > window.from ? counts.throughput(store, { ...asked, to: new Date(split) }) : [],
      // What the keeper has not saved yet, before the last minute: little, unless it stopped saving.
      secondsFrom > split
        ? store.healthEvents().throughput({ ...asked, from: new Date(split), to: new Date(secondsFrom) })
        : [],
    ]);
    return rolled === null ? null : { rows: [...rolled, ...between], secondsFrom };
  } catch {
    return null;
  }
}

export async function readThroughputView(
  context: AppContext,
  range: ThroughputRange,
  by: ThroughputGrouping,
  zoom: ThroughputZoom | null = null,
): Promise<ThroughputView> {
  return readThroughput(await context.store(), { range, by, zoom }, { counts: context.eventCounts?.() });
}

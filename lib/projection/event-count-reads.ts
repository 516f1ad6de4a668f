// The Throughput page's counts read from the roll-ups (./event-counts.ts) instead of every event:
// a week by hours is 168 rows per value of the grouping field, whatever the history holds.
// Served only when the roll-ups stand for the datastore asked about and every build page is in;
// otherwise null, and the caller reads the datastore (as while the first build runs).
import type pg from 'pg';

import {
  byBucketThenKeys,
  throughputGroups,
  type BucketKey,
  type CountDimension,
  type DataStore,
  type ThroughputBucket,
  type ThroughputRequest,
} from '../store';
import { COUNT_SPANS, keptAt, type CountSpan } from './event-counts';
import { keptFrom } from './kept-projection';
import type { ProjectionTables } from './projection-tables';

/** The dimension whose rows answer a grouping: its own field's, or severity's (every event once) for fatality or none. */
function dimensionFor(groups: BucketKey[]): CountDimension | null {
  const fields = groups.filter(
    (group): group is Exclude<BucketKey, 'none' | 'isFatal'> => group !== 'none' && group !== 'isFatal',
  );
  if (fields.length > 1) return null;
  return fields[0] ?? 'severity';
}

/** The coarsest kept span that divides the bucket; null when none does (buckets finer than a minute). */
export function spanFor(bucketSeconds: number): CountSpan | null {
  for (const span of [...COUNT_SPANS].reverse()) if (bucketSeconds % span === 0) return span;
  return null;
}

/**
 * [from, to) as whole buckets of `span` and then of each finer span: a week by hours ends with the
 * quarter-hours and minutes of the hour in progress. `from` must start a bucket of `span`, `to` a minute.
 */
export function spanSegments(
  span: CountSpan,
  from: number,
  to: number,
): { span: CountSpan; from: number; to: number }[] {
  const segments: { span: CountSpan; from: number; to: number }[] = [];
  let cursor = from;
  for (const each of [...COUNT_SPANS].reverse()) {
    if (each > span) continue;
    const end = Math.max(cursor, Math.floor(to / (each * 1_000)) * each * 1_000);
    if (end > cursor) segments.push({ span: each, from: cursor, to: end });
    cursor = end;
  }
  return segments;
}

/** How long a change takes from its commit to the keeper's save, at most, for the reads' purpose. */
const SAVE_MARGIN_MS = 2_000;

export class EventCountReads {
  constructor(
    private readonly pool: Pick<pg.Pool, 'query'>,
    private readonly tables: ProjectionTables,
  ) {}

  /**
   * Up to when (ms, a whole minute) the roll-ups hold every event of `store`: the minute of the
   * keeper's last save, less a margin for changes still on their way to it. Null when they are not
   * built for `store`. A keeper that stopped saving (a takeover under way) shows as an older minute.
   */
  async coveredUntil(store: DataStore): Promise<number | null> {
    const state = await this.tables.state();
    if (!state || state.phase !== 'live' || !keptFrom(store, state)) return null;
    return Math.floor((state.updatedAt.getTime() - SAVE_MARGIN_MS) / 60_000) * 60_000;
  }

  /**
   * Events per bucket as HealthEventStore.throughput() counts them, from the roll-ups; null when
   * they cannot answer: not built (yet) for `store`, a filter (they hold no node or entity), two
   * grouping fields other than fatality, a bucket that is not whole minutes, a range that does
   * not start on its bucket and end on a minute, or one older than its span's rows are kept.
   */
  async throughput(store: DataStore, request: ThroughputRequest, now = Date.now()): Promise<ThroughputBucket[] | null> {
    const groups = throughputGroups(request);
    const span = spanFor(request.bucketSeconds);
    const dimension = dimensionFor(groups);
    const from = request.from.getTime();
    const to = request.to.getTime();
    if (span === null || dimension === null || from % (span * 1_000) !== 0 || to % 60_000 !== 0) return null;
    if (request.filter && Object.keys(request.filter).length > 0) return null;
    if (!keptAt(span, from, now)) return null;
    const state = await this.tables.state();
    if (!state || state.phase !== 'live' || !keptFrom(store, state)) return null;
    const segments = spanSegments(span, from, to);
    if (segments.length === 0) return [];
    const values: unknown[] = [dimension, request.bucketSeconds];
    const where = segments.map((segment) => {
      values.push(segment.span, new Date(segment.from), new Date(segment.to));
      const at = values.length;
      return `(span_seconds = $${at - 2} AND bucket >= $${at - 1} AND bucket < $${at})`;
    });
    const keys = groups.map(
      (group, index) => `${group === 'isFatal' ? 'is_fatal::text' : group === 'none' ? `''` : 'value'} AS key${index}`,
    );
    const { rows } = await this.pool.query<{ bucket: Date; count: string } & Record<`key${number}`, string>>(
      `SELECT date_bin(make_interval(secs => $2), bucket, timestamptz 'epoch') AS bucket, ${keys.join(', ')},
              sum(count) AS count
       FROM console_event_counts
       WHERE dimension = $1 AND (${where.join(' OR ')})
       GROUP BY ${Array.from({ length: keys.length + 1 }, (_, index) => index + 1).join(', ')}`,
      values,
    );
    return rows
      .map((row) => {
        const keyValues = groups.map((_, index) => row[`key${index}`]);
        return { bucketStart: row.bucket, key: keyValues[0], keys: keyValues, count: Number(row.count) };
      })
      .sort(byBucketThenKeys);
  }
}

// The roll-ups a test checks against the datastore: the console's rows as they are, and what they
// should be (every event of the datastore counted by the store itself, folded as a build folds its
// pages). Equal sets mean every event was counted once, whichever way it came in.
import type pg from 'pg';

import { COUNT_SPANS, EventCountDeltas, SPAN_KEPT_MS, type EventCountRow } from '@/lib/projection/event-counts';
import type { DataStore } from '@/lib/store';

const line = (row: Omit<EventCountRow, 'bucket'> & { bucket: number }) =>
  JSON.stringify([row.spanSeconds, row.dimension, row.bucket, row.value, row.isFatal, row.count]);

/** The console's roll-up rows, one line each, sorted. */
export async function keptCountRows(pool: Pick<pg.Pool, 'query'>): Promise<string[]> {
  const { rows } = await pool.query<{
    span_seconds: 60 | 900 | 3600;
    dimension: EventCountRow['dimension'];
    bucket: Date;
    value: string;
    is_fatal: boolean;
    count: string;
  }>(`SELECT span_seconds, dimension, bucket, value, is_fatal, count FROM console_event_counts`);
  return rows
    .map((row) =>
      line({
        spanSeconds: row.span_seconds,
        dimension: row.dimension,
        bucket: row.bucket.getTime(),
        value: row.value,
        isFatal: row.is_fatal,
        count: Number(row.count),
      }),
    )
    .sort();
}

/** What the roll-ups should hold for the datastore's events now, one line each, sorted. */
export async function expectedCountRows(store: DataStore, now = Date.now()): Promise<string[]> {
  const events = store.healthEvents();
  const deltas = new EventCountDeltas();
  for (const span of COUNT_SPANS) {
    const kept = SPAN_KEPT_MS[span];
    const request = { bucketSeconds: span, ...(kept === null ? {} : { since: new Date(now - kept) }) };
    deltas.addCounts(await events.countByDimension(request), [span], now);
  }
  return deltas.take().map(line).sort();
}

/** True when the console's roll-ups hold every event of the datastore exactly once. */
export async function countsAgree(pool: Pick<pg.Pool, 'query'>, store: DataStore): Promise<boolean> {
  return JSON.stringify(await keptCountRows(pool)) === JSON.stringify(await expectedCountRows(store));
}

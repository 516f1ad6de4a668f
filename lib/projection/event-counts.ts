// The Throughput page's roll-ups (issue 18): health events counted per minute, quarter-hour and
// hour of their creation, separately by agent, check, component class and severity, each with
// fatality. The replica that keeps the node projection adds the events the feed brings (and a build
// the counts of each page of nodes) here, and ProjectionTables writes them in the same transaction
// as the projection's checkpoint, so an event is counted once: a build page's read or the feed
// after it, never both, never neither.
//
// Why these spans: a chart reads at most a few hundred buckets, each as many rows as the grouping
// field has values. Minutes serve the 15-minute to 6-hour ranges, quarter-hours the day, hours the
// week and the month. Minutes are kept two days and quarter-hours eight (nothing reads older ones,
// and they are the most rows); hours for good.
import {
  COUNT_DIMENSIONS,
  countSeverity,
  type CountDimension,
  type EventCount,
  type HealthEventWithStatus,
} from '../store';

/** The spans kept, finest first; each divides the next, so a range splits into whole buckets of them. */
export const COUNT_SPANS = [60, 900, 3_600] as const;
export type CountSpan = (typeof COUNT_SPANS)[number];

/** How long rows of each span are kept (ms); null: for good. */
export const SPAN_KEPT_MS: Record<CountSpan, number | null> = { 60: 2 * 86_400_000, 900: 8 * 86_400_000, 3_600: null };

/** Bumped when what the roll-ups hold changes: a kept projection with another version is built again. */
export const ROLLUP_VERSION = 3;

export interface EventCountRow {
  spanSeconds: CountSpan;
  /** The span's first millisecond (UTC). */
  bucket: number;
  dimension: CountDimension;
  value: string;
  isFatal: boolean;
  count: number;
}

/** True when rows of `span` starting at `bucket` are still kept at `now`. */
export function keptAt(span: CountSpan, bucket: number, now: number): boolean {
  const kept = SPAN_KEPT_MS[span];
  return kept === null || bucket + span * 1_000 > now - kept;
}

/** Counts to add to the roll-ups, merged per row; taken once written. */
export class EventCountDeltas {
  private rows = new Map<string, EventCountRow>();

  /**
   * One event the feed inserted, into every span that keeps its time. `storedAt`: the time the
   * datastore's queries count it by, when the change says (HealthEventChange.storedAt), so that the
   * feed's counts and a build's read put it in the same minute.
   */
  addEvent(event: HealthEventWithStatus, now = Date.now(), storedAt?: Date): void {
    const { healthEvent } = event;
    const at = (storedAt ?? event.createdAt).getTime();
    const isFatal = healthEvent.isFatal === true;
    const values: Record<CountDimension, string> = {
      agent: healthEvent.agent,
      checkName: healthEvent.checkName,
      componentClass: healthEvent.componentClass,
      severity: countSeverity({ isFatal, isHealthy: healthEvent.isHealthy === true }),
    };
    for (const spanSeconds of COUNT_SPANS)
      for (const dimension of COUNT_DIMENSIONS)
        this.add(spanSeconds, at, dimension, values[dimension] ?? '', isFatal, 1, now);
  }

  /**
   * A build page's counts (DataStore.readNodeState with eventCounts) into `spans`: each count's
   * bucket must lie whole inside one bucket of every span named (minute counts into minutes,
   * quarter-hour counts into quarter-hours and hours).
   */
  addCounts(counts: readonly EventCount[], spans: readonly CountSpan[], now = Date.now()): void {
    for (const count of counts)
      for (const spanSeconds of spans)
        this.add(spanSeconds, count.bucket.getTime(), count.dimension, count.value, count.isFatal, count.count, now);
  }

  /** Every row added since the last take, and none kept. */
  take(): EventCountRow[] {
    const rows = [...this.rows.values()];
    this.rows = new Map();
    return rows;
  }

  private add(
    spanSeconds: CountSpan,
    at: number,
    dimension: CountDimension,
    value: string,
    isFatal: boolean,
    count: number,
    now: number,
  ): void {
    const spanMs = spanSeconds * 1_000;
    const bucket = Math.floor(at / spanMs) * spanMs;
    if (!keptAt(spanSeconds, bucket, now)) return;
    const id = JSON.stringify([spanSeconds, bucket, dimension, value, isFatal]);
    const row = this.rows.get(id);
    if (row) row.count += count;
    else this.rows.set(id, { spanSeconds, bucket, dimension, value, isFatal, count });
  }
}

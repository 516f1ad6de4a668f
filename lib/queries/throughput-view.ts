// The Throughput page's series, shared by the server's read model and the browser (no server
// imports, no I/O): ranges and their buckets, zero-filling, the top series with the rest folded
// into "other", and the live stream's per-second counts added into the newest bucket (rolling to
// a new bucket, and dropping the oldest, as time passes).
import { addCount, type ThroughputMessage } from '@/lib/live/live-messages';
import type { ProviderName } from '@/lib/store';

export const THROUGHPUT_RANGES = {
  // Whole minutes, the roll-ups' finest span (lib/projection/event-counts.ts).
  '15m': { ms: 15 * 60_000, bucketSeconds: 60, label: '15 min' },
  '1h': { ms: 3_600_000, bucketSeconds: 60, label: '1 hour' },
  '6h': { ms: 6 * 3_600_000, bucketSeconds: 300, label: '6 hours' },
  '24h': { ms: 24 * 3_600_000, bucketSeconds: 900, label: '24 hours' },
  '7d': { ms: 7 * 86_400_000, bucketSeconds: 3_600, label: '7 days' },
  '30d': { ms: 30 * 86_400_000, bucketSeconds: 21_600, label: '30 days' },
} as const;
export type ThroughputRange = keyof typeof THROUGHPUT_RANGES;
export const THROUGHPUT_RANGE_NAMES = Object.keys(THROUGHPUT_RANGES) as ThroughputRange[];
export const DEFAULT_RANGE: ThroughputRange = '1h';

export const THROUGHPUT_GROUPINGS = ['agent', 'checkName', 'componentClass', 'isFatal'] as const;
export type ThroughputGrouping = (typeof THROUGHPUT_GROUPINGS)[number];
export const DEFAULT_GROUPING: ThroughputGrouping = 'agent';
export const GROUPING_LABELS: Record<ThroughputGrouping, string> = {
  agent: 'Agent',
  checkName: 'Check',
  componentClass: 'Severity (component class)',
  isFatal: 'Fatal / non-fatal',
};

/** At most this many buckets on the chart, whatever the range. */
export const MAX_BUCKETS = 400;
/** Series drawn on their own; the rest are folded into OTHER. */
export const MAX_SERIES = 8;
/** Key of the folded series (not a value any grouping field can take in practice). */
export const OTHER_KEY = '\u0000other';
/** Per-second totals kept for "events/s over the last minute". */
export const RECENT_SECONDS = 60;

const NICE_BUCKET_SECONDS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 10_800, 21_600, 43_200, 86_400,
];

const isRange = (value: string): value is ThroughputRange => Object.hasOwn(THROUGHPUT_RANGES, value);
const isGrouping = (value: string): value is ThroughputGrouping =>
  (THROUGHPUT_GROUPINGS as readonly string[]).includes(value);

function throughputParam(
  params: URLSearchParams | Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const value =
    params instanceof URLSearchParams ? params.get(name) : Object.hasOwn(params, name) ? params[name] : undefined;
  return (Array.isArray(value) ? value[0] : value) || undefined;
}

/** A time range zoomed into on the chart: from and to in ms since the epoch, `to` exclusive. */
export interface ThroughputZoom {
  from: number;
  to: number;
}

/** A zoom shows at least this much: a narrower choice (one bucket of a minute) is widened around its middle. */
export const MIN_ZOOM_MS = 5 * 60_000;
/** And at most the longest range. */
export const MAX_ZOOM_MS = THROUGHPUT_RANGES['30d'].ms;
/** A zoomed chart's buckets: the smallest round size (a minute at least, the roll-ups' finest) giving at most this many. */
export const ZOOM_BUCKETS = 120;

/** `zoom` widened around its middle to MIN_ZOOM_MS when narrower, on whole minutes. */
export function widenZoom(zoom: ThroughputZoom): ThroughputZoom {
  if (zoom.to - zoom.from >= MIN_ZOOM_MS) return zoom;
  const from = Math.floor(((zoom.from + zoom.to) / 2 - MIN_ZOOM_MS / 2) / 60_000) * 60_000;
  return { from, to: from + MIN_ZOOM_MS };
}

/** The page's reading: a missing or unknown value falls back to 1 h by agent. */
export function parseThroughputParams(params: URLSearchParams | Record<string, string | string[] | undefined>): {
  range: ThroughputRange;
  by: ThroughputGrouping;
} {
  const range = throughputParam(params, 'range');
  const by = throughputParam(params, 'by');
  return {
    range: range !== undefined && isRange(range) ? range : DEFAULT_RANGE,
    by: by !== undefined && isGrouping(by) ? by : DEFAULT_GROUPING,
  };
}

export type ThroughputParamsResult =
  | { ok: true; range: ThroughputRange; by: ThroughputGrouping; zoom: ThroughputZoom | null }
  | { ok: false; error: string };

const quoted = (value: string) => JSON.stringify(value.slice(0, 100));
const TIME_EXAMPLE = 'a time such as 2026-12-06T14:05:00Z';

/** The zoom of ?from=&to= (both or neither), or why it cannot be shown; `now` bounds it. */
function checkZoom(from: string | undefined, to: string | undefined, now: number): ThroughputZoom | null | string {
  if (from === undefined && to === undefined) return null;
  if (from === undefined || to === undefined) return `from and to go together (got only ${from ? 'from' : 'to'})`;
  const fromMs = Date.parse(from);
  if (Number.isNaN(fromMs)) return `from must be ${TIME_EXAMPLE} (got ${quoted(from)})`;
  const toMs = Date.parse(to);
  if (Number.isNaN(toMs)) return `to must be ${TIME_EXAMPLE} (got ${quoted(to)})`;
  if (toMs <= fromMs) return `from must be before to (got from ${quoted(from)}, to ${quoted(to)})`;
  if (fromMs >= now) return `from must be in the past (got ${quoted(from)})`;
  if (toMs - fromMs > MAX_ZOOM_MS)
    return `from and to may be at most 30 days apart (got ${Math.ceil((toMs - fromMs) / 86_400_000)} days)`;
  return widenZoom({ from: fromMs, to: toMs });
}

/**
 * The API's reading: a missing value is the default, an unknown one an error naming the
 * parameter and the values allowed. from and to (a zoom) show that time instead of the range.
 */
export function checkThroughputParams(
  params: URLSearchParams | Record<string, string | string[] | undefined>,
  now = Date.now(),
): ThroughputParamsResult {
  const range = throughputParam(params, 'range');
  if (range !== undefined && !isRange(range))
    return { ok: false, error: `range must be one of ${THROUGHPUT_RANGE_NAMES.join(', ')} (got ${quoted(range)})` };
  const by = throughputParam(params, 'by');
  if (by !== undefined && !isGrouping(by))
    return { ok: false, error: `by must be one of ${THROUGHPUT_GROUPINGS.join(', ')} (got ${quoted(by)})` };
  const zoom = checkThroughputZoom(params, now);
  if (!zoom.ok) return zoom;
  return { ok: true, range: range ?? DEFAULT_RANGE, by: by ?? DEFAULT_GROUPING, zoom: zoom.zoom };
}

/** The zoom alone (?from=&to=, both or neither), or an error naming what is wrong with it. */
export function checkThroughputZoom(
  params: URLSearchParams | Record<string, string | string[] | undefined>,
  now = Date.now(),
): { ok: true; zoom: ThroughputZoom | null } | { ok: false; error: string } {
  const zoom = checkZoom(throughputParam(params, 'from'), throughputParam(params, 'to'), now);
  return typeof zoom === 'string' ? { ok: false, error: zoom } : { ok: true, zoom };
}

/** The range's bucket, widened to the next round size when it would give more than maxBuckets. */
export function bucketSecondsFor(range: ThroughputRange, maxBuckets = MAX_BUCKETS): number {
  const { ms, bucketSeconds } = THROUGHPUT_RANGES[range];
  const least = Math.ceil(ms / 1000 / maxBuckets);
  if (bucketSeconds >= least) return bucketSeconds;
  return NICE_BUCKET_SECONDS.find((seconds) => seconds >= least) ?? least;
}

/** The chart's y unit: events per second at the 15-minute range (or a zoom as short), per minute otherwise. */
export function rateUnitSeconds(range: ThroughputRange, zoom: ThroughputZoom | null = null): 1 | 60 {
  if (zoom) return zoom.to - zoom.from <= THROUGHPUT_RANGES['15m'].ms ? 1 : 60;
  return range === '15m' ? 1 : 60;
}

export interface BucketWindow {
  /** Start of the oldest bucket (ms); the query's `from`. */
  from: number;
  /** Whole second the counts run to (exclusive); the query's `to`. Inside the newest bucket. */
  to: number;
  bucketSeconds: number;
  /** Number of buckets: the newest one is in progress. */
  count: number;
}

/** Buckets aligned to the epoch (as the store aligns them), the newest one holding `now`. */
export function bucketWindow(range: ThroughputRange, now: number, maxBuckets = MAX_BUCKETS): BucketWindow {
  const bucketSeconds = bucketSecondsFor(range, maxBuckets);
  const bucketMs = bucketSeconds * 1000;
  const to = Math.floor(now / 1000) * 1000;
  const count = Math.max(1, Math.min(maxBuckets, Math.round(THROUGHPUT_RANGES[range].ms / bucketMs)));
  const newest = Math.floor(to / bucketMs) * bucketMs;
  return { from: newest - (count - 1) * bucketMs, to, bucketSeconds, count };
}

/**
 * A zoom's buckets, aligned to the epoch like a range's: from the bucket holding `from` to the one
 * holding the end, counted up to `now` when the zoom reaches it (that bucket is then in progress).
 */
export function zoomWindow(zoom: ThroughputZoom, now: number, maxBuckets = ZOOM_BUCKETS): BucketWindow {
  const least = Math.max(60, Math.ceil((zoom.to - zoom.from) / 1000 / maxBuckets));
  const bucketSeconds = NICE_BUCKET_SECONDS.find((seconds) => seconds >= least) ?? Math.ceil(least / 60) * 60;
  const bucketMs = bucketSeconds * 1000;
  const from = Math.floor(zoom.from / bucketMs) * bucketMs;
  const end = Math.ceil(zoom.to / bucketMs) * bucketMs;
  const to = Math.min(end, Math.floor(now / 1000) * 1000);
  const count = Math.max(1, Math.ceil((to - from) / bucketMs));
  return { from, to: Math.max(to, from + 1000), bucketSeconds, count };
}

export interface SeriesBucket {
  /** Bucket start, ms since the epoch. */
  start: number;
  /** Counts per series key (folded keys under OTHER_KEY); absent means zero. */
  counts: Record<string, number>;
  total: number;
  fatal: number;
}

export interface SeriesInfo {
  key: string;
  label: string;
}

/** The chart's data: JSON-safe, the same on the server and in the browser. */
export interface ThroughputSeries {
  range: ThroughputRange;
  by: ThroughputGrouping;
  bucketSeconds: number;
  /** Oldest first, evenly spaced, zero-filled; a fixed number of buckets. */
  buckets: SeriesBucket[];
  /** Series in order of their total over the range (largest first), OTHER_KEY last when present. */
  series: SeriesInfo[];
  /** The counts are complete up to this whole second (exclusive): later live seconds add to them. */
  coveredUntil: number;
  /** Events per second for the seconds just before coveredUntil (at most RECENT_SECONDS of them). */
  recent: { second: number; total: number }[];
}

/** A row of the store's throughput(), with the time in ms. */
export interface CountRow {
  bucketStart: number;
  key: string;
  count: number;
}

export function seriesLabel(by: ThroughputGrouping, key: string): string {
  if (key === OTHER_KEY) return 'other';
  if (by === 'isFatal') return key === 'true' ? 'fatal' : 'non-fatal';
  return key === '' ? '(none)' : key;
}

/** Every bucket of the window, in order, with the rows' counts summed in and zero elsewhere. */
export function zeroFill(
  rows: CountRow[],
  window: Pick<BucketWindow, 'from' | 'bucketSeconds' | 'count'>,
): { start: number; counts: Record<string, number> }[] {
  const bucketMs = window.bucketSeconds * 1000;
  const buckets = Array.from({ length: window.count }, (_, index) => ({
    start: window.from + index * bucketMs,
    counts: {} as Record<string, number>,
  }));
  for (const row of rows) {
    const index = Math.floor((row.bucketStart - window.from) / bucketMs);
    if (index < 0 || index >= buckets.length) continue;
    addCount(buckets[index].counts, row.key, row.count);
  }
  return buckets;
}

/** Keeps the `max` keys with the largest totals (ties by name) and sums the rest under OTHER_KEY. */
export function foldTopSeries<T extends { counts: Record<string, number> }>(
  buckets: T[],
  max = MAX_SERIES,
): { buckets: T[]; keys: string[] } {
  const totals = new Map<string, number>();
  for (const bucket of buckets)
    for (const [key, count] of Object.entries(bucket.counts)) totals.set(key, (totals.get(key) ?? 0) + count);
  const ranked = [...totals.entries()]
    .filter(([, total]) => total > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([key]) => key);
  if (ranked.length <= max) return { buckets, keys: ranked };
  const kept = new Set(ranked.slice(0, max));
  const folded = buckets.map((bucket) => {
    const counts: Record<string, number> = {};
    for (const [key, count] of Object.entries(bucket.counts)) {
      addCount(counts, kept.has(key) ? key : OTHER_KEY, count);
    }
    return { ...bucket, counts };
  });
  return { buckets: folded, keys: [...ranked.slice(0, max), OTHER_KEY] };
}

/**
 * The series from the store's rows: `grouped` by the chosen field, `fatal` grouped by isFatal
 * (keys 'true' / 'false'; not needed when grouping by it), `recent` per second with no grouping.
 */
export function buildSeries(input: {
  range: ThroughputRange;
  by: ThroughputGrouping;
  window: BucketWindow;
  grouped: CountRow[];
  fatal?: CountRow[];
  recent: CountRow[];
  maxSeries?: number;
}): ThroughputSeries {
  const { range, by, window } = input;
  const filled = zeroFill(input.grouped, window);
  const fatalFilled = zeroFill(by === 'isFatal' ? input.grouped : (input.fatal ?? []), window);
  const { buckets, keys } = foldTopSeries(
    filled.map((bucket, index) => ({
      start: bucket.start,
      counts: bucket.counts,
      total: Object.values(bucket.counts).reduce((sum, count) => sum + count, 0),
      fatal: fatalFilled[index].counts.true ?? 0,
    })),
    input.maxSeries ?? MAX_SERIES,
  );
  const recentFrom = window.to - RECENT_SECONDS * 1000;
  const perSecond = new Map<number, number>();
  for (const row of input.recent) {
    if (row.bucketStart < recentFrom || row.bucketStart >= window.to) continue;
    const second = Math.floor(row.bucketStart / 1000) * 1000;
    perSecond.set(second, (perSecond.get(second) ?? 0) + row.count);
  }
  return {
    range,
    by,
    bucketSeconds: window.bucketSeconds,
    buckets,
    series: keys.map((key) => ({ key, label: seriesLabel(by, key) })),
    coveredUntil: window.to,
    recent: [...perSecond.entries()].sort((a, b) => a[0] - b[0]).map(([second, total]) => ({ second, total })),
  };
}

/** A live second's counts under the grouping's keys. */
export function messageCounts(by: ThroughputGrouping, message: ThroughputMessage): Record<string, number> {
  switch (by) {
    case 'agent':
      return message.byAgent;
    case 'checkName':
      return message.byCheck;
    case 'componentClass':
      return message.byComponent;
    case 'isFatal': {
      const counts: Record<string, number> = {};
      if (message.fatal > 0) counts.true = message.fatal;
      if (message.total - message.fatal > 0) counts.false = message.total - message.fatal;
      return counts;
    }
  }
}

/**
 * Adds one live second into the series. A second the series already covers is ignored (the
 * server counted it); a second past the newest bucket starts new buckets and drops as many of
 * the oldest, so the window keeps its length. A key not yet charted gets its own series while
 * fewer than `maxSeries` are drawn, and goes to "other" after that.
 */
export function applyLiveSecond<S extends ThroughputSeries>(
  series: S,
  message: ThroughputMessage,
  maxSeries = MAX_SERIES,
): S {
  const second = Math.floor(message.second / 1000) * 1000;
  if (second < series.coveredUntil || series.buckets.length === 0) return series;
  const bucketMs = series.bucketSeconds * 1000;
  const start = Math.floor(second / bucketMs) * bucketMs;
  let buckets = series.buckets;
  const newest = buckets[buckets.length - 1].start;
  if (start > newest) {
    const steps = Math.round((start - newest) / bucketMs);
    const added = Array.from({ length: Math.min(steps, buckets.length) }, (_, index) => ({
      start: start - (Math.min(steps, buckets.length) - 1 - index) * bucketMs,
      counts: {},
      total: 0,
      fatal: 0,
    }));
    buckets = [...buckets.slice(added.length), ...added];
  }
  const index = Math.round((start - buckets[0].start) / bucketMs);
  if (index < 0 || index >= buckets.length) return series;

  const keys = new Set(series.series.map((entry) => entry.key));
  const plain = series.series.filter((entry) => entry.key !== OTHER_KEY);
  let seriesList = series.series;
  const counts = { ...buckets[index].counts };
  for (const [key, count] of Object.entries(messageCounts(series.by, message))) {
    if (count <= 0) continue;
    let target = key;
    if (!keys.has(key)) {
      if (plain.length < maxSeries && !keys.has(OTHER_KEY)) {
        plain.push({ key, label: seriesLabel(series.by, key) });
      } else {
        target = OTHER_KEY;
      }
      if (!keys.has(target)) {
        keys.add(target);
        seriesList = [
          ...plain,
          ...(keys.has(OTHER_KEY) ? [{ key: OTHER_KEY, label: seriesLabel(series.by, OTHER_KEY) }] : []),
        ];
      }
    }
    addCount(counts, target, count);
  }
  const updated = {
    ...buckets[index],
    counts,
    total: buckets[index].total + message.total,
    fatal: buckets[index].fatal + message.fatal,
  };
  buckets = buckets.map((bucket, position) => (position === index ? updated : bucket));

  const coveredUntil = second + 1000;
  const recent = [...series.recent, { second, total: message.total }].filter(
    (entry) => entry.second >= coveredUntil - RECENT_SECONDS * 1000,
  );
  return { ...series, buckets, series: seriesList, coveredUntil, recent };
}

/** Applies the live seconds in order (those the series already covers are skipped). */
export function applyLiveSeconds<S extends ThroughputSeries>(
  series: S,
  messages: Iterable<ThroughputMessage>,
  maxSeries = MAX_SERIES,
): S {
  let result = series;
  for (const message of [...messages].sort((a, b) => a.second - b.second))
    result = applyLiveSecond(result, message, maxSeries);
  return result;
}

export interface ThroughputTotals {
  events: number;
  fatal: number;
  /** fatal / events, null when there were no events. */
  fatalShare: number | null;
  /** Events per second over the minute before coveredUntil. */
  perSecondLastMinute: number;
}

export function throughputTotals(series: ThroughputSeries): ThroughputTotals {
  let events = 0;
  let fatal = 0;
  for (const bucket of series.buckets) {
    events += bucket.total;
    fatal += bucket.fatal;
  }
  const since = series.coveredUntil - RECENT_SECONDS * 1000;
  const lastMinute = series.recent
    .filter((entry) => entry.second >= since)
    .reduce((sum, entry) => sum + entry.total, 0);
  return {
    events,
    fatal,
    fatalShare: events > 0 ? fatal / events : null,
    perSecondLastMinute: lastMinute / RECENT_SECONDS,
  };
}

export interface ThroughputView extends ThroughputSeries {
  /** The provider that served the figures. */
  provider: ProviderName;
  /** 'rollups': the console's per-minute and per-hour counts; 'events': every event of the range, read (while the roll-ups are built). */
  source: 'rollups' | 'events';
  /** When the server read them (ms). */
  readAt: number;
}

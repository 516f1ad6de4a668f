// The Throughput chart's series without I/O: buckets per range, zero-filling, the top series with
// the rest folded into "other", and live seconds moving the chart along.
import { describe, expect, it } from 'vitest';

import { chartRows } from '@/components/throughput/chart-rows';
import {
  applyLiveSecond,
  applyLiveSeconds,
  bucketSecondsFor,
  bucketWindow,
  buildSeries,
  foldTopSeries,
  OTHER_KEY,
  parseThroughputParams,
  THROUGHPUT_RANGE_NAMES,
  THROUGHPUT_RANGES,
  throughputTotals,
  zeroFill,
  type CountRow,
  type ThroughputSeries,
} from '@/lib/queries/throughput-view';
import type { ThroughputMessage } from '@/lib/live/live-messages';

const MIN = 60_000;
// 2026-03-01T12:34:56.789Z: inside a minute, an hour and a day, not on any bucket boundary.
const NOW = Date.UTC(2026, 2, 1, 12, 34, 56, 789);

const second = (at: number, counts: Partial<ThroughputMessage> = {}): ThroughputMessage => ({
  second: at,
  total: 0,
  fatal: 0,
  byAgent: {},
  byCheck: {},
  byComponent: {},
  ...counts,
});

describe('buckets per range', () => {
  it('uses 1 min at 15 min and 1 h, 5 min at 6 h, 15 min at 24 h, 1 h at 7 d and 6 h at 30 d: whole minutes, as the roll-ups keep them', () => {
    expect(Object.fromEntries(THROUGHPUT_RANGE_NAMES.map((range) => [range, bucketSecondsFor(range)]))).toEqual({
      '15m': 60,
      '1h': 60,
      '6h': 300,
      '24h': 900,
      '7d': 3_600,
      '30d': 21_600,
    });
  });

  it('never gives more than 400 buckets, widening to a round size when a smaller cap needs it', () => {
    for (const range of THROUGHPUT_RANGE_NAMES) expect(bucketWindow(range, NOW).count).toBeLessThanOrEqual(400);
    expect(bucketSecondsFor('7d', 100)).toBe(7_200);
    expect(bucketWindow('7d', NOW, 100).count).toBeLessThanOrEqual(100);
  });

  it('aligns buckets to the clock, the newest holding now, and counts up to the current whole second', () => {
    const window = bucketWindow('1h', NOW);
    expect(window.count).toBe(60);
    expect(window.to).toBe(Date.UTC(2026, 2, 1, 12, 34, 56));
    expect(window.from).toBe(Date.UTC(2026, 2, 1, 11, 35));
    expect(window.from + (window.count - 1) * MIN).toBe(Date.UTC(2026, 2, 1, 12, 34));
    const day = bucketWindow('24h', NOW);
    expect(day.from % (15 * MIN)).toBe(0);
    expect(day.count).toBe(96);
  });

  it('reads range and grouping from the URL, falling back to 1 h by agent', () => {
    expect(parseThroughputParams(new URLSearchParams('range=7d&by=isFatal'))).toEqual({ range: '7d', by: 'isFatal' });
    expect(parseThroughputParams({ range: ['15m', '1h'], by: 'checkName' })).toEqual({ range: '15m', by: 'checkName' });
    expect(parseThroughputParams({ range: '2y', by: 'nodeName' })).toEqual({ range: '1h', by: 'agent' });
    expect(THROUGHPUT_RANGES['15m'].ms).toBe(15 * MIN);
  });
});

describe('zero-filling', () => {
  it('gives every bucket of the window, with zero where the store had no row', () => {
    const window = { from: 0, bucketSeconds: 60, count: 5 };
    const rows: CountRow[] = [
      { bucketStart: MIN, key: 'a', count: 3 },
      { bucketStart: 3 * MIN, key: 'a', count: 1 },
      { bucketStart: 3 * MIN, key: 'b', count: 2 },
      { bucketStart: 9 * MIN, key: 'a', count: 100 }, // outside the window: dropped
    ];
    const filled = zeroFill(rows, window);
    expect(filled.map((bucket) => bucket.start)).toEqual([0, MIN, 2 * MIN, 3 * MIN, 4 * MIN]);
    expect(filled.map((bucket) => bucket.counts)).toEqual([{}, { a: 3 }, {}, { a: 1, b: 2 }, {}]);
  });
});

describe('top series and "other"', () => {
  const buckets = (perKey: Record<string, number>) => [{ counts: perKey }];

  it('keeps the 8 largest series and sums the rest into other', () => {
    const counts: Record<string, number> = {};
    for (let index = 1; index <= 11; index += 1) counts[`agent-${String(index).padStart(2, '0')}`] = index * 10;
    const { buckets: folded, keys } = foldTopSeries(buckets(counts));
    expect(keys).toEqual([
      'agent-11',
      'agent-10',
      'agent-09',
      'agent-08',
      'agent-07',
      'agent-06',
      'agent-05',
      'agent-04',
      OTHER_KEY,
    ]);
    expect(folded[0].counts[OTHER_KEY]).toBe(10 + 20 + 30);
    expect(Object.values(folded[0].counts).reduce((sum, count) => sum + count, 0)).toBe(660);
  });

  it('does not add "other" when 8 or fewer series exist, and ranks by the total over every bucket', () => {
    const { keys } = foldTopSeries([{ counts: { quiet: 1, loud: 5 } }, { counts: { quiet: 9 } }]);
    expect(keys).toEqual(['quiet', 'loud']);
  });
});

describe('live seconds', () => {
  // 90 buckets of 10 seconds, counted up to 12:34:56 (the live fold works for any bucket size).
  const window = {
    from: Date.UTC(2026, 2, 1, 12, 20),
    to: Date.UTC(2026, 2, 1, 12, 34, 56),
    bucketSeconds: 10,
    count: 90,
  };
  const base = (): ThroughputSeries =>
    buildSeries({
      range: '15m',
      by: 'agent',
      window,
      grouped: [
        { bucketStart: window.from, key: 'oldest-agent', count: 4 },
        { bucketStart: window.from + 890_000, key: 'gpu-health', count: 7 },
      ],
      fatal: [
        { bucketStart: window.from, key: 'true', count: 2 },
        { bucketStart: window.from, key: 'false', count: 2 },
      ],
      recent: [
        { bucketStart: window.to - 2_000, key: '', count: 6 },
        { bucketStart: window.to - 1_000, key: '', count: 6 },
      ],
    });
  const newestStart = Date.UTC(2026, 2, 1, 12, 34, 50);

  it('adds a second into the newest bucket and moves the totals', () => {
    const series = base();
    expect(series.buckets.at(-1)?.start).toBe(newestStart);
    const next = applyLiveSecond(
      series,
      second(window.to, { total: 5, fatal: 1, byAgent: { 'gpu-health': 3, 'syslog-health-monitor': 2 } }),
    );
    expect(next.buckets).toHaveLength(series.buckets.length);
    expect(next.buckets.at(-1)).toMatchObject({
      start: newestStart,
      total: 12,
      fatal: 1,
      counts: { 'gpu-health': 10, 'syslog-health-monitor': 2 },
    });
    expect(next.series.map((entry) => entry.key)).toEqual(['gpu-health', 'oldest-agent', 'syslog-health-monitor']);
    expect(next.coveredUntil).toBe(window.to + 1_000);
    expect(throughputTotals(next)).toMatchObject({ events: 4 + 7 + 5, fatal: 3 });
    expect(throughputTotals(next).perSecondLastMinute).toBeCloseTo((6 + 6 + 5) / 60);
    // The input is left as it was (React state).
    expect(series.buckets.at(-1)?.total).toBe(7);
  });

  it('ignores a second the server already counted', () => {
    const series = base();
    expect(applyLiveSecond(series, second(window.to - 1_000, { total: 50, byAgent: { x: 50 } }))).toBe(series);
  });

  it('starts a new bucket when time passes the newest one, dropping the oldest', () => {
    const series = base();
    const rolled = applyLiveSecond(series, second(newestStart + 10_000, { total: 2, byAgent: { 'gpu-health': 2 } }));
    expect(rolled.buckets).toHaveLength(series.buckets.length);
    expect(rolled.buckets[0].start).toBe(series.buckets[1].start);
    expect(rolled.buckets.at(-2)).toMatchObject({ start: newestStart, total: 7 });
    expect(rolled.buckets.at(-1)).toMatchObject({ start: newestStart + 10_000, total: 2, counts: { 'gpu-health': 2 } });
    // The oldest bucket's 4 events (2 of them fatal) left the range.
    expect(throughputTotals(rolled)).toMatchObject({ events: 7 + 2, fatal: 0 });
  });

  it('zero-fills buckets skipped by a gap in the stream, and replaces the whole window after a long one', () => {
    const series = base();
    const gap = applyLiveSecond(series, second(newestStart + 30_000, { total: 1, byAgent: { 'gpu-health': 1 } }));
    expect(gap.buckets.slice(-4).map((bucket) => [bucket.start - newestStart, bucket.total])).toEqual([
      [0, 7],
      [10_000, 0],
      [20_000, 0],
      [30_000, 1],
    ]);
    const long = applyLiveSecond(series, second(newestStart + 3_600_000, { total: 1, byAgent: { a: 1 } }));
    expect(long.buckets).toHaveLength(series.buckets.length);
    expect(long.buckets.at(-1)?.start).toBe(newestStart + 3_600_000);
    expect(throughputTotals(long).events).toBe(1);
  });

  it('folds a new key into "other" once 8 series are drawn', () => {
    const grouped = Array.from({ length: 8 }, (_, index) => ({
      bucketStart: window.from,
      key: `agent-${index}`,
      count: 10 - index,
    }));
    const series = buildSeries({ range: '15m', by: 'agent', window, grouped, fatal: [], recent: [] });
    const next = applyLiveSecond(series, second(window.to, { total: 4, byAgent: { 'agent-0': 1, newcomer: 3 } }));
    expect(next.series).toHaveLength(9);
    expect(next.series.at(-1)).toEqual({ key: OTHER_KEY, label: 'other' });
    expect(next.buckets.at(-1)?.counts).toEqual({ 'agent-0': 1, [OTHER_KEY]: 3 });
  });

  it('takes the fatal counts from the grouped rows when stacking by fatality', () => {
    const series = buildSeries({
      range: '15m',
      by: 'isFatal',
      window,
      grouped: [
        { bucketStart: window.from, key: 'true', count: 3 },
        { bucketStart: window.from, key: 'false', count: 1 },
      ],
      recent: [],
    });
    expect(throughputTotals(series)).toMatchObject({ events: 4, fatal: 3, fatalShare: 0.75 });
  });

  it('splits a second into fatal and non-fatal when stacking by fatality', () => {
    const series = buildSeries({ range: '15m', by: 'isFatal', window, grouped: [], fatal: [], recent: [] });
    const next = applyLiveSecond(series, second(window.to, { total: 5, fatal: 2 }));
    expect(next.buckets.at(-1)?.counts).toEqual({ true: 2, false: 3 });
    expect(next.series.map((entry) => entry.label).sort()).toEqual(['fatal', 'non-fatal']);
    expect(throughputTotals(next).fatalShare).toBeCloseTo(0.4);
  });

  it('re-applies buffered seconds on top of a refetch, skipping those it already counts', () => {
    const series = base();
    const next = applyLiveSeconds(series, [
      second(window.to + 1_000, { total: 1, byAgent: { a: 1 } }),
      second(window.to - 3_000, { total: 9, byAgent: { a: 9 } }),
      second(window.to, { total: 2, byAgent: { a: 2 } }),
    ]);
    expect(next.buckets.at(-1)?.counts.a).toBe(3);
    expect(next.coveredUntil).toBe(window.to + 2_000);
  });
});

describe('chart rows', () => {
  it('gives each series its rate per unit, the newest bucket over the seconds counted so far', () => {
    const window = bucketWindow('1h', NOW); // counted 56 s into the newest minute
    const series = buildSeries({
      range: '1h',
      by: 'agent',
      window,
      grouped: [
        { bucketStart: window.from, key: 'a', count: 120 },
        { bucketStart: window.from + 59 * MIN, key: 'a', count: 56 },
      ],
      fatal: [],
      recent: [],
    });
    const rows = chartRows(series, 60);
    expect(rows).toHaveLength(60);
    expect(rows[0]).toMatchObject({ inProgress: false, rates: [120], counts: [120] });
    expect(rows[1].rates).toEqual([0]);
    expect(rows.at(-1)).toMatchObject({ inProgress: true, counts: [56] });
    expect(rows.at(-1)?.rates[0]).toBeCloseTo(60);
    expect(chartRows(series, 1)[0].rates).toEqual([2]);
  });
});

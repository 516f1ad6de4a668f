// Zooming into the Throughput chart: a drag's pixels become the buckets it crossed, ?from=&to= is
// read (or refused, naming what is wrong), a narrow zoom is widened to five minutes, and the zoom's
// buckets are round, at most ZOOM_BUCKETS of them, ending whole when the zoom is in the past.
import { describe, expect, it } from 'vitest';

import { chartRows } from '@/components/throughput/chart-rows';
import { bucketsUnder } from '@/components/throughput/zoom-drag';
import {
  buildSeries,
  checkThroughputParams,
  MIN_ZOOM_MS,
  rateUnitSeconds,
  widenZoom,
  ZOOM_BUCKETS,
  zoomWindow,
} from '@/lib/queries/throughput-view';

const MIN = 60_000;
const NOW = Date.UTC(2026, 11, 7, 12, 34, 56, 789);
const iso = (at: number) => new Date(at).toISOString();

describe('a drag across the chart', () => {
  // Three buckets of a minute, drawn 10 px wide with 2 px between them.
  const edges = [0, 1, 2].map((index) => ({
    start: NOW + index * MIN,
    end: NOW + (index + 1) * MIN,
    left: 50 + index * 12,
    right: 60 + index * 12,
  }));

  it('is the time of the buckets it touches, whichever way it went', () => {
    expect(bucketsUnder(edges, 55, 63)).toEqual({ from: NOW, to: NOW + 2 * MIN });
    expect(bucketsUnder(edges, 90, 73)).toEqual({ from: NOW + 2 * MIN, to: NOW + 3 * MIN });
    expect(bucketsUnder(edges, 90, 70)).toEqual({ from: NOW + MIN, to: NOW + 3 * MIN });
    expect(bucketsUnder(edges, 0, 500)).toEqual({ from: NOW, to: NOW + 3 * MIN });
  });

  it('touching no bucket is no zoom', () => {
    expect(bucketsUnder(edges, 0, 40)).toBeNull();
    expect(bucketsUnder([], 0, 500)).toBeNull();
  });
});

describe('the zoom in the URL', () => {
  const check = (from?: string, to?: string) =>
    checkThroughputParams({ range: '24h', by: 'checkName', ...(from ? { from } : {}), ...(to ? { to } : {}) }, NOW);

  it('reads from and to as the zoom, keeping the range to go back to', () => {
    expect(check(iso(NOW - 60 * MIN), iso(NOW - 30 * MIN))).toEqual({
      ok: true,
      range: '24h',
      by: 'checkName',
      zoom: { from: NOW - 60 * MIN, to: NOW - 30 * MIN },
    });
  });

  it('names what is wrong with one', () => {
    const error = (from?: string, to?: string) => {
      const result = check(from, to);
      return result.ok ? null : result.error;
    };
    expect(error(iso(NOW - MIN))).toBe('from and to go together (got only from)');
    expect(error(undefined, iso(NOW))).toBe('from and to go together (got only to)');
    expect(error('noon', iso(NOW))).toBe('from must be a time such as 2026-12-06T14:05:00Z (got "noon")');
    expect(error(iso(NOW - MIN), 'x'.repeat(500))).toBe(
      `to must be a time such as 2026-12-06T14:05:00Z (got "${'x'.repeat(100)}")`,
    );
    expect(error(iso(NOW), iso(NOW - MIN))).toMatch(/^from must be before to /);
    expect(error(iso(NOW + MIN), iso(NOW + 10 * MIN))).toMatch(/^from must be in the past /);
    expect(error(iso(NOW - 40 * 86_400_000), iso(NOW))).toBe('from and to may be at most 30 days apart (got 40 days)');
  });

  it('widens a zoom narrower than five minutes around its middle, on whole minutes', () => {
    const minute = Math.floor(NOW / MIN) * MIN;
    expect(widenZoom({ from: minute, to: minute + MIN })).toEqual({ from: minute - 2 * MIN, to: minute + 3 * MIN });
    const wide = { from: minute, to: minute + 10 * MIN };
    expect(widenZoom(wide)).toBe(wide);
    const widened = widenZoom({ from: NOW - 10_000, to: NOW });
    expect(widened.to - widened.from).toBe(MIN_ZOOM_MS);
  });

  it('shows events per second up to 15 minutes, per minute beyond', () => {
    expect(rateUnitSeconds('24h', { from: NOW - 15 * MIN, to: NOW })).toBe(1);
    expect(rateUnitSeconds('15m', { from: NOW - 16 * MIN, to: NOW })).toBe(60);
  });
});

describe("a zoom's buckets", () => {
  it('are a minute at least, round, at most ZOOM_BUCKETS, aligned like a range', () => {
    const hour = Date.UTC(2026, 11, 7, 9);
    expect(zoomWindow({ from: hour, to: hour + 10 * MIN }, NOW)).toEqual({
      from: hour,
      to: hour + 10 * MIN,
      bucketSeconds: 60,
      count: 10,
    });
    const day = zoomWindow({ from: hour - 86_400_000 + 7 * MIN, to: hour }, NOW);
    expect(day.bucketSeconds).toBe(900);
    expect(day.count).toBeLessThanOrEqual(ZOOM_BUCKETS);
    expect(day.from % (900 * 1000)).toBe(0);
    expect(day.to).toBe(hour);
  });

  it('end at now when the zoom reaches it: that bucket is in progress, a past one is whole', () => {
    const live = zoomWindow({ from: NOW - 10 * MIN, to: NOW + 5 * MIN }, NOW);
    expect(live.to).toBe(Math.floor(NOW / 1000) * 1000);
    const series = (window: ReturnType<typeof zoomWindow>) =>
      buildSeries({ range: '1h', by: 'agent', window, grouped: [], recent: [] });
    expect(chartRows(series(live), 60).at(-1)?.inProgress).toBe(true);
    const past = zoomWindow({ from: NOW - 60 * MIN, to: NOW - 30 * MIN }, NOW);
    const rows = chartRows(series(past), 60);
    expect(rows.some((row) => row.inProgress)).toBe(false);
    expect(rows.at(-1)?.end).toBe(past.to);
  });
});

// The benchmarks' figures: an event that never arrived is counted and sits above every
// percentile (it was dropped once, which flattered the feed); a short rate is called short.
import { describe, expect, it } from 'vitest';

import {
  delivery,
  formatDelivery,
  formatLateAndMissing,
  p99Ratio,
  percentiles,
  rateAchieved,
} from '@/scripts/bench/delivery-latency';
import { addWrite, coveredChanges, type WriterLog } from '@/scripts/bench/writer-log';

const times = (entries: [string, number][]) => new Map(entries);

describe('percentiles', () => {
  it('takes the nearest rank, rounded to 0.01 ms', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1.004);
    expect(percentiles(samples)).toEqual({ p50: 50, p95: 95, p99: 99, count: 100 });
    expect(percentiles([3, 1, 2])).toEqual({ p50: 2, p95: 3, p99: 3, count: 3 });
    expect(percentiles([]).p50).toBeNaN();
  });
});

describe('delivery', () => {
  it('times every event from its send and counts the late ones in the percentiles', () => {
    const sent = times([
      ['a', 0],
      ['b', 10],
      ['c', 20],
      ['d', 30],
    ]);
    const arrived = times([
      ['a', 1],
      ['b', 12],
      ['c', 23],
      ['d', 1_530],
    ]);
    expect(delivery(sent, arrived, 1_000)).toEqual({
      sent: 4,
      arrived: 4,
      late: 1,
      lateAfterMs: 1_000,
      missing: 0,
      p50: 2,
      p95: 1_500,
      p99: 1_500,
    });
  });

  it('counts an event that never arrived as slower than any, not as absent', () => {
    const sent = new Map(Array.from({ length: 100 }, (_, i) => [`e${i}`, i] as [string, number]));
    const arrived = new Map(Array.from({ length: 98 }, (_, i) => [`e${i}`, i + 1] as [string, number]));
    const figures = delivery(sent, arrived, 1_000);
    expect(figures).toMatchObject({ sent: 100, arrived: 98, missing: 2, late: 0, p50: 1, p95: 1, p99: null });
    expect(formatDelivery(figures)).toBe('1 / 1 / missing');
    expect(formatLateAndMissing(figures)).toBe('100 sent: 0 later than 1 s, 2 missing');
    expect(p99Ratio(figures.p99, 3)).toBe('n/a');
  });

  it('refuses times that are not on one clock, and arrivals never sent', () => {
    expect(() => delivery(times([['a', 10]]), times([['a', 5]]), 1_000)).toThrow(/not on one clock/);
    expect(() =>
      delivery(
        times([['a', 10]]),
        times([
          ['a', 11],
          ['z', 12],
        ]),
        1_000,
      ),
    ).toThrow(/never sent/);
  });
});

describe('rateAchieved', () => {
  it('accepts the offered rate within 5 % and calls anything less short', () => {
    expect(rateAchieved(1_000, 998)).toBe(true);
    expect(rateAchieved(1_000, 950)).toBe(true);
    expect(rateAchieved(1_000, 908)).toBe(false);
    expect(rateAchieved(5_000, 953)).toBe(false);
  });
});

describe('p99Ratio', () => {
  it('divides the figure by its baseline', () => {
    expect(p99Ratio(6, 2)).toBe('3.0×');
    expect(p99Ratio(1, 0)).toBe('n/a');
  });
});

describe('coveredChanges (the oldest change behind a batch of node views)', () => {
  const log: WriterLog = { nodes: 3, times: [[100, 200, 300], [150], []] };

  it('takes the first event a client was not yet shown, not the newest a view shows', () => {
    const shown = new Int32Array(3);
    // Node 0's view shows its event of 300 (coalescing 100, 200 and 300); node 1 shows 150.
    expect(
      coveredChanges(log, shown, [
        [0, 300],
        [1, 150],
      ]),
    ).toBe(100);
    expect([...shown]).toEqual([3, 1, 0]);
    // Shown again with nothing new: no change behind it.
    expect(coveredChanges(log, shown, [[0, 300]])).toBeNull();
  });

  it('moves on from what a client was already shown', () => {
    const shown = new Int32Array(3);
    expect(coveredChanges(log, shown, [[0, 100]])).toBe(100);
    expect(coveredChanges(log, shown, [[0, 300]])).toBe(200);
    expect([...shown]).toEqual([3, 0, 0]);
  });

  it("keeps a node's writes in time order when concurrent writes report out of order", () => {
    const log: WriterLog = { nodes: 2, times: [] };
    for (const at of [100, 300, 200]) addWrite(log, 0, at);
    expect(log.times[0]).toEqual([100, 200, 300]);
  });
});

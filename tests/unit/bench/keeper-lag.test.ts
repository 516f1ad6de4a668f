import { describe, expect, it } from 'vitest';

import { keeperLagMs } from '../../../scripts/bench/keeper-lag';
import { sustainedGoal, type SustainedKeeping } from '../../../scripts/bench/keeper-rate';

// Batches of 500 committed every 100 ms from t = 1,000 ms.
const progress = [
  { at: 1_000, written: 500 },
  { at: 1_100, written: 1_000 },
  { at: 1_200, written: 1_500 },
];

describe('keeperLagMs: the age of the oldest event written and not yet kept', () => {
  it('is 0 when everything written is kept, and when nothing was written yet', () => {
    expect(keeperLagMs(progress, 1_500, 5_000)).toBe(0);
    expect(keeperLagMs(progress, 1_600, 5_000)).toBe(0);
    expect(keeperLagMs([], 0, 5_000)).toBe(0);
  });

  it('counts from the commit of the first batch with an event not kept', () => {
    expect(keeperLagMs(progress, 0, 1_250)).toBe(250);
    expect(keeperLagMs(progress, 499, 1_250)).toBe(250); // one event of the first batch still out
    expect(keeperLagMs(progress, 500, 1_250)).toBe(150); // the first batch kept: the second's age
    expect(keeperLagMs(progress, 1_000, 1_250)).toBe(50);
  });

  it('is never negative (a sample taken as the batch is reported)', () => {
    expect(keeperLagMs(progress, 1_000, 1_150)).toBe(0);
  });
});

const figures = (change: Partial<SustainedKeeping>): SustainedKeeping => ({
  offeredPerSecond: 5_000,
  seconds: 30,
  writtenPerSecond: 5_000,
  keptPerSecond: 5_000,
  lagP50Ms: 200,
  lagP95Ms: 400,
  lagMaxMs: 600,
  samplesOverOneSecond: 0,
  samples: 150,
  caughtUpAfterMs: 300,
  missing: 0,
  ...change,
});

describe('sustainedGoal: ≥ 5,000 events/s kept with lag ≤ 1 s', () => {
  it('is met only when 5,000/s was offered and reached, all kept, no sample over a second', () => {
    expect(sustainedGoal(figures({}))).toBe('met');
    expect(sustainedGoal(figures({ samplesOverOneSecond: 1, lagMaxMs: 1_200 }))).toBe('not met');
    expect(sustainedGoal(figures({ missing: 10, caughtUpAfterMs: null }))).toBe('not met');
    expect(sustainedGoal(figures({ keptPerSecond: 4_000 }))).toBe('not met');
  });

  it('is not measured when the writer did not reach the offered rate, or less than 5,000/s was offered', () => {
    expect(sustainedGoal(figures({ writtenPerSecond: 4_000 }))).toBe(
      'not measured (the writer did not reach the rate)',
    );
    expect(sustainedGoal(figures({ offeredPerSecond: 1_000, writtenPerSecond: 1_000 }))).toBe(
      'not measured (under 5,000 events/s offered)',
    );
  });
});

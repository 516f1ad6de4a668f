// The Throughput chart from the keyboard: one Tab stop, first on the newest closed bucket, and the
// arrow keys along time and up and down the stack, visiting only segments that hold events.
import { describe, expect, it } from 'vitest';

import { firstSegment, moveSegment } from '@/components/throughput/segment-navigation';

// Four buckets of three series (0 at the bottom of the stack); the newest is in progress.
const rows = [
  { counts: [4, 0, 2] },
  { counts: [0, 0, 0] },
  { counts: [0, 5, 1] },
  { counts: [3, 0, 0], inProgress: true },
];

describe('the chart segments from the keyboard', () => {
  it('starts on the lowest segment of the newest closed bucket, else of the newest', () => {
    expect(firstSegment(rows)).toEqual({ row: 2, series: 1 });
    expect(firstSegment([{ counts: [0, 0] }, { counts: [0, 7], inProgress: true }])).toEqual({ row: 1, series: 1 });
    expect(firstSegment([{ counts: [0] }, { counts: [0], inProgress: true }])).toBeNull();
  });

  it('moves along time past empty buckets, keeping the series when it has events there, else the nearest', () => {
    expect(moveSegment(rows, { row: 2, series: 1 }, 'ArrowLeft')).toEqual({ row: 0, series: 0 });
    expect(moveSegment(rows, { row: 0, series: 2 }, 'ArrowRight')).toEqual({ row: 2, series: 2 });
    expect(moveSegment(rows, { row: 2, series: 2 }, 'ArrowRight')).toEqual({ row: 3, series: 0 });
    expect(moveSegment(rows, { row: 3, series: 0 }, 'ArrowRight')).toBeNull();
    expect(moveSegment(rows, { row: 0, series: 0 }, 'ArrowLeft')).toBeNull();
  });

  it('moves up and down the stack of one bucket, and to the oldest and newest buckets with Home and End', () => {
    expect(moveSegment(rows, { row: 0, series: 0 }, 'ArrowUp')).toEqual({ row: 0, series: 2 });
    expect(moveSegment(rows, { row: 0, series: 2 }, 'ArrowUp')).toBeNull();
    expect(moveSegment(rows, { row: 0, series: 2 }, 'ArrowDown')).toEqual({ row: 0, series: 0 });
    expect(moveSegment(rows, { row: 2, series: 1 }, 'Home')).toEqual({ row: 0, series: 0 });
    expect(moveSegment(rows, { row: 0, series: 2 }, 'End')).toEqual({ row: 3, series: 0 });
    expect(moveSegment(rows, { row: 0, series: 0 }, 'Enter')).toBeNull();
  });
});

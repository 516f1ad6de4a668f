// The Throughput chart's times (axis, tooltip, a segment link's name) are written in the page's zone,
// whatever zone the browser runs in: the same instant reads 19:35 in Kolkata and 14:05 in UTC.
import { describe, expect, it } from 'vitest';

import { bucketClock, bucketSpan } from '@/components/throughput/bucket-time';
import { UTC } from '@/lib/format/time';

const AT = Date.parse('2026-12-06T14:05:00Z');

describe("a Throughput bucket's time", () => {
  it('is a clock in the zone given, with seconds under a minute and the day from an hour up', () => {
    expect(bucketClock(AT, 60, UTC)).toBe('14:05');
    expect(bucketClock(AT, 60, 'Asia/Kolkata')).toBe('19:35');
    expect(bucketClock(AT + 30_000, 10, 'Asia/Kolkata')).toBe('19:35:30');
    expect(bucketClock(AT, 3_600, UTC)).toBe('Dec 6 14:05');
    expect(bucketClock(Date.parse('2026-12-06T20:00:00Z'), 21_600, 'Asia/Kolkata')).toBe('Dec 7 01:30');
  });

  it('spans a bucket from its start to its end', () => {
    expect(bucketSpan({ start: AT, end: AT + 300_000 }, 300, UTC)).toBe('14:05–14:10');
    expect(bucketSpan({ start: AT, end: AT + 300_000 }, 300, 'America/New_York')).toBe('09:05–09:10');
  });

  it('does not depend on the zone the process runs in', () => {
    const before = process.env.TZ;
    process.env.TZ = 'Pacific/Auckland';
    try {
      expect(bucketClock(AT, 60, UTC)).toBe('14:05');
    } finally {
      process.env.TZ = before;
    }
  });
});

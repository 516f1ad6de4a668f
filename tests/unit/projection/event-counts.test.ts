// The roll-ups' counting: an event goes into its minute, quarter-hour and hour, once per dimension
// (agent, check, component class, severity); rows of the same value merge; minutes older than two
// days are not kept; a build page's counts land where the same events from the feed would; and a
// chart's range splits into whole buckets of the coarsest span and then the finer ones.
import { describe, expect, it } from 'vitest';

import { spanFor, spanSegments } from '@/lib/projection/event-count-reads';
import { EventCountDeltas } from '@/lib/projection/event-counts';
import type { HealthEventWithStatus } from '@/lib/store';

const at = Date.UTC(2026, 11, 7, 9, 59, 30);
const inserted = (createdAt: number, overrides: Partial<HealthEventWithStatus['healthEvent']> = {}) =>
  ({
    recordId: String(createdAt),
    createdAt: new Date(createdAt),
    healthEvent: {
      agent: 'syslog-health-monitor',
      checkName: 'SysLogsXIDError',
      componentClass: 'GPU',
      isFatal: true,
      isHealthy: false,
      ...overrides,
    },
  }) as HealthEventWithStatus;
const rowsOf = (deltas: EventCountDeltas) =>
  deltas
    .take()
    .map((row) => [
      row.spanSeconds,
      new Date(row.bucket).toISOString().slice(11, 16),
      row.dimension,
      row.value,
      row.isFatal,
      row.count,
    ])
    .sort();

describe('event counts for the roll-ups', () => {
  it('counts an event once per dimension in its minute, quarter-hour and hour, merging events of one value', () => {
    const deltas = new EventCountDeltas();
    deltas.addEvent(inserted(at), at);
    deltas.addEvent(inserted(at + 20_000), at);
    deltas.addEvent(inserted(at + 40_000, { isFatal: false, isHealthy: true, agent: 'gpu-health-monitor' }), at);
    const rows = rowsOf(deltas);
    // 09:59:30 and 09:59:50 share every bucket; 10:00:10 starts a new minute, quarter and hour.
    expect(rows.filter((row) => row[0] === 60 && row[2] === 'agent')).toEqual([
      [60, '09:59', 'agent', 'syslog-health-monitor', true, 2],
      [60, '10:00', 'agent', 'gpu-health-monitor', false, 1],
    ]);
    expect(rows.filter((row) => row[0] === 3_600 && row[2] === 'severity')).toEqual([
      [3_600, '09:00', 'severity', 'fatal', true, 2],
      [3_600, '10:00', 'severity', 'healthy', false, 1],
    ]);
    expect(rows.filter((row) => row[0] === 900 && row[2] === 'checkName')).toEqual([
      [900, '09:45', 'checkName', 'SysLogsXIDError', true, 2],
      [900, '10:00', 'checkName', 'SysLogsXIDError', false, 1],
    ]);
    // 3 spans × 4 dimensions × 2 distinct buckets-and-values.
    expect(rows).toHaveLength(24);
    expect(deltas.take()).toEqual([]);
  });

  it('names an unhealthy, non-fatal event "unhealthy", and keeps minutes two days only', () => {
    const deltas = new EventCountDeltas();
    deltas.addEvent(inserted(at, { isFatal: false, isHealthy: false }), at + 49 * 3_600_000);
    const rows = rowsOf(deltas);
    expect(rows.some((row) => row[0] === 60)).toBe(false);
    expect(rows).toContainEqual([900, '09:45', 'severity', 'unhealthy', false, 1]);
  });

  it("adds a build page's counts to the same rows the feed's events make", () => {
    const fromFeed = new EventCountDeltas();
    for (let index = 0; index < 3; index += 1) fromFeed.addEvent(inserted(at + index * 1_000), at);
    const fromPage = new EventCountDeltas();
    const counts = (bucket: number) =>
      (
        [
          ['agent', 'syslog-health-monitor'],
          ['checkName', 'SysLogsXIDError'],
          ['componentClass', 'GPU'],
          ['severity', 'fatal'],
        ] as const
      ).map(([dimension, value]) => ({ bucket: new Date(bucket), dimension, value, isFatal: true, count: 3 }));
    fromPage.addCounts(counts(Date.UTC(2026, 11, 7, 9, 45)), [900, 3_600], at);
    fromPage.addCounts(counts(Date.UTC(2026, 11, 7, 9, 59)), [60], at);
    expect(rowsOf(fromPage)).toEqual(rowsOf(fromFeed));
  });

  it('reads the coarsest span that divides the bucket, and splits a range into whole buckets of it and then finer ones', () => {
    expect([60, 300, 900, 1_800, 3_600, 21_600].map(spanFor)).toEqual([60, 60, 900, 900, 3_600, 3_600]);
    expect([1, 10, 30, 90].map(spanFor)).toEqual([null, null, null, null]);
    const hour = 3_600_000;
    const from = Date.UTC(2026, 11, 1);
    const to = from + 7 * 24 * hour + 47 * 60_000; // a week, then 47 minutes of the hour in progress
    expect(spanSegments(3_600, from, to)).toEqual([
      { span: 3_600, from, to: from + 168 * hour },
      { span: 900, from: from + 168 * hour, to: from + 168 * hour + 45 * 60_000 },
      { span: 60, from: from + 168 * hour + 45 * 60_000, to },
    ]);
    expect(spanSegments(60, from, from + 15 * 60_000)).toEqual([{ span: 60, from, to: from + 15 * 60_000 }]);
  });
});

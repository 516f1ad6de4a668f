// From a Throughput bar segment or legend entry to the event search: the /events parameters of
// each grouping's series over the bucket's window, read back by the event search into the filter
// that finds exactly the events counted there (here through the MongoDB provider's own count and
// filter, run in-process with mingo; on PostgreSQL in tests/integration/app/throughput-drill.test.ts),
// and the time window alone, with a note, where no filter matches the series.
import { aggregate, find } from 'mingo';
import type { Document } from 'mongodb';
import { describe, expect, it } from 'vitest';

import { parseEventSearch } from '@/lib/queries/events-filter';
import { drillName, segmentDrill, seriesDrill, seriesSearch } from '@/lib/queries/throughput-drill-view';
import {
  bucketWindow,
  buildSeries,
  OTHER_KEY,
  THROUGHPUT_GROUPINGS,
  type CountRow,
  type ThroughputGrouping,
} from '@/lib/queries/throughput-view';
import { healthEventMatch } from '@/lib/store/providers/mongodb/pipelines/health-event-filter';
import { throughputPipeline } from '@/lib/store/providers/mongodb/pipelines/throughput';

import { nvsentinelDocument } from '../store/providers/mongodb/documents';

const MIN = 60_000;
// Mid-minute: the newest 1-minute bucket is in progress.
const NOW = Date.UTC(2026, 2, 1, 12, 34, 30, 250);

const searchOf = (href: string) => {
  const url = new URL(href, 'http://console.test');
  expect(url.pathname).toBe('/events');
  return parseEventSearch(url.searchParams, NOW);
};

describe('a bar segment as an event search', () => {
  const bucket = { start: Date.UTC(2026, 2, 1, 12, 5), bucketSeconds: 300 };

  it('searches the bucket [start, end) with the series filter of each grouping', () => {
    expect(segmentDrill('agent', 'syslog-health-monitor', bucket)).toEqual({
      params: { agent: 'syslog-health-monitor', from: '2026-03-01T12:05:00.000Z', to: '2026-03-01T12:10:00.000Z' },
      href: '/events?agent=syslog-health-monitor&from=2026-03-01T12%3A05%3A00.000Z&to=2026-03-01T12%3A10%3A00.000Z',
      exact: true,
    });
    expect(segmentDrill('checkName', 'SysLogsXIDError', bucket).params).toMatchObject({ check: 'SysLogsXIDError' });
    expect(segmentDrill('componentClass', 'NIC', bucket).params).toMatchObject({ component: 'NIC' });
    expect(segmentDrill('isFatal', 'true', bucket).params).toMatchObject({ severity: 'fatal' });
    expect(segmentDrill('isFatal', 'false', bucket).params).toMatchObject({ severity: 'non-fatal' });
  });

  it('reads back as the store filter on the same field over the same window', () => {
    const filter = (by: ThroughputGrouping, key: string) => {
      const search = searchOf(segmentDrill(by, key, bucket).href);
      return search.ok ? search.search.filter : search.error;
    };
    const window = { from: new Date(bucket.start), to: new Date(bucket.start + 300_000) };
    expect(filter('agent', 'nic-health-monitor')).toEqual({ agent: 'nic-health-monitor', ...window });
    expect(filter('checkName', 'GpuThermalWatch')).toEqual({ checkName: 'GpuThermalWatch', ...window });
    expect(filter('componentClass', 'GPU')).toEqual({ componentClass: 'GPU', ...window });
    // Fatality is isFatal alone: a healthy event flagged fatal is counted fatal, and found by severity=fatal.
    expect(filter('isFatal', 'true')).toEqual({ isFatal: true, ...window });
    expect(filter('isFatal', 'false')).toEqual({ isFatal: false, ...window });
  });

  it('opens the time window alone, saying why, where no filter matches the series', () => {
    const other = segmentDrill('checkName', OTHER_KEY, bucket);
    expect(other).toMatchObject({
      params: { from: '2026-03-01T12:05:00.000Z', to: '2026-03-01T12:10:00.000Z' },
      exact: false,
      note: 'opens every event of that time: no one filter matches the series folded into "other"',
    });
    expect(Object.keys(other.params)).toEqual(['from', 'to']);
    expect(segmentDrill('agent', '', bucket)).toMatchObject({
      exact: false,
      note: 'opens every event of that time: the search cannot ask for events without a agent',
    });
    expect(segmentDrill('componentClass', 'GPU board', bucket)).toMatchObject({
      exact: false,
      note: 'opens every event of that time: the search takes no component class "GPU board"',
    });
    // What the search would refuse is never in the link: the page opens, with the window.
    for (const key of [OTHER_KEY, '', 'GPU board', 'a/b', 'x'.repeat(101)])
      expect(searchOf(segmentDrill('componentClass', key, bucket).href).ok).toBe(true);
  });

  it('tells every series of every grouping whether its link is exact', () => {
    for (const by of THROUGHPUT_GROUPINGS) {
      expect('note' in seriesSearch(by, OTHER_KEY)).toBe(true);
      if (by !== 'isFatal') expect('note' in seriesSearch(by, '')).toBe(true);
    }
    expect(seriesSearch('agent', 'kubernetes-object-monitor')).toEqual({
      params: { agent: 'kubernetes-object-monitor' },
    });
  });

  it('names the link with the series, the time and the events in it', () => {
    expect(drillName({ label: 'SysLogsXIDError', when: '14:05–14:10', count: 37 })).toBe(
      'SysLogsXIDError, 14:05–14:10: 37 events',
    );
    expect(drillName({ label: 'fatal', when: '14:05–14:10', count: 1 })).toBe('fatal, 14:05–14:10: 1 event');
    expect(drillName({ label: 'other', when: 'last 1 hour', count: 12, note: 'opens every event of that time' })).toBe(
      'other, last 1 hour: 12 events (opens every event of that time)',
    );
  });
});

describe('a legend entry as an event search', () => {
  it('searches the series over every bucket drawn, the oldest start to the end of the newest', () => {
    const window = bucketWindow('1h', NOW);
    const series = buildSeries({ range: '1h', by: 'agent', window, grouped: [], recent: [] });
    const drill = seriesDrill('agent', 'gpu-health-monitor', series);
    expect(drill?.params).toEqual({
      agent: 'gpu-health-monitor',
      from: '2026-03-01T11:35:00.000Z',
      to: '2026-03-01T12:35:00.000Z',
    });
    // The 30-day chart fits in the search's 31 days.
    const month = buildSeries({
      range: '30d',
      by: 'isFatal',
      window: bucketWindow('30d', NOW),
      grouped: [],
      recent: [],
    });
    expect(searchOf(seriesDrill('isFatal', 'true', month)!.href).ok).toBe(true);
    expect(seriesDrill('agent', 'x', { buckets: [], bucketSeconds: 60 })).toBeNull();
  });
});

describe('the events behind a segment are the events it counts (MongoDB provider, in-process)', () => {
  // Fifteen minutes of events on the bucket edges and between, of several agents, checks, component
  // classes and flags, with NVSentinel's null-safe cases: isfatal missing, a healthy event flagged
  // fatal. None after the read: the newest bucket holds what was stored up to then (a later event
  // in it is on the Events page too, which the chart shows once a live second or a refresh brings it).
  const window = bucketWindow('15m', NOW);
  const at = (minute: number, second: number) => new Date(window.from + minute * MIN + second * 1000);
  const kinds = [
    { agent: 'syslog-health-monitor', check: 'SysLogsXIDError', componentClass: 'GPU', fatal: true },
    { agent: 'syslog-health-monitor', check: 'SysLogsSXIDError', componentClass: 'NVSWITCH', fatal: false },
    { agent: 'gpu-health-monitor', check: 'GpuThermalWatch', componentClass: 'GPU', fatal: false, healthy: true },
    {
      agent: 'gpu-health-monitor',
      check: 'GpuDcgmConnectivityFailure',
      componentClass: 'NODE',
      fatal: true,
      healthy: true,
    },
    { agent: 'nic-health-monitor', check: 'InfiniBandStateCheck', componentClass: 'NIC', fatal: false },
  ];
  const stored: Document[] = [];
  for (let minute = 0; minute < 15; minute += 1)
    for (const [index, second] of [0, 17, 59.999].entries())
      for (let copy = 0; copy <= (minute + index) % 3; copy += 1) {
        const kind = kinds[(minute + index + copy) % kinds.length];
        stored.push(
          nvsentinelDocument({
            node: `gpu-node-${copy}`,
            agent: kind.agent,
            check: kind.check,
            componentClass: kind.componentClass,
            fatal: kind.fatal,
            healthy: kind.healthy,
            createdAt: at(minute, second),
          }),
        );
      }
  const documents = stored.filter((document) => document.createdAt.getTime() < window.to);
  delete documents[1].healthevent.isfatal; // missing isfatal is not fatal, in the count and the search
  const nonFatalUnflagged = documents[1];

  const countRows = (by: ThroughputGrouping): { grouped: CountRow[]; fatal: CountRow[] } => {
    const groupBy = by === 'isFatal' ? ['isFatal' as const] : [by, 'isFatal' as const];
    const rows = aggregate(
      documents,
      throughputPipeline({ from: new Date(window.from), to: new Date(window.to), bucketSeconds: 60, groupBy }),
    ) as Document[];
    const row = (keyAt: number) =>
      rows.map((entry) => ({
        bucketStart: new Date(entry._id.bucket).getTime(),
        key: String(entry._id[`key${keyAt}`]),
        count: entry.count,
      }));
    return { grouped: row(0), fatal: by === 'isFatal' ? [] : row(1) };
  };

  it.each(THROUGHPUT_GROUPINGS)('by %s: every segment and legend entry finds as many events as it counts', (by) => {
    const { grouped, fatal } = countRows(by);
    // Three series drawn, the rest folded into "other": its link is the wider one.
    const series = buildSeries({ range: '15m', by, window, grouped, fatal, recent: [], maxSeries: 3 });
    const found = (href: string) => {
      const search = searchOf(href);
      if (!search.ok) throw new Error(search.error);
      return find(documents, healthEventMatch(search.search.filter)).all().length;
    };
    let segments = 0;
    for (const bucket of series.buckets) {
      const total = Object.values(bucket.counts).reduce((sum, count) => sum + count, 0);
      for (const entry of series.series) {
        const count = bucket.counts[entry.key] ?? 0;
        if (count === 0) continue;
        const drill = segmentDrill(by, entry.key, { start: bucket.start, bucketSeconds: series.bucketSeconds });
        expect(drill.exact).toBe(entry.key !== OTHER_KEY);
        expect(found(drill.href), `${entry.label} at ${new Date(bucket.start).toISOString()}`).toBe(
          drill.exact ? count : total,
        );
        segments += 1;
      }
    }
    expect(segments).toBeGreaterThan(15);
    for (const entry of series.series) {
      const drill = seriesDrill(by, entry.key, series)!;
      if (!drill.exact) continue;
      const counted = series.buckets.reduce((sum, bucket) => sum + (bucket.counts[entry.key] ?? 0), 0);
      expect(found(drill.href), entry.label).toBe(counted);
    }
    if (by === 'isFatal') {
      const nonFatal = series.series.find((entry) => entry.key === 'false');
      expect(nonFatal).toBeDefined();
      const start = Math.floor(nonFatalUnflagged.createdAt.getTime() / MIN) * MIN;
      const drill = segmentDrill(by, 'false', { start, bucketSeconds: 60 });
      const search = searchOf(drill.href);
      expect(search.ok && find([nonFatalUnflagged], healthEventMatch(search.search.filter)).all()).toHaveLength(1);
    }
  });
});

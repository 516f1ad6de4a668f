// The Throughput page's read model on a real PostgreSQL: the buckets, series and totals a user
// sees for events stored at known times, and live seconds agreeing with a later refetch.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { chartRows } from '@/components/throughput/chart-rows';
import {
  applyLiveSecond,
  bucketWindow,
  buildSeries,
  OTHER_KEY,
  THROUGHPUT_GROUPINGS,
  THROUGHPUT_RANGE_NAMES,
  throughputTotals,
  type CountRow,
  type ThroughputGrouping,
  type ThroughputRange,
} from '@/lib/queries/throughput-view';
import type { ThroughputMessage } from '@/lib/live/live-messages';
import { readThroughput } from '@/lib/queries/throughput';
import { openDataStore, type BucketKey, type DataStore, type NewHealthEvent, type ThroughputBucket } from '@/lib/store';
import { setUpOwnDatabase } from '@/lib/store/providers/postgres/schema/prepare-datastore';

import { createTestDatabase, testServers, type TestDatabase } from '../../support/test-databases';

const MIN = 60_000;
// Mid-minute, so the newest 1-minute bucket is in progress: counted up to 10:30:20.
const NOW = Date.UTC(2026, 0, 15, 10, 30, 20, 500);
const TO = Date.UTC(2026, 0, 15, 10, 30, 20);

const event = (at: number, overrides: Partial<NewHealthEvent> = {}): NewHealthEvent => ({
  nodeName: 'gpu-node-1',
  agent: 'gpu-health-monitor',
  checkName: 'GpuXidError',
  componentClass: 'GPU',
  createdAt: new Date(at),
  ...overrides,
});

describe('throughput read model', () => {
  let database: TestDatabase;
  let store: DataStore;

  beforeAll(async () => {
    database = await createTestDatabase(testServers()[0]);
    await setUpOwnDatabase(database.url);
    store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    const events: NewHealthEvent[] = [];
    // Ten agents, agent-1 with 1 event ... agent-10 with 10, all 5 minutes ago.
    for (let agent = 1; agent <= 10; agent += 1) {
      for (let index = 0; index < agent; index += 1)
        events.push(event(TO - 5 * MIN + index * 1_000, { agent: `agent-${agent}` }));
    }
    // Fatal XIDs on NICs, 30 s and 10 s ago (in the last minute, and in the 15-minute range).
    events.push(event(TO - 30_000, { agent: 'agent-10', isFatal: true, componentClass: 'NIC' }));
    events.push(event(TO - 10_000, { agent: 'agent-10', isFatal: true, componentClass: 'NIC' }));
    // Outside every window: two hours ago, and after the read.
    events.push(event(TO - 120 * MIN, { agent: 'agent-old' }));
    events.push(event(TO + 5_000, { agent: 'agent-future' }));
    await store.healthEvents().insertMany(events);
  });

  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('gives the last hour in 60 zero-filled minute buckets, the top 8 agents and "other", and the totals', async () => {
    const view = await readThroughput(store, { range: '1h', by: 'agent', now: NOW });
    expect(view.provider).toBe('postgresql');
    expect(view.bucketSeconds).toBe(60);
    expect(view.buckets).toHaveLength(60);
    expect(view.coveredUntil).toBe(TO);
    expect(view.buckets.at(-1)?.start).toBe(Date.UTC(2026, 0, 15, 10, 30));
    expect(view.series.map((entry) => entry.label)).toEqual([
      'agent-10',
      'agent-9',
      'agent-8',
      'agent-7',
      'agent-6',
      'agent-5',
      'agent-4',
      'agent-3',
      'other',
    ]);
    // 55 events at 10:25, the two fatal ones at 10:29:50 and 10:30:10; every other bucket is zero.
    const nonEmpty = view.buckets
      .filter((bucket) => bucket.total > 0)
      .map((bucket) => [new Date(bucket.start).toISOString().slice(11, 16), bucket.total]);
    expect(nonEmpty).toEqual([
      ['10:25', 55],
      ['10:29', 1],
      ['10:30', 1],
    ]);
    const at1025 = view.buckets.find((bucket) => bucket.start === Date.UTC(2026, 0, 15, 10, 25));
    expect(at1025?.counts[OTHER_KEY]).toBe(1 + 2);
    expect(at1025?.counts['agent-10']).toBe(10);
    expect(throughputTotals(view)).toEqual({ events: 57, fatal: 2, fatalShare: 2 / 57, perSecondLastMinute: 2 / 60 });
    // Nothing outside the range was counted.
    expect(view.series.some((entry) => entry.key === 'agent-old' || entry.key === 'agent-future')).toBe(false);
  });

  it('stacks by fatality and by component class', async () => {
    const fatality = await readThroughput(store, { range: '1h', by: 'isFatal', now: NOW });
    expect(fatality.series).toEqual([
      { key: 'false', label: 'non-fatal' },
      { key: 'true', label: 'fatal' },
    ]);
    expect(throughputTotals(fatality)).toMatchObject({ events: 57, fatal: 2 });
    const component = await readThroughput(store, { range: '1h', by: 'componentClass', now: NOW });
    expect(component.series.map((entry) => entry.key)).toEqual(['GPU', 'NIC']);
  });

  it('gives the last 15 minutes in minutes, a week in hours and 30 days in quarter-days', async () => {
    const quarter = await readThroughput(store, { range: '15m', by: 'agent', now: NOW });
    expect(quarter.bucketSeconds).toBe(60);
    expect(quarter.buckets).toHaveLength(15);
    const rows = chartRows(quarter, 1);
    // 55 events in the minute from 10:25 (agent-10's 10 events at 10:25:20..29 and the others'
    // first seconds): the rate there, per second, is its count over 60 s.
    const busiest = rows.reduce((best, row) => (row.total > best.total ? row : best));
    expect(busiest.total).toBe(55);
    expect(busiest.rates.reduce((sum, rate) => sum + rate, 0)).toBeCloseTo(busiest.total / 60);
    const month = await readThroughput(store, { range: '30d', by: 'agent', now: NOW });
    expect(month.bucketSeconds).toBe(21_600);
    expect(month.buckets).toHaveLength(120);
    expect(throughputTotals(month).events).toBe(58);
    const week = await readThroughput(store, { range: '7d', by: 'agent', now: NOW });
    expect(week.bucketSeconds).toBe(3_600);
    expect(week.buckets).toHaveLength(168);
    expect(throughputTotals(week).events).toBe(58); // with the event two hours ago
  });

  it('adds live seconds that agree with what a refetch later reads', async () => {
    const before = await readThroughput(store, { range: '1h', by: 'agent', now: NOW });
    // Events stored in the second after the read, as the live hub counts them.
    const second = TO + 2_000;
    await store
      .healthEvents()
      .insertMany([
        event(second + 100, { agent: 'agent-10' }),
        event(second + 200, { agent: 'agent-new', isFatal: true }),
      ]);
    const message: ThroughputMessage = {
      second,
      total: 2,
      fatal: 1,
      byAgent: { 'agent-10': 1, 'agent-new': 1 },
      byCheck: { GpuXidError: 2 },
      byComponent: { GPU: 2 },
    };
    const live = applyLiveSecond(before, message);
    const later = await readThroughput(store, { range: '1h', by: 'agent', now: second + 1_000 });
    expect(live.coveredUntil).toBe(later.coveredUntil);
    // agent-5 ... agent-10 stay; the newcomer goes to "other" (8 series are drawn already).
    expect(throughputTotals(live)).toMatchObject({
      events: throughputTotals(later).events,
      fatal: throughputTotals(later).fatal,
    });
    expect(live.buckets.at(-1)?.total).toBe(later.buckets.at(-1)?.total);
    expect(live.buckets.at(-1)?.counts['agent-10']).toBe(later.buckets.at(-1)?.counts['agent-10']);
    expect(live.buckets.at(-1)?.counts[OTHER_KEY]).toBe(1);
  });
});

// The page used to read the range twice (grouped by the chosen field, then by isFatal) plus the
// last minute, each with this SQL; it now reads the range once, grouped by (field, isFatal). The
// figures must be the same: here they are compared, on every server, with what the previous
// queries give for events spread over a week (on bucket edges too, some in NVSentinel's
// lowercase spelling, some without an agent).
const PREVIOUS_KEYS: Record<BucketKey, string> = {
  none: `''`,
  agent: `(document->'healthevent'->>'agent')`,
  checkName: 'event_type',
  componentClass: 'severity',
  isFatal: `COALESCE((document->'healthevent'->>'isFatal')::boolean, (document->'healthevent'->>'isfatal')::boolean, false)::text`,
};
const previousSql = (key: BucketKey) =>
  `SELECT to_timestamp(floor(extract(epoch FROM created_at) / $3) * $3) AS bucket, COALESCE(${PREVIOUS_KEYS[key]}, '') AS key, count(*) AS count
   FROM health_events WHERE created_at >= $1 AND created_at < $2 GROUP BY 1, 2 ORDER BY 1, 2`;

describe.each(testServers())('one pass over the range gives what the separate groupings gave, on $name', (server) => {
  const now = Date.UTC(2026, 0, 15, 10, 30, 20, 500);
  let database: TestDatabase;
  let store: DataStore;
  let sql: pg.Client;

  const previousRows = async (key: BucketKey, from: number, to: number, bucketSeconds: number): Promise<CountRow[]> => {
    const result = await sql.query<{ bucket: Date; key: string; count: string }>(previousSql(key), [
      new Date(from),
      new Date(to),
      bucketSeconds,
    ]);
    return result.rows.map((row) => ({ bucketStart: row.bucket.getTime(), key: row.key, count: Number(row.count) }));
  };

  /** The page's read model as it was: three queries, the fatal series from a grouping of its own. */
  const previousView = async (range: ThroughputRange, by: ThroughputGrouping) => {
    const window = bucketWindow(range, now);
    const grouped = await previousRows(by, window.from, window.to, window.bucketSeconds);
    const fatal =
      by === 'isFatal' ? undefined : await previousRows('isFatal', window.from, window.to, window.bucketSeconds);
    const recent = await previousRows('none', Math.max(window.from, window.to - 60_000), window.to, 1);
    return buildSeries({ range, by, window, grouped, fatal, recent });
  };

  beforeAll(async () => {
    database = await createTestDatabase(server);
    await setUpOwnDatabase(database.url);
    store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
    // 3,000 events over the 8 days before now (and a few after), from 12 agents (more than the
    // 8 series drawn), a quarter of them fatal; a deterministic sequence, so failures repeat.
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const events: NewHealthEvent[] = [];
    for (let index = 0; index < 3_000; index += 1) {
      const at = now - Math.floor(random() * 8 * 86_400_000) + (index % 100 === 0 ? 30_000 : 0);
      events.push(
        event(at, {
          nodeName: `gpu-node-${index % 40}`,
          agent: `agent-${Math.floor(random() * random() * 12)}`,
          checkName: ['GpuXidError', 'GpuNvLinkWatch', 'SysLogsXIDError'][index % 3],
          componentClass: ['GPU', 'NIC', 'NVSWITCH'][Math.floor(random() * 3)],
          isFatal: random() < 0.25,
        }),
      );
    }
    // On bucket edges of every range's buckets (10 s ... 1 h), and a millisecond before them.
    for (let hour = 1; hour <= 30; hour += 1) {
      const edge = Math.floor(now / 3_600_000) * 3_600_000 - hour * 3_600_000;
      events.push(
        event(edge, { agent: 'agent-edge', isFatal: hour % 2 === 0 }),
        event(edge - 1, { agent: 'agent-edge', isFatal: hour % 3 === 0 }),
      );
    }
    // In the last minute, for the per-second figures.
    for (let second = 1; second <= 50; second += 7)
      events.push(event(now - second * 1_000, { agent: 'agent-1', isFatal: second % 2 === 0 }));
    const stored = await store.healthEvents().insertMany(events);
    // NVSentinel's own documents: lowercase isfatal (read when isFatal is absent), and no agent.
    const ids = stored.map((entry) => entry.recordId);
    const lowercase = await sql.query(
      `UPDATE health_events SET document = jsonb_set(document #- '{healthevent,isFatal}', '{healthevent,isfatal}', 'true') WHERE id = ANY($1::uuid[])`,
      [ids.filter((_, index) => index % 17 === 0)],
    );
    const agentless = await sql.query(
      `UPDATE health_events SET document = document #- '{healthevent,agent}' WHERE id = ANY($1::uuid[])`,
      [ids.filter((_, index) => index % 23 === 0)],
    );
    expect([lowercase.rowCount, agentless.rowCount]).toEqual([Math.ceil(ids.length / 17), Math.ceil(ids.length / 23)]);
  });

  afterAll(async () => {
    await sql?.end();
    await store?.close();
    await database?.drop();
  });

  it('gives the same buckets, series, fatal counts and last minute for every range and grouping', async () => {
    for (const range of THROUGHPUT_RANGE_NAMES) {
      for (const by of THROUGHPUT_GROUPINGS) {
        const { provider, readAt, source, ...view } = await readThroughput(store, { range, by, now });
        expect(provider).toBe('postgresql');
        expect(source).toBe('events');
        expect(readAt).toBe(now);
        expect(view, `${range} by ${by}`).toEqual(await previousView(range, by));
      }
    }
    // The comparison means something: the day has fatal events, "other", and a last minute.
    const day = await readThroughput(store, { range: '24h', by: 'agent', now });
    expect(throughputTotals(day).fatal).toBeGreaterThan(100);
    expect(day.series.at(-1)?.key).toBe(OTHER_KEY);
    expect(day.recent.length).toBeGreaterThan(5);
    expect(day.series.some((entry) => entry.key === '')).toBe(true);
  });

  it('counts per (field, isFatal) that sum to each grouping alone, and equal the previous SQL', async () => {
    const window = bucketWindow('24h', now);
    const request = { from: new Date(window.from), to: new Date(window.to), bucketSeconds: window.bucketSeconds };
    const sums = (rows: ThroughputBucket[], at: number) => {
      const totals = new Map<string, number>();
      for (const row of rows)
        totals.set(
          `${row.bucketStart.toISOString()} ${row.keys[at]}`,
          (totals.get(`${row.bucketStart.toISOString()} ${row.keys[at]}`) ?? 0) + row.count,
        );
      return totals;
    };
    const asMap = (rows: CountRow[]) =>
      new Map(rows.map((row) => [`${new Date(row.bucketStart).toISOString()} ${row.key}`, row.count]));
    for (const by of ['agent', 'checkName', 'componentClass'] as const) {
      const both = await store.healthEvents().throughput({ ...request, groupBy: [by, 'isFatal'] });
      const alone = await store.healthEvents().throughput({ ...request, groupBy: by });
      expect(sums(both, 0)).toEqual(sums(alone, 0));
      expect(sums(both, 0)).toEqual(asMap(await previousRows(by, window.from, window.to, window.bucketSeconds)));
      expect(sums(both, 1)).toEqual(asMap(await previousRows('isFatal', window.from, window.to, window.bucketSeconds)));
      // Ordered by bucket, then each key.
      const inOrder = both.every((row, index) => {
        const before = both[index - 1];
        if (!before || before.bucketStart < row.bucketStart) return true;
        return (
          before.bucketStart.getTime() === row.bucketStart.getTime() &&
          `${before.keys[0]}\u0000${before.keys[1]}` < `${row.keys[0]}\u0000${row.keys[1]}`
        );
      });
      expect(inOrder).toBe(true);
    }
  });
});

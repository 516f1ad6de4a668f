// The Throughput page's read model on a real PostgreSQL: the buckets, series and totals a user
// sees for events stored at known times, and live seconds agreeing with a later refetch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { applyLiveSecond, chartRows, OTHER_KEY, throughputTotals } from '@/lib/format/throughput-series';
import type { ThroughputMessage } from '@/lib/live/live-messages';
import { readThroughput } from '@/lib/queries/throughput-read';
import { openDataStore, type DataStore, type NewHealthEvent } from '@/lib/store';
import { applyMigrations } from '@/lib/store/providers/postgres/schema/migration-runner';

import { createTestDatabase, testServers, type TestDatabase } from '../support/test-databases';

const MIN = 60_000;
// Mid-minute, so the newest 1-minute bucket is in progress: counted up to 10:30:20.
const NOW = Date.UTC(2026, 0, 15, 10, 30, 20, 500);
const TO = Date.UTC(2026, 0, 15, 10, 30, 20);

const event = (at: number, overrides: Partial<NewHealthEvent> = {}): NewHealthEvent => ({
  nodeName: 'gpu-node-1', agent: 'gpu-health-monitor', checkName: 'GpuXidError', componentClass: 'GPU', createdAt: new Date(at), ...overrides,
});

describe('throughput read model', () => {
  let database: TestDatabase;
  let store: DataStore;

  beforeAll(async () => {
    database = await createTestDatabase(testServers()[0]);
    await applyMigrations(database.url);
    store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    const events: NewHealthEvent[] = [];
    // Ten agents, agent-1 with 1 event ... agent-10 with 10, all 5 minutes ago.
    for (let agent = 1; agent <= 10; agent += 1) {
      for (let index = 0; index < agent; index += 1) events.push(event(TO - 5 * MIN + index * 1_000, { agent: `agent-${agent}` }));
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
    expect(view.series.map((entry) => entry.label)).toEqual(['agent-10', 'agent-9', 'agent-8', 'agent-7', 'agent-6', 'agent-5', 'agent-4', 'agent-3', 'other']);
    // 55 events at 10:25, the two fatal ones at 10:29:50 and 10:30:10; every other bucket is zero.
    const nonEmpty = view.buckets.filter((bucket) => bucket.total > 0).map((bucket) => [new Date(bucket.start).toISOString().slice(11, 16), bucket.total]);
    expect(nonEmpty).toEqual([['10:25', 55], ['10:29', 1], ['10:30', 1]]);
    const at1025 = view.buckets.find((bucket) => bucket.start === Date.UTC(2026, 0, 15, 10, 25));
    expect(at1025?.counts[OTHER_KEY]).toBe(1 + 2);
    expect(at1025?.counts['agent-10']).toBe(10);
    expect(throughputTotals(view)).toEqual({ events: 57, fatal: 2, fatalShare: 2 / 57, perSecondLastMinute: 2 / 60 });
    // Nothing outside the range was counted.
    expect(view.series.some((entry) => entry.key === 'agent-old' || entry.key === 'agent-future')).toBe(false);
  });

  it('stacks by fatality and by component class', async () => {
    const fatality = await readThroughput(store, { range: '1h', by: 'isFatal', now: NOW });
    expect(fatality.series).toEqual([{ key: 'false', label: 'non-fatal' }, { key: 'true', label: 'fatal' }]);
    expect(throughputTotals(fatality)).toMatchObject({ events: 57, fatal: 2 });
    const component = await readThroughput(store, { range: '1h', by: 'componentClass', now: NOW });
    expect(component.series.map((entry) => entry.key)).toEqual(['GPU', 'NIC']);
  });

  it('gives the last 15 minutes in 10-second buckets, and a week in hours', async () => {
    const quarter = await readThroughput(store, { range: '15m', by: 'agent', now: NOW });
    expect(quarter.bucketSeconds).toBe(10);
    expect(quarter.buckets).toHaveLength(90);
    const rows = chartRows(quarter, 1);
    // 55 events in the 10 s from 10:25:20 (agent-10's 10 events at 10:25:20..29 and the others'
    // first seconds): the rate there, per second, is its count over 10 s.
    const busiest = rows.reduce((best, row) => (row.total > best.total ? row : best));
    expect(busiest.rates.reduce((sum, rate) => sum + rate, 0)).toBeCloseTo(busiest.total / 10);
    const week = await readThroughput(store, { range: '7d', by: 'agent', now: NOW });
    expect(week.bucketSeconds).toBe(3_600);
    expect(week.buckets).toHaveLength(168);
    expect(throughputTotals(week).events).toBe(58); // with the event two hours ago
  });

  it('adds live seconds that agree with what a refetch later reads', async () => {
    const before = await readThroughput(store, { range: '1h', by: 'agent', now: NOW });
    // Events stored in the second after the read, as the live hub counts them.
    const second = TO + 2_000;
    await store.healthEvents().insertMany([
      event(second + 100, { agent: 'agent-10' }),
      event(second + 200, { agent: 'agent-new', isFatal: true }),
    ]);
    const message: ThroughputMessage = {
      second, total: 2, fatal: 1, byAgent: { 'agent-10': 1, 'agent-new': 1 }, byCheck: { GpuXidError: 2 }, byComponent: { GPU: 2 },
    };
    const live = applyLiveSecond(before, message);
    const later = await readThroughput(store, { range: '1h', by: 'agent', now: second + 1_000 });
    expect(live.coveredUntil).toBe(later.coveredUntil);
    // agent-5 ... agent-10 stay; the newcomer goes to "other" (8 series are drawn already).
    expect(throughputTotals(live)).toMatchObject({ events: throughputTotals(later).events, fatal: throughputTotals(later).fatal });
    expect(live.buckets.at(-1)?.total).toBe(later.buckets.at(-1)?.total);
    expect(live.buckets.at(-1)?.counts['agent-10']).toBe(later.buckets.at(-1)?.counts['agent-10']);
    expect(live.buckets.at(-1)?.counts[OTHER_KEY]).toBe(1);
  });
});

// The Reliability page's read model end to end on PostgreSQL: events written and moved through the
// pipeline with the SDK's status updates (as the simulated fault-quarantine, node-drainer and
// fault-remediation write them), read back as incidents and figures for a range.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readReliability } from '@/lib/queries/reliability';
import { dateToTimestamp, type NewHealthEvent } from '@/lib/store';

import { openTestStore, type TestStore } from '../../support/test-databases';

const MIN = 60_000;
const NOW = Date.now();
const at = (minutesAgo: number) => new Date(NOW - minutesAgo * MIN);
const stamp = (minutesAgo: number) => dateToTimestamp(at(minutesAgo));

const event = (nodeName: string, minutesAgo: number, overrides: Partial<NewHealthEvent> = {}): NewHealthEvent => ({
  nodeName,
  agent: 'syslog-health-monitor',
  checkName: 'SysLogsXIDError',
  isFatal: true,
  errorCode: ['79'],
  recommendedAction: 'RESTART_BM',
  createdAt: at(minutesAgo),
  generatedTimestamp: stamp(minutesAgo),
  ...overrides,
});

describe('reliability figures from PostgreSQL', () => {
  let test: TestStore;

  beforeAll(async () => {
    test = await openTestStore();
    const events = test.store.healthEvents();
    const node = `rel-${Date.now()}`;
    // Two incidents on one node 3 h apart, each quarantined after 1 min, drained after 4, remediated
    // after 10 and released by a healthy event 60 min after the fault; a third incident two days ago
    // (outside 24 hours); a fourth on another node whose drain failed, still held; on a third node a
    // quarantine of 26 hours ago with a fault joining it 100 min ago, then released by hand
    // (fault-quarantine rewrites both decisions to Cancelled).
    const [first, firstHealthy, second, secondHealthy, old, failed, handOpened, handJoined] = await events.insertMany([
      event(node, 300),
      event(node, 240, { isFatal: false, isHealthy: true }),
      event(node, 120),
      event(node, 60, { isFatal: false, isHealthy: true }),
      event(node, 2 * 24 * 60),
      event(`${node}-b`, 30, { agent: 'gpu-health-monitor', checkName: 'GpuMemWatch' }),
      event(`${node}-c`, 26 * 60),
      event(`${node}-c`, 100),
    ]);
    for (const [fault, healthy, ago] of [
      [first, firstHealthy, 300],
      [second, secondHealthy, 120],
    ] as const) {
      await events.updateQuarantine(fault.recordId, { status: 'Quarantined', finishedAt: stamp(ago - 1) });
      await events.updateEviction(fault.recordId, { status: 'Succeeded', finishedAt: stamp(ago - 4) });
      await events.updateRemediation(fault.recordId, { remediated: true, at: stamp(ago - 10) });
      await events.updateQuarantine(healthy.recordId, { status: 'UnQuarantined' });
    }
    await events.updateQuarantine(old.recordId, { status: 'Quarantined', finishedAt: stamp(2 * 24 * 60 - 1) });
    await events.updateQuarantine(failed.recordId, { status: 'Quarantined', finishedAt: stamp(29) });
    await events.updateEviction(failed.recordId, { status: 'Failed', message: 'pods did not terminate' });
    await events.updateQuarantine(handOpened.recordId, { status: 'Quarantined', finishedAt: stamp(26 * 60 - 1) });
    await events.updateQuarantine(handJoined.recordId, { status: 'AlreadyQuarantined', finishedAt: stamp(99) });
    for (const { recordId } of [handOpened, handJoined])
      await events.updateQuarantine(recordId, { status: 'Cancelled' });
  });

  afterAll(async () => {
    await test?.close();
  });

  it('counts the range’s incidents with each stage’s p50/p90 and the time between a node’s incidents', async () => {
    const view = await readReliability(test.store, { range: '24h', by: 'check', now: NOW });
    expect(view.provider).toBe('postgresql');
    expect(view.incidents).toBe(3);
    expect(view.rows.map((row) => [row.key, row.incidents])).toEqual([
      ['SysLogsXIDError', 2],
      ['GpuMemWatch', 1],
    ]);
    const xid = view.rows[0];
    expect(xid.stages.quarantine).toEqual({ count: 2, p50: MIN, p90: MIN });
    expect(xid.stages.drain).toEqual({ count: 2, p50: 4 * MIN, p90: 4 * MIN });
    expect(xid.stages.remediation).toEqual({ count: 2, p50: 10 * MIN, p90: 10 * MIN });
    expect(xid.stages.release).toEqual({ count: 2, p50: 60 * MIN, p90: 60 * MIN });
    expect(view.rows[1]).toMatchObject({ drainFailed: 1, held: 1, stages: { drain: { count: 0 } } });
    // The session begun 26 hours ago and released by hand in the range is no incident of it.
    expect(view.fleet.releasedByHand).toBe(0);
    // Intervals: 3 h between the two of the range, and from the one two days ago (before the range) to the first.
    const beforeRange = 2 * 24 * 60 - 300;
    expect(view.fleetIntervals).toMatchObject({ count: 2, p50: 180 * MIN, mean: ((180 + beforeRange) / 2) * MIN });
  });

  it('a longer range holds the incident of two days ago, and its interval', async () => {
    const view = await readReliability(test.store, { range: '7d', by: 'node', now: NOW });
    expect(view.incidents).toBe(5);
    expect(view.fleet.releasedByHand).toBe(1);
    expect(view.fleetIntervals.count).toBe(2);
    expect(view.nodes[0]).toMatchObject({ incidents: 3, count: 2 });
  });
});

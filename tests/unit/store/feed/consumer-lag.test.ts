// Consumer status judged over a sliding window, the way Burrow judges Kafka consumers.
import { describe, expect, it } from 'vitest';

import { ConsumerLagMonitor, type ConsumerLagFigures } from '@/lib/store';

const t0 = new Date('2026-11-22T10:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

function figures(overrides: Partial<ConsumerLagFigures>): ConsumerLagFigures {
  return {
    consumer: 'fault-quarantine',
    position: '1/1',
    positionTime: t0,
    headTime: t0,
    lagSeconds: 0,
    documentsBehind: 0,
    documentsBehindCapped: false,
    positionKnown: true,
    positionLost: null,
    lastAckAt: t0,
    lastSeenAt: t0,
    ...overrides,
  };
}

/** Feeds the monitor one reading per step (5 s apart) and returns the last judgement. */
async function judge(readings: Partial<ConsumerLagFigures>[]) {
  let current = figures({});
  const monitor = new ConsumerLagMonitor(async () => [current], { samples: 30, windowMs: 60_000, stuckMs: 10_000 });
  let last;
  for (const [index, reading] of readings.entries()) {
    current = figures({ lastSeenAt: at(index * 5), ...reading });
    [last] = await monitor.sample(at(index * 5));
  }
  return last!;
}

describe('consumer status over a sliding window', () => {
  it('ok when caught up, even if its last change was long ago (an idle consumer is not behind)', async () => {
    const lag = await judge([{ documentsBehind: 0, positionTime: new Date('2026-11-01T00:00:00Z') }]);
    expect(lag).toMatchObject({ status: 'ok', lagSeconds: 0 });
  });

  it('ok while the backlog shrinks, with an estimate of time to catch up', async () => {
    const lag = await judge([
      { documentsBehind: 900, position: '1/100' },
      { documentsBehind: 600, position: '1/400' },
      { documentsBehind: 300, position: '1/700' },
    ]);
    expect(lag.status).toBe('ok');
    expect(lag.catchUpSeconds).toBe(5);
  });

  it('falling behind when it consumes but the backlog grows across the window', async () => {
    const lag = await judge([
      { documentsBehind: 100, position: '1/100' },
      { documentsBehind: 250, position: '1/200' },
      { documentsBehind: 400, position: '1/300' },
    ]);
    expect(lag.status).toBe('falling-behind');
    expect(lag.statusReason).toMatch(/grew from 100 to 400/);
  });

  it('stalled when it runs but its position does not move while work waits', async () => {
    const lag = await judge([
      { documentsBehind: 50, position: '1/100' },
      { documentsBehind: 60, position: '1/100' },
      { documentsBehind: 70, position: '1/100' },
    ]);
    expect(lag.status).toBe('stalled');
  });

  it('stalled within seconds of stopping to move, even though it was caught up earlier in the window', async () => {
    const readings = [
      { documentsBehind: 0, position: '1/100' },
      { documentsBehind: 0, position: '1/100' },
      { documentsBehind: 40, position: '1/150' },
      { documentsBehind: 80, position: '1/150' },
    ];
    expect((await judge(readings)).status).toBe('ok'); // 5 s at one position: not yet
    const lag = await judge([...readings, { documentsBehind: 120, position: '1/150' }]);
    expect(lag.status).toBe('stalled');
    expect(lag.statusReason).toMatch(/unchanged for 10 s with 120 changes waiting/);
  });

  it('stopped when no consumer has been seen within the window while work waits', async () => {
    const lag = await judge([{ documentsBehind: 5, lastSeenAt: new Date(t0.getTime() - 120_000) }]);
    expect(lag.status).toBe('stopped');
  });

  it('stopped, not stalled, when its position has not moved and no consumer was seen within the window', async () => {
    // Stuck for 10 s with work waiting, as in the stalled case, but its last heartbeat is 2 min old.
    const lastSeenAt = new Date(t0.getTime() - 120_000);
    const lag = await judge([
      { documentsBehind: 50, position: '1/100', lastSeenAt },
      { documentsBehind: 60, position: '1/100', lastSeenAt },
      { documentsBehind: 70, position: '1/100', lastSeenAt },
    ]);
    expect(lag).toMatchObject({
      status: 'stopped',
      statusReason: `no consumer running since ${lastSeenAt.toISOString()}`,
      catchUpSeconds: null,
    });
  });

  it('stalled, not stopped, while its heartbeat is exactly one window old', async () => {
    // seenAgo > windowMs is the rule: a heartbeat 60 s old is still within the window.
    const lag = await judge([
      { documentsBehind: 50, position: '1/100', lastSeenAt: new Date(t0.getTime() - 50_000) },
      { documentsBehind: 60, position: '1/100', lastSeenAt: new Date(t0.getTime() - 50_000) },
      { documentsBehind: 70, position: '1/100', lastSeenAt: new Date(t0.getTime() - 50_000) },
    ]);
    expect(lag.status).toBe('stalled');
  });

  it('never seen running: stopped, saying so', async () => {
    const lag = await judge([{ documentsBehind: 5, lastSeenAt: null }]);
    expect(lag).toMatchObject({ status: 'stopped', statusReason: 'never seen running', catchUpSeconds: null });
  });

  it('ok, not falling behind, when it consumes and the backlog stays flat', async () => {
    const lag = await judge([
      { documentsBehind: 100, position: '1/100' },
      { documentsBehind: 100, position: '1/200' },
      { documentsBehind: 100, position: '1/300' },
    ]);
    expect(lag).toMatchObject({ status: 'ok', statusReason: 'consuming; backlog not growing', catchUpSeconds: null });
  });

  it('position lost overrides everything', async () => {
    const lag = await judge([
      { positionLost: { at: t0, reason: 'changelog retention removed changes' }, positionKnown: false },
    ]);
    expect(lag).toMatchObject({ status: 'position-lost', statusReason: 'changelog retention removed changes' });
  });

  it('keeps a bounded history for sparklines', async () => {
    const lag = await judge(Array.from({ length: 40 }, (_, i) => ({ documentsBehind: i % 2, position: `1/${i}` })));
    expect(lag.history).toHaveLength(30);
  });
});

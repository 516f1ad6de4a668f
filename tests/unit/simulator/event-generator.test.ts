// The simulator's events: reproducible for a seed, NVSentinel-shaped, a realistic mix.
import { describe, expect, it } from 'vitest';

import { DEFAULT_MIX, EventGenerator, SIMULATOR_MARK } from '@/lib/simulator/event-generator';
import { XID_CODES } from '@/lib/simulator/event-catalog';
import { toHealthEventWithStatus } from '@/lib/store/model/new-health-event';

const start = new Date('2026-11-22T00:00:00Z');

describe('simulated health events', () => {
  it('a seeded run produces the same events twice, and another seed different ones', () => {
    const first = new EventGenerator({ seed: 42, nodes: 32 }).batch(2_000, start, 100);
    const again = new EventGenerator({ seed: 42, nodes: 32 }).batch(2_000, start, 100);
    const other = new EventGenerator({ seed: 43, nodes: 32 }).batch(2_000, start, 100);
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it('names nodes like a cluster and keeps entities within the node (8 GPUs by default)', () => {
    const generator = new EventGenerator({ seed: 1, nodes: 1200 });
    expect(generator.nodeNames[0]).toBe('gpu-node-0001');
    expect(generator.nodeNames[1199]).toBe('gpu-node-1200');
    const gpus = generator
      .batch(5_000, start, 10)
      .flatMap((e) => e.entitiesImpacted ?? [])
      .filter((e) => e.entityType === 'GPU');
    expect(new Set(gpus.map((e) => e.entityValue))).toEqual(new Set(['0', '1', '2', '3', '4', '5', '6', '7']));
  });

  it('is mostly healthy, with occasional fatal faults using real XID codes', () => {
    const events = new EventGenerator({ seed: 7, nodes: 48 }).batch(20_000, start, 10);
    const fatal = events.filter((e) => e.isFatal);
    const healthy = events.filter((e) => e.isHealthy);
    expect(healthy.length / events.length).toBeGreaterThan(0.6);
    expect(fatal.length / events.length).toBeGreaterThan(0.01);
    expect(fatal.length / events.length).toBeLessThan(0.15);
    const xids = new Set(
      events.filter((e) => e.checkName === 'SysLogsXIDError' && !e.isHealthy).flatMap((e) => e.errorCode ?? []),
    );
    expect([...xids].every((code) => (XID_CODES as readonly string[]).includes(code))).toBe(true);
    expect(xids.size).toBe(XID_CODES.length);
    expect(new Set(events.map((e) => e.agent))).toEqual(
      new Set(['syslog-health-monitor', 'gpu-health-monitor', 'nic-health-monitor']),
    );
  });

  it('recovers faults it opened: a healthy event for the same check and entity follows', () => {
    const events = new EventGenerator({ seed: 11, nodes: 4 }).batch(3_000, start, 10);
    const recoveries = events.filter(
      (e, i) =>
        e.isHealthy &&
        events
          .slice(0, i)
          .some(
            (f) =>
              !f.isHealthy &&
              f.nodeName === e.nodeName &&
              f.checkName === e.checkName &&
              f.entitiesImpacted?.[0].entityValue === e.entitiesImpacted?.[0].entityValue,
          ),
    );
    expect(recoveries.length).toBeGreaterThan(100);
  });

  it('produces events the store accepts, marked as simulated', () => {
    for (const event of new EventGenerator({ seed: 5, nodes: 10 }).batch(500, start, 10)) {
      expect(() => toHealthEventWithStatus(event)).not.toThrow();
      expect(event.metadata?.[SIMULATOR_MARK]).toBe('true');
    }
  });

  it('refuses a cluster of zero nodes', () => {
    expect(() => new EventGenerator({ seed: 1, nodes: 0 })).toThrow(
      'nodes must be a whole number from 1 to 100000 (got 0)',
    );
  });

  it('a muted node gets no event (not even a burst drawn before) until unmuted; the others go on', () => {
    const generator = new EventGenerator(
      { seed: 7, nodes: 4 },
      { ...DEFAULT_MIX, faultShare: 1, burstChance: 1, burstSize: 50 },
    );
    // A burst of repeats is queued for some node: mute that one.
    const first = generator.next(start);
    generator.mute(first.nodeName);
    expect(generator.mutedNodes()).toEqual([first.nodeName]);
    const during = generator.batch(400, start, 10);
    expect(during.filter((event) => event.nodeName === first.nodeName)).toEqual([]);
    expect(new Set(during.map((event) => event.nodeName)).size).toBe(3);
    generator.unmute(first.nodeName);
    expect(generator.mutedNodes()).toEqual([]);
    expect(generator.batch(400, start, 10).some((event) => event.nodeName === first.nodeName)).toBe(true);
  });

  it('without a muted node, a seed draws what it always drew', () => {
    const untouched = new EventGenerator({ seed: 11, nodes: 8 }).batch(300, start, 10);
    const mutedOnce = new EventGenerator({ seed: 11, nodes: 8 });
    mutedOnce.mute('gpu-node-0003');
    mutedOnce.unmute('gpu-node-0003');
    expect(mutedOnce.batch(300, start, 10)).toEqual(untouched);
  });

  it('refuses to mute a node outside the cluster, or the last one still reporting', () => {
    const generator = new EventGenerator({ seed: 1, nodes: 2 });
    expect(() => generator.mute('gpu-node-0009')).toThrow('no simulated node "gpu-node-0009"');
    generator.mute('gpu-node-0001');
    expect(() => generator.mute('gpu-node-0002')).toThrow('"gpu-node-0002" is the last node still reporting');
    expect(generator.mutedNodes()).toEqual(['gpu-node-0001']);
  });
});

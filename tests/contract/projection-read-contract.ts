// The store SDK's contract for the reads the console's projection, roll-ups and node page are
// built from (nodeTimeline, readNodeState, countByDimension): written once, run against every
// provider the run can reach, like ./store-contract.ts. Until these ran on both providers, each
// was pinned by its provider's own tests only, so the two could drift apart unnoticed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ChangeEvent, DataStore, EventCount } from '@/lib/store';
import { ValidationError } from '@/lib/store';

import type { ContractTarget } from './store-contract';
import { event } from './store-contract';

let counter = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;
const HOUR = 3_600_000;

/** counts as "dimension value fatal? → count", for comparing whole sets of rows. */
const countsOf = (rows: EventCount[]) =>
  Object.fromEntries(
    rows.map((row) => [
      `${row.bucket.toISOString()} ${row.dimension}=${row.value}${row.isFatal ? ' fatal' : ''}`,
      row.count,
    ]),
  );

export function defineProjectionReadContract(target: ContractTarget): void {
  describe(`projection reads contract on ${target.name}`, () => {
    let store: DataStore;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      ({ store, cleanup } = await target.open());
    });

    afterAll(async () => {
      await store?.close();
      await cleanup?.();
    });

    it("reads a node's timeline: the newest points of the range, the range's total, and a first page with every field", async () => {
      const node = unique('timeline');
      const base = Date.now() - HOUR;
      const long = 'x'.repeat(150) + 'é'.repeat(100); // 250 characters, some of two bytes
      await store.healthEvents().insertMany([
        ...Array.from({ length: 12 }, (_, i) =>
          event(node, {
            createdAt: new Date(base + i * 1_000),
            message: i === 11 ? long : `m${i}`,
            metadata: { rack: 'r1' },
            entitiesImpacted: [{ entityType: 'GPU', entityValue: String(i % 4) }],
          }),
        ),
        event(unique('other-node'), { createdAt: new Date(base + 5_500) }),
      ]);
      // From m2 (inclusive) to m11 (exclusive): m2..m10, nine events; the newest five drawn.
      const timeline = await store.healthEvents().nodeTimeline(node, {
        from: new Date(base + 2_000),
        to: new Date(base + 11_000),
        points: 5,
        pageSize: 3,
      });
      expect(timeline.total).toBe(9);
      expect(timeline.events.map((e) => e.healthEvent.message)).toEqual(['m10', 'm9', 'm8', 'm7', 'm6']);
      expect(timeline.events[0]).toEqual({
        recordId: expect.any(String),
        createdAt: new Date(base + 10_000),
        healthEvent: {
          agent: 'syslog-health-monitor',
          checkName: 'SysLogsXIDError',
          isFatal: true,
          isHealthy: false,
          errorCode: ['79'],
          entitiesImpacted: [{ entityType: 'GPU', entityValue: '2' }],
          generatedTimestamp: expect.anything(),
          message: 'm10',
        },
        status: expect.objectContaining({ nodeQuarantined: null }),
      });
      // The first page is the newest three with every field, and goes on as findByNode does.
      expect(timeline.page.items.map((e) => e.healthEvent.message)).toEqual(['m10', 'm9', 'm8']);
      expect(timeline.page.items[0].healthEvent.metadata).toEqual({ rack: 'r1' });
      const next = await store
        .healthEvents()
        .findByNode(
          node,
          { from: new Date(base + 2_000), to: new Date(base + 11_000) },
          { limit: 3, after: timeline.page.next },
        );
      expect(next.items.map((e) => e.healthEvent.message)).toEqual(['m7', 'm6', 'm5']);

      // Everything fits: the total is the events read; a message is cut to 200 characters.
      const whole = await store.healthEvents().nodeTimeline(node, { points: 100, pageSize: 0 });
      expect(whole.total).toBe(12);
      expect(whole.events).toHaveLength(12);
      expect(whole.page.items).toEqual([]);
      expect([...whole.events[0].healthEvent.message]).toHaveLength(200);
      expect(whole.events[0].healthEvent.message).toBe('x'.repeat(150) + 'é'.repeat(50));

      await expect(store.healthEvents().nodeTimeline(node, { points: 5, pageSize: 6 })).rejects.toThrow(
        ValidationError,
      );
      await expect(store.healthEvents().nodeTimeline(node, { points: 5, pageSize: 6 })).rejects.toThrow(/pageSize/);
      await expect(store.healthEvents().nodeTimeline(node, { points: 0, pageSize: 0 })).rejects.toThrow(/points/);
      const nobody = await store.healthEvents().nodeTimeline(unique('nobody'), { points: 10, pageSize: 5 });
      expect(nobody).toMatchObject({ events: [], total: 0, page: { items: [] } });
    });

    it('counts events per bucket by agent, check, component class and severity, each with fatality', async () => {
      const node = unique('counts');
      // Two whole hours ago and one whole hour ago, so both buckets are whole on every provider.
      const hour = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
      await store.healthEvents().insertMany([
        event(node, { createdAt: new Date(hour - HOUR + 60_000), agent: 'too-old' }),
        event(node, { createdAt: new Date(hour + 1_000), componentClass: 'GPU' }),
        event(node, {
          createdAt: new Date(hour + 2_000),
          agent: 'gpu-health-monitor',
          checkName: 'GpuThermalWatch',
          isFatal: false,
          componentClass: 'GPU',
        }),
        // No component class given: stored as GPU (NewHealthEvent's default); an empty one counts as ''.
        event(node, { createdAt: new Date(hour + HOUR + 5_000), isFatal: false, isHealthy: true, componentClass: '' }),
        // Fatal and healthy at once: counted as fatal, as the Throughput page's severity is.
        event(node, {
          createdAt: new Date(hour + HOUR + 6_000),
          isFatal: true,
          isHealthy: true,
          componentClass: 'NIC',
        }),
        event(unique('elsewhere'), { createdAt: new Date(hour + 3_000) }),
      ]);
      const rows = await store
        .healthEvents()
        .countByDimension({ bucketSeconds: 3_600, since: new Date(hour) }, { nodeNames: [node] });
      const first = new Date(hour).toISOString();
      const second = new Date(hour + HOUR).toISOString();
      expect(countsOf(rows)).toEqual({
        [`${first} agent=syslog-health-monitor fatal`]: 1,
        [`${first} agent=gpu-health-monitor`]: 1,
        [`${first} checkName=SysLogsXIDError fatal`]: 1,
        [`${first} checkName=GpuThermalWatch`]: 1,
        [`${first} componentClass=GPU fatal`]: 1,
        [`${first} componentClass=GPU`]: 1,
        [`${first} severity=fatal fatal`]: 1,
        [`${first} severity=unhealthy`]: 1,
        [`${second} agent=syslog-health-monitor`]: 1,
        [`${second} agent=syslog-health-monitor fatal`]: 1,
        [`${second} checkName=SysLogsXIDError`]: 1,
        [`${second} checkName=SysLogsXIDError fatal`]: 1,
        [`${second} componentClass=`]: 1,
        [`${second} componentClass=NIC fatal`]: 1,
        [`${second} severity=healthy`]: 1,
        [`${second} severity=fatal fatal`]: 1,
      });
      // Each dimension counts every event once.
      for (const dimension of ['agent', 'checkName', 'componentClass', 'severity'])
        expect(rows.filter((row) => row.dimension === dimension).reduce((sum, row) => sum + row.count, 0)).toBe(4);
      await expect(store.healthEvents().countByDimension({ bucketSeconds: 0 })).rejects.toThrow(/bucketSeconds/);
    });

    it("reads the nodes' state at one moment with the checkpoint of that moment: a feed from it brings only what came after", async () => {
      const [a, b, quiet] = [unique('state'), unique('state'), unique('state')];
      const now = Date.now();
      const [opened, , , bEvent] = await store
        .healthEvents()
        .insertMany([
          event(a, { createdAt: new Date(now - 3_000) }),
          event(a, { createdAt: new Date(now - 2_000), checkName: 'GpuThermalWatch', isFatal: false }),
          event(a, { createdAt: new Date(now - 1_000) }),
          event(b, { createdAt: new Date(now - 500), isFatal: false, isHealthy: true }),
          event(quiet, { createdAt: new Date(now - 400) }),
        ]);
      await store.healthEvents().updateQuarantine(opened.recordId, { status: 'Quarantined' });
      const read = await store.readNodeState({ nodeNames: [a, b], eventCounts: [{ bucketSeconds: 86_400 }] });

      // Only the nodes asked for, each part as its own read gives it.
      expect(new Set(read.latestPerNode.map((e) => e.healthEvent.nodeName))).toEqual(new Set([a, b]));
      expect(read.latestPerCheck.map((check) => `${check.nodeName} ${check.checkName}`).sort()).toEqual(
        [`${a} GpuThermalWatch`, `${a} SysLogsXIDError`, `${b} SysLogsXIDError`].sort(),
      );
      expect(read.decisions.map((e) => [e.healthEvent.nodeName, e.status.nodeQuarantined])).toEqual([
        [a, 'Quarantined'],
      ]);
      expect(Object.fromEntries(read.fatalCounts)).toEqual({ [a]: 2 });
      expect(read.latestPerNode.find((e) => e.healthEvent.nodeName === b)?.recordId).toBe(bEvent.recordId);
      const severities = read.eventCounts![0].filter((row) => row.dimension === 'severity');
      expect(severities.reduce((sum, row) => sum + row.count, 0)).toBe(4);

      // After the read: one insert on a node read and one update of an event the read saw.
      const [after] = await store.healthEvents().insertMany([event(b, { message: 'after the read' })]);
      await store.healthEvents().updateEviction(opened.recordId, { status: 'InProgress' });
      const feed = await store.changes(unique('contract-state-reader'), { from: read.checkpoint, durable: false });
      const seen: ChangeEvent[] = [];
      const timer = setTimeout(() => void feed.close(), 15_000);
      try {
        for await (const change of feed) {
          if (change.collection !== 'healthEvents') continue;
          const name = (change.document ?? change.before)?.healthEvent.nodeName;
          if (name === a || name === b) seen.push(change);
          if (seen.length >= 2) break;
        }
      } finally {
        clearTimeout(timer);
        await feed.close();
      }
      // Exactly the two changes after the read, in order; none of the five the read had seen.
      expect(seen.map((change) => [change.operation, change.recordId])).toEqual([
        ['insert', after.recordId],
        ['update', opened.recordId],
      ]);
      await expect(store.readNodeState({ nodeNames: 'a' as unknown as string[] })).rejects.toThrow(/nodeNames/);
    });
  });
}

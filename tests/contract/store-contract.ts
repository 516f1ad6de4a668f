// The store SDK's contract, written once and run against every provider the run can reach
// (PostgreSQL here; MongoDB when MONGODB_URI is set). Each test asserts what a user of the SDK
// would notice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ChangeEvent, ChangeFeed, DataStore, NewHealthEvent } from '@/lib/store';
import { dateToTimestamp, EventProcessor, StoreError, ValidationError } from '@/lib/store';

import { defineEventSearchContract } from './event-search-contract';
import { defineProjectionReadContract } from './projection-read-contract';

export interface ContractTarget {
  name: string;
  /** A datastore on a fresh, empty database; `cleanup` drops it. */
  open(): Promise<{ store: DataStore; cleanup(): Promise<void> }>;
}

let counter = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

export function event(nodeName: string, overrides: Partial<NewHealthEvent> = {}): NewHealthEvent {
  return {
    nodeName,
    agent: 'syslog-health-monitor',
    checkName: 'SysLogsXIDError',
    isFatal: true,
    errorCode: ['79'],
    recommendedAction: 'RESTART_BM',
    processingStrategy: 'EXECUTE_REMEDIATION',
    ...overrides,
  };
}

/**
 * Reads the feed until `count` changes matching `wanted` arrived (or the timeout), acking each.
 * A consumer registered at "now" may also get changes committed just before it registered while
 * an older transaction was still open anywhere on the server (the price of never losing one), so
 * tests pick out the changes they wrote.
 */
export async function collect(
  store: DataStore,
  consumer: string,
  count: number,
  wanted: (change: ChangeEvent) => boolean = () => true,
  timeoutMs = 15_000,
): Promise<ChangeEvent[]> {
  const feed = await store.changes(consumer, { pollIntervalMs: 200 });
  const received: ChangeEvent[] = [];
  const timer = setTimeout(() => void feed.close(), timeoutMs);
  try {
    for await (const change of feed) {
      if (wanted(change)) received.push(change);
      await feed.ack(change.position);
      if (received.length >= count) break;
    }
  } finally {
    clearTimeout(timer);
    await feed.close();
  }
  return received;
}

const onNode = (node: string) => (change: ChangeEvent) =>
  change.collection === 'healthEvents' && (change.document ?? change.before)?.healthEvent.nodeName === node;

export function defineStoreContract(target: ContractTarget): void {
  defineEventSearchContract(target);
  defineProjectionReadContract(target);
  describe(`store contract on ${target.name}`, () => {
    let store: DataStore;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      ({ store, cleanup } = await target.open());
    });

    afterAll(async () => {
      await store?.close();
      await cleanup?.();
    });

    it('answers ping and names its provider', async () => {
      const { latencyMs } = await store.ping();
      expect(latencyMs).toBeGreaterThanOrEqual(0);
      expect(['postgresql', 'mongodb']).toContain(store.provider);
    });

    it('says where it is without credentials, and reports its feed storage in its own terms', async () => {
      expect(store.target).toMatch(/^[^@\s]+\/[^@\s]+$/);
      const { feedStorage } = await store.stats();
      if (store.provider === 'postgresql') {
        expect(feedStorage).toMatchObject({
          kind: 'changelog',
          label: 'Changelog',
          rows: expect.any(Number),
          holdBackSeconds: expect.any(Number),
          heldBackRows: expect.any(Number),
        });
      } else {
        expect(feedStorage).toMatchObject({ kind: 'oplog', label: 'Oplog window', readable: expect.any(Boolean) });
        if (feedStorage.kind === 'oplog' && feedStorage.readable) {
          expect(feedStorage.oldestAt!.getTime()).toBeLessThanOrEqual(feedStorage.newestAt!.getTime());
          expect(feedStorage.windowSeconds).toBeGreaterThanOrEqual(0);
        }
      }
    });

    it('inserts a batch and reads every field back', async () => {
      const node = unique('node');
      const [stored] = await store.healthEvents().insertMany([
        event(node, {
          entitiesImpacted: [{ entityType: 'GPU', entityValue: '3' }],
          metadata: { trace_id: 't1' },
          message: 'XID 79 on GPU 3',
        }),
      ]);
      const read = await store.healthEvents().get(stored.recordId);
      expect(read?.healthEvent).toMatchObject({
        nodeName: node,
        agent: 'syslog-health-monitor',
        checkName: 'SysLogsXIDError',
        isFatal: true,
        isHealthy: false,
        recommendedAction: 'RESTART_BM',
        errorCode: ['79'],
        entitiesImpacted: [{ entityType: 'GPU', entityValue: '3' }],
        metadata: { trace_id: 't1' },
        message: 'XID 79 on GPU 3',
        processingStrategy: 'EXECUTE_REMEDIATION',
      });
      expect(read?.status).toMatchObject({
        nodeQuarantined: null,
        faultRemediated: null,
        userPodsEvictionStatus: { status: '' },
      });
    });

    it('refuses a batch with one bad event, naming the field, and writes none of it', async () => {
      const node = unique('node');
      const batch = [event(node), event(node), event('', {}), event(node)];
      const error = await store
        .healthEvents()
        .insertMany(batch)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe('events[2].nodeName');
      expect(await store.healthEvents().count({ nodeName: node })).toBe(0);
      const oversized = await store
        .healthEvents()
        .insertMany([event(node, { message: 'x'.repeat(70_000) })])
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect((oversized as ValidationError).field).toBe('events[0].message');
    });

    it('splits a large batch into statements but keeps it one all-or-nothing write', async () => {
      const node = unique('bulk');
      const events = Array.from({ length: 1_250 }, (_, i) => event(node, { message: `event ${i}` }));
      await store.healthEvents().insertMany(events, { chunkSize: 500 });
      expect(await store.healthEvents().count({ nodeName: node })).toBe(1_250);
    });

    it("pages a node's events newest first within a time range", async () => {
      const node = unique('timeline');
      const base = Date.now() - 3_600_000;
      await store
        .healthEvents()
        .insertMany(
          Array.from({ length: 25 }, (_, i) => event(node, { createdAt: new Date(base + i * 1000), message: `m${i}` })),
        );
      const range = { from: new Date(base + 5_000) };
      const first = await store.healthEvents().findByNode(node, range, { limit: 8 });
      expect(first.items.map((e) => e.healthEvent.message)).toEqual(Array.from({ length: 8 }, (_, i) => `m${24 - i}`));
      const second = await store.healthEvents().findByNode(node, range, { limit: 8, after: first.next });
      expect(second.items.map((e) => e.healthEvent.message)).toEqual(Array.from({ length: 8 }, (_, i) => `m${16 - i}`));
      const third = await store.healthEvents().findByNode(node, range, { limit: 8, after: second.next });
      expect(third.items.map((e) => e.healthEvent.message)).toEqual(['m8', 'm7', 'm6', 'm5']);
      expect(third.next).toBeUndefined();
    });

    it('returns the latest event of each node', async () => {
      const a = unique('latest-a');
      const b = unique('latest-b');
      const now = Date.now();
      await store
        .healthEvents()
        .insertMany([
          event(a, { createdAt: new Date(now - 2000), message: 'old' }),
          event(a, { createdAt: new Date(now - 1000), message: 'new' }),
          event(b, { createdAt: new Date(now - 500), message: 'only' }),
        ]);
      const latest = await store.healthEvents().latestPerNode([a, b]);
      expect(Object.fromEntries(latest.map((e) => [e.healthEvent.nodeName, e.healthEvent.message]))).toEqual({
        [a]: 'new',
        [b]: 'only',
      });
    });

    it('gives the newest event of each tracked check and entity, by generated time, for node-state projections', async () => {
      const node = unique('checks');
      const gpu = (value: string) => [{ entityType: 'GPU', entityValue: value }];
      const stored = await store.healthEvents().insertMany([
        event(node, {
          entitiesImpacted: gpu('0'),
          message: 'gpu0 fault',
          generatedTimestamp: { seconds: 1_763_700_000, nanos: 0 },
        }),
        event(node, {
          entitiesImpacted: gpu('0'),
          isFatal: false,
          isHealthy: true,
          message: 'gpu0 recovered',
          generatedTimestamp: { seconds: 1_763_700_100, nanos: 0 },
        }),
        // Arrives last but was generated first: must not hide the newer fault on gpu1.
        event(node, {
          entitiesImpacted: gpu('1'),
          message: 'gpu1 fault',
          generatedTimestamp: { seconds: 1_763_700_300, nanos: 0 },
        }),
        event(node, {
          entitiesImpacted: gpu('1'),
          isFatal: false,
          isHealthy: true,
          message: 'gpu1 stale recovery',
          generatedTimestamp: { seconds: 1_763_700_200, nanos: 0 },
        }),
        event(node, {
          checkName: 'GpuThermalWatch',
          isFatal: false,
          message: 'hot',
          generatedTimestamp: { seconds: 1_763_700_050, nanos: 0 },
        }),
      ]);
      const latest = await store.healthEvents().latestPerCheck([node]);
      const message = new Map(stored.map((e) => [e.recordId, e.healthEvent.message]));
      expect(latest.map((check) => message.get(check.recordId)).sort()).toEqual([
        'gpu0 recovered',
        'gpu1 fault',
        'hot',
      ]);
      // Each carries what a projection needs, read the way the full event would be.
      const gpu1 = latest.find((check) => check.recordId === stored[2].recordId);
      expect(gpu1).toEqual({
        recordId: stored[2].recordId,
        createdAt: stored[2].createdAt,
        nodeName: node,
        checkName: 'SysLogsXIDError',
        agent: 'syslog-health-monitor',
        entitiesImpacted: gpu('1'),
        isFatal: true,
        isHealthy: false,
        generatedTimestamp: { seconds: 1_763_700_300, nanos: 0 },
        forcedQuarantine: false,
        nodeQuarantined: null,
      });
      expect(await store.healthEvents().latestPerCheck([unique('nobody')])).toEqual([]);
    });

    it("gives each node's newest quarantine decision and counts events per node", async () => {
      const [a, b, c] = [unique('decide'), unique('decide'), unique('decide')];
      const [first, , released, other] = await store
        .healthEvents()
        .insertMany([
          event(a, { createdAt: new Date(Date.now() - 3_000) }),
          event(a, { createdAt: new Date(Date.now() - 2_000) }),
          event(a, { isFatal: false, isHealthy: true, createdAt: new Date(Date.now() - 1_000) }),
          event(b),
          event(c, { isFatal: false }),
        ]);
      await store.healthEvents().updateQuarantine(first.recordId, { status: 'Quarantined' });
      await store.healthEvents().updateQuarantine(released.recordId, { status: 'UnQuarantined' });
      await store.healthEvents().updateQuarantine(other.recordId, { status: 'Quarantined' });
      const decisions = await store.healthEvents().latestQuarantineDecisions([a, b, c]);
      expect(Object.fromEntries(decisions.map((e) => [e.healthEvent.nodeName, e.status.nodeQuarantined]))).toEqual({
        [a]: 'UnQuarantined',
        [b]: 'Quarantined',
      });
      const fatal = await store.healthEvents().countByNode({ isFatal: true, from: new Date(Date.now() - 60_000) });
      expect([fatal.get(a), fatal.get(b), fatal.get(c)]).toEqual([2, 1, undefined]);
    });

    it('reads the decided events of a range, oldest first, for reliability figures', async () => {
      const node = unique('history');
      const base = Date.now() - 10_000;
      const [opened, undecided, joined, released, late] = await store
        .healthEvents()
        .insertMany([
          event(node, { createdAt: new Date(base) }),
          event(node, { createdAt: new Date(base + 1_000) }),
          event(node, { createdAt: new Date(base + 2_000) }),
          event(node, { isFatal: false, isHealthy: true, createdAt: new Date(base + 3_000) }),
          event(node, { createdAt: new Date(base + 5_000) }),
        ]);
      const finishedAt = dateToTimestamp(new Date(base + 500));
      await store.healthEvents().updateQuarantine(opened.recordId, { status: 'Quarantined', finishedAt });
      await store.healthEvents().updateEviction(opened.recordId, { status: 'Succeeded', finishedAt });
      await store.healthEvents().updateQuarantine(joined.recordId, { status: 'AlreadyQuarantined' });
      await store.healthEvents().updateQuarantine(released.recordId, { status: 'UnQuarantined' });
      await store.healthEvents().updateQuarantine(late.recordId, { status: 'Quarantined' });
      const history = (
        await store.healthEvents().quarantineHistory({ from: new Date(base), to: new Date(base + 5_000) })
      ).filter((decided) => decided.nodeName === node);
      expect(history.map((decided) => decided.recordId)).toEqual([opened.recordId, joined.recordId, released.recordId]);
      expect(history.map((decided) => decided.recordId)).not.toContain(undecided.recordId);
      // Before the late one: the node's last incident's event and its last release, oldest first.
      const before = await store.healthEvents().quarantineDecisionsBefore([node], new Date(base + 5_000));
      expect(before.map((decided) => decided.recordId)).toEqual([opened.recordId, released.recordId]);
      expect(history[0]).toMatchObject({
        agent: 'syslog-health-monitor',
        checkName: 'SysLogsXIDError',
        status: {
          nodeQuarantined: 'Quarantined',
          quarantineFinishTimestamp: finishedAt,
          userPodsEvictionStatus: { status: 'Succeeded' },
          drainFinishTimestamp: finishedAt,
        },
      });
    });

    it('filters by eviction status, remediation outcome and recommended action', async () => {
      const node = unique('stages');
      const [waiting, draining, drained, remediated] = await store
        .healthEvents()
        .insertMany([
          event(node),
          event(node),
          event(node, { recommendedAction: 'NONE' }),
          event(node, { recommendedAction: 'COMPONENT_RESET' }),
        ]);
      await store.healthEvents().updateEviction(draining.recordId, { status: 'InProgress' });
      await store.healthEvents().updateEviction(drained.recordId, { status: 'Succeeded' });
      await store.healthEvents().updateRemediation(remediated.recordId, { remediated: false });
      const ids = async (filter: Parameters<ReturnType<DataStore['healthEvents']>['find']>[0]) =>
        (await store.healthEvents().find({ nodeName: node, ...filter })).items.map((e) => e.recordId).sort();
      expect(await ids({ evictionStatus: ['InProgress'] })).toEqual([draining.recordId]);
      expect(await ids({ evictionStatus: [''] })).toEqual([waiting.recordId, remediated.recordId].sort());
      expect(await ids({ faultRemediated: false })).toEqual([remediated.recordId]);
      expect(await ids({ faultRemediated: null })).toEqual(
        [waiting.recordId, draining.recordId, drained.recordId].sort(),
      );
      expect(await ids({ recommendedAction: ['NONE', 'COMPONENT_RESET'] })).toEqual(
        [drained.recordId, remediated.recordId].sort(),
      );
    });

    it('applies status updates and keeps them readable', async () => {
      const node = unique('status');
      const [stored] = await store.healthEvents().insertMany([event(node)]);
      await store.healthEvents().updateQuarantine(stored.recordId, {
        status: 'Quarantined',
        finishedAt: { seconds: 1_763_700_000, nanos: 0 },
        span: { module: 'fault-quarantine', id: 'span-1' },
      });
      await store
        .healthEvents()
        .updateEviction(stored.recordId, { status: 'Succeeded', finishedAt: { seconds: 1_763_700_100, nanos: 0 } });
      const done = await store
        .healthEvents()
        .updateRemediation(stored.recordId, { remediated: true, at: { seconds: 1_763_700_200, nanos: 0 } });
      expect(done.status).toMatchObject({
        nodeQuarantined: 'Quarantined',
        userPodsEvictionStatus: { status: 'Succeeded' },
        faultRemediated: true,
        quarantineFinishTimestamp: { seconds: 1_763_700_000, nanos: 0 },
        spanIds: { 'fault-quarantine': 'span-1' },
      });
      expect(await store.healthEvents().count({ nodeName: node, nodeQuarantined: 'Quarantined' })).toBe(1);
      await expect(
        store.healthEvents().updateQuarantine(stored.recordId, { status: 'Sideways' as never }),
      ).rejects.toThrow(/status: must be one of Quarantined/);
      await expect(
        store.healthEvents().updateQuarantine('00000000-0000-4000-8000-000000000000', { status: 'Cancelled' }),
      ).rejects.toMatchObject({ code: 'not-found' });
    });

    it('cancels a manual quarantine the way NVSentinel releases a node', async () => {
      const node = unique('release');
      const [one, two] = await store.healthEvents().insertMany([event(node), event(node)]);
      await store.healthEvents().updateQuarantine(one.recordId, { status: 'Quarantined' });
      await store.healthEvents().updateQuarantine(two.recordId, { status: 'AlreadyQuarantined' });
      expect(await store.healthEvents().cancelQuarantine(node, new Date(Date.now() - 60_000))).toBe(2);
      expect(await store.healthEvents().count({ nodeName: node, nodeQuarantined: 'Cancelled' })).toBe(2);
    });

    it('counts throughput in time buckets, grouped by a field', async () => {
      const node = unique('rate');
      const start = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000);
      await store
        .healthEvents()
        .insertMany([
          event(node, { createdAt: new Date(start.getTime() + 1_000) }),
          event(node, { createdAt: new Date(start.getTime() + 2_000), isFatal: false }),
          event(node, { createdAt: new Date(start.getTime() + 61_000) }),
        ]);
      const buckets = await store.healthEvents().throughput({
        from: start,
        to: new Date(start.getTime() + 120_000),
        bucketSeconds: 60,
        groupBy: 'isFatal',
        filter: { nodeName: node },
      });
      expect(buckets.map((b) => [b.bucketStart.getTime() - start.getTime(), b.key, b.count])).toEqual([
        [0, 'false', 1],
        [0, 'true', 1],
        [60_000, 'true', 1],
      ]);
    });

    it('counts throughput per combination of several fields at once, in order of bucket then keys', async () => {
      const node = unique('rates');
      const start = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000);
      await store
        .healthEvents()
        .insertMany([
          event(node, { createdAt: new Date(start.getTime() + 1_000), agent: 'syslog-health-monitor' }),
          event(node, { createdAt: new Date(start.getTime() + 2_000), agent: 'gpu-health-monitor', isFatal: false }),
          event(node, { createdAt: new Date(start.getTime() + 3_000), agent: 'syslog-health-monitor' }),
          event(node, { createdAt: new Date(start.getTime() + 4_000), agent: 'syslog-health-monitor', isFatal: false }),
          event(node, { createdAt: new Date(start.getTime() + 61_000), agent: 'gpu-health-monitor' }),
        ]);
      const request = {
        from: start,
        to: new Date(start.getTime() + 120_000),
        bucketSeconds: 60,
        filter: { nodeName: node },
      };
      const buckets = await store.healthEvents().throughput({ ...request, groupBy: ['agent', 'isFatal'] });
      expect(buckets.map((b) => [b.bucketStart.getTime() - start.getTime(), b.key, ...b.keys, b.count])).toEqual([
        [0, 'gpu-health-monitor', 'gpu-health-monitor', 'false', 1],
        [0, 'syslog-health-monitor', 'syslog-health-monitor', 'false', 1],
        [0, 'syslog-health-monitor', 'syslog-health-monitor', 'true', 2],
        [60_000, 'gpu-health-monitor', 'gpu-health-monitor', 'true', 1],
      ]);
      const single = await store.healthEvents().throughput({ ...request, groupBy: 'isFatal' });
      expect(single.map((b) => b.keys)).toEqual([['false'], ['true'], ['true']]);
      await expect(store.healthEvents().throughput({ ...request, groupBy: ['agent', 'agent'] })).rejects.toThrow(
        /groupBy: must not name a field twice/,
      );
    });

    it('upserts maintenance events with NVSentinel status rules', async () => {
      const base = {
        eventId: unique('mx'),
        csp: 'aws' as const,
        clusterName: 'c1',
        resourceType: 'instance',
        resourceId: 'i-1',
        nodeName: unique('node'),
        maintenanceType: 'SCHEDULED' as const,
        status: 'DETECTED' as const,
        cspStatus: 'PENDING' as const,
        scheduledStartTime: new Date(Date.now() + 3_600_000),
        scheduledEndTime: null,
        actualStartTime: null,
        actualEndTime: null,
        eventReceivedTimestamp: new Date(),
        lastUpdatedTimestamp: new Date(),
        recommendedAction: 'RESTART_VM' as const,
        metadata: {},
      };
      expect((await store.maintenanceEvents().upsert(base)).inserted).toBe(true);
      await store.maintenanceEvents().upsert({ ...base, status: 'QUARANTINE_TRIGGERED' });
      const kept = await store
        .maintenanceEvents()
        .upsert({ ...base, status: 'MAINTENANCE_ONGOING', cspStatus: 'ONGOING' });
      expect(kept).toMatchObject({ inserted: false, event: { status: 'QUARANTINE_TRIGGERED' } });
      const completed = await store
        .maintenanceEvents()
        .upsert({ ...base, status: 'MAINTENANCE_COMPLETE', cspStatus: 'COMPLETED' });
      expect(completed.event.status).toBe('MAINTENANCE_COMPLETE');
      expect((await store.maintenanceEvents().byNode(base.nodeName)).map((e) => e.eventId)).toEqual([base.eventId]);
    });

    it('stores metadata keys as given and reads them back byte for byte', async () => {
      // Keys NVSentinel's writers set (docs/nvsentinel-data-model.md §8): the connector's trace_id,
      // a forced quarantine's creator_id (fault-quarantine/pkg/reconciler/reconciler.go:804), the
      // syslog monitor's cancellation key (health-monitors/syslog-health-monitor/pkg/xid/xid_handler.go:41),
      // an idempotency key and providerLastUpdated (health-monitors/csp-health-monitor/pkg/model/maintenance_event.go:46).
      const metadata = {
        trace_id: 't',
        creator_id: 'alice-1a2b3c4d',
        'sentinel-console/creator': 'alice@example.com',
        idempotencyKey: 'batch-7/0',
        providerLastUpdated: '2026-01-02T03:04:05Z',
        'nvsentinel.nvidia.com/cancel-source-error-code': '162',
      };
      const [stored] = await store
        .healthEvents()
        .insertMany([event(unique('meta'), { isFatal: false, isHealthy: true, errorCode: ['163'], metadata })]);
      expect((await store.healthEvents().get(stored.recordId))?.healthEvent.metadata).toEqual(metadata);
      const [latest] = await store.healthEvents().latestPerNode([stored.healthEvent.nodeName]);
      expect(latest.healthEvent.metadata).toEqual(metadata);
    });

    it('reads a new event as not processed yet, and keeps the drain message only while one is given', async () => {
      const [stored] = await store.healthEvents().insertMany([event(unique('fresh'))]);
      expect((await store.healthEvents().get(stored.recordId))?.status).toMatchObject({
        nodeQuarantined: null,
        userPodsEvictionStatus: { status: '', message: '' },
        faultQuarantineRecovery: '',
      });
      await store.healthEvents().updateEviction(stored.recordId, { status: 'Failed', message: 'pods stuck' });
      const retried = await store.healthEvents().updateEviction(stored.recordId, { status: 'Succeeded' });
      expect(retried.status.userPodsEvictionStatus).toEqual({ status: 'Succeeded', message: '' });
    });

    it('stores a maintenance event without a node as the empty node name, and a CSP of lambda', async () => {
      // csp-health-monitor's CSPs (health-monitors/csp-health-monitor/pkg/model/maintenance_event.go:70-72).
      const event = {
        eventId: unique('lambda'),
        csp: 'lambda' as const,
        clusterName: 'c1',
        resourceType: 'instance',
        resourceId: 'l-1',
        nodeName: '',
        maintenanceType: 'UNSCHEDULED' as const,
        status: 'DETECTED' as const,
        cspStatus: 'PENDING' as const,
        scheduledStartTime: null,
        scheduledEndTime: null,
        actualStartTime: null,
        actualEndTime: null,
        eventReceivedTimestamp: new Date(),
        lastUpdatedTimestamp: new Date(),
        recommendedAction: 'NONE' as const,
        metadata: { urgency: 'emergency' },
      };
      const { event: stored } = await store.maintenanceEvents().upsert(event);
      expect(stored).toMatchObject({
        csp: 'lambda',
        nodeName: '',
        recommendedAction: 'NONE',
        metadata: { urgency: 'emergency' },
      });
      expect(
        (await store.maintenanceEvents().list({ limit: 500 })).find((listed) => listed.eventId === event.eventId)
          ?.nodeName,
      ).toBe('');
    });

    it('delivers inserts and updates to a consumer, and resumes after the acknowledged position', async () => {
      const consumer = unique('reader');
      await store.consumers().register(consumer, { startAt: 'now' });
      const node = unique('feed');
      const [inserted] = await store.healthEvents().insertMany([event(node)]);
      await store.healthEvents().updateQuarantine(inserted.recordId, { status: 'Quarantined' });
      const changes = await collect(store, consumer, 2, (c) => c.recordId === inserted.recordId);
      expect(changes.map((c) => c.operation)).toEqual(['insert', 'update']);
      const update = changes[1];
      if (update.collection !== 'healthEvents')
        throw new Error(`expected a health event change, got ${update.collection}`);
      expect(update.document?.status.nodeQuarantined).toBe('Quarantined');
      // capabilities.beforeImages says whether updates carry `before`; both runs of this contract have it.
      expect(store.capabilities.beforeImages).toBe(true);
      expect(update.before?.status.nodeQuarantined).toBeNull();

      await store.healthEvents().insertMany([event(node, { message: 'after restart' })]);
      const resumed = await collect(store, consumer, 1, onNode(node));
      expect(
        resumed.map((c) => (c.document && 'healthEvent' in c.document ? c.document.healthEvent.message : null)),
      ).toEqual(['after restart']);
    });

    it('refuses an unknown consumer, a second reader, an ack never delivered, and a closed store', async () => {
      await expect(store.changes(unique('never-registered'))).rejects.toMatchObject({ code: 'unknown-consumer' });
      await expect(store.changes('Bad Name!')).rejects.toBeInstanceOf(ValidationError);
      const consumer = unique('single');
      await store.consumers().register(consumer);
      // Two readers asked for at the same moment: one gets the feed, the other is refused.
      const both = await Promise.allSettled([store.changes(consumer), store.changes(consumer)]);
      expect(both.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = both.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ code: 'feed-in-use' });
      const feed = (both.find((outcome) => outcome.status === 'fulfilled') as PromiseFulfilledResult<ChangeFeed>).value;
      await expect(store.changes(consumer)).rejects.toMatchObject({ code: 'feed-in-use' });
      const iterator = feed[Symbol.asyncIterator]();
      expect(() => feed[Symbol.asyncIterator]()).toThrow(StoreError);
      await expect(feed.ack('999999999/999999999')).rejects.toMatchObject({ code: 'ack-unknown-position' });
      await iterator.return?.();
      await feed.close();

      const { store: other, cleanup: dropOther } = await target.open();
      await other.close();
      await expect(other.healthEvents().count()).rejects.toMatchObject({ code: 'closed' });
      await dropOther();
    });

    it('dead-letters a poison event after the configured attempts, keeps flowing, and retries it on request', async () => {
      const consumer = unique('processor');
      await store.consumers().register(consumer, { startAt: 'now' });
      const node = unique('poison');
      let poisonFixed = false;
      const handled: string[] = [];
      let poisonAttempts = 0;
      const processor = new EventProcessor({
        feed: await store.changes(consumer, { collections: ['healthEvents'], pollIntervalMs: 100 }),
        deadLetters: store.deadLetters(),
        maxAttempts: 3,
        initialBackoffMs: 5,
        retryPollMs: 100,
        handler: async (change) => {
          if (change.collection !== 'healthEvents' || !change.document) return;
          const message = change.document.healthEvent.message;
          if (message === 'poison') {
            poisonAttempts += 1;
            if (!poisonFixed) throw new Error('cannot handle poison');
          }
          handled.push(message);
        },
      });
      const running = processor.start();
      await store.healthEvents().insertMany([event(node, { message: 'before' })]);
      await store.healthEvents().insertMany([event(node, { message: 'poison' })]);
      await store.healthEvents().insertMany([event(node, { message: 'after' })]);
      await expect.poll(() => handled, { timeout: 10_000 }).toEqual(['before', 'after']);
      expect(poisonAttempts).toBe(3);
      const [letter] = await store.deadLetters().list({ consumer });
      expect(letter).toMatchObject({
        status: 'dead',
        attempts: 3,
        error: 'Error: cannot handle poison',
        operation: 'insert',
      });

      poisonFixed = true;
      await store.deadLetters().requestRetry(letter.id);
      await expect.poll(() => handled, { timeout: 10_000 }).toEqual(['before', 'after', 'poison']);
      await expect
        .poll(async () => (await store.deadLetters().list({ consumer }))[0].status, { timeout: 5_000 })
        .toBe('resolved');
      await expect(store.deadLetters().requestRetry(letter.id)).rejects.toThrow(/is resolved, not dead/);
      await processor.stop();
      await running;
      expect(processor.metrics()).toMatchObject({ processed: 2, deadLettered: 1, retriedFromDeadLetters: 1 });
    });

    it("reports each consumer's lag: documents behind, seconds behind head, position known", async () => {
      const consumer = unique('lagging');
      await store.consumers().register(consumer, { startAt: 'now' });
      const node = unique('lag');
      await store.healthEvents().insertMany([event(node, { createdAt: new Date(Date.now() - 5000) })]);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await store.healthEvents().insertMany([event(node)]);
      const mine = (await store.consumers().lag()).find((l) => l.consumer === consumer);
      expect(mine).toMatchObject({ positionKnown: true, positionLost: null });
      expect(mine!.documentsBehind).toBeGreaterThanOrEqual(2);
      expect(mine!.lagSeconds, JSON.stringify(mine)).toBeGreaterThan(1);
      await collect(store, consumer, 2, onNode(node));
      const caughtUp = (await store.consumers().lag()).find((l) => l.consumer === consumer);
      expect(caughtUp).toMatchObject({ documentsBehind: 0, lagSeconds: 0 });
    });
  });
}

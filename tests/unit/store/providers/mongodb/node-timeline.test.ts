// A node's timeline on MongoDB (HealthEventStore.nodeTimeline), run with mingo over documents in
// NVSentinel's shape behind a stand-in for the driver's collection (no server here; the contract
// runs against one when MONGODB_URI is set): the node's newest events in the range, newest first with
// ties in _id order, only what a timeline draws of each, the first page whole with the cursor
// findByNode goes on from, and the range counted only when it holds more than asked.
import { aggregate } from 'mingo';
import type { Document } from 'mongodb';
import { describe, expect, it } from 'vitest';

import type { MongoConnection } from '@/lib/store/providers/mongodb/mongo-connection';
import { MongoHealthEventStore } from '@/lib/store/providers/mongodb/mongo-health-event-store';
import { countPipeline, nodeTimelinePipeline } from '@/lib/store/providers/mongodb/pipelines/health-event-queries';

import { nvsentinelDocument } from './documents';

const AT = (minute: number) => new Date(Date.UTC(2026, 11, 6, 10, minute));

/** A store whose collection answers every aggregation with mingo over `documents`, recording each pipeline. */
function storeOver(documents: Document[]) {
  const pipelines: Document[][] = [];
  const collection = {
    aggregate: (pipeline: Document[]) => {
      pipelines.push(pipeline);
      return { toArray: async () => aggregate(documents, pipeline) as Document[] };
    },
  };
  const connection = {
    names: { healthEvents: 'HealthEvents' },
    config: { databaseName: 'nvsentinel' },
    collection: () => collection,
    run: <T>(_operation: string, work: () => Promise<T>) => work(),
    assertOpen: () => {},
  } as unknown as MongoConnection;
  return { store: new MongoHealthEventStore(connection), pipelines };
}

// Node a: minutes 1-6, two events at minute 5 (a tie _id breaks) and one at minute 6 fatal; node b
// and an event of a before the range around them.
const documents = [
  nvsentinelDocument({ node: 'a', createdAt: AT(0), message: 'before the range' }),
  ...[1, 2, 3, 4, 5, 5].map((minute, index) =>
    nvsentinelDocument({ node: 'a', createdAt: AT(minute), fatal: false, message: `a ${index}` }),
  ),
  nvsentinelDocument({
    node: 'a',
    createdAt: AT(6),
    message: 'x'.repeat(250),
    status: { nodequarantined: 'Quarantined', userpodsevictionstatus: { status: 'InProgress', message: 'draining' } },
  }),
  nvsentinelDocument({ node: 'b', createdAt: AT(7), message: 'b' }),
];
const messagesOf = (list: { healthEvent: { message: string } }[]) => list.map((each) => each.healthEvent.message);
const range = { from: AT(1), to: AT(10) };

describe('a node timeline on MongoDB', () => {
  it('reads the newest events of the node in the range, ties in _id order, only what a timeline draws', async () => {
    const projected = aggregate(documents, nodeTimelinePipeline({ nodeName: 'a', ...range }, 3)) as Document[];
    // One more than asked, to know more exist.
    expect(projected.map((document) => document.healthevent.message)).toEqual(['x'.repeat(250), 'a 5', 'a 4', 'a 3']);
    expect(Object.keys(projected[0]!.healthevent).sort()).toEqual([
      'agent',
      'checkname',
      'entitiesimpacted',
      'errorcode',
      'generatedtimestamp',
      'isfatal',
      'ishealthy',
      'message',
    ]);
    expect(Object.keys(projected[0]!).sort()).toEqual(['_id', 'createdAt', 'healthevent', 'healtheventstatus']);
    expect(aggregate(documents, countPipeline({ nodeName: 'a', ...range }))).toEqual([{ count: 7 }]);
  });

  it('nodeTimeline: the points, the count past the cap, the first page whole and its cursor', async () => {
    const { store, pipelines } = storeOver(documents);
    const timeline = await store.nodeTimeline('a', { ...range, points: 3, pageSize: 2 });
    // Three aggregations: the points beside the page, then the count (the range held more than 3).
    expect(pipelines).toHaveLength(3);
    expect(messagesOf(timeline.events)).toEqual(['x'.repeat(200), 'a 5', 'a 4']);
    expect(timeline.total).toBe(7);
    expect(timeline.events[0]).toMatchObject({
      createdAt: AT(6),
      healthEvent: {
        agent: 'syslog-health-monitor',
        checkName: 'SysLogsXIDError',
        isFatal: true,
        isHealthy: false,
        errorCode: ['79'],
        entitiesImpacted: [{ entityType: 'GPU', entityValue: '3' }],
      },
      status: { nodeQuarantined: 'Quarantined', userPodsEvictionStatus: { status: 'InProgress', message: 'draining' } },
    });
    expect(messagesOf(timeline.page.items)).toEqual(['x'.repeat(250), 'a 5']);
    expect(timeline.page.items[0]!.healthEvent.metadata).toEqual(documents[7]!.healthevent.metadata);
    const rest = await store.findByNode('a', range, { limit: 10, after: timeline.page.next });
    expect(messagesOf(rest.items)).toEqual(['a 4', 'a 3', 'a 2', 'a 1', 'a 0']);

    pipelines.length = 0;
    const all = await store.nodeTimeline('a', { ...range, points: 10, pageSize: 0 });
    expect(all.total).toBe(7);
    expect(all.events).toHaveLength(7);
    expect(all.page).toEqual({ items: [] });
    expect(pipelines, 'no count, no page').toHaveLength(1);
  });

  it('refuses a request it cannot keep to, naming the field', async () => {
    const { store } = storeOver(documents);
    await expect(store.nodeTimeline('a', { points: 2, pageSize: 3 })).rejects.toThrow(
      'request.pageSize: must be a whole number from 0 to points, 2 (got 3)',
    );
    await expect(store.nodeTimeline('', { points: 2, pageSize: 1 })).rejects.toThrow('nodeName: must not be empty');
  });
});

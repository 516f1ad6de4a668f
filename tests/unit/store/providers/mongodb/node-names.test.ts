// HealthEventStore.nodeNames on MongoDB: a build's pages of node names. The pipeline runs with mingo
// over NVSentinel-shaped documents through the store (a stand-in collection), so the paging a
// projection build relies on is checked without a server.
import { aggregate } from 'mingo';
import type { Document } from 'mongodb';
import { describe, expect, it } from 'vitest';

import { ValidationError } from '@/lib/store';
import type { MongoConnection } from '@/lib/store/providers/mongodb/mongo-connection';
import { MongoHealthEventStore } from '@/lib/store/providers/mongodb/mongo-health-event-store';
import { nodeNamesPipeline } from '@/lib/store/providers/mongodb/pipelines/node-names';

import { nvsentinelDocument } from './documents';

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
    config: { databaseName: 'HealthEventsDatabase' },
    collection: () => collection,
    run: <T>(_operation: string, work: () => Promise<T>) => work(),
    assertOpen: () => {},
  } as unknown as MongoConnection;
  return { store: new MongoHealthEventStore(connection), pipelines };
}

const unnamed = nvsentinelDocument({ node: 'unnamed' });
unnamed.healthevent.nodename = null;
const documents = [
  unnamed,
  nvsentinelDocument({ node: 'gpu-node-b' }),
  nvsentinelDocument({ node: 'gpu-node-a' }),
  nvsentinelDocument({ node: 'gpu-node-c' }),
  nvsentinelDocument({ node: 'gpu-node-a' }),
  nvsentinelDocument({ node: 'gpu-node-d' }),
];

describe('node names on MongoDB', () => {
  it('pages through every node once, ascending (an event without a node name is no node)', async () => {
    const { store } = storeOver(documents);
    const first = await store.nodeNames({ limit: 2 });
    expect(first).toEqual(['gpu-node-a', 'gpu-node-b']);
    const second = await store.nodeNames({ after: first.at(-1), limit: 2 });
    expect(second).toEqual(['gpu-node-c', 'gpu-node-d']);
    expect(await store.nodeNames({ after: second.at(-1), limit: 2 })).toEqual([]);
    expect(await store.nodeNames({ limit: 100_000 })).toHaveLength(4);
  });

  it('matches on the node name before grouping by it (what lets the server scan its index once per node)', () => {
    expect(nodeNamesPipeline({ after: 'gpu-node-b', limit: 10 })).toEqual([
      { $match: { 'healthevent.nodename': { $gt: 'gpu-node-b' } } },
      { $group: { _id: '$healthevent.nodename' } },
      { $sort: { _id: 1 } },
      { $limit: 10 },
    ]);
    expect(nodeNamesPipeline({ limit: 10 })[0]).toEqual({ $match: { 'healthevent.nodename': { $gte: '' } } });
  });

  it('refuses a limit out of 1..100000 and an `after` that is not a name, naming them', async () => {
    const { store, pipelines } = storeOver(documents);
    for (const limit of [0, 100_001, 1.5, Number.NaN, '10', undefined]) {
      const error = await store.nodeNames({ limit } as never).catch((failure: unknown) => failure);
      expect(error, String(limit)).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ field: 'limit', message: 'limit: must be a whole number from 1 to 100000' });
    }
    const error = await store
      .nodeNames({ after: { $ne: null }, limit: 10 } as never)
      .catch((failure: unknown) => failure);
    expect(error).toMatchObject({ field: 'after', message: expect.stringMatching(/^after: must be a node name/) });
    expect(pipelines).toEqual([]);
  });
});

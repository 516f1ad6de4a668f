// The event search on MongoDB asks the server to stop its aggregation at the search's time limit
// (maxTimeMS), so a search nobody waits for any more does not run on; a stopped one is the SDK's
// search-timeout StoreError with what to do. Run against a stand-in for the driver's collection
// (the contract runs the real searches when MONGODB_URI is set).
import type { Document } from 'mongodb';
import { describe, expect, it } from 'vitest';

import { StoreError } from '@/lib/store';
import { SEARCH_TIMEOUT_MS } from '@/lib/store/event-search';
import type { MongoConnection } from '@/lib/store/providers/mongodb/mongo-connection';
import { MongoHealthEventStore } from '@/lib/store/providers/mongodb/mongo-health-event-store';

/** A store over a collection that records each aggregation's options and answers with `answer`. */
function storeAnswering(answer: () => Promise<Document[]>) {
  const asked: { maxTimeMS?: number }[] = [];
  const collection = {
    aggregate: (_pipeline: Document[], options: { maxTimeMS?: number }) => {
      asked.push(options);
      return { toArray: answer };
    },
  };
  const connection = {
    names: { healthEvents: 'HealthEvents' },
    config: { databaseName: 'nvsentinel' },
    collection: () => collection,
    run: <T>(_operation: string, work: () => Promise<T>) => work(),
    assertOpen: () => {},
  } as unknown as MongoConnection;
  return { store: new MongoHealthEventStore(connection), asked };
}

describe('the event search on MongoDB under a time limit', () => {
  it('asks the server to stop a search (find, groupByNode) at the limit, and nothing else', async () => {
    const { store, asked } = storeAnswering(async () => []);
    await store.find({ errorCode: '79' });
    await store.groupByNode({});
    await store.findByNode('gpu-node-1');
    expect(asked.map((options) => options.maxTimeMS)).toEqual([SEARCH_TIMEOUT_MS, SEARCH_TIMEOUT_MS, undefined]);
  });

  it('says a stopped search was stopped, and how to narrow it', async () => {
    const { store } = storeAnswering(() =>
      Promise.reject(
        Object.assign(new Error('Executor error during aggregate :: caused by :: operation exceeded time limit'), {
          code: 50,
          codeName: 'MaxTimeMSExpired',
        }),
      ),
    );
    for (const search of [() => store.groupByNode({}), () => store.find({})]) {
      const error = await search().then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(StoreError);
      expect(error).toMatchObject({
        code: 'search-timeout',
        message:
          'the event search was stopped after 10 s, the longest one may run: narrow it (a shorter time range, a node name, an XID or an entity) and search again',
      });
    }
  });
});

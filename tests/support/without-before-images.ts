// A datastore whose change feeds deliver no `before`, as MongoDB does while change-stream
// pre-images are off (capabilities.beforeImages false). Wrapping a PostgreSQL store with it runs
// every consumer of `before` (the live hub's projection, the simulated pipeline) the way they run
// on such a MongoDB, on a database this machine has.
import type { ChangeEvent, ChangeFeed, DataStore } from '@/lib/store';

function feedWithoutBefore(feed: ChangeFeed): ChangeFeed {
  return {
    get consumer() {
      return feed.consumer;
    },
    get state() {
      return feed.state;
    },
    ack: (position) => feed.ack(position),
    checkpoint: () => feed.checkpoint(),
    hasPassed: (checkpoint, position) => feed.hasPassed(checkpoint, position),
    close: () => feed.close(),
    async *[Symbol.asyncIterator]() {
      for await (const change of feed) yield { ...change, before: null } as ChangeEvent;
    },
  };
}

export function withoutBeforeImages(store: DataStore): DataStore {
  const capabilities = { ...store.capabilities, beforeImages: false };
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'capabilities') return capabilities;
      if (property === 'changes')
        return async (...args: Parameters<DataStore['changes']>) => feedWithoutBefore(await target.changes(...args));
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

// The store SDK on MongoDB: the shared contract, then what only the MongoDB provider must prove
// (NVSentinel's own documents and tokens, a lost position, the node state read at one cluster time
// and a feed from its checkpoint). Runs when MONGODB_URI points at a replica set (MongoDB 6.0+ for
// pre-images, 5.0+ for the node state read); each run uses a fresh database and drops it.
import { randomBytes } from 'node:crypto';

import { MongoClient, ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openDataStore, type ChangeEvent, type ChangeFeed, type DataStore, type MongoConfig } from '@/lib/store';

import { collect, defineStoreContract, event } from '../../contract/store-contract';

const uri = process.env.MONGODB_URI;
if (!uri) {
  console.warn('SKIPPED: MongoDB contract suite (MONGODB_URI not set)');
  console.warn('SKIPPED: MongoDB node state read and feed checkpoints (MONGODB_URI not set)');
}

function freshConfig(): MongoConfig {
  return {
    provider: 'mongodb',
    uri: uri!,
    databaseName: `sentinel_console_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`,
    healthEventsCollection: 'HealthEvents',
    maintenanceEventsCollection: 'MaintenanceEvents',
    tokensCollection: 'ResumeTokens',
    // The contract checks `before` on updates: a fresh test database may have pre-images turned on.
    enablePreImages: true,
  };
}

async function dropDatabase(name: string): Promise<void> {
  const client = new MongoClient(uri!);
  try {
    await client.db(name).dropDatabase();
  } finally {
    await client.close();
  }
}

/**
 * Reads the feed, acking each change, until `last` is delivered (or the timeout closes it): every
 * change delivered on the way, so a test sees anything delivered that should not have been.
 */
async function readThrough(feed: ChangeFeed, last: (change: ChangeEvent) => boolean, timeoutMs = 15_000) {
  const delivered: ChangeEvent[] = [];
  const timer = setTimeout(() => void feed.close(), timeoutMs);
  try {
    for await (const change of feed) {
      delivered.push(change);
      await feed.ack(change.position);
      if (last(change)) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return delivered;
}

/** A fatal XID event as NVSentinel's platform connector writes it (lowercase keys, int32 enums). */
function nvsentinelEvent(id: ObjectId, nodeName: string) {
  return {
    _id: id,
    createdAt: new Date(),
    healthevent: {
      version: 1,
      agent: 'syslog-health-monitor',
      componentclass: 'GPU',
      checkname: 'SysLogsXIDError',
      isfatal: true,
      ishealthy: false,
      message: 'XID 79',
      recommendedaction: 24,
      errorcode: ['79'],
      entitiesimpacted: [{ entitytype: 'GPU', entityvalue: '0' }],
      metadata: null,
      generatedtimestamp: { seconds: Math.floor(Date.now() / 1000), nanos: 0 },
      nodename: nodeName,
      quarantineoverrides: null,
      drainoverrides: null,
      processingstrategy: 1,
      id: '',
      customrecommendedaction: '',
    },
    healtheventstatus: { nodequarantined: '', userpodsevictionstatus: { status: '', message: '' } },
  };
}

async function openFresh() {
  const config = freshConfig();
  const store = await openDataStore(config);
  return { store, config, cleanup: () => dropDatabase(config.databaseName) };
}

describe.skipIf(!uri)('MongoDB provider', () => {
  defineStoreContract({ name: 'MongoDB', open: openFresh });

  describe('the node state read at one cluster time, and a feed from its checkpoint', () => {
    let store: DataStore;
    let config: MongoConfig;
    let cleanup: () => Promise<void>;
    let client: MongoClient;

    beforeAll(async () => {
      ({ store, config, cleanup } = await openFresh());
      client = new MongoClient(uri!);
    });

    afterAll(async () => {
      await store?.close();
      await client?.close();
      await cleanup?.();
    });

    it('delivers exactly the insert after the read to a feed opened from its checkpoint, and opens again where it stood', async () => {
      await store.consumers().register('node-projection', { startAt: 'now' });
      await store.consumers().register('witness', { startAt: 'now' });
      const [seen] = await store.healthEvents().insertMany([event('read-node')]);
      const read = await store.readNodeState();
      expect(read.fatalCounts.get('read-node')).toBe(1);
      expect(read.latestPerNode.map((latest) => latest.recordId)).toEqual([seen.recordId]);
      const [after] = await store.healthEvents().insertMany([event('after-read-node')]);

      const feed = await store.changes('node-projection', { from: read.checkpoint });
      let kept: string;
      try {
        const delivered = await readThrough(feed, (change) => change.recordId === after.recordId);
        expect(delivered.map((change) => change.recordId)).toEqual([after.recordId]);
        expect(feed.hasPassed(read.checkpoint, delivered[0].position)).toBe(false);
        kept = feed.checkpoint();
        expect(feed.hasPassed(kept, delivered[0].position)).toBe(true);
      } finally {
        await feed.close();
      }

      // The read's checkpoint has passed the event the read saw (its position, from another consumer).
      const witnessed = await collect(store, 'witness', 2, (change) =>
        [seen.recordId, after.recordId].includes(change.recordId),
      );
      expect(witnessed.map((change) => change.recordId)).toEqual([seen.recordId, after.recordId]);
      const judge = await store.changes('witness');
      try {
        expect(judge.hasPassed(read.checkpoint, witnessed[0].position)).toBe(true);
        expect(judge.hasPassed(read.checkpoint, witnessed[1].position)).toBe(false);
      } finally {
        await judge.close();
      }

      const [next] = await store.healthEvents().insertMany([event('after-kept-node')]);
      const again = await store.changes('node-projection', { from: kept });
      try {
        const delivered = await readThrough(again, (change) => change.recordId === next.recordId);
        expect(delivered.map((change) => change.recordId)).toEqual([next.recordId]);
      } finally {
        await again.close();
      }
    });

    it('counts a node with a fatal event once: in the read, not again from the feed', async () => {
      // Registered at the beginning: its stored position would deliver the fatal event again.
      await store.consumers().register('fatal-counter', { startAt: 'beginning' });
      await store.healthEvents().insertMany([event('fatal-node', { isFatal: true })]);
      const read = await store.readNodeState({ nodeNames: ['fatal-node'] });
      const fatalCounts = new Map(read.fatalCounts);
      expect(fatalCounts).toEqual(new Map([['fatal-node', 1]]));

      const [marker] = await store.healthEvents().insertMany([event('marker-node', { isFatal: false })]);
      const feed = await store.changes('fatal-counter', { from: read.checkpoint });
      try {
        // The projection: the read's counts, then each fatal insert the feed delivers.
        for (const change of await readThrough(feed, (delivered) => delivered.recordId === marker.recordId)) {
          const stored = change.collection === 'healthEvents' ? change.document?.healthEvent : undefined;
          if (change.operation === 'insert' && stored?.isFatal)
            fatalCounts.set(stored.nodeName, (fatalCounts.get(stored.nodeName) ?? 0) + 1);
        }
      } finally {
        await feed.close();
      }
      expect(fatalCounts.get('fatal-node')).toBe(1);
    });

    it('leaves out a transaction still open during the read; the feed from its checkpoint delivers it once committed', async () => {
      await store.consumers().register('open-writer', { startAt: 'beginning' });
      const id = new ObjectId();
      const session = client.startSession();
      try {
        session.startTransaction();
        await client
          .db(config.databaseName)
          .collection('HealthEvents')
          .insertOne(nvsentinelEvent(id, 'open-writer-node'), { session });
        const read = await store.readNodeState({ nodeNames: ['open-writer-node'] });
        expect(read.fatalCounts.get('open-writer-node')).toBeUndefined();
        expect(read.latestPerNode).toEqual([]);
        await session.commitTransaction();

        const feed = await store.changes('open-writer', { from: read.checkpoint });
        try {
          const delivered = await readThrough(feed, (change) => change.recordId === id.toHexString());
          expect(delivered.map((change) => change.recordId)).toEqual([id.toHexString()]);
        } finally {
          await feed.close();
        }
      } finally {
        await session.endSession();
      }
    });

    it('lists node names in pages, ascending', async () => {
      await store.healthEvents().insertMany([event('names-b'), event('names-a'), event('names-c'), event('names-a')]);
      const all = await store.healthEvents().nodeNames({ limit: 100_000 });
      expect(all).toEqual([...all].sort());
      const first = await store.healthEvents().nodeNames({ after: 'names-', limit: 2 });
      expect(first).toEqual(['names-a', 'names-b']);
      expect(await store.healthEvents().nodeNames({ after: 'names-b', limit: 1 })).toEqual(['names-c']);
    });

    it('refuses a checkpoint that is not MongoDB’s when the feed is asked for, leaving the feed free', async () => {
      await expect(
        store.changes('node-projection', { from: JSON.stringify({ order: 'id', top: '1', gaps: [] }) }),
      ).rejects.toMatchObject({ code: 'invalid', field: 'checkpoint' });
      await expect(store.changes('node-projection', { from: 'not json' })).rejects.toThrow(
        /^checkpoint: is not a MongoDB feed checkpoint/,
      );
      const feed = await store.changes('node-projection');
      await feed.close();
    });
  });

  describe('NVSentinel compatibility and lost positions', () => {
    let store: DataStore;
    let config: MongoConfig;
    let cleanup: () => Promise<void>;
    let client: MongoClient;

    beforeAll(async () => {
      ({ store, config, cleanup } = await openFresh());
      client = new MongoClient(uri!);
    });

    afterAll(async () => {
      await store?.close();
      await client?.close();
      await cleanup?.();
    });

    it("reads and delivers a document NVSentinel's platform connector wrote, and stores tokens in its format", async () => {
      await store.consumers().register('event-exporter', { startAt: 'now' });
      const id = new ObjectId();
      await client
        .db(config.databaseName)
        .collection('HealthEvents')
        .insertOne({
          _id: id,
          createdAt: new Date(),
          healthevent: {
            version: 1,
            agent: 'gpu-health-monitor',
            componentclass: 'GPU',
            checkname: 'GpuMemWatch',
            isfatal: true,
            ishealthy: false,
            message: 'DBE',
            recommendedaction: 2,
            errorcode: null,
            entitiesimpacted: [{ entitytype: 'GPU', entityvalue: '1' }],
            metadata: null,
            generatedtimestamp: { seconds: 1_763_700_000, nanos: 0 },
            nodename: 'nvsentinel-node',
            quarantineoverrides: null,
            drainoverrides: null,
            processingstrategy: 1,
            id: '',
            customrecommendedaction: '',
          },
          healtheventstatus: { nodequarantined: null, userpodsevictionstatus: { status: '' }, faultremediated: true },
        });
      expect((await store.healthEvents().get(id.toHexString()))?.healthEvent).toMatchObject({
        nodeName: 'nvsentinel-node',
        recommendedAction: 'COMPONENT_RESET',
      });
      expect(await store.healthEvents().count({ nodeName: 'nvsentinel-node', faultRemediated: true })).toBe(1);
      const [change] = await collect(store, 'event-exporter', 1, (c) => c.recordId === id.toHexString());
      const token = await client
        .db(config.databaseName)
        .collection('ResumeTokens')
        .findOne({ clientName: 'event-exporter' });
      expect(token?.resumeToken).toEqual({ _data: change.position });
    });

    it('without pre-images (the default on a new database): capabilities.beforeImages is false and updates carry no `before`', async () => {
      const plain = { ...freshConfig(), enablePreImages: undefined };
      const bare = await openDataStore(plain);
      try {
        expect(bare.capabilities.beforeImages).toBe(false);
        expect(bare.target).toMatch(new RegExp(`/${plain.databaseName}$`));
        await bare.consumers().register('no-before', { startAt: 'now' });
        const [stored] = await bare.healthEvents().insertMany([event('no-pre-images')]);
        await bare.healthEvents().updateQuarantine(stored.recordId, { status: 'Quarantined' });
        const [, update] = await collect(bare, 'no-before', 2, (c) => c.recordId === stored.recordId);
        expect(update).toMatchObject({ operation: 'update', before: null });
        if (update.collection !== 'healthEvents')
          throw new Error(`expected a health event change, got ${update.collection}`);
        expect(update.document?.status.nodeQuarantined).toBe('Quarantined');
      } finally {
        await bare.close();
        await dropDatabase(plain.databaseName);
      }
    });

    it('reports a position the oplog no longer holds as lost, until restarted explicitly', async () => {
      // A token from 2021: long gone from any oplog.
      await client
        .db(config.databaseName)
        .collection('ResumeTokens')
        .insertOne({ clientName: 'stale-reader', resumeToken: { _data: '82612F653E000000022B0229296E04' } });
      await expect(store.changes('stale-reader')).rejects.toMatchObject({ code: 'position-lost' });
      const lag = (await store.consumers().lag()).find((l) => l.consumer === 'stale-reader');
      expect(lag).toMatchObject({ positionKnown: false, positionLost: { reason: expect.any(String) } });
      await store.consumers().restart('stale-reader', { startAt: 'now' });
      await store.healthEvents().insertMany([event('after-restart')]);
      const changes = await collect(
        store,
        'stale-reader',
        1,
        (c) => c.collection === 'healthEvents' && c.document?.healthEvent.nodeName === 'after-restart',
      );
      expect(changes).toHaveLength(1);
    });
  });
});

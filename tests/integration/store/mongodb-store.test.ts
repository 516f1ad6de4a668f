// The store SDK on MongoDB: the shared contract, then what only the MongoDB provider must prove
// (NVSentinel's own documents and tokens, a lost position). Runs when MONGODB_URI points at a
// replica set (MongoDB 6.0+ for pre-images); each run uses a fresh database and drops it.
import { randomBytes } from 'node:crypto';

import { MongoClient, ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openDataStore, type DataStore, type MongoConfig } from '@/lib/store';

import { collect, defineStoreContract, event } from '../../contract/store-contract';

const uri = process.env.MONGODB_URI;
if (!uri) console.warn('SKIPPED: MongoDB contract suite (MONGODB_URI not set)');

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

async function openFresh() {
  const config = freshConfig();
  const store = await openDataStore(config);
  return { store, config, cleanup: () => dropDatabase(config.databaseName) };
}

describe.skipIf(!uri)('MongoDB provider', () => {
  defineStoreContract({ name: 'MongoDB', open: openFresh });

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

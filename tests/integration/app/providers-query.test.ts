// The Providers page's read model on real PostgreSQL databases: one column per datastore, the gap
// between them, and an unreachable datastore shown as such without hiding the others.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { DatastoreSource } from '@/lib/context/app-context';
import { readProviders, type TotalCountCache } from '@/lib/queries/providers';
import { gapToReference } from '@/lib/queries/providers-view';
import { openDataStore, type DataStore, type NewHealthEvent } from '@/lib/store';
import { setUpOwnDatabase } from '@/lib/store/providers/postgres/schema/prepare-datastore';

import { createTestDatabase, testServers, type TestDatabase } from '../../support/test-databases';

const event = (at: number, nodeName = 'gpu-node-1'): NewHealthEvent => ({
  nodeName,
  agent: 'gpu-health-monitor',
  checkName: 'GpuXidError',
  createdAt: new Date(at),
});

describe('providers read model', () => {
  const databases: TestDatabase[] = [];
  const stores: DataStore[] = [];
  const now = Date.now();

  beforeAll(async () => {
    for (let index = 0; index < 2; index += 1) {
      const database = await createTestDatabase(testServers()[0]);
      databases.push(database);
      await setUpOwnDatabase(database.url);
      stores.push(await openDataStore({ provider: 'postgresql', connectionString: database.url }));
    }
    // The app's datastore has 5 events, the newest 10 s ago; the copy trails: 3, the newest 2 min ago.
    await stores[0]
      .healthEvents()
      .insertMany([
        event(now - 3 * 3_600_000),
        event(now - 300_000),
        event(now - 120_000),
        event(now - 60_000),
        event(now - 10_000),
      ]);
    await stores[1].healthEvents().insertMany([event(now - 3 * 3_600_000), event(now - 300_000), event(now - 120_000)]);
    await stores[0].consumers().register('fault-quarantine', { startAt: 'beginning' });
  });

  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await Promise.all(databases.map((database) => database.drop()));
  });

  const sources = (): DatastoreSource[] => [
    { id: 'primary', role: 'App datastore', target: 'a', open: async () => stores[0] },
    { id: 'secondary', role: 'Secondary datastore', target: 'b', open: async () => stores[1] },
    {
      id: 'broken',
      role: 'Broken',
      target: null,
      open: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:1');
      },
    },
  ];

  it('reads each datastore as a column: provider, ping, operations, pool, feed storage (the changelog), events and consumers', async () => {
    const view = await readProviders(sources(), { now });
    expect(view.datastores.map((column) => [column.id, column.status])).toEqual([
      ['primary', 'ok'],
      ['secondary', 'ok'],
      ['broken', 'down'],
    ]);
    const [primary] = view.datastores;
    expect(primary.provider).toBe('postgresql');
    expect(primary.capabilities).toEqual({ changelogRetention: true, exactDocumentsBehind: true, beforeImages: true });
    expect(primary.pingMs).toBeGreaterThanOrEqual(0);
    expect(primary.operations.map((operation) => operation.operation)).toEqual(
      expect.arrayContaining(['ping', 'healthEvents.count', 'healthEvents.insertMany']),
    );
    for (const operation of primary.operations) expect(operation.p50Ms).toBeLessThanOrEqual(operation.p99Ms);
    expect(primary.pool?.max).toBeGreaterThan(0);
    expect(primary.feedStorage).toEqual({
      kind: 'changelog',
      label: 'Changelog',
      rows: expect.any(Number),
      oldestAt: expect.any(Number),
      holdBackSeconds: expect.any(Number),
      heldBackRows: expect.any(Number),
    });
    // Five inserts went through NVSentinel's trigger: the oldest changelog row is theirs.
    expect((primary.feedStorage as { oldestAt: number }).oldestAt).toBeGreaterThan(now - 60_000);
    expect(primary.events).toEqual({ total: 5, lastHour: 4, newestAt: now - 10_000 });
    expect(primary.consumers?.map((consumer) => consumer.consumer)).toEqual(['fault-quarantine']);
    expect(primary.changeDetectionMs).toBeNull();
    expect(JSON.parse(JSON.stringify(view))).toEqual(view); // plain JSON for the route and the page
  });

  it('states the gap of a second datastore to the app’s', async () => {
    const [primary, secondary] = (await readProviders(sources(), { now })).datastores;
    expect(gapToReference(primary, secondary)).toEqual({ events: 2, newestSeconds: 110, lastHour: 2 });
  });

  it('shows an unreachable datastore with its error, and no figures', async () => {
    const broken = (await readProviders(sources(), { now })).datastores[2];
    expect(broken).toMatchObject({ status: 'down', provider: null, events: null, consumers: null, operations: [] });
    expect(broken.errors[0]).toContain('ECONNREFUSED');
  });

  it('counts all events at most every 30 s, and recounts after', async () => {
    const totals: TotalCountCache = new Map();
    const first = await readProviders(sources().slice(0, 1), { now, totals });
    await stores[0].healthEvents().insertMany([event(now - 5_000, 'gpu-node-2')]);
    const cached = await readProviders(sources().slice(0, 1), { now: now + 10_000, totals });
    const recounted = await readProviders(sources().slice(0, 1), { now: now + 31_000, totals });
    expect([first, cached, recounted].map((view) => view.datastores[0].events?.total)).toEqual([5, 5, 6]);
    expect(cached.datastores[0].events?.lastHour).toBe(5);
  });
});

// The event search of the store SDK (issue 19): the filter's search fields (an XID, an entity, the
// start of a node name) on find, count and countByNode, keyset paging through a search, and
// groupByNode. Part of the store contract (./store-contract.ts runs it on every provider).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { DataStore, HealthEventFilter, NewHealthEvent } from '@/lib/store';
import { ValidationError } from '@/lib/store';

import type { ContractTarget } from './store-contract';

let counter = 0;
/** A node-name stem no other test uses, so each test sees only its own events. */
const stem = () => `search-${Date.now().toString(36)}-${(counter++).toString(36)}`;

const gpu = (value: string) => ({ entityType: 'GPU', entityValue: value });

function xidEvent(nodeName: string, at: number, overrides: Partial<NewHealthEvent> = {}): NewHealthEvent {
  return {
    nodeName,
    agent: 'syslog-health-monitor',
    checkName: 'SysLogsXIDError',
    isFatal: true,
    errorCode: ['79'],
    entitiesImpacted: [gpu('3')],
    recommendedAction: 'RESTART_BM',
    createdAt: new Date(at),
    ...overrides,
  };
}

export function defineEventSearchContract(target: ContractTarget): void {
  describe(`event search on ${target.name}`, () => {
    let store: DataStore;
    let cleanup: () => Promise<void>;
    const now = Date.now();

    beforeAll(async () => {
      ({ store, cleanup } = await target.open());
    });

    afterAll(async () => {
      await store?.close();
      await cleanup?.();
    });

    const messages = async (filter: HealthEventFilter) =>
      (await store.healthEvents().find(filter, { limit: 1000 })).items.map((event) => event.healthEvent.message);

    it('finds the events carrying an XID, and only those, newest first', async () => {
      const node = stem();
      await store
        .healthEvents()
        .insertMany([
          xidEvent(node, now - 5_000, { message: 'xid 79' }),
          xidEvent(node, now - 4_000, { errorCode: ['48'], message: 'xid 48' }),
          xidEvent(node, now - 3_000, { errorCode: ['13', '79'], message: 'xid 13 and 79' }),
          xidEvent(node, now - 2_000, { errorCode: ['790'], message: 'xid 790' }),
          xidEvent(node, now - 1_000, { errorCode: [], checkName: 'GpuThermalWatch', message: 'no code' }),
        ]);
      expect(await messages({ nodeName: node, errorCode: '79' })).toEqual(['xid 13 and 79', 'xid 79']);
      expect(await messages({ nodeName: node, errorCode: '48' })).toEqual(['xid 48']);
      expect(await store.healthEvents().count({ nodeName: node, errorCode: '79' })).toBe(2);
      expect(await store.healthEvents().count({ nodeName: node, errorCode: '7' })).toBe(0);
    });

    it('finds the events of one entity: type and value exactly, among several entities', async () => {
      const node = stem();
      await store.healthEvents().insertMany([
        xidEvent(node, now - 5_000, { message: 'gpu 3' }),
        xidEvent(node, now - 4_000, { entitiesImpacted: [gpu('30')], message: 'gpu 30' }),
        xidEvent(node, now - 3_000, {
          entitiesImpacted: [{ entityType: 'NIC', entityValue: '3' }],
          message: 'nic 3',
        }),
        xidEvent(node, now - 2_000, {
          entitiesImpacted: [gpu('1'), { entityType: 'PCI', entityValue: '0000:3b:00.0' }, gpu('3')],
          message: 'gpu 1, pci, gpu 3',
        }),
        xidEvent(node, now - 1_000, { entitiesImpacted: [], message: 'no entity' }),
      ]);
      expect(await messages({ nodeName: node, entity: gpu('3') })).toEqual(['gpu 1, pci, gpu 3', 'gpu 3']);
      expect(await messages({ nodeName: node, entity: { entityType: 'NIC', entityValue: '3' } })).toEqual(['nic 3']);
      expect(await messages({ nodeName: node, entity: { entityType: 'PCI', entityValue: '0000:3b:00.0' } })).toEqual([
        'gpu 1, pci, gpu 3',
      ]);
      // A type's case is part of it, as NVSentinel's monitors write it.
      expect(await messages({ nodeName: node, entity: { entityType: 'gpu', entityValue: '3' } })).toEqual([]);
    });

    it('matches the start of a node name as text: no character is a wildcard', async () => {
      const base = stem();
      const names = [`${base}.1`, `${base}x1`, `${base}_2`, `${base}%3`, `${base}-a-1`, `${base}-a-2`, `other-${base}`];
      await store
        .healthEvents()
        .insertMany(names.map((name, index) => xidEvent(name, now - 10_000 + index, { message: name })));
      const nodes = async (nodePrefix: string) =>
        [...(await store.healthEvents().countByNode({ nodePrefix })).keys()].sort();
      expect(await nodes(`${base}.`)).toEqual([`${base}.1`]);
      expect(await nodes(`${base}_`)).toEqual([`${base}_2`]);
      expect(await nodes(`${base}%`)).toEqual([`${base}%3`]);
      expect(await nodes(`${base}-a-`)).toEqual([`${base}-a-1`, `${base}-a-2`]);
      expect(await nodes(base)).toEqual(names.filter((name) => name.startsWith(base)).sort());
      expect(await nodes(`${base}-a-1`)).toEqual([`${base}-a-1`]);
    });

    it('combines the search with severity, action and a time range, and pages through it without gaps or repeats', async () => {
      const base = stem();
      const events: NewHealthEvent[] = [];
      for (let index = 0; index < 30; index += 1) {
        events.push(
          xidEvent(`${base}-${index % 3}`, now - 60_000 + index * 1_000, {
            isFatal: index % 2 === 0,
            isHealthy: index % 10 === 9,
            recommendedAction: index % 5 === 0 ? 'CONTACT_SUPPORT' : 'RESTART_BM',
            message: `m${index}`,
          }),
        );
      }
      // The same XID outside the range, and another XID inside it.
      events.push(xidEvent(`${base}-0`, now - 3_600_000, { message: 'an hour ago' }));
      events.push(xidEvent(`${base}-1`, now - 30_000, { errorCode: ['48'], message: 'xid 48' }));
      await store.healthEvents().insertMany(events);
      const range = { from: new Date(now - 61_000), to: new Date(now) };
      const search = { nodePrefix: `${base}-`, errorCode: '79', ...range };

      const seen: string[] = [];
      let page = await store.healthEvents().find(search, { limit: 7 });
      for (;;) {
        seen.push(...page.items.map((event) => event.healthEvent.message));
        if (!page.next) break;
        page = await store.healthEvents().find(search, { limit: 7, after: page.next });
      }
      expect(seen).toEqual(Array.from({ length: 30 }, (_, index) => `m${29 - index}`));

      expect(await messages({ ...search, isFatal: true })).toEqual(
        Array.from({ length: 15 }, (_, index) => `m${28 - 2 * index}`),
      );
      expect(await messages({ ...search, isHealthy: true })).toEqual(['m29', 'm19', 'm9']);
      expect(await messages({ ...search, isFatal: false, isHealthy: false })).toEqual(
        Array.from({ length: 15 }, (_, index) => `m${29 - 2 * index}`).filter((m) => !['m29', 'm19', 'm9'].includes(m)),
      );
      expect(await messages({ ...search, recommendedAction: ['CONTACT_SUPPORT'] })).toEqual([
        'm25',
        'm20',
        'm15',
        'm10',
        'm5',
        'm0',
      ]);
      expect(await messages({ ...search, nodeName: `${base}-1`, entity: gpu('3') })).toEqual(
        Array.from({ length: 10 }, (_, index) => `m${28 - 3 * index}`),
      );
      expect(Object.fromEntries(await store.healthEvents().countByNode(search))).toEqual({
        [`${base}-0`]: 10,
        [`${base}-1`]: 10,
        [`${base}-2`]: 10,
      });
    });

    it('groups the matching events by node: counts, fatal, first and last, the entities, newest activity first', async () => {
      const base = stem();
      const [a, b, c] = [`${base}-a`, `${base}-b`, `${base}-c`];
      await store.healthEvents().insertMany([
        xidEvent(a, now - 50_000, { entitiesImpacted: [gpu('10')] }),
        xidEvent(a, now - 40_000, { entitiesImpacted: [gpu('2')], isFatal: false }),
        xidEvent(a, now - 30_000, { entitiesImpacted: [gpu('2')] }),
        xidEvent(b, now - 20_000, { entitiesImpacted: [gpu('7'), { entityType: 'NIC', entityValue: 'mlx5_0' }] }),
        xidEvent(c, now - 45_000, { entitiesImpacted: [] }),
        // Not matching: another XID on b, newer than all.
        xidEvent(b, now - 1_000, { errorCode: ['48'], entitiesImpacted: [gpu('5')] }),
      ]);
      const filter = { nodePrefix: `${base}-`, errorCode: '79', from: new Date(now - 60_000) };
      const result = await store.healthEvents().groupByNode(filter);
      expect(result.truncated).toBe(false);
      expect(result.groups).toEqual([
        {
          nodeName: b,
          count: 1,
          fatal: 1,
          firstAt: new Date(now - 20_000),
          lastAt: new Date(now - 20_000),
          entities: [gpu('7'), { entityType: 'NIC', entityValue: 'mlx5_0' }],
        },
        {
          nodeName: a,
          count: 3,
          fatal: 2,
          firstAt: new Date(now - 50_000),
          lastAt: new Date(now - 30_000),
          entities: [gpu('2'), gpu('10')],
        },
        {
          nodeName: c,
          count: 1,
          fatal: 1,
          firstAt: new Date(now - 45_000),
          lastAt: new Date(now - 45_000),
          entities: [],
        },
      ]);
      const firstTwo = await store.healthEvents().groupByNode(filter, { limit: 2 });
      expect(firstTwo).toEqual({ groups: result.groups.slice(0, 2), truncated: true });
      expect(await store.healthEvents().groupByNode({ ...filter, errorCode: '31' })).toEqual({
        groups: [],
        truncated: false,
      });
    });

    it('refuses a search field that is not what it says, naming it', async () => {
      const refused = async (work: () => Promise<unknown>) =>
        work().then(
          () => undefined,
          (error: unknown) => error,
        );
      const events = store.healthEvents();
      for (const [filter, field] of [
        [{ errorCode: '' }, 'filter.errorCode'],
        [{ errorCode: { $ne: null } }, 'filter.errorCode'],
        [{ entity: { entityType: 'GPU' } }, 'filter.entity'],
        [{ entity: { entityType: 'GPU', entityValue: { $gt: '' } } }, 'filter.entity'],
        [{ nodePrefix: '' }, 'filter.nodePrefix'],
        [{ nodePrefix: ['a'] }, 'filter.nodePrefix'],
      ] as [HealthEventFilter, string][]) {
        const error = await refused(() => events.find(filter));
        expect(error, JSON.stringify(filter)).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).field).toBe(field);
        expect(((await refused(() => events.groupByNode(filter))) as ValidationError).field).toBe(field);
      }
      for (const limit of [0, 10_001, 1.5]) {
        const error = await refused(() => events.groupByNode({}, { limit }));
        expect((error as ValidationError).field).toBe('limit');
      }
    });
  });
}

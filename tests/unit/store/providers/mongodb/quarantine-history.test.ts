// The Reliability page's read on MongoDB (HealthEventStore.quarantineHistory), run with mingo over
// documents in NVSentinel's shape (./documents.ts; no server here): the range's events that
// fault-quarantine decided, oldest first, from inclusive and to exclusive, with only the fields the
// figures read, and what was decided on a node before a range; the status decoded the way NVSentinel's Go writers store it (lowercase keys,
// {seconds, nanos} timestamps, faultremediated as {value} or a plain bool).
import { aggregate } from 'mingo';
import type { Document } from 'mongodb';
import { describe, expect, it } from 'vitest';

import type { MongoConnection } from '@/lib/store/providers/mongodb/mongo-connection';
import { MongoHealthEventStore } from '@/lib/store/providers/mongodb/mongo-health-event-store';
import { quarantineHistoryPipeline } from '@/lib/store/providers/mongodb/pipelines/health-event-queries';
import { ValidationError } from '@/lib/store';

import { nvsentinelDocument } from './documents';

const AT = (minute: number) => new Date(Date.UTC(2026, 11, 6, 10, minute));
const stamp = (minute: number) => ({ seconds: AT(minute).getTime() / 1000, nanos: 0 });

function storeOver(documents: Document[]) {
  const pipelines: Document[][] = [];
  const collection: { aggregate: (pipeline: Document[], options: Document) => { toArray: () => Promise<Document[]> } } =
    {
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
  return { store: new MongoHealthEventStore(connection), pipelines, collection };
}

const documents = [
  nvsentinelDocument({ node: 'a', createdAt: AT(0), status: { nodequarantined: 'Quarantined' } }), // before the range
  nvsentinelDocument({
    node: 'a',
    createdAt: AT(2),
    agent: 'gpu-health-monitor',
    check: 'GpuMemWatch',
    generatedSeconds: AT(1).getTime() / 1000,
    status: {
      nodequarantined: 'Quarantined',
      quarantinefinishtimestamp: stamp(3),
      userpodsevictionstatus: { status: 'Succeeded', message: '' },
      drainfinishtimestamp: stamp(5),
      faultremediated: { value: true },
      lastremediationtimestamp: stamp(9),
    },
  }),
  nvsentinelDocument({ node: 'b', createdAt: AT(3) }), // inserted, not decided yet: nodequarantined ""
  nvsentinelDocument({ node: 'b', createdAt: AT(4), status: { nodequarantined: 'Cancelled', faultremediated: false } }),
  nvsentinelDocument({ node: 'a', createdAt: AT(1), status: { nodequarantined: 'AlreadyQuarantined' } }),
  nvsentinelDocument({ node: 'a', createdAt: AT(6), healthy: true, status: { nodequarantined: 'UnQuarantined' } }),
  nvsentinelDocument({ node: 'a', createdAt: AT(10), status: { nodequarantined: 'Quarantined' } }), // at `to`: out
];
const range = { from: AT(1), to: AT(10) };

describe('quarantine history on MongoDB', () => {
  it('reads the decided events of [from, to), oldest first, with only the fields the figures read', async () => {
    const projected = aggregate(documents, quarantineHistoryPipeline(range)) as Document[];
    expect(projected.map((document) => document.healtheventstatus.nodequarantined)).toEqual([
      'AlreadyQuarantined',
      'Quarantined',
      'Cancelled',
      'UnQuarantined',
    ]);
    expect(Object.keys(projected[1]!.healthevent).sort()).toEqual([
      'agent',
      'checkname',
      'generatedtimestamp',
      'nodename',
    ]);
  });

  it('decodes the status as NVSentinel stores it', async () => {
    const { store } = storeOver(documents);
    const history = await store.quarantineHistory(range);
    expect(history[1]).toMatchObject({
      nodeName: 'a',
      agent: 'gpu-health-monitor',
      checkName: 'GpuMemWatch',
      createdAt: AT(2),
      generatedTimestamp: { seconds: AT(1).getTime() / 1000, nanos: 125_000_000 },
      status: {
        nodeQuarantined: 'Quarantined',
        quarantineFinishTimestamp: stamp(3),
        userPodsEvictionStatus: { status: 'Succeeded', message: '' },
        drainFinishTimestamp: stamp(5),
        faultRemediated: true,
        lastRemediationTimestamp: stamp(9),
      },
    });
    expect(history[2]).toMatchObject({
      nodeName: 'b',
      status: { nodeQuarantined: 'Cancelled', faultRemediated: false },
    });
  });

  it('matches on createdAt first, so NVSentinel’s createdAt index bounds the read', () => {
    const [first] = quarantineHistoryPipeline(range);
    expect(Object.keys(first.$match)[0]).toBe('createdAt');
  });

  it('reads, for the nodes asked, the last incident’s event and the last release stored before a time', async () => {
    const { store } = storeOver(documents);
    const decisions = (before: Date, nodes = ['a', 'b']) =>
      store
        .quarantineDecisionsBefore(nodes, before)
        .then((events) => events.map((event) => [event.nodeName, event.createdAt, event.status.nodeQuarantined]));
    // a: Quarantined at 0 and 2 (the newest), AlreadyQuarantined at 1 not asked for; b: Cancelled at 4.
    expect(await decisions(AT(6))).toEqual([
      ['a', AT(2), 'Quarantined'],
      ['b', AT(4), 'Cancelled'],
    ]);
    // a's release at 6, once before the time given.
    expect(await decisions(AT(7))).toEqual([
      ['a', AT(2), 'Quarantined'],
      ['b', AT(4), 'Cancelled'],
      ['a', AT(6), 'UnQuarantined'],
    ]);
    expect(await decisions(AT(7), ['b'])).toEqual([['b', AT(4), 'Cancelled']]);
    expect(await decisions(AT(7), [])).toEqual([]);
    await expect(store.quarantineDecisionsBefore(['a'], new Date('x'))).rejects.toThrow(/before: must be a valid date/);
  });

  it('a read the server stopped at its time limit says so and what to do', async () => {
    const { store, collection } = storeOver(documents);
    let options: Document | undefined;
    collection.aggregate = (_pipeline: Document[], given: Document) => {
      options = given;
      return {
        toArray: async () => {
          throw Object.assign(new Error('operation exceeded time limit'), { code: 50 });
        },
      };
    };
    await expect(store.quarantineHistory(range)).rejects.toThrow(
      'the read of quarantine decisions was stopped after 15 s, the longest it may run: choose a shorter range',
    );
    expect(options).toMatchObject({ maxTimeMS: 15_000 });
  });

  it('refuses a range that is not one: named', async () => {
    const { store, pipelines } = storeOver(documents);
    await expect(store.quarantineHistory({ from: AT(5), to: AT(5) })).rejects.toThrow(
      new ValidationError('range.to', 'must be after range.from'),
    );
    await expect(store.quarantineHistory({ from: new Date('x'), to: AT(5) })).rejects.toThrow(/range.from/);
    await expect(
      store.quarantineHistory({ from: new Date(AT(0).getTime() - 32 * 86_400_000), to: AT(0) }),
    ).rejects.toThrow(/at most 31 days/);
    expect(pipelines).toHaveLength(0);
  });
});

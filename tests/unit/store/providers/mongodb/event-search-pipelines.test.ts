// The MongoDB provider's event search, run in-process with mingo over documents in the shape
// NVSentinel's platform connector writes (lowercase keys, errorcode and entitiesimpacted lists or
// null, isfatal missing in some): the search fields inside healthEventMatch, and the per-node
// groups. The store contract runs the same against a real MongoDB when MONGODB_URI is set.
import { aggregate, find } from 'mingo';
import type { Document } from 'mongodb';
import { describe, expect, it } from 'vitest';

import type { HealthEventFilter } from '@/lib/store';
import { groupEntities } from '@/lib/store/event-search';
import { healthEventMatch } from '@/lib/store/providers/mongodb/pipelines/health-event-filter';
import { nodeGroupsPipeline } from '@/lib/store/providers/mongodb/pipelines/node-groups';

import { nvsentinelDocument } from './documents';

const at = (second: number) => new Date(Date.UTC(2026, 11, 6, 10, 0, second));

function document(
  node: string,
  second: number,
  message: string,
  fields: { codes?: string[] | null; entities?: { entitytype: string; entityvalue: string }[] | null; fatal?: boolean },
): Document {
  const stored = nvsentinelDocument({
    node,
    message,
    createdAt: at(second),
    entities: fields.entities,
    fatal: fields.fatal,
  });
  if (fields.codes !== undefined) stored.healthevent.errorcode = fields.codes;
  return stored;
}

const gpu = (value: string) => ({ entitytype: 'GPU', entityvalue: value });

const documents = [
  document('gpu-node-1', 1, 'xid 79 gpu 3', { codes: ['79'], entities: [gpu('3')] }),
  document('gpu-node-1', 2, 'xid 48 gpu 30', { codes: ['48'], entities: [gpu('30')] }),
  document('gpu-node-10', 3, 'xid 13+79, gpu 1 and gpu 3', { codes: ['13', '79'], entities: [gpu('1'), gpu('3')] }),
  document('gpu-node-2', 4, 'no codes (null), nic 3', {
    codes: null,
    entities: [{ entitytype: 'NIC', entityvalue: '3' }],
  }),
  document('gpu-node.2', 5, 'a dot in the name', { codes: ['79'], entities: null, fatal: false }),
  document('gpu-nodex2', 6, 'an x in the name', { codes: ['790'], entities: [gpu('3')] }),
];
// A writer that left isfatal out: it reads as not fatal.
delete documents[5].healthevent.isfatal;

const matching = (filter: HealthEventFilter) =>
  (find(documents, healthEventMatch(filter)).all() as Document[]).map((d) => d.healthevent.message);

describe('MongoDB event search filter', () => {
  it('matches an XID among the codes, never a longer code, and not a null list', () => {
    expect(matching({ errorCode: '79' })).toEqual(['xid 79 gpu 3', 'xid 13+79, gpu 1 and gpu 3', 'a dot in the name']);
    expect(matching({ errorCode: '7' })).toEqual([]);
  });

  it('matches an entity by type and value together, in any place of the list', () => {
    expect(matching({ entity: { entityType: 'GPU', entityValue: '3' } })).toEqual([
      'xid 79 gpu 3',
      'xid 13+79, gpu 1 and gpu 3',
      'an x in the name',
    ]);
    expect(matching({ entity: { entityType: 'NIC', entityValue: '3' } })).toEqual(['no codes (null), nic 3']);
    expect(matching({ entity: { entityType: 'GPU', entityValue: '1' }, errorCode: '79' })).toEqual([
      'xid 13+79, gpu 1 and gpu 3',
    ]);
  });

  it('takes a node-name prefix as text: a dot is a dot', () => {
    expect(matching({ nodePrefix: 'gpu-node.' })).toEqual(['a dot in the name']);
    expect(matching({ nodePrefix: 'gpu-node-1' })).toEqual([
      'xid 79 gpu 3',
      'xid 48 gpu 30',
      'xid 13+79, gpu 1 and gpu 3',
    ]);
    expect(matching({ nodePrefix: '.*' })).toEqual([]);
    expect(matching({ nodePrefix: 'gpu-node', errorCode: '79', isFatal: true })).toEqual([
      'xid 79 gpu 3',
      'xid 13+79, gpu 1 and gpu 3',
    ]);
  });

  it('puts no operator from an untyped caller into the query', () => {
    expect(() => healthEventMatch({ errorCode: { $exists: true } } as unknown as HealthEventFilter)).toThrow(
      'filter.errorCode',
    );
    expect(() => healthEventMatch({ nodePrefix: { $regex: '.' } } as unknown as HealthEventFilter)).toThrow(
      'filter.nodePrefix',
    );
  });
});

describe('MongoDB events grouped by node', () => {
  const groups = (filter: HealthEventFilter, limit = 500) =>
    aggregate(documents, nodeGroupsPipeline(filter, limit)) as Document[];

  it('counts per node, fatal ones, first and last, with the entity lists; newest activity first', () => {
    const rows = groups({ nodePrefix: 'gpu-node' });
    expect(rows.map((row) => row._id)).toEqual(['gpu-nodex2', 'gpu-node.2', 'gpu-node-2', 'gpu-node-10', 'gpu-node-1']);
    const first = rows.find((row) => row._id === 'gpu-node-1')!;
    expect(first).toMatchObject({ count: 2, fatal: 2, firstAt: at(1), lastAt: at(2) });
    expect(groupEntities(first.entities)).toEqual([
      { entityType: 'GPU', entityValue: '3' },
      { entityType: 'GPU', entityValue: '30' },
    ]);
    expect(rows.find((row) => row._id === 'gpu-nodex2')).toMatchObject({ count: 1, fatal: 0 });
    expect(rows.find((row) => row._id === 'gpu-node.2')).toMatchObject({ count: 1, fatal: 0 });
    expect(groupEntities(rows.find((row) => row._id === 'gpu-node.2')!.entities)).toEqual([]);
  });

  it('reads one node more than asked, so the store can say more matched', () => {
    expect(groups({ errorCode: '79' }, 1).map((row) => row._id)).toEqual(['gpu-node.2', 'gpu-node-10']);
  });
});

describe('entities of a group', () => {
  it('merges the lists, each entity once, numbers in number order, either key casing, at most 16', () => {
    expect(
      groupEntities([
        [{ entityType: 'GPU', entityValue: '10' }],
        [gpu('2'), { entitytype: 'NIC', entityvalue: 'mlx5_1' }],
        [{ entityType: 'GPU', entityValue: '2' }],
        null,
        [null, 'text'],
      ]),
    ).toEqual([
      { entityType: 'GPU', entityValue: '2' },
      { entityType: 'GPU', entityValue: '10' },
      { entityType: 'NIC', entityValue: 'mlx5_1' },
    ]);
    const many = Array.from({ length: 40 }, (_, index) => [gpu(String(index))]);
    expect(groupEntities(many).map((entity) => entity.entityValue)).toEqual(
      Array.from({ length: 16 }, (_, index) => String(index)),
    );
  });
});

// Change stream documents, as the server sends them, to the SDK's changes; lag figures from a
// position, the cluster time and a scan; dead letters kept so a retry gets the same change.
import { ObjectId, type Document } from 'mongodb';
import { describe, expect, it } from 'vitest';

import type { ChangeEvent } from '@/lib/store';
import { decodeChange } from '@/lib/store/providers/mongodb/feed/change-decoder';
import { lagFigures, type LagInput } from '@/lib/store/providers/mongodb/feed/consumer-lag-figures';
import { activeLoss } from '@/lib/store/providers/mongodb/feed/mongo-consumer-registry';
import { toDeadLetter, toDocument } from '@/lib/store/providers/mongodb/mongo-dead-letter-store';

import { nvsentinelDocument } from './documents';

const watched = { healthEvents: 'HealthEvents', maintenanceEvents: 'MaintenanceEvents' };
const TOKEN = '826275077A000000012B042C0100296E5A1004';

function change(overrides: Document): Document {
  return {
    _id: { _data: TOKEN },
    ns: { db: 'HealthEventsDatabase', coll: 'HealthEvents' },
    clusterTime: undefined,
    ...overrides,
  };
}

describe('MongoDB change decoding', () => {
  it('delivers an update with the looked-up document and the pre-image as before', () => {
    const before = nvsentinelDocument({ node: 'n1' });
    const after = { ...before, healtheventstatus: { ...before.healtheventstatus, nodequarantined: 'Quarantined' } };
    const wallTime = new Date('2025-11-21T04:41:00.123Z');
    const decoded = decodeChange(
      change({
        operationType: 'update',
        documentKey: { _id: before._id },
        fullDocument: after,
        fullDocumentBeforeChange: before,
        wallTime,
      }),
      watched,
    );
    expect(decoded).toMatchObject({
      kind: 'change',
      change: {
        position: TOKEN,
        operation: 'update',
        collection: 'healthEvents',
        recordId: (before._id as ObjectId).toHexString(),
        committedAt: wallTime,
        document: { status: { nodeQuarantined: 'Quarantined' } },
        before: { status: { nodeQuarantined: null } },
      },
    });
  });

  it('reads a replace as an update, a delete without a document, and dates a change by its token when the server sends no wall time', () => {
    const id = new ObjectId();
    const replaced = decodeChange(
      change({ operationType: 'replace', documentKey: { _id: id }, fullDocument: nvsentinelDocument({ node: 'n' }) }),
      watched,
    );
    expect(replaced).toMatchObject({
      kind: 'change',
      change: { operation: 'update', committedAt: new Date(1_651_836_794_000) },
    });
    const deleted = decodeChange(change({ operationType: 'delete', documentKey: { _id: id } }), watched);
    expect(deleted).toMatchObject({
      kind: 'change',
      change: { operation: 'delete', document: null, before: null, recordId: id.toHexString() },
    });
  });

  it('decodes maintenance changes, skips other collections and operations, and reports an invalidate', () => {
    const maintenance = decodeChange(
      change({
        operationType: 'insert',
        ns: { coll: 'MaintenanceEvents' },
        documentKey: { _id: new ObjectId() },
        fullDocument: { eventId: 'aws-1', status: 'DETECTED', csp: 'aws' },
      }),
      watched,
    );
    expect(maintenance).toMatchObject({
      kind: 'change',
      change: { collection: 'maintenanceEvents', document: { eventId: 'aws-1', status: 'DETECTED' } },
    });
    expect(decodeChange(change({ operationType: 'insert', ns: { coll: 'ConsoleConsumers' } }), watched)).toEqual({
      kind: 'skip',
    });
    expect(decodeChange(change({ operationType: 'drop' }), watched)).toEqual({ kind: 'skip' });
    // An operation type named like an Object.prototype member is skipped like any unknown one.
    for (const operationType of ['constructor', '__proto__', 'toString'])
      expect(decodeChange(change({ operationType }), watched)).toEqual({ kind: 'skip' });
    expect(decodeChange(change({ operationType: 'invalidate' }), watched)).toEqual({ kind: 'invalidate' });
  });

  it('delivers a document in an unexpected shape with malformed set and the raw document kept', () => {
    const raw = { _id: new ObjectId(), createdAt: new Date(), something: 'else' };
    const decoded = decodeChange(
      change({ operationType: 'insert', documentKey: { _id: raw._id }, fullDocument: raw }),
      watched,
    );
    expect(decoded).toMatchObject({
      kind: 'change',
      change: { document: null, malformed: { error: expect.stringMatching(/^healthevent: is missing/), raw } },
    });
  });

  it('delivers an update or delete whose pre-image alone cannot be read, with before null, not malformed', () => {
    // Were it malformed, the change would be dead-lettered and the stored update would never reach the node views.
    const after = nvsentinelDocument({ node: 'n1' });
    const unreadable = { _id: after._id, createdAt: new Date(), something: 'else' };
    const update = decodeChange(
      change({
        operationType: 'update',
        documentKey: { _id: after._id },
        fullDocument: after,
        fullDocumentBeforeChange: unreadable,
      }),
      watched,
    );
    expect(update).toMatchObject({
      kind: 'change',
      change: { operation: 'update', document: { healthEvent: { nodeName: 'n1' } }, before: null },
    });
    expect(Object.keys((update as { change: object }).change)).not.toContain('malformed');
    const removal = decodeChange(
      change({ operationType: 'delete', documentKey: { _id: after._id }, fullDocumentBeforeChange: unreadable }),
      watched,
    );
    expect(removal).toMatchObject({
      kind: 'change',
      change: { operation: 'delete', recordId: (after._id as ObjectId).toHexString(), document: null, before: null },
    });
    expect(Object.keys((removal as { change: object }).change)).not.toContain('malformed');
  });
});

describe('MongoDB consumer lag figures', () => {
  const clusterTime = new Date('2025-11-21T05:00:10Z');
  const base: LagInput = {
    consumer: 'fault-quarantine',
    position: TOKEN,
    positionTime: new Date('2025-11-21T05:00:00Z'),
    clusterTime,
    scan: { count: 0, complete: true, firstAt: null, lastAt: null },
    lostMark: null,
    lastAckAt: null,
    lastSeenAt: null,
  };

  it('reports a caught-up consumer as 0 behind however old its position is', () => {
    expect(lagFigures({ ...base, positionTime: new Date('2025-11-01T00:00:00Z') })).toMatchObject({
      lagSeconds: 0,
      documentsBehind: 0,
      positionKnown: true,
      positionLost: null,
      documentsBehindEstimated: true,
      documentsBehindCapped: false,
    });
  });

  it('counts seconds behind from the oldest unread change to the newest known time', () => {
    const scan = {
      count: 2,
      complete: true,
      firstAt: new Date('2025-11-21T05:00:08.900Z'),
      lastAt: new Date('2025-11-21T05:00:10.400Z'),
    };
    // The cluster time says 05:00:10 (whole seconds); the newest change read is more precise.
    expect(lagFigures({ ...base, scan })).toMatchObject({ lagSeconds: 1.5, documentsBehind: 2, headTime: scan.lastAt });
    expect(lagFigures({ ...base, scan: { ...scan, complete: false } }).documentsBehindCapped).toBe(true);
  });

  it('reports a lost position as lost and unknown, never as caught up', () => {
    const lostByScan = lagFigures({
      ...base,
      scan: { count: 0, complete: false, firstAt: null, lastAt: null, lost: 'ChangeStreamHistoryLost: gone' },
    });
    expect(lostByScan).toMatchObject({
      positionKnown: false,
      lagSeconds: null,
      documentsBehind: null,
      position: null,
      positionLost: { reason: 'ChangeStreamHistoryLost: gone' },
    });
    const marked = lagFigures({ ...base, scan: null, lostMark: { at: new Date(0), reason: 'recorded earlier' } });
    expect(marked).toMatchObject({
      positionKnown: false,
      positionLost: { at: new Date(0), reason: 'recorded earlier' },
    });
  });
});

describe('MongoDB lost positions', () => {
  const at = new Date('2025-11-21T06:00:00Z');
  const consumer = {
    _id: 'fault-quarantine',
    positionLostAt: at,
    positionLostReason: 'ChangeStreamHistoryLost',
    positionLostToken: TOKEN,
  };

  it('stays lost while the lost token is still the stored one, and clears once another token was stored', () => {
    expect(activeLoss(consumer, TOKEN)).toEqual({ at, reason: 'ChangeStreamHistoryLost' });
    // NVSentinel's own component deleted the stale token and started again from now.
    expect(activeLoss(consumer, '826275077B000000012B042C0100296E5A1004')).toBeNull();
    expect(activeLoss({ _id: 'c', positionLostAt: at, positionLostToken: null }, undefined)).toMatchObject({ at });
    expect(activeLoss({ _id: 'c' }, TOKEN)).toBeNull();
  });
});

describe('MongoDB dead letters', () => {
  it('keeps the change so a retry hands the handler the same input, dates included', () => {
    const document = nvsentinelDocument({ node: 'n' });
    document.healthevent.metadata = { 'nvidia.com/gpu.product': 'H100', $odd: 'key' };
    const original = {
      position: TOKEN,
      operation: 'insert',
      collection: 'healthEvents',
      recordId: 'r1',
      committedAt: new Date('2025-11-21T04:00:00.5Z'),
      document: {
        recordId: 'r1',
        createdAt: new Date('2025-11-21T04:00:00Z'),
        healthEvent: { metadata: document.healthevent.metadata },
      },
      before: null,
    } as unknown as ChangeEvent;
    const stored = toDocument({
      consumer: 'node-drainer',
      change: original,
      error: 'Error: boom',
      attempts: 3,
      firstFailedAt: new Date(1),
    });
    const letter = toDeadLetter({ ...stored, _id: new ObjectId() });
    expect(letter).toMatchObject({
      consumer: 'node-drainer',
      status: 'dead',
      attempts: 3,
      operation: 'insert',
      recordId: 'r1',
      position: TOKEN,
    });
    expect(letter.change).toEqual(original);
    expect(letter.change.committedAt).toBeInstanceOf(Date);
  });
});

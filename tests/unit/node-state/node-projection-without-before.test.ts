// The node projection fed changes without `before`, as MongoDB delivers them when change-stream
// pre-images are off (capabilities.beforeImages false): the same views as with `before`, and a
// late write to an event of a closed session neither reopens nor closes a session.
import { describe, expect, it } from 'vitest';

import { NodeProjection } from '@/lib/node-state/node-projection';
import type { NodeState } from '@/lib/node-state/node-view';
import {
  toCheckLatest,
  type ChangeEvent,
  type HealthEvent,
  type HealthEventStatus,
  type HealthEventWithStatus,
} from '@/lib/store';

import { insertedChange, storedEvent } from '../../support/stored-health-event';

let entity = 0;
/** Each fault on its own GPU, so every event is a check of its own unless a test says otherwise. */
const stored = (node: string, fields: Partial<HealthEvent> = {}) =>
  storedEvent(node, { entitiesImpacted: [{ entityType: 'GPU', entityValue: String((entity += 1) % 8) }], ...fields });

/** What a viewer should see after a change, written out by hand: the node's state and whose session it is. */
interface Expected {
  node: string;
  state: NodeState;
  session: string | null;
}

/**
 * A small store of events: each write returns the change with `before`, as PostgreSQL delivers it.
 * `shows(state, session)` names what the node must show after the last change, so a rule that is
 * wrong the same way with and without `before` still fails.
 */
class History {
  readonly events = new Map<string, HealthEventWithStatus>();
  readonly changes: ChangeEvent[] = [];
  readonly expected = new Map<ChangeEvent, Expected>();

  shows(state: NodeState, session: HealthEventWithStatus | null = null): this {
    const change = this.changes.at(-1)!;
    const node = change.collection === 'healthEvents' ? change.document!.healthEvent.nodeName : '';
    this.expected.set(change, { node, state, session: session?.recordId ?? null });
    return this;
  }

  insert(document: HealthEventWithStatus): HealthEventWithStatus {
    this.events.set(document.recordId, document);
    this.changes.push(insertedChange(document, `p${this.changes.length}`));
    return document;
  }

  update(recordId: string, status: Partial<HealthEventStatus>): this {
    const before = this.events.get(recordId)!;
    const after = { ...before, status: { ...before.status, ...status } };
    this.events.set(recordId, after);
    this.changes.push({
      position: `p${this.changes.length}`,
      operation: 'update',
      collection: 'healthEvents',
      recordId,
      committedAt: new Date(),
      document: after,
      before,
    });
    return this;
  }
}

const withoutBefore = (change: ChangeEvent): ChangeEvent => ({ ...change, before: null }) as ChangeEvent;
const comparable = (projection: NodeProjection) =>
  projection
    .views()
    .map((view) => ({ ...view, stateSince: 0, releasedAt: view.releasedAt === null ? null : 'set' }))
    .sort((a, b) => a.name.localeCompare(b.name));

/**
 * Applies the history's changes to two projections, with and without `before`: after every change
 * each shows the state written out by hand, and the two views are the same.
 */
function replayBothWays(history: History): { withBefore: NodeProjection; without: NodeProjection } {
  const withBefore = new NodeProjection();
  const without = new NodeProjection();
  for (const change of history.changes) {
    withBefore.apply(change);
    without.apply(withoutBefore(change));
    const step = `after ${change.position} (${change.operation} ${change.recordId})`;
    const expected = history.expected.get(change);
    expect(expected, `${step}: the test names the state expected after every change`).toBeDefined();
    const seen = (projection: NodeProjection) => {
      const view = projection.get(expected!.node);
      return { node: expected!.node, state: view?.state, session: view?.session?.recordId ?? null };
    };
    expect(seen(withBefore), `${step}, with before`).toEqual(expected);
    expect(seen(without), `${step}, without before`).toEqual(expected);
    expect(comparable(without), step).toEqual(comparable(withBefore));
  }
  return { withBefore, without };
}

describe('node projection without `before` (MongoDB without pre-images)', () => {
  it('follows quarantine, drain, remediation, recovery, a release by hand and a second session exactly as with `before`', () => {
    const h = new History();
    const fault = h.insert(stored('gpu-a'));
    h.shows('unhealthy');
    h.update(fault.recordId, { nodeQuarantined: 'Quarantined' }).shows('quarantined', fault);
    const second = h.insert(stored('gpu-a', { checkName: 'GpuMemWatch' }));
    h.shows('quarantined', fault);
    h.update(second.recordId, { nodeQuarantined: 'AlreadyQuarantined' }).shows('quarantined', fault);
    h.update(fault.recordId, { userPodsEvictionStatus: { status: 'InProgress', message: '' } }).shows(
      'draining',
      fault,
    );
    h.update(second.recordId, { userPodsEvictionStatus: { status: 'AlreadyDrained', message: '' } }).shows(
      'draining',
      fault,
    );
    h.update(fault.recordId, { userPodsEvictionStatus: { status: 'Succeeded', message: '' } }).shows(
      'remediating',
      fault,
    );
    h.update(fault.recordId, { faultRemediated: true }).shows('remediated', fault);
    // Both faults recover: fault-quarantine releases the node on the last recovery.
    const recoveryA = h.insert(
      stored('gpu-a', { isFatal: false, isHealthy: true, entitiesImpacted: fault.healthEvent.entitiesImpacted }),
    );
    h.shows('remediated', fault);
    const recoveryB = h.insert(
      stored('gpu-a', {
        isFatal: false,
        isHealthy: true,
        checkName: 'GpuMemWatch',
        entitiesImpacted: second.healthEvent.entitiesImpacted,
      }),
    );
    h.shows('remediated', fault);
    h.update(recoveryB.recordId, { nodeQuarantined: 'UnQuarantined' }).shows('healthy');
    // A late write to the old session's event (a remediation record arriving late) must not reopen it.
    h.update(second.recordId, { faultRemediated: true }).shows('healthy');
    // A new session, released by hand (its events Cancelled), then the drainer's late write on a cancelled event.
    const third = h.insert(stored('gpu-a', { message: 'again' }));
    h.shows('unhealthy');
    h.update(third.recordId, { nodeQuarantined: 'Quarantined' }).shows('quarantined', third);
    const fourth = h.insert(stored('gpu-a', { checkName: 'GpuThermalWatch' }));
    h.shows('quarantined', third);
    h.update(fourth.recordId, { nodeQuarantined: 'AlreadyQuarantined' }).shows('quarantined', third);
    h.update(third.recordId, { nodeQuarantined: 'Cancelled' }).shows('released');
    h.update(fourth.recordId, { nodeQuarantined: 'Cancelled' }).shows('released');
    // A fifth fault opens a new session; then the drainer cancels the released events' drains.
    const fifth = h.insert(stored('gpu-a', { message: 'fifth' }));
    h.shows('released');
    h.update(fifth.recordId, { nodeQuarantined: 'Quarantined' }).shows('quarantined', fifth);
    h.update(third.recordId, { userPodsEvictionStatus: { status: 'Cancelled', message: 'released' } }).shows(
      'quarantined',
      fifth,
    );
    h.update(fourth.recordId, { userPodsEvictionStatus: { status: 'Cancelled', message: 'released' } }).shows(
      'quarantined',
      fifth,
    );
    h.update(fifth.recordId, { userPodsEvictionStatus: { status: 'InProgress', message: '' } }).shows(
      'draining',
      fifth,
    );

    const { without } = replayBothWays(h);
    expect(recoveryA.healthEvent.isHealthy).toBe(true);
    expect(without.get('gpu-a')).toMatchObject({
      state: 'draining',
      session: { recordId: fifth.recordId, reason: 'fifth' },
    });
  });

  it('keeps the newer session when an older event is decided Quarantined late, treats AlreadyDrained as drained, and never remediates UNKNOWN', () => {
    const h = new History();
    const older = h.insert(stored('gpu-o', { message: 'older fault' }));
    h.shows('unhealthy');
    const newer = h.insert(stored('gpu-o', { checkName: 'GpuMemWatch', message: 'newer fault' }));
    h.shows('unhealthy');
    h.update(newer.recordId, { nodeQuarantined: 'Quarantined' }).shows('quarantined', newer);
    h.update(newer.recordId, { userPodsEvictionStatus: { status: 'AlreadyDrained', message: '' } }).shows(
      'remediating',
      newer,
    );
    h.update(older.recordId, { nodeQuarantined: 'Quarantined' }).shows('remediating', newer);
    h.update(newer.recordId, { faultRemediated: true }).shows('remediated', newer);
    const unknownAction = h.insert(stored('gpu-p', { recommendedAction: 'UNKNOWN' }));
    h.shows('unhealthy');
    h.update(unknownAction.recordId, { nodeQuarantined: 'Quarantined' }).shows('quarantined', unknownAction);
    h.update(unknownAction.recordId, { userPodsEvictionStatus: { status: 'Succeeded', message: '' } }).shows(
      'quarantined',
      unknownAction,
    );
    replayBothWays(h);
  });

  it('an event inserted with its decision already set counts as a new decision, however old it is', () => {
    const h = new History();
    const fault = h.insert(stored('gpu-i'));
    h.shows('unhealthy');
    h.update(fault.recordId, { nodeQuarantined: 'Quarantined' }).shows('quarantined', fault);
    const recovery = h.insert(
      stored('gpu-i', { isFatal: false, isHealthy: true, entitiesImpacted: fault.healthEvent.entitiesImpacted }),
    );
    h.shows('quarantined', fault);
    h.update(recovery.recordId, { nodeQuarantined: 'UnQuarantined' }).shows('healthy');
    // Written with its decision, and stored before the release (older than the node's newest decision).
    const decided = storedEvent(
      'gpu-i',
      { entitiesImpacted: [{ entityType: 'GPU', entityValue: '7' }] },
      { at: fault.createdAt.getTime() + 1, status: { nodeQuarantined: 'Quarantined' } },
    );
    h.insert(decided);
    h.shows('quarantined', decided);
    replayBothWays(h);
  });

  it('an event stored in the same millisecond as the newest decision is not older than it: its first decision counts', () => {
    const h = new History();
    const first = h.insert(stored('gpu-j'));
    h.shows('unhealthy');
    // Two events of one transaction share their creation time.
    const twin = storedEvent(
      'gpu-j',
      { checkName: 'GpuMemWatch', entitiesImpacted: [{ entityType: 'GPU', entityValue: '6' }] },
      { at: first.createdAt.getTime() },
    );
    h.insert(twin);
    h.shows('unhealthy');
    h.update(first.recordId, { nodeQuarantined: 'Quarantined' }).shows('quarantined', first);
    h.update(twin.recordId, { nodeQuarantined: 'Quarantined' }).shows('quarantined', twin);
    replayBothWays(h);
  });

  it("only quarantine sessions' decisions date the newest decision: a newer AlreadyQuarantined does not make a later decision on an older event a repeat", () => {
    const h = new History();
    const fault = h.insert(stored('gpu-k'));
    h.shows('unhealthy');
    h.update(fault.recordId, { nodeQuarantined: 'Quarantined' }).shows('quarantined', fault);
    const middle = h.insert(stored('gpu-k', { checkName: 'GpuMemWatch', message: 'middle' }));
    h.shows('quarantined', fault);
    const newest = h.insert(stored('gpu-k', { checkName: 'GpuThermalWatch' }));
    h.shows('quarantined', fault);
    h.update(newest.recordId, { nodeQuarantined: 'AlreadyQuarantined' }).shows('quarantined', fault);
    // fault-quarantine decides the middle event late: newer than the session's event, so it takes the session over.
    h.update(middle.recordId, { nodeQuarantined: 'Quarantined' }).shows('quarantined', middle);
    replayBothWays(h);
  });

  it("remembers the decisions of a node's 16 most recent decided events, no more: a repeated release on one of them is no new release", () => {
    /**
     * A session released by hand on its event; a new one opened on an event stored in the same
     * millisecond (so neither is older than the newest decision); `others` more decided events;
     * then the drainer's late write on the released event, without `before`.
     */
    const replay = (others: number) => {
      const h = new History();
      const released = h.insert(stored('gpu-l', { message: 'released' }));
      const twin = h.insert(
        storedEvent(
          'gpu-l',
          { checkName: 'GpuMemWatch', message: 'twin', entitiesImpacted: [{ entityType: 'GPU', entityValue: '5' }] },
          { at: released.createdAt.getTime() },
        ),
      );
      h.update(released.recordId, { nodeQuarantined: 'Quarantined' });
      h.update(released.recordId, { nodeQuarantined: 'Cancelled' });
      h.update(twin.recordId, { nodeQuarantined: 'Quarantined' });
      for (let i = 0; i < others; i += 1) {
        const other = h.insert(stored('gpu-l', { checkName: `Check${i}` }));
        h.update(other.recordId, { nodeQuarantined: 'AlreadyQuarantined' });
      }
      h.update(released.recordId, { userPodsEvictionStatus: { status: 'Cancelled', message: 'released' } });
      const projection = new NodeProjection();
      for (const change of h.changes) projection.apply(withoutBefore(change));
      return projection.get('gpu-l');
    };
    expect(replay(0)).toMatchObject({ state: 'quarantined', session: { reason: 'twin' } });
    // 14 others: 16 decided events, the released one among them.
    expect(replay(14)).toMatchObject({ state: 'quarantined', session: { reason: 'twin' } });
    // 15 others: it is the 17th back and forgotten (the memory is bounded per node); as an event
    // never seen decided and not older than the newest decision, its Cancelled reads as new.
    expect(replay(15)).toMatchObject({ state: 'released', session: null });
  });

  it('a late write to an event of a closed session does not reopen it', () => {
    const projection = new NodeProjection();
    const h = new History();
    const fault = h.insert(stored('gpu-b'));
    h.update(fault.recordId, { nodeQuarantined: 'Quarantined' });
    const recovery = h.insert(
      stored('gpu-b', { isFatal: false, isHealthy: true, entitiesImpacted: fault.healthEvent.entitiesImpacted }),
    );
    h.update(recovery.recordId, { nodeQuarantined: 'UnQuarantined' });
    h.update(fault.recordId, { userPodsEvictionStatus: { status: 'Succeeded', message: '' } });
    for (const change of h.changes) projection.apply(withoutBefore(change));
    expect(projection.get('gpu-b')).toMatchObject({ state: 'healthy', session: null });
  });

  it('after a snapshot load, a late write to an event older than the newest decision changes nothing', () => {
    const old = stored('gpu-c', { message: 'old session' });
    const oldQuarantined = { ...old, status: { ...old.status, nodeQuarantined: 'Quarantined' as const } };
    const release = stored('gpu-c', {
      isFatal: false,
      isHealthy: true,
      entitiesImpacted: old.healthEvent.entitiesImpacted,
    });
    const released = { ...release, status: { ...release.status, nodeQuarantined: 'UnQuarantined' as const } };
    const projection = new NodeProjection();
    projection.load({
      latestPerCheck: [released].map(toCheckLatest),
      decisions: [released],
      latestPerNode: [released],
      fatalCounts: new Map([['gpu-c', 1]]),
    });
    expect(projection.get('gpu-c')?.state).toBe('healthy');

    // The old session's event gets its drain result late; the change carries no `before`.
    const late = {
      ...oldQuarantined,
      status: { ...oldQuarantined.status, userPodsEvictionStatus: { status: 'Succeeded' as const, message: '' } },
    };
    expect(
      projection.apply({
        position: 'x',
        operation: 'update',
        collection: 'healthEvents',
        recordId: late.recordId,
        committedAt: new Date(),
        document: late,
        before: null,
      }),
    ).toEqual([]);
    expect(projection.get('gpu-c')).toMatchObject({ state: 'healthy', session: null });

    // A newer event quarantined after the load does open a session.
    const next = stored('gpu-c', { message: 'new session' });
    projection.apply({
      position: 'y',
      operation: 'insert',
      collection: 'healthEvents',
      recordId: next.recordId,
      committedAt: next.createdAt,
      document: next,
      before: null,
    });
    const decided = { ...next, status: { ...next.status, nodeQuarantined: 'Quarantined' as const } };
    projection.apply({
      position: 'z',
      operation: 'update',
      collection: 'healthEvents',
      recordId: next.recordId,
      committedAt: new Date(),
      document: decided,
      before: null,
    });
    expect(projection.get('gpu-c')).toMatchObject({ state: 'quarantined', session: { reason: 'new session' } });
  });

  it('a session loaded from the snapshot follows its drain without `before`, and ends on release', () => {
    const fault = stored('gpu-d');
    const quarantined = { ...fault, status: { ...fault.status, nodeQuarantined: 'Quarantined' as const } };
    const projection = new NodeProjection();
    projection.load({
      latestPerCheck: [toCheckLatest(quarantined)],
      decisions: [quarantined],
      latestPerNode: [quarantined],
      fatalCounts: new Map([['gpu-d', 1]]),
    });
    const draining = {
      ...quarantined,
      status: { ...quarantined.status, userPodsEvictionStatus: { status: 'InProgress' as const, message: '' } },
    };
    projection.apply({
      position: 'a',
      operation: 'update',
      collection: 'healthEvents',
      recordId: fault.recordId,
      committedAt: new Date(),
      document: draining,
      before: null,
    });
    expect(projection.get('gpu-d')?.state).toBe('draining');
    const cancelled = { ...draining, status: { ...draining.status, nodeQuarantined: 'Cancelled' as const } };
    projection.apply({
      position: 'b',
      operation: 'update',
      collection: 'healthEvents',
      recordId: fault.recordId,
      committedAt: new Date(),
      document: cancelled,
      before: null,
    });
    expect(projection.get('gpu-d')).toMatchObject({ state: 'released', session: null });
  });
});

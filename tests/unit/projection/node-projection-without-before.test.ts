// The node projection fed changes without `before`, as MongoDB delivers them when change-stream
// pre-images are off (capabilities.beforeImages false): the same views as with `before`, and a
// late write to an event of a closed session neither reopens nor closes a session.
import { describe, expect, it } from 'vitest';

import { NodeProjection } from '@/lib/projection/node-projection';
import { toCheckLatest, type ChangeEvent, type HealthEvent, type HealthEventStatus, type HealthEventWithStatus } from '@/lib/store';

import { storedEvent } from '../../support/stored-health-event';

let entity = 0;
/** Each fault on its own GPU, so every event is a check of its own unless a test says otherwise. */
const stored = (node: string, fields: Partial<HealthEvent> = {}) => storedEvent(node, { entitiesImpacted: [{ entityType: 'GPU', entityValue: String((entity += 1) % 8) }], ...fields });

/** A small store of events: each write returns the change with `before`, as PostgreSQL delivers it. */
class History {
  readonly events = new Map<string, HealthEventWithStatus>();
  readonly changes: ChangeEvent[] = [];

  insert(document: HealthEventWithStatus): HealthEventWithStatus {
    this.events.set(document.recordId, document);
    this.changes.push({ position: `p${this.changes.length}`, operation: 'insert', collection: 'healthEvents', recordId: document.recordId, committedAt: document.createdAt, document, before: null });
    return document;
  }

  update(recordId: string, status: Partial<HealthEventStatus>): HealthEventWithStatus {
    const before = this.events.get(recordId)!;
    const after = { ...before, status: { ...before.status, ...status } };
    this.events.set(recordId, after);
    this.changes.push({ position: `p${this.changes.length}`, operation: 'update', collection: 'healthEvents', recordId, committedAt: new Date(), document: after, before });
    return after;
  }
}

const withoutBefore = (change: ChangeEvent): ChangeEvent => ({ ...change, before: null }) as ChangeEvent;
const comparable = (projection: NodeProjection) => projection.views().map((view) => ({ ...view, stateSince: 0, releasedAt: view.releasedAt === null ? null : 'set' })).sort((a, b) => a.name.localeCompare(b.name));

/** Applies the history's changes to two projections, with and without `before`, comparing the views after every change. */
function replayBothWays(history: History): { withBefore: NodeProjection; without: NodeProjection } {
  const withBefore = new NodeProjection();
  const without = new NodeProjection();
  for (const change of history.changes) {
    withBefore.apply(change);
    without.apply(withoutBefore(change));
    expect(comparable(without), `after ${change.position} (${change.operation} ${change.recordId})`).toEqual(comparable(withBefore));
  }
  return { withBefore, without };
}

describe('node projection without `before` (MongoDB without pre-images)', () => {
  it('follows quarantine, drain, remediation, recovery, a release by hand and a second session exactly as with `before`', () => {
    const h = new History();
    const fault = h.insert(stored('gpu-a'));
    h.update(fault.recordId, { nodeQuarantined: 'Quarantined' });
    const second = h.insert(stored('gpu-a', { checkName: 'GpuMemWatch' }));
    h.update(second.recordId, { nodeQuarantined: 'AlreadyQuarantined' });
    h.update(fault.recordId, { userPodsEvictionStatus: { status: 'InProgress', message: '' } });
    h.update(second.recordId, { userPodsEvictionStatus: { status: 'AlreadyDrained', message: '' } });
    h.update(fault.recordId, { userPodsEvictionStatus: { status: 'Succeeded', message: '' } });
    h.update(fault.recordId, { faultRemediated: true });
    // Both faults recover: fault-quarantine releases the node on the last recovery.
    const recoveryA = h.insert(stored('gpu-a', { isFatal: false, isHealthy: true, entitiesImpacted: fault.healthEvent.entitiesImpacted }));
    const recoveryB = h.insert(stored('gpu-a', { isFatal: false, isHealthy: true, checkName: 'GpuMemWatch', entitiesImpacted: second.healthEvent.entitiesImpacted }));
    h.update(recoveryB.recordId, { nodeQuarantined: 'UnQuarantined' });
    // A late write to the old session's event (a remediation record arriving late) must not reopen it.
    h.update(second.recordId, { faultRemediated: true });
    // A new session, released by hand (its events Cancelled), then the drainer's late write on a cancelled event.
    const third = h.insert(stored('gpu-a', { message: 'again' }));
    h.update(third.recordId, { nodeQuarantined: 'Quarantined' });
    const fourth = h.insert(stored('gpu-a', { checkName: 'GpuThermalWatch' }));
    h.update(fourth.recordId, { nodeQuarantined: 'AlreadyQuarantined' });
    h.update(third.recordId, { nodeQuarantined: 'Cancelled' });
    h.update(fourth.recordId, { nodeQuarantined: 'Cancelled' });
    // A fifth fault opens a new session; then the drainer cancels the released events' drains.
    const fifth = h.insert(stored('gpu-a', { message: 'fifth' }));
    h.update(fifth.recordId, { nodeQuarantined: 'Quarantined' });
    h.update(third.recordId, { userPodsEvictionStatus: { status: 'Cancelled', message: 'released' } });
    h.update(fourth.recordId, { userPodsEvictionStatus: { status: 'Cancelled', message: 'released' } });
    h.update(fifth.recordId, { userPodsEvictionStatus: { status: 'InProgress', message: '' } });

    const { without } = replayBothWays(h);
    expect(recoveryA.healthEvent.isHealthy).toBe(true);
    expect(without.get('gpu-a')).toMatchObject({ state: 'draining', session: { recordId: fifth.recordId, reason: 'fifth' } });
  });

  it('a late write to an event of a closed session does not reopen it', () => {
    const projection = new NodeProjection();
    const h = new History();
    const fault = h.insert(stored('gpu-b'));
    h.update(fault.recordId, { nodeQuarantined: 'Quarantined' });
    const recovery = h.insert(stored('gpu-b', { isFatal: false, isHealthy: true, entitiesImpacted: fault.healthEvent.entitiesImpacted }));
    h.update(recovery.recordId, { nodeQuarantined: 'UnQuarantined' });
    h.update(fault.recordId, { userPodsEvictionStatus: { status: 'Succeeded', message: '' } });
    for (const change of h.changes) projection.apply(withoutBefore(change));
    expect(projection.get('gpu-b')).toMatchObject({ state: 'healthy', session: null });
  });

  it('after a snapshot load, a late write to an event older than the newest decision changes nothing', () => {
    const old = stored('gpu-c', { message: 'old session' });
    const oldQuarantined = { ...old, status: { ...old.status, nodeQuarantined: 'Quarantined' as const } };
    const release = stored('gpu-c', { isFatal: false, isHealthy: true, entitiesImpacted: old.healthEvent.entitiesImpacted });
    const released = { ...release, status: { ...release.status, nodeQuarantined: 'UnQuarantined' as const } };
    const projection = new NodeProjection();
    projection.load({ latestPerCheck: [released].map(toCheckLatest), decisions: [released], latestPerNode: [released], fatalCounts: new Map([['gpu-c', 1]]) });
    expect(projection.get('gpu-c')?.state).toBe('healthy');

    // The old session's event gets its drain result late; the change carries no `before`.
    const late = { ...oldQuarantined, status: { ...oldQuarantined.status, userPodsEvictionStatus: { status: 'Succeeded' as const, message: '' } } };
    expect(projection.apply({ position: 'x', operation: 'update', collection: 'healthEvents', recordId: late.recordId, committedAt: new Date(), document: late, before: null })).toEqual([]);
    expect(projection.get('gpu-c')).toMatchObject({ state: 'healthy', session: null });

    // A newer event quarantined after the load does open a session.
    const next = stored('gpu-c', { message: 'new session' });
    projection.apply({ position: 'y', operation: 'insert', collection: 'healthEvents', recordId: next.recordId, committedAt: next.createdAt, document: next, before: null });
    const decided = { ...next, status: { ...next.status, nodeQuarantined: 'Quarantined' as const } };
    projection.apply({ position: 'z', operation: 'update', collection: 'healthEvents', recordId: next.recordId, committedAt: new Date(), document: decided, before: null });
    expect(projection.get('gpu-c')).toMatchObject({ state: 'quarantined', session: { reason: 'new session' } });
  });

  it('a session loaded from the snapshot follows its drain without `before`, and ends on release', () => {
    const fault = stored('gpu-d');
    const quarantined = { ...fault, status: { ...fault.status, nodeQuarantined: 'Quarantined' as const } };
    const projection = new NodeProjection();
    projection.load({ latestPerCheck: [toCheckLatest(quarantined)], decisions: [quarantined], latestPerNode: [quarantined], fatalCounts: new Map([['gpu-d', 1]]) });
    const draining = { ...quarantined, status: { ...quarantined.status, userPodsEvictionStatus: { status: 'InProgress' as const, message: '' } } };
    projection.apply({ position: 'a', operation: 'update', collection: 'healthEvents', recordId: fault.recordId, committedAt: new Date(), document: draining, before: null });
    expect(projection.get('gpu-d')?.state).toBe('draining');
    const cancelled = { ...draining, status: { ...draining.status, nodeQuarantined: 'Cancelled' as const } };
    projection.apply({ position: 'b', operation: 'update', collection: 'healthEvents', recordId: fault.recordId, committedAt: new Date(), document: cancelled, before: null });
    expect(projection.get('gpu-d')).toMatchObject({ state: 'released', session: null });
  });
});

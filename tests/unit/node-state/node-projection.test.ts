import { describe, expect, it } from 'vitest';

import { NodeProjection } from '@/lib/node-state/node-projection';
import { matchesNodeFilter, nodeFilterToSearch, parseNodeFilter } from '@/lib/node-state/node-filter';
import { offeredAction } from '@/lib/node-state/node-view';
import {
  toCheckLatest,
  type ChangeEvent,
  type HealthEvent,
  type HealthEventStatus,
  type HealthEventWithStatus,
} from '@/lib/store';

import { insertedChange, storedEvent, T0 } from '../../support/stored-health-event';

let sequence = 0;
const stored = (node: string, fields: Partial<HealthEvent> = {}, at?: number) => {
  sequence += 1;
  return storedEvent(node, fields, { at });
};

const inserted = (document: HealthEventWithStatus) => insertedChange(document, `p${sequence}`);

function updated(
  document: HealthEventWithStatus,
  status: Partial<HealthEventStatus>,
): { change: ChangeEvent; after: HealthEventWithStatus } {
  const after = { ...document, status: { ...document.status, ...status } };
  return {
    after,
    change: {
      position: `p${sequence++}`,
      operation: 'update',
      collection: 'healthEvents',
      recordId: document.recordId,
      committedAt: new Date(),
      document: after,
      before: document,
    },
  };
}

describe('node projection', () => {
  it('follows a fatal fault through quarantine, drain and remediation, reporting each change once', () => {
    const projection = new NodeProjection();
    const fault = stored('gpu-a');
    expect(projection.apply(inserted(fault))).toEqual(['gpu-a']);
    expect(projection.get('gpu-a')).toMatchObject({ state: 'unhealthy', openFaults: 1, fatalCount: 1 });

    let step = updated(fault, { nodeQuarantined: 'Quarantined' });
    expect(projection.apply(step.change)).toEqual(['gpu-a']);
    expect(projection.get('gpu-a')?.state).toBe('quarantined');
    expect(offeredAction(projection.get('gpu-a')!)).toBe('release');

    step = updated(step.after, { userPodsEvictionStatus: { status: 'InProgress', message: '' } });
    projection.apply(step.change);
    expect(projection.get('gpu-a')?.state).toBe('draining');
    step = updated(step.after, { userPodsEvictionStatus: { status: 'Succeeded', message: '' } });
    projection.apply(step.change);
    expect(projection.get('gpu-a')?.state).toBe('remediating');
    step = updated(step.after, { faultRemediated: true });
    projection.apply(step.change);
    expect(projection.get('gpu-a')?.state).toBe('remediated');
    // A tracing-span-only write changes nothing a viewer sees: no diff.
    expect(projection.apply(updated(step.after, { spanIds: { 'fault-remediation': 'x' } }).change)).toEqual([]);
  });

  it('shows failed drains and remediations, and keeps a node whose action is NONE quarantined once drained', () => {
    const projection = new NodeProjection();
    const drainFails = stored('gpu-b');
    const remediationFails = stored('gpu-c');
    const noAction = stored('gpu-d', { recommendedAction: 'NONE' });
    for (const event of [drainFails, remediationFails, noAction]) projection.apply(inserted(event));
    projection.apply(
      updated(drainFails, {
        nodeQuarantined: 'Quarantined',
        userPodsEvictionStatus: { status: 'Failed', message: 'timeout' },
      }).change,
    );
    projection.apply(
      updated(remediationFails, {
        nodeQuarantined: 'Quarantined',
        userPodsEvictionStatus: { status: 'Succeeded', message: '' },
        faultRemediated: false,
      }).change,
    );
    projection.apply(
      updated(noAction, {
        nodeQuarantined: 'Quarantined',
        userPodsEvictionStatus: { status: 'Succeeded', message: '' },
      }).change,
    );
    expect(['gpu-b', 'gpu-c', 'gpu-d'].map((name) => projection.get(name)?.state)).toEqual([
      'drain-failed',
      'remediation-failed',
      'quarantined',
    ]);
    expect(projection.get('gpu-b')?.session?.evictionMessage).toBe('timeout');
    expect(projection.counts()).toMatchObject({
      'drain-failed': 1,
      'remediation-failed': 1,
      quarantined: 1,
      healthy: 0,
    });
  });

  it('returns to healthy when fault-quarantine releases the node, and shows a release by hand', () => {
    const projection = new NodeProjection();
    const fault = stored('gpu-e');
    projection.apply(inserted(fault));
    const quarantined = updated(fault, { nodeQuarantined: 'Quarantined' });
    projection.apply(quarantined.change);
    const recovery = stored('gpu-e', { isFatal: false, isHealthy: true, message: 'recovered' });
    projection.apply(inserted(recovery));
    projection.apply(updated(recovery, { nodeQuarantined: 'UnQuarantined' }).change);
    expect(projection.get('gpu-e')).toMatchObject({ state: 'healthy', openFaults: 0, session: null });
    expect(offeredAction(projection.get('gpu-e')!)).toBe('quarantine');

    const second = stored('gpu-e', { message: 'again' });
    projection.apply(inserted(second));
    const again = updated(second, { nodeQuarantined: 'Quarantined' });
    projection.apply(again.change);
    expect(projection.get('gpu-e')?.session?.reason).toBe('again');
    projection.apply(updated(again.after, { nodeQuarantined: 'Cancelled' }).change);
    expect(projection.get('gpu-e')?.state).toBe('released');
    expect(projection.get('gpu-e')?.releasedAt).not.toBeNull();
  });

  it('applies events in generated order: a late, older recovery does not clear a newer fault, and is listed', () => {
    const projection = new NodeProjection();
    projection.apply(inserted(stored('gpu-f', { message: 'fault' }, T0 + 10_000)));
    const stale = stored('gpu-f', { isFatal: false, isHealthy: true }, T0 + 20_000);
    stale.healthEvent.generatedTimestamp = { seconds: Math.floor(T0 / 1000) + 5, nanos: 0 };
    expect(projection.apply(inserted(stale))).toEqual(['gpu-f']); // last event and time changed, state did not
    expect(projection.get('gpu-f')).toMatchObject({ state: 'unhealthy', openFaults: 1 });
    expect(projection.outOfOrder()).toMatchObject({
      total: 1,
      recent: [{ nodeName: 'gpu-f', checkName: 'SysLogsXIDError', entities: 'GPU:0' }],
    });
  });

  it('marks a manual quarantine as requested until fault-quarantine acts, without counting it as a fault', () => {
    const projection = new NodeProjection();
    const manual = stored('gpu-g', {
      agent: 'sentinel-console',
      checkName: 'ManualQuarantine',
      isFatal: false,
      recommendedAction: 'NONE',
      message: 'bad fan',
      metadata: { creator_id: 'ops@example.com' },
      quarantineOverrides: { force: true, skip: false },
    });
    projection.apply(inserted(manual));
    expect(projection.get('gpu-g')).toMatchObject({ state: 'healthy', quarantineRequested: true, openFaults: 0 });
    expect(offeredAction(projection.get('gpu-g')!)).toBeNull();
    projection.apply(updated(manual, { nodeQuarantined: 'Quarantined' }).change);
    expect(projection.get('gpu-g')).toMatchObject({
      state: 'quarantined',
      quarantineRequested: false,
      session: { manual: true, reason: 'bad fan', actor: 'ops@example.com' },
    });
  });

  it('names who asked for a console quarantine by their full identity, not the label-safe creator_id', () => {
    const projection = new NodeProjection();
    const manual = stored('gpu-g2', {
      agent: 'sentinel-console',
      checkName: 'ManualQuarantine',
      isFatal: false,
      recommendedAction: 'NONE',
      message: 'bad fan',
      metadata: { creator_id: 'alice-1a2b3c4d', 'sentinel-console/creator': 'alice@example.com' },
      quarantineOverrides: { force: true, skip: false },
    });
    projection.apply(inserted(manual));
    projection.apply(updated(manual, { nodeQuarantined: 'Quarantined' }).change);
    expect(projection.get('gpu-g2')?.session).toMatchObject({ manual: true, actor: 'alice@example.com' });
  });

  it('never takes a decision or drain status it does not know for a known one, nor crashes on it', () => {
    const projection = new NodeProjection();
    const skipped = stored('gpu-u');
    projection.apply(inserted(skipped));
    projection.apply(updated(skipped, { nodeQuarantined: 'unknown(SkippedByProfile)' }).change);
    expect(projection.get('gpu-u')).toMatchObject({ state: 'unhealthy', session: null });
    const fault = stored('gpu-v', { recommendedAction: 'unknown(31)' });
    projection.apply(inserted(fault));
    const quarantined = updated(fault, { nodeQuarantined: 'Quarantined' });
    projection.apply(quarantined.change);
    projection.apply(
      updated(quarantined.after, { userPodsEvictionStatus: { status: 'unknown(Skipped)', message: '' } }).change,
    );
    expect(projection.get('gpu-v')).toMatchObject({
      state: 'quarantined',
      session: { eviction: 'unknown(Skipped)', recommendedAction: 'unknown(31)' },
    });
    // Drained, but an action it does not know is not assumed to be remediating.
    projection.apply(
      updated(quarantined.after, { userPodsEvictionStatus: { status: 'Succeeded', message: '' } }).change,
    );
    expect(projection.get('gpu-v')?.state).toBe('quarantined');
  });

  it('loads the same views from a store snapshot as it keeps live', () => {
    const live = new NodeProjection();
    const fault = stored('gpu-h');
    const thermal = stored('gpu-h', { checkName: 'GpuThermalWatch', isFatal: false });
    const other = stored('gpu-i', { isFatal: false, isHealthy: true });
    for (const event of [fault, thermal, other]) live.apply(inserted(event));
    const quarantined = updated(fault, {
      nodeQuarantined: 'Quarantined',
      userPodsEvictionStatus: { status: 'InProgress', message: '' },
    });
    live.apply(quarantined.change);

    const loaded = new NodeProjection();
    loaded.load({
      latestPerCheck: [quarantined.after, thermal, other].map(toCheckLatest),
      decisions: [quarantined.after],
      latestPerNode: [thermal, other],
      fatalCounts: new Map([['gpu-h', 1]]),
    });
    const comparable = (projection: NodeProjection) =>
      projection
        .views()
        .map((view) => ({ ...view, stateSince: 0 }))
        .sort((a, b) => a.name.localeCompare(b.name));
    expect(comparable(loaded)).toEqual(comparable(live));
    expect(loaded.get('gpu-h')?.state).toBe('draining');
  });

  it('keeps a drained node whose recommended action is UNKNOWN quarantined, never remediating', () => {
    const projection = new NodeProjection();
    const fault = stored('gpu-w', { recommendedAction: 'UNKNOWN' });
    projection.apply(inserted(fault));
    projection.apply(
      updated(fault, { nodeQuarantined: 'Quarantined', userPodsEvictionStatus: { status: 'Succeeded', message: '' } })
        .change,
    );
    expect(projection.get('gpu-w')).toMatchObject({
      state: 'quarantined',
      session: { recommendedAction: 'UNKNOWN', eviction: 'Succeeded', remediated: null },
    });
  });

  it('treats a node the drainer found already drained like a drained one: remediating, then remediated or failed', () => {
    const projection = new NodeProjection();
    const remediated = stored('gpu-x');
    const failed = stored('gpu-y');
    for (const event of [remediated, failed]) projection.apply(inserted(event));
    const drained = updated(remediated, {
      nodeQuarantined: 'Quarantined',
      userPodsEvictionStatus: { status: 'AlreadyDrained', message: '' },
    });
    projection.apply(drained.change);
    expect(projection.get('gpu-x')?.state).toBe('remediating');
    projection.apply(updated(drained.after, { faultRemediated: true }).change);
    expect(projection.get('gpu-x')?.state).toBe('remediated');
    projection.apply(
      updated(failed, {
        nodeQuarantined: 'Quarantined',
        userPodsEvictionStatus: { status: 'AlreadyDrained', message: '' },
        faultRemediated: false,
      }).change,
    );
    expect(projection.get('gpu-y')?.state).toBe('remediation-failed');
  });

  it('an older event decided Quarantined after a newer one does not replace the newer session', () => {
    const projection = new NodeProjection();
    const older = stored('gpu-z', { message: 'older fault' });
    const newer = stored('gpu-z', { checkName: 'GpuMemWatch', message: 'newer fault' });
    for (const event of [older, newer]) projection.apply(inserted(event));
    const session = updated(newer, {
      nodeQuarantined: 'Quarantined',
      userPodsEvictionStatus: { status: 'InProgress', message: '' },
    });
    projection.apply(session.change);
    projection.apply(updated(older, { nodeQuarantined: 'Quarantined' }).change);
    expect(projection.get('gpu-z')).toMatchObject({
      state: 'draining',
      session: { recordId: newer.recordId, reason: 'newer fault' },
    });
  });
});

describe('node filter', () => {
  const view = {
    name: 'GPU-Node-12',
    state: 'draining',
    agents: ['syslog-health-monitor'],
    checks: ['SysLogsXIDError'],
  } as never;

  it('reads state, agent, check and search from the URL and writes them back', () => {
    const filter = parseNodeFilter(
      new URLSearchParams('state=draining,bogus,quarantined&agent=syslog-health-monitor&q=node-1'),
    );
    expect(filter).toEqual({ states: ['draining', 'quarantined'], agent: 'syslog-health-monitor', search: 'node-1' });
    expect(parseNodeFilter(new URLSearchParams(nodeFilterToSearch(filter)))).toEqual(filter);
  });

  it('matches on every given field, search ignoring case', () => {
    expect(matchesNodeFilter(view, { states: ['draining'], search: 'node-12' })).toBe(true);
    expect(matchesNodeFilter(view, { states: ['healthy'] })).toBe(false);
    expect(matchesNodeFilter(view, { check: 'GpuThermalWatch' })).toBe(false);
    expect(matchesNodeFilter(view, { agent: 'syslog-health-monitor' })).toBe(true);
  });
});

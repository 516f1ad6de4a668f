// The node projection's details a viewer sees, each view written out in full: what a view carries,
// when a state began, which event is late, who quarantined, and what a snapshot load estimates.
import { describe, expect, it } from 'vitest';

import { NodeProjection, sessionState } from '@/lib/node-state/node-projection';
import type { NodeView, QuarantineSession } from '@/lib/node-state/node-view';
import {
  toCheckLatest,
  type ChangeEvent,
  type HealthEvent,
  type HealthEventStatus,
  type HealthEventWithStatus,
} from '@/lib/store';

import { insertedChange, storedEvent, T0 } from '../../support/stored-health-event';

const gpu = (value: string) => [{ entityType: 'GPU', entityValue: value }];
const event = (node: string, at: number, fields: Partial<HealthEvent> = {}, status: Partial<HealthEventStatus> = {}) =>
  storedEvent(node, fields, { at: T0 + at, status });
const inserted = (document: HealthEventWithStatus) => insertedChange(document);
const updated = (
  document: HealthEventWithStatus,
  status: Partial<HealthEventStatus>,
  withBefore = true,
): { change: ChangeEvent; after: HealthEventWithStatus } => {
  const after = { ...document, status: { ...document.status, ...status } };
  return {
    after,
    change: {
      position: 'p',
      operation: 'update',
      collection: 'healthEvents',
      recordId: document.recordId,
      committedAt: new Date(),
      document: after,
      before: withBefore ? document : null,
    },
  };
};

const base = (name: string, fields: Partial<NodeView>): NodeView => ({
  name,
  state: 'healthy',
  stateSince: 0,
  lastEventAt: null,
  lastCheck: null,
  fatalCount: 0,
  openFaults: 0,
  agents: [],
  checks: [],
  session: null,
  releasedAt: null,
  quarantineRequested: false,
  ...fields,
});

describe('what a node view carries', () => {
  it('agents and checks once each and sorted, open faults per check and entity, fatal count, the newest event and its check', () => {
    const projection = new NodeProjection();
    const xid = event('gpu-a', 1_000, {
      agent: 'syslog-health-monitor',
      checkName: 'SysLogsXIDError',
      entitiesImpacted: gpu('0'),
    });
    const thermal = event('gpu-a', 2_000, {
      agent: 'gpu-health-monitor',
      checkName: 'GpuThermalWatch',
      isFatal: false,
      entitiesImpacted: gpu('1'),
    });
    const xidOther = event('gpu-a', 3_000, {
      agent: 'syslog-health-monitor',
      checkName: 'SysLogsXIDError',
      entitiesImpacted: gpu('1'),
    });
    const recovered = event('gpu-a', 4_000, {
      agent: 'syslog-health-monitor',
      checkName: 'SysLogsXIDError',
      isFatal: false,
      isHealthy: true,
      entitiesImpacted: gpu('0'),
    });
    expect(projection.apply(inserted(xid), 10)).toEqual(['gpu-a']);
    for (const [index, next] of [thermal, xidOther, recovered].entries()) projection.apply(inserted(next), 20 + index);
    const expected = base('gpu-a', {
      state: 'unhealthy',
      stateSince: 10,
      lastEventAt: T0 + 4_000,
      lastCheck: 'SysLogsXIDError',
      fatalCount: 2,
      openFaults: 2,
      agents: ['gpu-health-monitor', 'syslog-health-monitor'],
      checks: ['GpuThermalWatch', 'SysLogsXIDError'],
    });
    expect(projection.get('gpu-a')).toEqual(expected);
    expect(projection.json('gpu-a')).toBe(JSON.stringify(expected));
    expect(projection.views()).toEqual([expected]);
    expect(projection.size).toBe(1);
    expect(projection.get('gpu-zz')).toBeUndefined();
    expect(projection.json('gpu-zz')).toBeUndefined();
    expect(projection.counts()).toEqual({
      healthy: 0,
      unhealthy: 1,
      quarantined: 0,
      draining: 0,
      'drain-failed': 0,
      remediating: 0,
      remediated: 0,
      'remediation-failed': 0,
      released: 0,
    });
  });

  it('keeps the newest event as the last one when an older one arrives later', () => {
    const projection = new NodeProjection();
    projection.apply(inserted(event('gpu-b', 5_000, { checkName: 'Newer' })));
    projection.apply(inserted(event('gpu-b', 4_000, { checkName: 'Older', entitiesImpacted: gpu('3') })));
    expect(projection.get('gpu-b')).toMatchObject({ lastEventAt: T0 + 5_000, lastCheck: 'Newer' });
    // An event stored at the same time as the newest one is the last one too.
    projection.apply(inserted(event('gpu-b', 5_000, { checkName: 'Same', entitiesImpacted: gpu('4') })));
    expect(projection.get('gpu-b')?.lastCheck).toBe('Same');
  });

  it('ignores changes of other collections and changes without a document', () => {
    const projection = new NodeProjection();
    expect(
      projection.apply({
        position: 'p',
        operation: 'insert',
        collection: 'maintenanceEvents',
        recordId: 'm',
        committedAt: new Date(),
        document: { nodeName: 'gpu-c' } as never,
        before: null,
      }),
    ).toEqual([]);
    expect(
      projection.apply({
        position: 'p',
        operation: 'delete',
        collection: 'healthEvents',
        recordId: 'r',
        committedAt: new Date(),
        document: null,
        before: null,
      }),
    ).toEqual([]);
    expect(projection.size).toBe(0);
  });

  it('keeps stateSince while the state holds, and moves it when the state changes', () => {
    const projection = new NodeProjection();
    const fault = event('gpu-d', 1_000);
    projection.apply(inserted(fault), 100);
    projection.apply(inserted(event('gpu-d', 2_000, { entitiesImpacted: gpu('5') })), 200);
    expect(projection.get('gpu-d')).toMatchObject({ state: 'unhealthy', stateSince: 100 });
    projection.apply(updated(fault, { nodeQuarantined: 'Quarantined' }).change, 300);
    expect(projection.get('gpu-d')).toMatchObject({ state: 'quarantined', stateSince: 300 });
    // A change nobody sees (a span id) reports nothing.
    expect(
      projection.apply(updated(fault, { nodeQuarantined: 'Quarantined', spanIds: { x: 'y' } }).change, 400),
    ).toEqual([]);
  });
});

describe('events that arrive out of order', () => {
  it('lists late events newest first, at most 200, and applies one generated at the same moment', () => {
    const projection = new NodeProjection();
    projection.apply(inserted(event('gpu-e', 10_000, { isFatal: false, isHealthy: true })), 1);
    const sameMoment = event('gpu-e', 10_000);
    projection.apply(inserted(sameMoment), 2);
    expect(projection.get('gpu-e')).toMatchObject({ state: 'unhealthy', openFaults: 1 });
    expect(projection.outOfOrder()).toEqual({ total: 0, recent: [] });

    for (let i = 1; i <= 205; i += 1) {
      const late = event('gpu-e', 20_000 + i, { isFatal: false, isHealthy: true });
      late.healthEvent.generatedTimestamp = { seconds: Math.floor(T0 / 1000) + 9, nanos: 0 };
      late.recordId = `late-${i}`;
      projection.apply(inserted(late), 1_000 + i);
    }
    const { total, recent } = projection.outOfOrder();
    expect(total).toBe(205);
    expect(recent).toHaveLength(200);
    expect(recent[0]).toEqual({
      nodeName: 'gpu-e',
      checkName: 'SysLogsXIDError',
      entities: 'GPU:0',
      recordId: 'late-205',
      generatedAt: T0 + 9_000,
      appliedAt: T0 + 10_000,
      receivedAt: 1_205,
    });
    expect(recent.at(-1)?.recordId).toBe('late-6');
    expect(projection.get('gpu-e')).toMatchObject({ state: 'unhealthy', openFaults: 1 });
  });

  it('tells checks apart by every entity they name, in order', () => {
    const projection = new NodeProjection();
    projection.apply(inserted(event('gpu-f', 10_000, { entitiesImpacted: [...gpu('0'), ...gpu('1')] })));
    const other = event('gpu-f', 11_000, {
      isHealthy: true,
      isFatal: false,
      entitiesImpacted: [...gpu('1'), ...gpu('0')],
    });
    other.healthEvent.generatedTimestamp = { seconds: Math.floor(T0 / 1000) + 1, nanos: 0 };
    projection.apply(inserted(other));
    // Another key: not late, and it does not clear the fault on GPU 0,1.
    expect(projection.outOfOrder().total).toBe(0);
    expect(projection.get('gpu-f')?.openFaults).toBe(1);
  });

  it('names every entity of a late event, comma-separated, in the out-of-order list', () => {
    const projection = new NodeProjection();
    projection.apply(
      inserted(
        event('gpu-f2', 10_000, { entitiesImpacted: [...gpu('0'), { entityType: 'NVLINK', entityValue: '3' }] }),
      ),
    );
    const late = event('gpu-f2', 11_000, {
      isHealthy: true,
      isFatal: false,
      entitiesImpacted: [...gpu('0'), { entityType: 'NVLINK', entityValue: '3' }],
    });
    late.healthEvent.generatedTimestamp = { seconds: Math.floor(T0 / 1000) + 9, nanos: 0 };
    projection.apply(inserted(late));
    expect(projection.outOfOrder().recent[0]).toMatchObject({
      nodeName: 'gpu-f2',
      entities: 'GPU:0,NVLINK:3',
      recordId: late.recordId,
    });
  });

  it('without a generated timestamp, orders by when the event was stored', () => {
    const projection = new NodeProjection();
    const fault = event('gpu-g', 10_000);
    const recovery = event('gpu-g', 12_000, { isFatal: false, isHealthy: true, generatedTimestamp: null });
    projection.apply(inserted(fault));
    projection.apply(inserted(recovery));
    expect(projection.get('gpu-g')).toMatchObject({ state: 'healthy', openFaults: 0 });
    const lateFault = event('gpu-g', 11_000, { generatedTimestamp: null });
    projection.apply(inserted(lateFault));
    expect(projection.outOfOrder().recent[0]).toMatchObject({ generatedAt: T0 + 11_000, appliedAt: T0 + 12_000 });
  });
});

describe('quarantine sessions', () => {
  it('a session carries the quarantining event: who, why, its check, action and the pipeline status', () => {
    const projection = new NodeProjection();
    const manual = event('gpu-h', 1_000, {
      agent: 'sentinel-console',
      checkName: 'ManualQuarantine',
      isFatal: false,
      recommendedAction: 'NONE',
      message: 'bad fan',
      metadata: { creator_id: 'alice-1a2b3c4d' },
      quarantineOverrides: { force: true, skip: false },
    });
    projection.apply(inserted(manual));
    expect(projection.get('gpu-h')).toMatchObject({ state: 'healthy', quarantineRequested: true });
    projection.apply(
      updated(manual, {
        nodeQuarantined: 'Quarantined',
        userPodsEvictionStatus: { status: 'InProgress', message: 'evicting 3 pods' },
      }).change,
      50,
    );
    const session: QuarantineSession = {
      recordId: manual.recordId,
      since: T0 + 1_000,
      manual: true,
      reason: 'bad fan',
      actor: 'alice-1a2b3c4d',
      checkName: 'ManualQuarantine',
      recommendedAction: 'NONE',
      eviction: 'InProgress',
      evictionMessage: 'evicting 3 pods',
      remediated: null,
    };
    expect(projection.get('gpu-h')).toEqual(
      base('gpu-h', {
        state: 'draining',
        stateSince: 50,
        lastEventAt: T0 + 1_000,
        lastCheck: 'ManualQuarantine',
        agents: ['sentinel-console'],
        session,
      }),
    );
  });

  it('is not manual when the override also says skip, nor without force; has no actor without creator metadata', () => {
    const projection = new NodeProjection();
    const skipped = event('gpu-i', 1_000, { quarantineOverrides: { force: true, skip: true } });
    projection.apply(inserted(skipped));
    projection.apply(updated(skipped, { nodeQuarantined: 'Quarantined' }).change);
    expect(projection.get('gpu-i')?.session).toMatchObject({ manual: false, actor: null });
    expect(projection.get('gpu-i')?.openFaults).toBe(1);
    const plain = event('gpu-j', 1_000, { quarantineOverrides: { force: false, skip: false } });
    projection.apply(inserted(plain));
    projection.apply(updated(plain, { nodeQuarantined: 'Quarantined' }).change);
    expect(projection.get('gpu-j')?.session).toMatchObject({ manual: false, actor: null });
  });

  it('a decided forced quarantine at load is not a pending request', () => {
    const decided = event(
      'gpu-k',
      1_000,
      { isFatal: false, quarantineOverrides: { force: true, skip: false } },
      { nodeQuarantined: 'Quarantined' },
    );
    const pending = event('gpu-l', 1_000, { isFatal: false, quarantineOverrides: { force: true, skip: false } });
    const projection = new NodeProjection();
    projection.load({
      latestPerCheck: [decided, pending].map(toCheckLatest),
      decisions: [decided],
      latestPerNode: [decided, pending],
      fatalCounts: new Map(),
    });
    expect(projection.get('gpu-k')).toMatchObject({ state: 'quarantined', quarantineRequested: false, openFaults: 0 });
    expect(projection.get('gpu-l')).toMatchObject({ state: 'healthy', quarantineRequested: true, openFaults: 0 });
  });

  it('a Quarantined decision on an event stored at the same moment as the session opens the newer session', () => {
    const projection = new NodeProjection();
    const first = event('gpu-m', 1_000, { message: 'first' });
    const second = event('gpu-m', 1_000, { message: 'second', checkName: 'GpuMemWatch' });
    for (const next of [first, second]) projection.apply(inserted(next));
    projection.apply(updated(first, { nodeQuarantined: 'Quarantined' }).change);
    projection.apply(updated(second, { nodeQuarantined: 'Quarantined' }).change);
    expect(projection.get('gpu-m')?.session?.reason).toBe('second');
  });

  it('a release by hand is dated when the change arrives; a Cancelled without a session changes nothing', () => {
    const projection = new NodeProjection();
    const fault = event('gpu-n', 1_000);
    projection.apply(inserted(fault));
    const cancelledWithout = updated(fault, { nodeQuarantined: 'Cancelled' });
    expect(projection.apply(cancelledWithout.change, 70)).toEqual([]);
    expect(projection.get('gpu-n')).toMatchObject({ state: 'unhealthy', releasedAt: null });

    const other = event('gpu-o', 1_000);
    projection.apply(inserted(other));
    const quarantined = updated(other, { nodeQuarantined: 'Quarantined' });
    projection.apply(quarantined.change);
    projection.apply(updated(quarantined.after, { nodeQuarantined: 'Cancelled' }).change, 777);
    expect(projection.get('gpu-o')).toMatchObject({
      state: 'released',
      releasedAt: 777,
      stateSince: 777,
      session: null,
    });
    // A new session clears the release.
    const again = event('gpu-o', 2_000);
    projection.apply(inserted(again));
    projection.apply(updated(again, { nodeQuarantined: 'Quarantined' }).change);
    expect(projection.get('gpu-o')).toMatchObject({ state: 'quarantined', releasedAt: null });
  });

  it('UnQuarantined ends a released node too, back to its health', () => {
    const projection = new NodeProjection();
    const fault = event('gpu-p', 1_000);
    projection.apply(inserted(fault));
    const quarantined = updated(fault, { nodeQuarantined: 'Quarantined' });
    projection.apply(quarantined.change);
    projection.apply(updated(quarantined.after, { nodeQuarantined: 'Cancelled' }).change, 5);
    expect(projection.get('gpu-p')?.state).toBe('released');
    const recovery = event('gpu-p', 2_000, { isFatal: false, isHealthy: true });
    projection.apply(inserted(recovery));
    projection.apply(updated(recovery, { nodeQuarantined: 'UnQuarantined' }).change);
    expect(projection.get('gpu-p')).toMatchObject({ state: 'healthy', releasedAt: null, session: null });
  });

  it('a repeated decision carried in `before` is no new decision', () => {
    const projection = new NodeProjection();
    const fault = event('gpu-q', 1_000);
    projection.apply(inserted(fault));
    const quarantined = updated(fault, { nodeQuarantined: 'Quarantined' });
    projection.apply(quarantined.change);
    const recovery = event('gpu-q', 2_000, { isFatal: false, isHealthy: true });
    projection.apply(inserted(recovery));
    projection.apply(updated(recovery, { nodeQuarantined: 'UnQuarantined' }).change);
    // The old event's drain finishes later; `before` says it was Quarantined already.
    projection.apply(
      updated(quarantined.after, { userPodsEvictionStatus: { status: 'Succeeded', message: '' } }).change,
    );
    expect(projection.get('gpu-q')).toMatchObject({ state: 'healthy', session: null });
  });

  it('without `before`, an update to an event never seen decided, and newer than every decision, is a new decision', () => {
    const projection = new NodeProjection();
    const fault = event('gpu-r', 1_000);
    projection.apply(inserted(fault));
    // Its insert was seen undecided; the decision arrives in an update without `before`.
    projection.apply(updated(fault, { nodeQuarantined: 'Quarantined' }, false).change);
    expect(projection.get('gpu-r')?.state).toBe('quarantined');
    // The same decision seen again is not new: a release by hand in between stays.
    const cancelled = updated(
      { ...fault, status: { ...fault.status, nodeQuarantined: 'Quarantined' } },
      { nodeQuarantined: 'Cancelled' },
      false,
    );
    projection.apply(cancelled.change, 9);
    expect(projection.get('gpu-r')?.state).toBe('released');
    projection.apply(
      updated(cancelled.after, { userPodsEvictionStatus: { status: 'Cancelled', message: '' } }, false).change,
    );
    expect(projection.get('gpu-r')).toMatchObject({ state: 'released', releasedAt: 9 });
  });
});

describe('the state of a session', () => {
  const session = (
    eviction: string,
    remediated: boolean | null,
    recommendedAction = 'RESTART_BM',
  ): QuarantineSession => ({
    recordId: 'r',
    since: 0,
    manual: false,
    reason: '',
    actor: null,
    checkName: 'c',
    recommendedAction: recommendedAction as never,
    eviction,
    evictionMessage: '',
    remediated,
  });

  it.each([
    ['', null, 'RESTART_BM', 'quarantined'],
    ['InProgress', null, 'RESTART_BM', 'draining'],
    ['Failed', null, 'RESTART_BM', 'drain-failed'],
    ['Succeeded', null, 'RESTART_BM', 'remediating'],
    ['AlreadyDrained', null, 'COMPONENT_RESET', 'remediating'],
    ['Succeeded', true, 'RESTART_BM', 'remediated'],
    ['AlreadyDrained', false, 'RESTART_BM', 'remediation-failed'],
    ['Succeeded', null, 'NONE', 'quarantined'],
    ['Succeeded', null, 'UNKNOWN', 'quarantined'],
    ['Succeeded', true, 'NONE', 'remediated'],
    ['Cancelled', null, 'RESTART_BM', 'quarantined'],
    ['unknown(Paused)', null, 'RESTART_BM', 'quarantined'],
  ])('drain %j, remediated %j, action %s: %s', (eviction, remediated, action, state) => {
    expect(sessionState(session(eviction, remediated as boolean | null, action))).toBe(state);
  });
});

describe('loading a snapshot', () => {
  it('estimates when each node entered its state from the timestamps its events carry', () => {
    const quarantined = event('in-session', 3_000, {}, { nodeQuarantined: 'Quarantined' });
    const released = event('released', 4_000, {}, { nodeQuarantined: 'Cancelled' });
    const openA = event('open', 1_000, { entitiesImpacted: gpu('0') });
    const openB = event('open', 2_000, { entitiesImpacted: gpu('1') });
    const openRecovered = event('open', 5_000, { isHealthy: true, isFatal: false, entitiesImpacted: gpu('2') });
    const recoveredA = event('recovered', 6_000, { isHealthy: true, isFatal: false, entitiesImpacted: gpu('0') });
    const recoveredB = event('recovered', 7_000, { isHealthy: true, isFatal: false, entitiesImpacted: gpu('1') });
    const onlyLast = event('no-checks', 8_000);
    const projection = new NodeProjection();
    projection.load(
      {
        latestPerCheck: [quarantined, openA, openB, openRecovered, recoveredA, recoveredB].map(toCheckLatest),
        // latestQuarantineDecisions(): the newest decision of each node.
        decisions: [released, quarantined],
        latestPerNode: [onlyLast, openRecovered],
        fatalCounts: new Map([
          ['open', 2],
          ['fatal-only', 4],
        ]),
      },
      99,
    );
    const since = Object.fromEntries(projection.views().map((view) => [view.name, [view.state, view.stateSince]]));
    expect(since).toEqual({
      'in-session': ['quarantined', T0 + 3_000],
      released: ['released', T0 + 4_000],
      open: ['unhealthy', T0 + 1_000],
      recovered: ['healthy', T0 + 7_000],
      'no-checks': ['healthy', T0 + 8_000],
      'fatal-only': ['healthy', 99],
    });
    expect(projection.get('released')?.releasedAt).toBe(T0 + 4_000);
    expect(projection.get('open')).toMatchObject({
      fatalCount: 2,
      lastEventAt: T0 + 5_000,
      lastCheck: 'SysLogsXIDError',
      openFaults: 2,
    });
    expect(projection.get('fatal-only')?.fatalCount).toBe(4);
  });

  it('replaces everything it held, and does not list what is older in the snapshot as late', () => {
    const projection = new NodeProjection();
    projection.apply(inserted(event('old-node', 1_000)));
    const newer = event('gpu-s', 5_000);
    const older = event('gpu-s', 4_000);
    older.healthEvent.generatedTimestamp = { seconds: Math.floor(T0 / 1000) + 1, nanos: 0 };
    projection.load({
      latestPerCheck: [newer, older].map(toCheckLatest),
      decisions: [],
      latestPerNode: [newer],
      fatalCounts: new Map(),
    });
    expect(projection.get('old-node')).toBeUndefined();
    expect(projection.size).toBe(1);
    expect(projection.outOfOrder().total).toBe(0);
  });

  it('a change after the load that repeats a loaded decision without `before` is no new decision', () => {
    const fault = event('gpu-t', 1_000, {}, { nodeQuarantined: 'Quarantined' });
    const projection = new NodeProjection();
    projection.load({
      latestPerCheck: [toCheckLatest(fault)],
      decisions: [fault],
      latestPerNode: [fault],
      fatalCounts: new Map(),
    });
    const cancelled = updated(fault, { nodeQuarantined: 'Cancelled' }, false);
    projection.apply(cancelled.change, 3);
    expect(projection.get('gpu-t')?.state).toBe('released');
    // fault-quarantine's Quarantined seen again on the same event (a late retry) must not reopen it.
    projection.apply(
      updated(cancelled.after, { userPodsEvictionStatus: { status: 'Cancelled', message: '' } }, false).change,
    );
    expect(projection.get('gpu-t')?.state).toBe('released');
  });
});

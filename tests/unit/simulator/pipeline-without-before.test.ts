// The simulated pipeline's consumers judge each change from the event's state, never from
// `before` (MongoDB without pre-images delivers none), and act once even when MongoDB's
// updateLookup hands them the same, newer document on several changes.
import { describe, expect, it } from 'vitest';

import { SimulatedFaultQuarantine } from '@/lib/simulator/pipeline/fault-quarantine';
import { awaitsRemediation, SimulatedFaultRemediation } from '@/lib/simulator/pipeline/fault-remediation';
import { drainerAction, SimulatedNodeDrainer } from '@/lib/simulator/pipeline/node-drainer';
import { DEFAULT_PIPELINE_SETTINGS } from '@/lib/simulator/pipeline/pipeline-settings';
import { SeededRandom } from '@/lib/simulator/seeded-random';
import type {
  ChangeEvent,
  DataStore,
  EvictionUpdate,
  HealthEventStatus,
  HealthEventWithStatus,
  QuarantineUpdate,
  RemediationUpdate,
} from '@/lib/store';

import { insertedChange, storedEvent } from '../../support/stored-health-event';

let sequence = 0;
const event = (node: string, status: Partial<HealthEventStatus> = {}) => storedEvent(node, {}, { status });

/** Just enough of a DataStore for the simulated consumers: events by id and the status writes, recorded. */
function fakeStore(events: HealthEventWithStatus[], decisions: HealthEventWithStatus[] = []) {
  const byId = new Map(events.map((e) => [e.recordId, e]));
  const writes: string[] = [];
  const write = (recordId: string, status: Partial<HealthEventStatus>, what: string) => {
    const current = byId.get(recordId)!;
    const next = { ...current, status: { ...current.status, ...status } };
    byId.set(recordId, next);
    writes.push(`${recordId.slice(-2)} ${what}`);
    return Promise.resolve(next);
  };
  const store = {
    healthEvents: () => ({
      get: async (recordId: string) => byId.get(recordId),
      latestQuarantineDecisions: async (nodes: string[]) =>
        decisions.filter((decision) => nodes.includes(decision.healthEvent.nodeName)),
      updateEviction: (recordId: string, update: EvictionUpdate) =>
        write(
          recordId,
          { userPodsEvictionStatus: { status: update.status, message: update.message ?? '' } },
          `eviction ${update.status}`,
        ),
      updateRemediation: (recordId: string, update: RemediationUpdate) =>
        write(recordId, { faultRemediated: update.remediated }, `remediated ${update.remediated}`),
      updateQuarantine: (recordId: string, update: QuarantineUpdate) =>
        write(recordId, { nodeQuarantined: update.status }, `quarantine ${update.status}`),
    }),
  } as unknown as DataStore;
  return { store, writes, current: (recordId: string) => byId.get(recordId)! };
}

/** An update change as MongoDB delivers it without pre-images: the document looked up, no `before`. */
const update = (document: HealthEventWithStatus, position = `p${sequence++}`): ChangeEvent => ({
  position,
  operation: 'update',
  collection: 'healthEvents',
  recordId: document.recordId,
  committedAt: new Date(),
  document,
  before: null,
});

const quick = () => ({
  ...DEFAULT_PIPELINE_SETTINGS,
  drainMs: 0,
  remediationMs: 0,
  drainFailureRate: 0,
  remediationFailureRate: 0,
});

describe('simulated pipeline without `before`', () => {
  it('node-drainer acts on the state an event is in', () => {
    expect(drainerAction(event('n', { nodeQuarantined: 'Quarantined' }))).toBe('drain');
    expect(
      drainerAction(
        event('n', { nodeQuarantined: 'Quarantined', userPodsEvictionStatus: { status: 'NotStarted', message: '' } }),
      ),
    ).toBe('drain');
    expect(
      drainerAction(
        event('n', { nodeQuarantined: 'Quarantined', userPodsEvictionStatus: { status: 'InProgress', message: '' } }),
      ),
    ).toBeNull();
    expect(drainerAction(event('n', { nodeQuarantined: 'AlreadyQuarantined' }))).toBe('already-drained');
    expect(
      drainerAction(
        event('n', { nodeQuarantined: 'Cancelled', userPodsEvictionStatus: { status: 'InProgress', message: '' } }),
      ),
    ).toBe('cancel');
    expect(
      drainerAction(
        event('n', { nodeQuarantined: 'Cancelled', userPodsEvictionStatus: { status: 'Succeeded', message: '' } }),
      ),
    ).toBeNull();
    expect(
      drainerAction(
        event('n', { nodeQuarantined: 'Cancelled', userPodsEvictionStatus: { status: 'Cancelled', message: '' } }),
      ),
    ).toBeNull();
    expect(drainerAction(event('n', { nodeQuarantined: 'UnQuarantined' }))).toBeNull();
    expect(drainerAction(event('n'))).toBeNull();
  });

  it('fault-remediation owes an action to a drained, quarantined, unremediated event whose action is not NONE', () => {
    const drained = {
      nodeQuarantined: 'Quarantined' as const,
      userPodsEvictionStatus: { status: 'Succeeded' as const, message: '' },
    };
    expect(awaitsRemediation(event('n', drained))).toBe(true);
    expect(
      awaitsRemediation(
        event('n', {
          ...drained,
          nodeQuarantined: 'AlreadyQuarantined',
          userPodsEvictionStatus: { status: 'AlreadyDrained', message: '' },
        }),
      ),
    ).toBe(true);
    expect(awaitsRemediation(event('n', { ...drained, faultRemediated: true }))).toBe(false);
    expect(awaitsRemediation(event('n', { ...drained, nodeQuarantined: 'Cancelled' }))).toBe(false);
    expect(
      awaitsRemediation(event('n', { ...drained, userPodsEvictionStatus: { status: 'InProgress', message: '' } })),
    ).toBe(false);
    const none = event('n', drained);
    none.healthEvent.recommendedAction = 'NONE';
    expect(awaitsRemediation(none)).toBe(false);
  });

  it('node-drainer drains once when several changes show the same quarantined document (updateLookup), and the change is older than the event', async () => {
    const quarantined = event('gpu-a', { nodeQuarantined: 'Quarantined' });
    const { store, writes, current } = fakeStore([quarantined]);
    const drainer = new SimulatedNodeDrainer(store, quick, new SeededRandom(1));
    // Two changes of the same event looked up before the drainer acted: both show "Quarantined, not started".
    await drainer.handle(update(quarantined));
    await drainer.handle(update(quarantined));
    expect(writes).toEqual([
      `${quarantined.recordId.slice(-2)} eviction InProgress`,
      `${quarantined.recordId.slice(-2)} eviction Succeeded`,
    ]);
    // Its own writes come back as changes too: nothing to do.
    await drainer.handle(update(current(quarantined.recordId)));
    expect(writes).toHaveLength(2);
  });

  it('node-drainer cancels a drain whose session was released while it ran, as NVSentinel does', async () => {
    const quarantined = event('gpu-e', { nodeQuarantined: 'Quarantined' });
    // The recovery that released the node, stored after the fault (node-drainer/pkg/reconciler/reconciler.go:1057-1131).
    const released = storedEvent(
      'gpu-e',
      { isHealthy: true, isFatal: false },
      { status: { nodeQuarantined: 'UnQuarantined' } },
    );
    const { store, writes } = fakeStore([quarantined], [released]);
    const drainer = new SimulatedNodeDrainer(store, quick, new SeededRandom(1));
    await drainer.handle(update(quarantined));
    expect(writes).toEqual([
      `${quarantined.recordId.slice(-2)} eviction InProgress`,
      `${quarantined.recordId.slice(-2)} eviction Cancelled`,
    ]);
  });

  it('fault-remediation remediates once when several changes show the same drained document', async () => {
    const drained = event('gpu-b', {
      nodeQuarantined: 'Quarantined',
      userPodsEvictionStatus: { status: 'Succeeded', message: '' },
    });
    const { store, writes } = fakeStore([drained]);
    const remediation = new SimulatedFaultRemediation(store, quick, new SeededRandom(1));
    await remediation.handle(update(drained));
    await remediation.handle(update(drained));
    expect(writes).toEqual([`${drained.recordId.slice(-2)} remediated true`]);
  });

  it('fault-quarantine: a late write to a cancelled event of a released session does not end the newer session', async () => {
    const first = event('gpu-c');
    const second = event('gpu-c');
    const { store, current } = fakeStore([first, second]);
    const quarantine = new SimulatedFaultQuarantine(store, quick);
    const insert = (document: HealthEventWithStatus) => insertedChange(document, `p${sequence++}`);
    await quarantine.handle(insert(first));
    expect(quarantine.isQuarantined('gpu-c')).toBe(true);
    // Released by hand: the session's event becomes Cancelled.
    const cancelled = {
      ...current(first.recordId),
      status: { ...current(first.recordId).status, nodeQuarantined: 'Cancelled' as const },
    };
    await quarantine.handle(update(cancelled));
    expect(quarantine.isQuarantined('gpu-c')).toBe(false);
    // A new fatal event (stored after the release) quarantines the node again.
    await quarantine.handle(insert(second));
    expect(quarantine.isQuarantined('gpu-c')).toBe(true);
    // The drainer then marks the cancelled event's drain Cancelled: that change carries no `before`.
    await quarantine.handle(
      update({
        ...cancelled,
        status: { ...cancelled.status, userPodsEvictionStatus: { status: 'Cancelled', message: 'released' } },
      }),
    );
    expect(quarantine.isQuarantined('gpu-c')).toBe(true);
  });

  it('leaves values a newer NVSentinel wrote and this SDK does not know alone', () => {
    // A decision it does not know starts no drain; a drain status it does not know is never overwritten.
    expect(drainerAction(event('n1', { nodeQuarantined: 'unknown(SkippedByProfile)' }))).toBeNull();
    expect(
      drainerAction(
        event('n2', {
          nodeQuarantined: 'Cancelled',
          userPodsEvictionStatus: { status: 'unknown(Skipped)', message: '' },
        }),
      ),
    ).toBeNull();
    // An action it does not know is not run.
    const drained = {
      nodeQuarantined: 'Quarantined' as const,
      userPodsEvictionStatus: { status: 'Succeeded' as const, message: '' },
    };
    expect(awaitsRemediation(storedEvent('n3', { recommendedAction: 'unknown(31)' }, { status: drained }))).toBe(false);
    expect(awaitsRemediation(storedEvent('n4', { recommendedAction: 'REMEDIATE' }, { status: drained }))).toBe(true);
  });
});

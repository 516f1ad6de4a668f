// The node page's header in words: the cause (check, XID, GPU, recommended action; or who
// quarantined by hand and why), the pipeline's step and its outcome, and what happens next, in
// NVSentinel's order (node-drainer, then fault-remediation for a supported action, then release
// when every tracked event is reported healthy: fault-quarantine/pkg/healthEventsAnnotation/
// health_events_annotation_map.go:200-258, reconciler.go:1391-1431, lalitadithya/NVSentinel @ 42672ae).
import { describe, expect, it } from 'vitest';

import { clusterNodeOf, type ClusterNode } from '@/lib/cluster/cluster-node';
import type { CircuitBreakerState } from '@/lib/cluster/cluster-state';
import type { NodeResource } from '@/lib/cluster/nvsentinel-resource';
import { sessionState } from '@/lib/node-state/node-projection';
import type { NodeView, QuarantineSession } from '@/lib/node-state/node-view';
import type { NodeEventRow } from '@/lib/queries/node-detail-view';
import { nodeHeadline, type FaultRemediationRun } from '@/lib/queries/node-headline';
import { whyChain, type WhyInputs } from '@/lib/queries/node-why';

const T0 = Date.parse('2026-12-06T10:00:00Z');
const GPU = (value: string) => ({ entityType: 'GPU', entityValue: value });

function row(
  at: number,
  overrides: Partial<NodeEventRow> = {},
  status: Partial<NodeEventRow['status']> = {},
): NodeEventRow {
  return {
    recordId: `r${at}`,
    createdAt: at,
    generatedAt: at,
    agent: 'syslog-health-monitor',
    componentClass: 'GPU',
    checkName: 'SysLogsXIDError',
    isFatal: true,
    isHealthy: false,
    message: 'XID 79 reported on GPU 3',
    recommendedAction: 'RESTART_BM',
    customRecommendedAction: '',
    errorCode: ['79'],
    entities: [GPU('3')],
    metadata: {},
    processingStrategy: 'EXECUTE_REMEDIATION',
    quarantineOverrides: null,
    drainOverrides: null,
    status: {
      nodeQuarantined: 'Quarantined',
      quarantineFinishedAt: at,
      eviction: '',
      evictionMessage: '',
      drainFinishedAt: null,
      remediated: null,
      remediatedAt: null,
      faultQuarantineRecovery: '',
      ...status,
    },
    ...overrides,
  };
}

const healthy = (at: number, entities = [GPU('3')]) =>
  row(
    at,
    { isFatal: false, isHealthy: true, errorCode: [], entities, recommendedAction: 'NONE' },
    { nodeQuarantined: null },
  );

/** The node's view as the projection makes it from its opening event. */
function viewOf(opening: NodeEventRow, manual = false): NodeView {
  const session: QuarantineSession = {
    recordId: opening.recordId,
    since: opening.createdAt,
    manual,
    reason: opening.message,
    actor: manual ? 'ana@example.com' : null,
    checkName: opening.checkName,
    recommendedAction: opening.recommendedAction as QuarantineSession['recommendedAction'],
    eviction: opening.status.eviction,
    evictionMessage: opening.status.evictionMessage,
    remediated: opening.status.remediated,
  };
  return {
    name: 'gpu-7',
    state: sessionState(session),
    stateSince: opening.createdAt,
    lastEventAt: opening.createdAt,
    lastCheck: opening.checkName,
    fatalCount: 1,
    openFaults: 1,
    agents: [opening.agent],
    checks: [opening.checkName],
    session,
    releasedAt: null,
    quarantineRequested: false,
  };
}

const closed: CircuitBreakerState = { status: 'CLOSED', cursor: 'RESUME', trippedAt: null };

/** A node fault-quarantine cordoned for the opening event (reconciler.go:982-1166). */
function cordoned(opening: NodeEventRow): ClusterNode {
  return clusterNodeOf({
    metadata: {
      name: 'gpu-7',
      labels: { 'k8saas.nvidia.com/cordon-by': 'NVSentinel', 'dgxc.nvidia.com/nvsentinel-state': 'quarantined' },
      annotations: {
        quarantineHealthEvent: JSON.stringify([
          {
            agent: opening.agent,
            componentClass: opening.componentClass,
            checkName: opening.checkName,
            errorCode: opening.errorCode,
            entitiesImpacted: opening.entities,
            isFatal: opening.isFatal,
          },
        ]),
        quarantineHealthEventIsCordoned: 'True',
      },
    },
    spec: { unschedulable: true },
  });
}

function headline(
  opening: NodeEventRow | null,
  options: {
    view?: NodeView | null;
    sessionEvents?: NodeEventRow[];
    cluster?: { node?: ClusterNode | null; breaker?: CircuitBreakerState; resources?: NodeResource[] };
    backlog?: number;
    /** fault-remediation as the consumer-lag reading sees it; running unless a test says otherwise. */
    remediation?: FaultRemediationRun;
  } = {},
) {
  const inputs: WhyInputs = {
    view: options.view !== undefined ? options.view : viewOf(opening!),
    opening,
    sessionEvents: options.sessionEvents ?? (opening ? [opening] : []),
    cluster: options.cluster
      ? {
          status: 'live',
          node: options.cluster.node ?? null,
          breaker: options.cluster.breaker ?? closed,
          resources: options.cluster.resources ?? [],
        }
      : null,
    quarantineBacklog: options.backlog ?? null,
  };
  return nodeHeadline(inputs, whyChain(inputs), options.remediation ?? 'running');
}

describe('the cause', () => {
  it('names the check, the XID, the GPU and the recommended action of the event that opened the session', () => {
    const { cause } = headline(row(T0));
    expect(cause).toEqual({
      kind: 'fault',
      checkName: 'SysLogsXIDError',
      agent: 'syslog-health-monitor',
      fatal: true,
      xids: ['79'],
      entities: [GPU('3')],
      action: 'RESTART_BM',
      message: 'XID 79 reported on GPU 3',
      at: T0,
    });
  });

  it('puts the GPU first when the event also names its PCI address and UUID (platform_connector.py:361-373)', () => {
    const opening = row(T0, {
      entities: [
        { entityType: 'PCI', entityValue: '0000:3b:00.0' },
        { entityType: 'GPU_UUID', entityValue: 'GPU-5f2c' },
        GPU('3'),
      ],
    });
    const { cause } = headline(opening);
    expect(cause?.kind === 'fault' && cause.entities.map((entity) => entity.entityType)).toEqual([
      'GPU',
      'GPU_UUID',
      'PCI',
    ]);
  });

  it('prefers the custom recommended action', () => {
    const { cause } = headline(row(T0, { customRecommendedAction: 'REPLACE_TRAY' }));
    expect(cause?.kind === 'fault' && cause.action).toBe('REPLACE_TRAY');
  });

  it('names who quarantined by hand and why', () => {
    const opening = row(T0, {
      agent: 'sentinel-console',
      checkName: 'ManualQuarantine',
      isFatal: false,
      errorCode: [],
      entities: [],
      message: 'fan failure',
      recommendedAction: 'NONE',
      quarantineOverrides: { force: true, skip: false },
    });
    const { cause } = headline(opening, { view: viewOf(opening, true) });
    expect(cause).toEqual({ kind: 'manual', actor: 'ana@example.com', reason: 'fan failure', at: T0 });
  });

  it("falls back to the session's summary when the opening event cannot be read", () => {
    const { cause } = headline(null, { view: viewOf(row(T0)) });
    expect(cause).toMatchObject({ kind: 'fault', checkName: 'SysLogsXIDError', xids: [], agent: null, fatal: null });
  });

  it('is null without a session', () => {
    const view = { ...viewOf(row(T0)), state: 'healthy' as const, session: null };
    expect(headline(null, { view })).toEqual({ cause: null, step: null, next: null });
  });
});

describe('the step, its outcome, and what happens next', () => {
  it('quarantined, not drained yet: node-drainer drains it next', () => {
    const result = headline(row(T0));
    expect(result.step).toEqual({
      state: 'quarantined',
      text: 'Quarantined: node-drainer has not taken it up yet',
      tone: 'info',
    });
    expect(result.next).toBe('Next: node-drainer drains the node');
  });

  it('draining: fault-remediation will run the recommended action once drained', () => {
    const result = headline(row(T0, {}, { eviction: 'InProgress', evictionMessage: '3 pods left' }));
    expect(result.step?.text).toBe('Draining: 3 pods left');
    expect(result.next).toBe('Next: once drained, fault-remediation will RESTART_BM the node');
  });

  it('drain failed: says why, and that only a healthy GPU releases it now', () => {
    const result = headline(
      row(T0, {}, { eviction: 'Failed', evictionMessage: 'PodDisruptionBudget blocks eviction of train-0' }),
    );
    expect(result.step).toEqual({
      state: 'drain-failed',
      text: 'Drain failed: PodDisruptionBudget blocks eviction of train-0',
      tone: 'bad',
    });
    expect(result.next).toBe(
      'Next: released when GPU 3 reports healthy; fault-remediation does not act after a failed drain',
    );
  });

  it('drained, remediation not started: fault-remediation will run the action', () => {
    const result = headline(row(T0, {}, { eviction: 'Succeeded', drainFinishedAt: T0 + 60_000 }));
    expect(result.step?.state).toBe('remediating');
    expect(result.step?.text).toBe('Drained; fault-remediation has not started RESTART_BM yet');
    expect(result.next).toBe('Next: fault-remediation will RESTART_BM the node');
  });

  it("remediated with the reboot under way: the RebootNode completes, then the GPU's recovery releases it", () => {
    const opening = row(T0, {}, { eviction: 'Succeeded', remediated: true, remediatedAt: T0 + 90_000 });
    const reboot: NodeResource = {
      kind: 'RebootNode',
      name: 'maintenance-gpu-7-r1',
      nodeName: 'gpu-7',
      phase: 'InProgress',
      message: null,
      createdAt: T0 + 90_000,
      completedAt: null,
    };
    // One of an earlier session is not this session's.
    const older = { ...reboot, name: 'maintenance-gpu-7-r0', phase: 'Succeeded' as const, createdAt: T0 - 3_600_000 };
    const result = headline(opening, { cluster: { node: cordoned(opening), resources: [older, reboot] } });
    expect(result.step).toEqual({
      state: 'remediated',
      text: 'Remediation RESTART_BM: RebootNode maintenance-gpu-7-r1 InProgress',
      tone: 'info',
    });
    expect(result.next).toBe(
      'Next: RebootNode maintenance-gpu-7-r1 completes, then released when GPU 3 reports healthy',
    );
    const done = headline(opening, { cluster: { node: cordoned(opening), resources: [older] } });
    expect(done.step?.text).toBe('Remediated: fault-remediation ran RESTART_BM');
    expect(done.next).toBe('Next: released when GPU 3 reports healthy');
  });

  it('remediation failed: says so, with the resource’s message', () => {
    const opening = row(T0, {}, { eviction: 'Succeeded', remediated: false });
    const result = headline(opening, {
      cluster: {
        node: cordoned(opening),
        resources: [
          {
            kind: 'RebootNode',
            name: 'maintenance-gpu-7-r1',
            nodeName: 'gpu-7',
            phase: 'Failed',
            message: 'Timeout',
            createdAt: T0 + 1,
            completedAt: T0 + 2,
          },
        ],
      },
    });
    expect(result.step).toEqual({
      state: 'remediation-failed',
      text: 'Remediation failed: fault-remediation could not RESTART_BM the node (Timeout)',
      tone: 'bad',
    });
    expect(result.next).toBe('Next: released when GPU 3 reports healthy');
  });

  it('drained with NONE: no remediation, released by the recovery', () => {
    const opening = row(T0, { recommendedAction: 'NONE' }, { eviction: 'Succeeded' });
    const result = headline(opening);
    expect(result.step).toEqual({
      state: 'quarantined',
      text: 'Drained; no remediation for recommended action NONE',
      tone: 'info',
    });
    expect(result.next).toBe('Next: released when GPU 3 reports healthy');
  });

  it('several GPUs still tracked are all named', () => {
    const opening = row(T0, {}, { eviction: 'Succeeded', remediated: true });
    const second = row(
      T0 + 5_000,
      { entities: [GPU('5')], errorCode: ['48'] },
      { nodeQuarantined: 'AlreadyQuarantined' },
    );
    const result = headline(opening, { sessionEvents: [second, opening] });
    expect(result.next).toBe('Next: released when GPU 3 and GPU 5 report healthy');
    // GPU 3 reported healthy: only GPU 5 holds the node.
    const recovered = headline(opening, { sessionEvents: [healthy(T0 + 9_000), second, opening] });
    expect(recovered.next).toBe('Next: released when GPU 5 reports healthy');
  });

  it('every tracked GPU reported healthy yet the session is open: fault-quarantine is behind', () => {
    const opening = row(T0, {}, { eviction: 'Succeeded', remediated: true });
    const result = headline(opening, { sessionEvents: [healthy(T0 + 9_000), opening], backlog: 1234 });
    expect(result.next).toBe('Next: released once fault-quarantine processes the healthy report (1,234 events behind)');
  });

  it('a quarantine by hand ends only by hand', () => {
    const opening = row(
      T0,
      {
        agent: 'sentinel-console',
        checkName: 'ManualQuarantine',
        isFatal: false,
        errorCode: [],
        entities: [],
        message: 'fan failure',
        recommendedAction: 'NONE',
        quarantineOverrides: { force: true, skip: false },
      },
      { eviction: 'Succeeded' },
    );
    expect(headline(opening, { view: viewOf(opening, true) }).next).toBe(
      'Next: released only by hand (Release here, or kubectl uncordon)',
    );
  });

  it('a tripped breaker holding the node: the release waits for an admin to reset it', () => {
    const opening = row(T0, {}, { eviction: 'Succeeded', remediated: true });
    const result = headline(opening, {
      cluster: { node: cordoned(opening), breaker: { status: 'TRIPPED', cursor: 'RESUME', trippedAt: T0 + 1 } },
    });
    expect(result.next).toBe(
      'Next: released when GPU 3 reports healthy, not before an admin resets the circuit breaker (Pipeline page)',
    );
  });

  // The breaker stops fault-quarantine only (fault-quarantine/pkg/reconciler); node-drainer and
  // fault-remediation never read it, so a drain or a reboot under way goes on.
  it('a tripped breaker does not hide the drain under way and the remediation after it', () => {
    const tripped: CircuitBreakerState = { status: 'TRIPPED', cursor: 'RESUME', trippedAt: T0 + 1 };
    const draining = row(T0, {}, { eviction: 'InProgress' });
    expect(headline(draining, { cluster: { node: cordoned(draining), breaker: tripped } }).next).toBe(
      'Next: once drained, fault-remediation will RESTART_BM the node; its release waits for an admin to reset the circuit breaker (Pipeline page)',
    );
    const drained = row(T0, {}, { eviction: 'Succeeded' });
    expect(headline(drained, { cluster: { node: cordoned(drained), breaker: tripped } }).next).toBe(
      'Next: fault-remediation will RESTART_BM the node; its release waits for an admin to reset the circuit breaker (Pipeline page)',
    );
    const quarantined = row(T0);
    expect(headline(quarantined, { cluster: { node: cordoned(quarantined), breaker: tripped } }).next).toBe(
      'Next: node-drainer drains the node; its release waits for an admin to reset the circuit breaker (Pipeline page)',
    );
  });

  it('a cordon outside NVSentinel, with no session: nothing until someone uncordons it', () => {
    const view = { ...viewOf(row(T0)), state: 'healthy' as const, session: null };
    const node = clusterNodeOf({ metadata: { name: 'gpu-7' }, spec: { unschedulable: true } });
    const result = headline(null, { view, cluster: { node } });
    expect(result).toEqual({
      cause: null,
      step: null,
      next: 'Next: nothing until someone uncordons it by hand: no session of NVSentinel holds this cordon',
    });
  });

  it('a quarantine requested but not decided: fault-quarantine cordons it next', () => {
    const view = { ...viewOf(row(T0)), state: 'healthy' as const, session: null, quarantineRequested: true };
    const result = headline(null, { view });
    expect(result.step?.text).toBe('Quarantine requested: waiting for fault-quarantine');
    expect(result.next).toBe('Next: fault-quarantine cordons the node');
  });
});

// fault-remediation makes a maintenance resource only for the actions its chart maps
// (charts/fault-remediation/values.yaml:48-89); any other it marks failed (reconciler.go:225-314,
// 1105-1109); and the umbrella chart ships it disabled (charts/nvsentinel/values.yaml:223-224).
describe('what fault-remediation will do, and whether it runs here', () => {
  it('CONTACT_SUPPORT, no action of the chart: no remediation is promised, and the drained node is not remediating', () => {
    const draining = row(T0, { recommendedAction: 'CONTACT_SUPPORT' }, { eviction: 'InProgress' });
    expect(headline(draining).next).toBe(
      'Next: once drained, released when GPU 3 reports healthy; fault-remediation has no maintenance action for CONTACT_SUPPORT and marks its remediation failed',
    );
    const drained = row(T0, { recommendedAction: 'CONTACT_SUPPORT' }, { eviction: 'Succeeded' });
    const result = headline(drained);
    expect(result.step).toEqual({
      state: 'quarantined',
      text: 'Drained; no remediation for recommended action CONTACT_SUPPORT',
      tone: 'info',
    });
    expect(result.next).toBe(
      'Next: released when GPU 3 reports healthy; fault-remediation has no maintenance action for CONTACT_SUPPORT and marks its remediation failed',
    );
    // Where no fault-remediation runs, nothing marks it: the recovery alone releases it.
    expect(headline(drained, { remediation: 'absent' }).next).toBe('Next: released when GPU 3 reports healthy');
  });

  it('a CUSTOM action is looked up by its custom name, which the chart does not map', () => {
    const drained = row(
      T0,
      { recommendedAction: 'CUSTOM', customRecommendedAction: 'REPLACE_TRAY' },
      { eviction: 'Succeeded' },
    );
    const result = headline(drained);
    expect(result.step?.state).toBe('quarantined');
    expect(result.next).toBe(
      'Next: released when GPU 3 reports healthy; fault-remediation has no maintenance action for REPLACE_TRAY and marks its remediation failed',
    );
  });

  it('an unsupported action fault-remediation marked failed: says it has no action for it', () => {
    const failed = row(T0, { recommendedAction: 'CONTACT_SUPPORT' }, { eviction: 'Succeeded', remediated: false });
    expect(headline(failed).step).toEqual({
      state: 'remediation-failed',
      text: 'Remediation failed: fault-remediation has no maintenance action for CONTACT_SUPPORT',
      tone: 'bad',
    });
  });

  it('no fault-remediation consumer: the drained node stays drained until released', () => {
    const draining = row(T0, {}, { eviction: 'InProgress' });
    expect(headline(draining, { remediation: 'absent' }).next).toBe(
      'Next: once drained, it stays drained until released when GPU 3 reports healthy: no fault-remediation runs here to RESTART_BM it',
    );
    const drained = row(T0, {}, { eviction: 'Succeeded' });
    const result = headline(drained, { remediation: 'absent' });
    expect(result.step).toEqual({
      state: 'remediating',
      text: 'Drained; no fault-remediation runs here to RESTART_BM it',
      tone: 'warn',
    });
    expect(result.next).toBe(
      'Next: it stays drained until released when GPU 3 reports healthy: no fault-remediation runs here to RESTART_BM it',
    );
  });

  it('fault-remediation stopped: the action waits for it to run again', () => {
    const drained = row(T0, {}, { eviction: 'Succeeded' });
    const result = headline(drained, { remediation: 'stopped' });
    expect(result.step).toEqual({
      state: 'remediating',
      text: 'Drained; fault-remediation is stopped and has not started RESTART_BM',
      tone: 'warn',
    });
    expect(result.next).toBe(
      'Next: fault-remediation will RESTART_BM the node when it runs again: it is stopped (Pipeline page)',
    );
    expect(headline(row(T0, {}, { eviction: 'InProgress' }), { remediation: 'stopped' }).next).toBe(
      'Next: once drained, fault-remediation will RESTART_BM the node when it runs again: it is stopped (Pipeline page)',
    );
  });

  it('no consumer reading yet: the promise is hedged', () => {
    expect(headline(row(T0, {}, { eviction: 'Succeeded' }), { remediation: 'unknown' }).next).toBe(
      'Next: fault-remediation will RESTART_BM the node if it runs here',
    );
  });
});

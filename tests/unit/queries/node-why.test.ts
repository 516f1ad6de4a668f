// The Why chain: what holds a node, in words, by NVSentinel's own release rule
// (fault-quarantine/pkg/healthEventsAnnotation/health_events_annotation_map.go:29-41, 200-258,
// lalitadithya/NVSentinel @ 42672ae: same agent/componentClass/checkName; an entity listed, or none
// listed for the whole check; an error code listed, or none for any).
import { describe, expect, it } from 'vitest';

import { clusterNodeOf, type ClusterNode } from '@/lib/cluster/cluster-node';
import type { CircuitBreakerState } from '@/lib/cluster/cluster-state';
import type { NodeView } from '@/lib/node-state/node-view';
import type { NodeEventRow } from '@/lib/queries/node-detail-view';
import type { NodeResource } from '@/lib/cluster/nvsentinel-resource';
import { whyChain, type WhyInputs } from '@/lib/queries/node-why';

const T0 = Date.parse('2026-12-06T10:00:00Z');

function row(overrides: Partial<NodeEventRow> & { at: number }): NodeEventRow {
  const { at, ...rest } = overrides;
  return {
    recordId: `r${at}`,
    createdAt: at,
    generatedAt: at,
    agent: 'syslog-health-monitor',
    componentClass: 'GPU',
    checkName: 'SysLogsXIDError',
    isFatal: true,
    isHealthy: false,
    message: 'ROBUST_CHANNEL_ERROR',
    recommendedAction: 'RESTART_BM',
    customRecommendedAction: '',
    errorCode: ['79'],
    entities: [{ entityType: 'GPU', entityValue: '3' }],
    metadata: {},
    processingStrategy: 'EXECUTE_REMEDIATION',
    quarantineOverrides: null,
    drainOverrides: null,
    status: {
      nodeQuarantined: 'Quarantined',
      quarantineFinishedAt: at,
      eviction: 'Succeeded',
      evictionMessage: '',
      drainFinishedAt: at + 60_000,
      remediated: null,
      remediatedAt: null,
      faultQuarantineRecovery: '',
    },
    ...rest,
  };
}

const opening = row({ at: T0 });
const healthy = (at: number, overrides: Partial<NodeEventRow> = {}) =>
  row({
    at,
    isFatal: false,
    isHealthy: true,
    errorCode: [],
    status: { ...opening.status, nodeQuarantined: null },
    ...overrides,
  });

function view(overrides: Partial<NodeView> = {}, manual = false): NodeView {
  return {
    name: 'gpu-7',
    state: 'quarantined',
    stateSince: T0,
    lastEventAt: T0,
    lastCheck: 'SysLogsXIDError',
    fatalCount: 1,
    openFaults: 1,
    agents: ['syslog-health-monitor'],
    checks: ['SysLogsXIDError'],
    session: {
      recordId: opening.recordId,
      since: T0,
      manual,
      reason: manual ? 'fan failure' : 'ROBUST_CHANNEL_ERROR',
      actor: manual ? 'ana' : null,
      checkName: manual ? 'ManualQuarantine' : 'SysLogsXIDError',
      recommendedAction: 'RESTART_BM',
      eviction: 'Succeeded',
      evictionMessage: '',
      remediated: null,
    },
    releasedAt: null,
    quarantineRequested: false,
    ...overrides,
  };
}

/** A node as fault-quarantine leaves it after quarantining for `tracked` (reconciler.go:982-1166). */
function node(
  extra: { labels?: Record<string, string>; annotations?: Record<string, string>; unschedulable?: boolean } = {},
  tracked: object[] = [
    {
      agent: 'syslog-health-monitor',
      componentClass: 'GPU',
      checkName: 'SysLogsXIDError',
      errorCode: ['79'],
      entitiesImpacted: [{ entityType: 'GPU', entityValue: '3' }],
      isFatal: true,
    },
  ],
): ClusterNode {
  return clusterNodeOf({
    metadata: {
      name: 'gpu-7',
      labels: {
        'k8saas.nvidia.com/cordon-by': 'NVSentinel',
        'k8saas.nvidia.com/cordon-reason': 'GPU-fatal-error-ruleset',
        'k8saas.nvidia.com/cordon-timestamp': '2026-12-06T10-00-01Z',
        'dgxc.nvidia.com/nvsentinel-state': 'quarantined',
        ...extra.labels,
      },
      annotations: {
        quarantineHealthEvent: JSON.stringify(tracked),
        quarantineHealthEventIsCordoned: 'True',
        ...extra.annotations,
      },
    },
    spec: { unschedulable: extra.unschedulable ?? true },
  });
}

const closed: CircuitBreakerState = { status: 'CLOSED', cursor: 'RESUME', trippedAt: null };
const tripped: CircuitBreakerState = { status: 'TRIPPED', cursor: 'RESUME', trippedAt: T0 + 5_000 };

function chain(
  inputs: Partial<WhyInputs> & {
    clusterNode?: ClusterNode | null;
    breaker?: CircuitBreakerState;
    resources?: NodeResource[];
  },
) {
  const { clusterNode, breaker, resources, ...rest } = inputs;
  return whyChain({
    view: view(),
    opening,
    sessionEvents: [opening],
    cluster:
      clusterNode === undefined && !breaker && !resources
        ? null
        : { status: 'live', node: clusterNode ?? null, breaker: breaker ?? closed, resources: resources ?? [] },
    quarantineBacklog: null,
    ...rest,
  });
}

const ids = (why: ReturnType<typeof whyChain>) => why.links.map((link) => link.id);
const link = (why: ReturnType<typeof whyChain>, id: string) => why.links.find((each) => each.id === id);

describe('the cause and what releases the node', () => {
  it('names the event that opened the session: check, XID, GPU, agent and recommended action', () => {
    const cause = link(chain({ clusterNode: node() }), 'cause')!;
    expect(cause.title).toBe(
      'Fatal SysLogsXIDError (XID 79) on GPU 3 from syslog-health-monitor opened the quarantine',
    );
    expect(cause.detail).toContain('Recommended action RESTART_BM');
    expect(cause.at).toBe(T0);
  });

  it('says which tracked GPU is still unhealthy and which healthy event releases it', () => {
    const why = chain({ clusterNode: node() });
    const waiting = link(why, 'waiting:SysLogsXIDError:GPU:3:79')!;
    expect(waiting.title).toBe('Still unhealthy: SysLogsXIDError (XID 79) on GPU 3');
    expect(waiting.detail).toContain('Released when syslog-health-monitor reports SysLogsXIDError healthy for GPU 3');
    expect(why.summary).toBe('Still unhealthy: SysLogsXIDError (XID 79) on GPU 3');
  });

  it('an event naming two GPUs leaves only with one healthy event naming both (NVSentinel saves whole events, :369-409)', () => {
    const tracked = [
      {
        agent: 'syslog-health-monitor',
        componentClass: 'GPU',
        checkName: 'SysLogsXIDError',
        errorCode: ['79'],
        entitiesImpacted: [
          { entityType: 'GPU', entityValue: '3' },
          { entityType: 'GPU', entityValue: '5' },
        ],
      },
    ];
    const gpu3 = healthy(T0 + 10_000, { entities: [{ entityType: 'GPU', entityValue: '3' }] });
    const partly = chain({ clusterNode: node({}, tracked), sessionEvents: [gpu3, opening] });
    const waiting = link(partly, 'waiting:SysLogsXIDError:GPU:3,GPU:5:79')!;
    expect(waiting.title).toBe('Partly reported healthy, still tracked: SysLogsXIDError (XID 79) on GPU 3, GPU 5');
    expect(waiting.detail).toContain('naming all of GPU 3, GPU 5 in one event, or no entity');
    // Not blamed on a fault-quarantine backlog: the event is still tracked.
    expect(link(partly, 'waiting:fault-quarantine')).toBeUndefined();

    const both = healthy(T0 + 20_000, {
      entities: [
        { entityType: 'GPU', entityValue: '3' },
        { entityType: 'GPU', entityValue: '5' },
      ],
    });
    const released = chain({ clusterNode: node({}, tracked), sessionEvents: [both, gpu3, opening] });
    expect(link(released, 'recovered:SysLogsXIDError:GPU:3,GPU:5:79')?.at).toBe(T0 + 20_000);
  });

  it('a healthy event naming no entity clears every GPU of the check (check-level match, :244-258)', () => {
    const why = chain({ clusterNode: node(), sessionEvents: [healthy(T0 + 1_000, { entities: [] }), opening] });
    expect(link(why, 'recovered:SysLogsXIDError:GPU:3:79')).toBeDefined();
  });

  it('a healthy event from another agent, for another GPU, or naming another error code does not release it', () => {
    for (const other of [
      healthy(T0 + 1_000, { agent: 'gpu-health-monitor' }),
      healthy(T0 + 1_000, { entities: [{ entityType: 'GPU', entityValue: '4' }] }),
      healthy(T0 + 1_000, { errorCode: ['48'] }),
      healthy(T0 + 1_000, { componentClass: 'NIC' }),
    ]) {
      const why = chain({ clusterNode: node(), sessionEvents: [other, opening] });
      expect(link(why, 'waiting:SysLogsXIDError:GPU:3:79'), JSON.stringify(other)).toBeDefined();
    }
  });

  it('an unhealthy report after the healthy one holds it again (the newest report counts)', () => {
    const events = [row({ at: T0 + 2_000 }), healthy(T0 + 1_000), opening];
    expect(
      link(chain({ clusterNode: node(), sessionEvents: events }), 'waiting:SysLogsXIDError:GPU:3:79')?.detail,
    ).toContain('Its last report was unhealthy');
  });

  it('every tracked check healthy but the session open: fault-quarantine has not processed it, with its backlog', () => {
    const why = chain({ clusterNode: node(), sessionEvents: [healthy(T0 + 1_000), opening], quarantineBacklog: 1234 });
    const waiting = link(why, 'waiting:fault-quarantine')!;
    expect(waiting.detail).toBe(
      'fault-quarantine has not processed the healthy event yet (it is 1,234 events behind).',
    );
  });

  it('without the cluster, a later fault NVSentinel added to the session (AlreadyQuarantined) is tracked too', () => {
    const gpu5 = row({
      at: T0 + 5_000,
      entities: [{ entityType: 'GPU', entityValue: '5' }],
      status: { ...opening.status, nodeQuarantined: 'AlreadyQuarantined' },
    });
    const why = chain({ sessionEvents: [healthy(T0 + 9_000), gpu5, opening] });
    expect(link(why, 'recovered:SysLogsXIDError:GPU:3:79')).toBeDefined();
    expect(why.summary).toBe('Still unhealthy: SysLogsXIDError (XID 79) on GPU 5');
  });

  it('without cluster access the opening event is what is tracked', () => {
    const why = chain({});
    expect(link(why, 'waiting:SysLogsXIDError:GPU:3:79')).toBeDefined();
    expect(ids(why).some((id) => id.startsWith('trap:'))).toBe(false);
    expect(link(why, 'cordon')).toBeUndefined();
  });

  it('a quarantine by hand: who and why, and that only a release by hand ends it', () => {
    const forced = row({
      at: T0,
      agent: 'sentinel-console',
      componentClass: 'NODE',
      checkName: 'ManualQuarantine',
      isFatal: false,
      errorCode: [],
      entities: [],
      quarantineOverrides: { force: true, skip: false },
    });
    const why = whyChain({
      view: view({}, true),
      opening: forced,
      sessionEvents: [forced],
      cluster: null,
      quarantineBacklog: null,
    });
    expect(link(why, 'cause')?.title).toBe('Quarantined by ana by hand: “fan failure”');
    expect(why.summary).toBe('Held by a quarantine by hand: only a release by hand ends it');
  });
});

describe('the pipeline steps, newest first', () => {
  it('cordon, drain, remediation and its custom resource in time order after what holds the node', () => {
    const resources: NodeResource[] = [
      {
        kind: 'RebootNode',
        name: 'maintenance-gpu-7-abc',
        nodeName: 'gpu-7',
        phase: 'InProgress',
        message: null,
        createdAt: T0 + 120_000,
        completedAt: null,
      },
    ];
    const why = chain({ clusterNode: node(), resources });
    expect(ids(why)).toEqual([
      'waiting:SysLogsXIDError:GPU:3:79',
      'remediation:RebootNode:maintenance-gpu-7-abc',
      'drain',
      'cordon',
      'cause',
    ]);
    expect(link(why, 'cordon')?.title).toBe('Cordoned by NVSentinel for GPU-fatal-error-ruleset');
    expect(link(why, 'remediation:RebootNode:maintenance-gpu-7-abc')?.title).toBe(
      'RebootNode maintenance-gpu-7-abc: InProgress',
    );
  });

  it('a failed drain is the problem named', () => {
    const failed = {
      ...opening,
      status: { ...opening.status, eviction: 'Failed', evictionMessage: 'pod train-0 would violate its PDB' },
    };
    const why = chain({ opening: failed, sessionEvents: [failed], clusterNode: node() });
    expect(why.summary).toBe('Drain failed: pod train-0 would violate its PDB');
  });
});

describe('the traps, each named', () => {
  const trapIds = (why: ReturnType<typeof whyChain>) => ids(why).filter((id) => id.startsWith('trap:'));

  it('breaker TRIPPED: healthy events are not processed, the node stays cordoned', () => {
    const why = chain({ clusterNode: node(), breaker: tripped, sessionEvents: [healthy(T0 + 1_000), opening] });
    expect(why.summary).toBe('Circuit breaker TRIPPED: fault-quarantine processes no event, healthy ones included');
    expect(link(why, 'trap:breaker-tripped')?.tone).toBe('bad');
    expect(link(why, 'trap:breaker-tripped')?.detail).toContain('stays cordoned, even once it reports healthy');
    // Not "fault-quarantine has not processed it yet": the breaker is why.
    expect(link(why, 'waiting:fault-quarantine')).toBeUndefined();
  });

  it('breaker TRIPPED on a free node: a new fault will not quarantine it', () => {
    const why = chain({
      view: view({ state: 'healthy', session: null }),
      opening: null,
      clusterNode: clusterNodeOf({ metadata: { name: 'gpu-7' } }),
      breaker: tripped,
    });
    expect(link(why, 'trap:breaker-tripped')?.tone).toBe('warn');
  });

  it('cordoned outside NVSentinel', () => {
    const free = clusterNodeOf({ metadata: { name: 'gpu-7' }, spec: { unschedulable: true } });
    const why = chain({ view: view({ state: 'healthy', session: null }), opening: null, clusterNode: free });
    expect(trapIds(why)).toEqual(['trap:cordoned-outside']);
    expect(why.summary).toBe('Cordoned outside NVSentinel');
  });

  it('cordon pre-existing: NVSentinel will not uncordon', () => {
    const why = chain({ clusterNode: node({ annotations: { quarantineHealthEventCordonPreExisting: 'True' } }) });
    expect(trapIds(why)).toEqual(['trap:cordon-pre-existing']);
  });

  it('uncordoned by hand, and released by hand in the datastore', () => {
    const uncordoned = clusterNodeOf({
      metadata: { name: 'gpu-7', annotations: { quarantinedNodeUncordonedManually: 'True' } },
    });
    const why = chain({
      view: view({ state: 'released', session: null, releasedAt: T0 + 9_000 }),
      opening: null,
      clusterNode: uncordoned,
    });
    expect(trapIds(why)).toEqual(['trap:released-by-hand']);
    const notYetSeen = chain({
      view: view({ state: 'healthy', session: null }),
      opening: null,
      clusterNode: uncordoned,
    });
    expect(trapIds(notYetSeen)).toEqual(['trap:uncordoned-by-hand']);
  });

  it('untainted by hand: nothing will uncordon it', () => {
    const why = chain({ clusterNode: node({ annotations: { quarantinedNodeUntaintedManually: 'True' } }) });
    expect(link(why, 'trap:untainted-by-hand')?.tone).toBe('bad');
  });

  it('opted out (ManagedByNVSentinel=false)', () => {
    const why = chain({ clusterNode: node({ labels: { 'k8saas.nvidia.com/ManagedByNVSentinel': 'false' } }) });
    expect(trapIds(why)).toEqual(['trap:opted-out']);
  });

  it('quarantined in the datastore but schedulable; not when NVSentinel’s rules only tainted it (reconciler.go:1012-1014)', () => {
    const why = chain({ clusterNode: node({ unschedulable: false }) });
    expect(why.summary).toBe('Quarantined in the datastore but schedulable in the cluster');
    const taintOnly = clusterNodeOf({
      metadata: {
        name: 'gpu-7',
        annotations: { quarantineHealthEvent: JSON.stringify([{ checkName: 'SysLogsXIDError' }]) },
      },
      spec: { taints: [{ key: 'nvidia.com/gpu-error', effect: 'NoSchedule' }] },
    });
    expect(link(chain({ clusterNode: taintOnly }), 'trap:schedulable')).toBeUndefined();
  });

  it('a node the cluster does not have: deleted, once listed; not yet known while connecting', () => {
    const why = chain({ clusterNode: null, breaker: closed });
    expect(link(why, 'trap:not-in-cluster')?.tone).toBe('bad');
    expect(why.summary).toBe('No node of this name in the cluster');
    const connecting = whyChain({
      view: view(),
      opening,
      sessionEvents: [opening],
      cluster: { status: 'connecting', node: null, breaker: closed, resources: [] },
      quarantineBacklog: null,
    });
    expect(link(connecting, 'trap:cluster-not-listed')).toBeDefined();
    expect(link(connecting, 'trap:not-in-cluster')).toBeUndefined();
  });

  it('stale state label: remediation-failed with no session open', () => {
    const stale = clusterNodeOf({
      metadata: { name: 'gpu-7', labels: { 'dgxc.nvidia.com/nvsentinel-state': 'remediation-failed' } },
    });
    const why = chain({ view: view({ state: 'healthy', session: null }), opening: null, clusterNode: stale });
    expect(link(why, 'trap:stale-state-label')?.title).toBe('Stale state label remediation-failed');
  });

  it('validation pending', () => {
    const resources: NodeResource[] = [
      {
        kind: 'ValidationRequest',
        name: 'validate-gpu-7',
        nodeName: 'gpu-7',
        phase: 'Pending',
        message: null,
        createdAt: T0 + 300_000,
        completedAt: null,
      },
    ];
    const why = chain({ clusterNode: node(), resources });
    expect(link(why, 'trap:validation:validate-gpu-7')?.title).toBe('Validation validate-gpu-7 is Pending');
    // A finished one is no trap.
    const done = chain({ clusterNode: node(), resources: [{ ...resources[0], phase: 'Succeeded' }] });
    expect(trapIds(done)).toEqual([]);
  });

  it('a node nothing holds says so', () => {
    const why = chain({
      view: view({ state: 'healthy', session: null }),
      opening: null,
      clusterNode: clusterNodeOf({ metadata: { name: 'gpu-7' } }),
    });
    expect(why).toEqual({ summary: 'Nothing holds this node', links: [] });
  });
});

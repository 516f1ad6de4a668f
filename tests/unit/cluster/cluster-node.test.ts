// A node read the way NVSentinel writes it (docs/nvsentinel-kubernetes-reference.md, lalitadithya/NVSentinel
// @ 42672ae): each situation an operator asks about is told apart from the object alone.
import { describe, expect, it } from 'vitest';

import { clusterNodeOf, trackedEventsOf, type NodeObject } from '@/lib/cluster/cluster-node';
import { parseLabelTimestamp as labelTime } from '@/lib/nvsentinel/label-values';

// The annotation fault-quarantine writes: Go JSON of the HealthEvent, zero values omitted,
// recommendedAction as a number (reconciler.go:1067-1089; health_event.pb.go:482-499).
const XID_EVENT = {
  version: 1,
  agent: 'syslog-health-monitor',
  componentClass: 'GPU',
  checkName: 'SysLogsXIDError',
  isFatal: true,
  message: 'XID 79',
  recommendedAction: 15,
  errorCode: ['79'],
  entitiesImpacted: [{ entityType: 'GPU', entityValue: 'GPU-5a3e' }],
  nodeName: 'gpu-7',
};

const node = (
  labels: Record<string, string>,
  annotations: Record<string, string>,
  unschedulable?: boolean,
): NodeObject => ({
  metadata: { name: 'gpu-7', labels, annotations, resourceVersion: '42' },
  spec: { unschedulable },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
});

describe("a node as NVSentinel's writes leave it", () => {
  it("an NVSentinel cordon: session, who, why and when, the tracked event's check and GPU", () => {
    const view = clusterNodeOf(
      node(
        {
          'k8saas.nvidia.com/cordon-by': 'NVSentinel',
          'k8saas.nvidia.com/cordon-reason': 'GPU-fatal-error-ruleset',
          'k8saas.nvidia.com/cordon-timestamp': '2026-12-06T14-45-36Z',
          'dgxc.nvidia.com/nvsentinel-state': 'draining',
        },
        { quarantineHealthEvent: JSON.stringify([XID_EVENT]), quarantineHealthEventIsCordoned: 'True' },
        true,
      ),
    );
    expect(view).toMatchObject({
      cordoned: true,
      nvsentinelSession: true,
      cordonedByNvsentinel: true,
      cordonPreExisting: false,
      uncordonedManually: false,
      stateLabel: 'draining',
      cordon: { by: 'NVSentinel', reason: 'GPU-fatal-error-ruleset', at: Date.parse('2026-12-06T14:45:36Z') },
      managed: true,
      ready: true,
    });
    expect(view.trackedEvents).toEqual([
      {
        agent: 'syslog-health-monitor',
        checkName: 'SysLogsXIDError',
        componentClass: 'GPU',
        errorCode: ['79'],
        entities: [{ type: 'GPU', value: 'GPU-5a3e' }],
        message: 'XID 79',
        isFatal: true,
        forced: false,
      },
    ]);
  });

  it('a cordon made before NVSentinel: adopted, no cordon-* labels, not to be lifted by it', () => {
    const view = clusterNodeOf(
      node(
        { 'dgxc.nvidia.com/nvsentinel-state': 'quarantined' },
        {
          quarantineHealthEvent: JSON.stringify([XID_EVENT]),
          quarantineHealthEventIsCordoned: 'True',
          quarantineHealthEventCordonPreExisting: 'True',
        },
        true,
      ),
    );
    expect(view).toMatchObject({ cordoned: true, nvsentinelSession: true, cordonPreExisting: true, cordon: null });
  });

  it('uncordoned by hand: no session left, the marker annotation, and the cordon-* labels still there (they prove nothing)', () => {
    const view = clusterNodeOf(
      node(
        {
          'k8saas.nvidia.com/cordon-by': 'NVSentinel',
          'k8saas.nvidia.com/cordon-reason': 'r',
          'k8saas.nvidia.com/cordon-timestamp': '2026-12-06T14-45-36Z',
        },
        { quarantinedNodeUncordonedManually: 'True' },
      ),
    );
    expect(view).toMatchObject({
      cordoned: false,
      nvsentinelSession: false,
      cordonedByNvsentinel: false,
      uncordonedManually: true,
      cordon: { by: 'NVSentinel' },
    });
  });

  it("a cordon that is not NVSentinel's, an opt-out, taints and the remediation resource", () => {
    const view = clusterNodeOf({
      metadata: {
        name: 'gpu-8',
        labels: { 'k8saas.nvidia.com/ManagedByNVSentinel': 'false' },
        annotations: {
          latestFaultRemediationState: JSON.stringify({
            equivalenceGroups: {
              restart: {
                maintenanceCR: 'maintenance-gpu-8-abc',
                createdAt: '2026-12-06T10:00:00Z',
                actionName: 'RESTART_BM',
              },
            },
          }),
        },
      },
      spec: {
        unschedulable: true,
        taints: [
          { key: 'nvidia.com/gpu-error', value: 'fatal', effect: 'NoSchedule' },
          { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' },
        ],
      },
    });
    expect(view).toMatchObject({ cordoned: true, nvsentinelSession: false, managed: false, ready: null });
    expect(view.taints).toEqual([
      { key: 'nvidia.com/gpu-error', value: 'fatal', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unreachable', value: null, effect: 'NoExecute' },
    ]);
    expect(view.remediations).toEqual([
      {
        group: 'restart',
        resource: 'maintenance-gpu-8-abc',
        action: 'RESTART_BM',
        createdAt: Date.parse('2026-12-06T10:00:00Z'),
      },
    ]);
    expect(
      clusterNodeOf({ metadata: { name: 'x', labels: { 'nvsentinel.dgxc.nvidia.com/managed': 'false' } } }).managed,
    ).toBe(false);
    // Any value but "false" is managed.
    expect(
      clusterNodeOf({ metadata: { name: 'x', labels: { 'k8saas.nvidia.com/ManagedByNVSentinel': 'no' } } }).managed,
    ).toBe(true);
  });

  it('reads the annotation in its old one-object form, and "" or "[]" as no session', () => {
    expect(trackedEventsOf(JSON.stringify(XID_EVENT))).toHaveLength(1);
    expect(trackedEventsOf('')).toEqual([]);
    expect(trackedEventsOf('[]')).toEqual([]);
    expect(trackedEventsOf('not json')).toEqual([]);
    expect(
      clusterNodeOf(node({}, { quarantineHealthEvent: '[]', quarantineHealthEventIsCordoned: 'True' }, true))
        .nvsentinelSession,
    ).toBe(false);
  });

  it("reads label times in Go's 2006-01-02T15-04-05Z layout only", () => {
    expect(labelTime('2026-01-02T03-04-05Z')).toBe(Date.parse('2026-01-02T03:04:05Z'));
    expect(labelTime('2026-01-02T03:04:05Z')).toBeNull();
    expect(labelTime(undefined)).toBeNull();
  });
});

// The dry run's judgement of each node (the single action's refusals, read from memory) and the
// circuit breaker before a bulk quarantine: its limit, and the GPU nodes cordoned now and after.
import { describe, expect, it } from 'vitest';

import { breakerOutlook, bulkRefusal } from '@/lib/actions/bulk-node-plan';
import { circuitBreakerView } from '@/lib/cluster/circuit-breaker-view';
import { clusterNodeOf } from '@/lib/cluster/cluster-node';
import type { NodeState, NodeView } from '@/lib/node-state/node-view';

const view = (state: NodeState, extra: Partial<NodeView> = {}): NodeView =>
  ({
    name: 'gpu-1',
    state,
    session: state === 'healthy' ? null : { since: 0 },
    quarantineRequested: false,
    ...extra,
  }) as NodeView;

describe('what a bulk action would refuse', () => {
  it('quarantine: acts on a healthy or unhealthy node; refuses a quarantined one, one already requested, an unknown one', () => {
    expect(bulkRefusal('quarantine', view('healthy'), false)).toBeNull();
    expect(bulkRefusal('quarantine', view('unhealthy'), false)).toBeNull();
    expect(bulkRefusal('quarantine', view('draining'), false)).toBe('already quarantined (Draining)');
    expect(bulkRefusal('quarantine', view('healthy', { quarantineRequested: true }), false)).toBe(
      'a quarantine is already requested and waiting for fault-quarantine',
    );
    expect(bulkRefusal('quarantine', undefined, true)).toBe(
      'unknown: no node of this name has reported to this datastore',
    );
  });

  it('release: acts on a quarantined node with a cluster; refuses a free node, and every node without a cluster', () => {
    expect(bulkRefusal('release', view('quarantined'), true)).toBeNull();
    expect(bulkRefusal('release', view('healthy'), true)).toBe('not quarantined (Healthy): nothing to release');
    expect(bulkRefusal('release', view('quarantined'), false)).toBe(
      'no Kubernetes cluster configured: a release is an uncordon',
    );
  });
});

describe('the circuit breaker before a bulk quarantine', () => {
  const node = (name: string, options: { gpu?: boolean; cordonedBy?: string } = {}) =>
    clusterNodeOf({
      metadata: {
        name,
        labels: {
          ...(options.gpu === false ? {} : { 'nvidia.com/gpu.present': 'true' }),
          ...(options.cordonedBy
            ? { 'k8saas.nvidia.com/cordon-by': options.cordonedBy, 'k8saas.nvidia.com/cordon-timestamp': 'x' }
            : {}),
        },
      },
      spec: { unschedulable: Boolean(options.cordonedBy) },
    });

  it('shows the limit and counts the GPU nodes cordoned now and after (a cordoned or non-GPU node adds none)', () => {
    const nodes = [node('a', { cordonedBy: 'NVSentinel' }), node('b'), node('c'), node('d'), node('e', { gpu: false })];
    const breaker = circuitBreakerView(
      { status: 'CLOSED', cursor: null, trippedAt: null },
      nodes,
      { percentage: 50, windowSeconds: 300 },
      null,
      { state: 'live', staleSince: null, lastError: null, nodes: 5 },
    );
    expect(breakerOutlook(breaker, nodes, ['a', 'b', 'c', 'e'])).toEqual({
      status: 'CLOSED',
      limit: 2,
      recentCordons: breaker.recentCordons,
      percentage: 50,
      windowSeconds: 300,
      gpuNodes: 4,
      cordonedNow: 1,
      cordonedAfter: 3,
    });
  });
});

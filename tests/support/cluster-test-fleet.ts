// A twin cluster (lib/simulator/kubernetes) holding the nodes a real NVSentinel cluster shows, for
// the real-cluster suite to run against: healthy GPU nodes, a CPU node, NVSentinel's cordon with
// its annotations and labels (reconciler.go:1012-1032), a cordon that was there before
// (reconciler.go:1016-1023: no cordon-* labels), a session in node-drainer's hands, a cordon by hand,
// an automatic release's uncordon-* labels (reconciler.go:1757-1761), an opted-out node, and one
// node labelled for the suite's writes.
import { QUARANTINE_ANNOTATIONS, LABEL_PREFIX, OPT_OUT_LABELS, STATE_LABEL } from '@/lib/nvsentinel/kubernetes-keys';
import { labelTimestamp } from '@/lib/nvsentinel/label-values';
import type { ApiServerOptions } from '@/lib/simulator/kubernetes/api-server';
import { startTwinCluster, type TwinCluster } from '@/lib/simulator/kubernetes/twin-cluster';

import { WRITABLE_LABEL } from './cluster-test-node';

interface Shape {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  unschedulable?: boolean;
  taints?: { key: string; value?: string; effect: string }[];
  gpu?: boolean;
}

/** A session's tracked event as Go encodes a HealthEvent (health_event.pb.go:482-499; zero values omitted). */
const trackedEvent = (nodeName: string) =>
  JSON.stringify([
    {
      version: 1,
      agent: 'gpu-health-monitor',
      componentClass: 'GPU',
      checkName: 'GpuXidError',
      isFatal: true,
      message: 'XID 79: GPU has fallen off the bus',
      recommendedAction: 2,
      errorCode: ['79'],
      entitiesImpacted: [{ entityType: 'GPU', entityValue: '0' }],
      nodeName,
    },
  ]);

function session(name: string, state: string, preExisting = false): Shape {
  const stamp = labelTimestamp(new Date(Date.now() - 3_600_000));
  return {
    unschedulable: true,
    annotations: {
      [QUARANTINE_ANNOTATIONS.healthEvents]: trackedEvent(name),
      [QUARANTINE_ANNOTATIONS.isCordoned]: 'True',
      ...(preExisting ? { [QUARANTINE_ANNOTATIONS.cordonPreExisting]: 'True' } : {}),
    },
    labels: {
      [STATE_LABEL]: state,
      ...(preExisting
        ? {}
        : {
            [`${LABEL_PREFIX}cordon-by`]: 'NVSentinel',
            [`${LABEL_PREFIX}cordon-reason`]: 'GPU-fatal-error-ruleset',
            [`${LABEL_PREFIX}cordon-timestamp`]: stamp,
          }),
    },
  };
}

const FLEET: Record<string, Shape> = {
  'gpu-healthy-1': {},
  'gpu-healthy-2': {},
  'cpu-1': { gpu: false },
  'gpu-quarantined': {
    ...session('gpu-quarantined', 'quarantined'),
    taints: [{ key: 'nvidia.com/gpu-error', value: 'fatal', effect: 'NoSchedule' }],
  },
  'gpu-draining': session('gpu-draining', 'draining'),
  'gpu-pre-existing': session('gpu-pre-existing', 'quarantined', true),
  'gpu-cordoned-by-hand': { unschedulable: true },
  'gpu-released': {
    labels: {
      [`${LABEL_PREFIX}uncordon-by`]: 'NVSentinel',
      [`${LABEL_PREFIX}uncordon-reason`]: 'GPU-fatal-error-ruleset-removed',
      [`${LABEL_PREFIX}uncordon-timestamp`]: labelTimestamp(new Date(Date.now() - 600_000)),
    },
  },
  'gpu-opted-out': { labels: { [OPT_OUT_LABELS[0]]: 'false' } },
  'gpu-test-writable': { labels: { [WRITABLE_LABEL]: 'true' } },
};

/** The twin with the fleet above and NVSentinel's namespace (the circuit-breaker ConfigMap CLOSED, RESUME). */
export async function startTestFleet(
  options: { kubeconfigFile?: string; forbid?: ApiServerOptions['forbid'] } = {},
): Promise<TwinCluster> {
  const cluster = await startTwinCluster([], options);
  const created = new Date(Date.now() - 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
  for (const [name, shape] of Object.entries(FLEET)) {
    cluster.api.store.create(cluster.api.resource('nodes'), {
      metadata: {
        name,
        creationTimestamp: created,
        labels: {
          'kubernetes.io/hostname': name,
          ...(shape.gpu === false ? {} : { 'nvidia.com/gpu.present': 'true' }),
          ...shape.labels,
        },
        ...(shape.annotations ? { annotations: shape.annotations } : {}),
      },
      spec: {
        ...(shape.unschedulable ? { unschedulable: true } : {}),
        ...(shape.taints ? { taints: shape.taints } : {}),
      },
      status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] },
    });
  }
  return cluster;
}

// The nodes informer keeps a trimmed node: what the console shows of it is the same as from the
// whole object, at a fraction of the size (a production GPU node's status.images and managedFields
// are most of it).
import type { V1Node } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';

import { clusterNodeOf } from '@/lib/cluster/cluster-node';
import { trimmedNode } from '@/lib/cluster/node-informer';

/** A GPU node as a kubelet and NVSentinel leave it: a quarantine, GPU feature discovery's labels, 120 images. */
function productionNode(): V1Node {
  const gfd = Object.fromEntries(
    Array.from({ length: 60 }, (_, index) => [`nvidia.com/gpu.feature-${index}`, `value-${index}`]),
  );
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: 'gpu-node-00042',
      uid: '7d1e2c9a-0000-4000-8000-000000000042',
      resourceVersion: '918273',
      creationTimestamp: new Date('2026-11-01T00:00:00Z'),
      labels: {
        ...gfd,
        'nvidia.com/gpu.present': 'true',
        'dgxc.nvidia.com/nvsentinel-state': 'quarantined',
        'k8saas.nvidia.com/cordon-by': 'NVSentinel',
        'k8saas.nvidia.com/cordon-reason': 'GPU-fatal-error-ruleset',
        'k8saas.nvidia.com/cordon-timestamp': '2026-12-06T14-45-36Z',
        'k8saas.nvidia.com/ManagedByNVSentinel': 'false',
        'nvsentinel.dgxc.nvidia.com/managed': 'false',
        'feature.node.kubernetes.io/cpu-cpuid.AVX512F': 'true',
      },
      annotations: {
        quarantineHealthEvent: JSON.stringify([
          {
            agent: 'syslog-health-monitor',
            checkName: 'SysLogsXIDError',
            componentClass: 'GPU',
            isFatal: true,
            errorCode: ['79'],
            entitiesImpacted: [{ entityType: 'GPU', entityValue: 'GPU-5a3e' }],
          },
        ]),
        quarantineHealthEventIsCordoned: 'True',
        quarantineHealthEventCordonPreExisting: 'False',
        quarantinedNodeUncordonedManually: 'False',
        latestFaultRemediationState: JSON.stringify({
          equivalenceGroups: {
            restart: {
              maintenanceCR: 'rebootnode-gpu-node-00042',
              actionName: 'RESTART_BM',
              createdAt: '2026-12-06T14:50:00Z',
            },
          },
        }),
        'sentinel-console/opt-out-until': '2026-12-08T00:00:00Z',
        'sentinel-console/opt-out-since': '2026-12-06T15:00:00Z',
        'sentinel-console/opt-out-by': 'alice',
        'sentinel-console/opt-out-reason': 'fan replacement',
        'sentinel-console/opt-out-previous': 'true',
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
      managedFields: Array.from({ length: 12 }, (_, index) => ({
        manager: `controller-${index}`,
        operation: 'Update',
        apiVersion: 'v1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:metadata': { 'f:labels': Object.fromEntries(Object.keys(gfd).map((key) => [`f:${key}`, {}])) } },
      })),
    },
    spec: {
      unschedulable: true,
      podCIDR: '10.244.42.0/24',
      providerID: 'aws:///us-east-1a/i-0abc',
      taints: [{ key: 'AggregatedNodeHealth', value: 'False', effect: 'NoSchedule', timeAdded: new Date() }],
    },
    status: {
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'kubelet is posting ready status',
          lastHeartbeatTime: new Date(),
          lastTransitionTime: new Date(),
        },
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory' },
      ],
      capacity: { cpu: '192', memory: '2113459872Ki', 'nvidia.com/gpu': '8', pods: '110' },
      allocatable: { cpu: '191', memory: '2111362720Ki', 'nvidia.com/gpu': '8', pods: '110' },
      addresses: [
        { type: 'InternalIP', address: '10.0.42.1' },
        { type: 'Hostname', address: 'gpu-node-00042' },
      ],
      images: Array.from({ length: 120 }, (_, index) => ({
        names: [
          `nvcr.io/nvidia/image-${index}@sha256:${'a'.repeat(64)}`,
          `nvcr.io/nvidia/image-${index}:v${index}.0.0`,
        ],
        sizeBytes: 1_000_000 * index,
      })),
      nodeInfo: {
        machineID: 'f'.repeat(32),
        systemUUID: 'e'.repeat(36),
        bootID: 'd'.repeat(36),
        kernelVersion: '6.8.0-1015-nvidia',
        osImage: 'Ubuntu 24.04.1 LTS',
        containerRuntimeVersion: 'containerd://1.7.22',
        kubeletVersion: 'v1.32.4',
        kubeProxyVersion: 'v1.32.4',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

describe('the nodes informer keeps a trimmed node', () => {
  it('shows the same as the whole node (cordon, session, state label, opt-out, remediation, taints, Ready, GPU) from under a tenth of its size', () => {
    const full = productionNode();
    const trimmed = trimmedNode(full);
    expect(clusterNodeOf(trimmed)).toEqual(clusterNodeOf(full));
    expect(clusterNodeOf(trimmed)).toMatchObject({
      cordoned: true,
      cordonedByNvsentinel: true,
      stateLabel: 'quarantined',
      gpu: true,
      ready: true,
      taints: [{ key: 'AggregatedNodeHealth', value: 'False', effect: 'NoSchedule' }],
      managed: false,
      optOut: expect.objectContaining({
        console: expect.objectContaining({ by: 'alice', reason: 'fan replacement' }),
        outside: ['nvsentinel.dgxc.nvidia.com/managed'],
      }),
      remediations: [expect.objectContaining({ group: 'restart', action: 'RESTART_BM' })],
    });
    // The bulk is gone: images, managedFields, nodeInfo, the feature-discovery labels, the kubelet's annotations.
    expect(JSON.stringify(trimmed).length).toBeLessThan(JSON.stringify(full).length / 10);
    expect(trimmed.status).not.toHaveProperty('images');
    expect(trimmed.metadata).not.toHaveProperty('managedFields');
    expect(Object.keys(trimmed.metadata!.labels!).sort()).toEqual([
      'dgxc.nvidia.com/nvsentinel-state',
      'k8saas.nvidia.com/ManagedByNVSentinel',
      'k8saas.nvidia.com/cordon-by',
      'k8saas.nvidia.com/cordon-reason',
      'k8saas.nvidia.com/cordon-timestamp',
      'nvidia.com/gpu.present',
      'nvsentinel.dgxc.nvidia.com/managed',
    ]);
    expect(trimmed.metadata!.annotations).not.toHaveProperty('node.alpha.kubernetes.io/ttl');
    expect(Object.keys(trimmed.metadata!.annotations!)).toHaveLength(10); // all but the two of the kubelet
    expect(trimmed.metadata?.resourceVersion).toBe('918273');
  });

  it('keeps an uncordoned node schedulable and a node without conditions unknown', () => {
    const node = productionNode();
    delete node.spec!.unschedulable;
    delete node.status!.conditions;
    const view = clusterNodeOf(trimmedNode(node));
    expect(view).toEqual(clusterNodeOf(node));
    expect(view.cordoned).toBe(false);
    expect(view.ready).toBeNull();
  });
});

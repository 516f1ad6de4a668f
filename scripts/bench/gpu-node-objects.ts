// Node objects shaped like a production GPU node's, for the Nodes page benchmark's twin API server
// (./nodes-cluster-state.ts, ./twin-nodes-process.ts): GPU feature discovery's labels, a status with
// 24 images (7.2 KB of JSON each), and NVSentinel's session (annotations and cordon labels, as
// fault-quarantine writes them) on the cordoned nodes the datastore holds quarantined and on every
// fifth other cordon, as a cordon from before; the rest cordoned by hand. Half are cordoned.
import { QUARANTINED_STATES, type NodeView } from '../../lib/node-state/node-view';
import { LABEL_PREFIX, QUARANTINE_ANNOTATIONS, STATE_LABEL } from '../../lib/nvsentinel/kubernetes-keys';

/** A node as the twin holds it: cordoned by NVSentinel (its session), cordoned before it, by hand, or not. */
export function nodeObject(view: Pick<NodeView, 'name' | 'state'>, index: number, stamp: string) {
  const quarantined = QUARANTINED_STATES.has(view.state);
  const cordoned = index % 2 === 0;
  const session = cordoned && (quarantined || index % 10 === 0);
  const preExisting = session && !quarantined;
  const annotations: Record<string, string> = session
    ? {
        [QUARANTINE_ANNOTATIONS.healthEvents]: JSON.stringify([
          {
            version: 1,
            agent: 'gpu-health-monitor',
            componentClass: 'GPU',
            checkName: 'GpuXidError',
            isFatal: true,
            message: 'XID 79',
            recommendedAction: 2,
            errorCode: ['79'],
            entitiesImpacted: [{ entityType: 'GPU', entityValue: '0' }],
            nodeName: view.name,
          },
        ]),
        [QUARANTINE_ANNOTATIONS.isCordoned]: 'True',
        ...(preExisting ? { [QUARANTINE_ANNOTATIONS.cordonPreExisting]: 'True' } : {}),
      }
    : {};
  const labels: Record<string, string> = {
    'kubernetes.io/hostname': view.name,
    'nvidia.com/gpu.present': 'true',
    ...(session ? { [STATE_LABEL]: 'quarantined' } : {}),
    ...(session && !preExisting
      ? {
          [`${LABEL_PREFIX}cordon-by`]: 'NVSentinel',
          [`${LABEL_PREFIX}cordon-reason`]: 'GPU-fatal-error-ruleset',
          [`${LABEL_PREFIX}cordon-timestamp`]: stamp,
        }
      : {}),
  };
  return {
    metadata: {
      name: view.name,
      labels: { ...GPU_NODE_LABELS, ...labels },
      annotations: { ...NODE_ANNOTATIONS, ...annotations },
    },
    spec: { podCIDR: '10.0.0.0/24', providerID: `bench://${view.name}`, ...(cordoned ? { unschedulable: true } : {}) },
    status: nodeStatus(index),
  };
}

/** What GPU feature discovery, the kubelet and the cloud put on a GPU node: the informer caches all of it. */
const GPU_NODE_LABELS: Record<string, string> = {
  'beta.kubernetes.io/arch': 'amd64',
  'beta.kubernetes.io/os': 'linux',
  'kubernetes.io/arch': 'amd64',
  'kubernetes.io/os': 'linux',
  'node.kubernetes.io/instance-type': 'dgx-h100',
  'topology.kubernetes.io/region': 'region-1',
  'topology.kubernetes.io/zone': 'region-1a',
  'nvidia.com/cuda.driver.major': '550',
  'nvidia.com/cuda.driver.minor': '90',
  'nvidia.com/cuda.driver.rev': '07',
  'nvidia.com/cuda.runtime.major': '12',
  'nvidia.com/cuda.runtime.minor': '4',
  'nvidia.com/gfd.timestamp': '1733500000',
  'nvidia.com/gpu.compute.major': '9',
  'nvidia.com/gpu.compute.minor': '0',
  'nvidia.com/gpu.count': '8',
  'nvidia.com/gpu.family': 'hopper',
  'nvidia.com/gpu.machine': 'DGX-H100',
  'nvidia.com/gpu.memory': '81559',
  'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3',
  'nvidia.com/gpu.replicas': '1',
  'nvidia.com/mig.capable': 'true',
  'nvidia.com/mig.strategy': 'single',
  'nvidia.com/gpu.deploy.device-plugin': 'true',
  'nvidia.com/gpu.deploy.dcgm': 'true',
  'nvidia.com/gpu.deploy.dcgm-exporter': 'true',
  'nvidia.com/gpu.deploy.gpu-feature-discovery': 'true',
  'feature.node.kubernetes.io/cpu-cpuid.AVX512F': 'true',
  'feature.node.kubernetes.io/kernel-version.full': '5.15.0-105-generic',
  'feature.node.kubernetes.io/pci-10de.present': 'true',
  'feature.node.kubernetes.io/system-os_release.ID': 'ubuntu',
  'feature.node.kubernetes.io/system-os_release.VERSION_ID': '22.04',
};
const NODE_ANNOTATIONS: Record<string, string> = {
  'node.alpha.kubernetes.io/ttl': '0',
  'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
  'nfd.node.kubernetes.io/feature-labels': 'cpu-cpuid.AVX512F,kernel-version.full,pci-10de.present',
};

function nodeStatus(index: number) {
  const at = '2026-12-06T12:00:00Z';
  const resources = {
    cpu: '224',
    'ephemeral-storage': '1843200Mi',
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: '2113407860Ki',
    'nvidia.com/gpu': '8',
    pods: '110',
  };
  return {
    addresses: [
      { type: 'InternalIP', address: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}` },
      { type: 'Hostname', address: `node-${index}` },
    ],
    allocatable: resources,
    capacity: resources,
    conditions: ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].map((type) => ({
      type,
      status: type === 'Ready' ? 'True' : 'False',
      lastHeartbeatTime: at,
      lastTransitionTime: at,
      reason: type === 'Ready' ? 'KubeletReady' : `KubeletHasNo${type}`,
      message: type === 'Ready' ? 'kubelet is posting ready status' : `kubelet has no ${type}`,
    })),
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      architecture: 'amd64',
      bootID: `00000000-0000-0000-0000-${String(index).padStart(12, '0')}`,
      containerRuntimeVersion: 'containerd://1.7.20',
      kernelVersion: '5.15.0-105-generic',
      kubeProxyVersion: 'v1.32.4',
      kubeletVersion: 'v1.32.4',
      machineID: String(index).padStart(32, '0'),
      operatingSystem: 'linux',
      osImage: 'Ubuntu 22.04.4 LTS',
      systemUUID: `00000000-0000-0000-0000-${String(index).padStart(12, '0')}`,
    },
    images: Array.from({ length: 24 }, (_, image) => ({
      names: [
        `nvcr.io/nvidia/image-${image}@sha256:${String(image).padStart(64, '0')}`,
        `nvcr.io/nvidia/image-${image}:v1.${image}.0`,
      ],
      sizeBytes: 100_000_000 + image * 1_000_000,
    })),
  };
}

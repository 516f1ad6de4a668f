// The Nodes page with the cluster half (issue 17: "node list with cluster state at 10,000 nodes: no
// slower than today's figure"). The read model (lib/queries/nodes.ts) looks up each node of the page
// in the watched cluster state, and ?disagree=1 walks the whole fleet. Here a real ClusterState (the
// official client's informers) follows the twin API server seeded with the projection's node names:
// half cordoned, NVSentinel's session (annotations and cordon labels, as fault-quarantine writes them)
// on the nodes the datastore holds quarantined and on some cordons that were there before, the rest
// cordoned by hand; each node shaped like a GPU node (GPU feature discovery's labels, a status with
// images): the informer trims each to what the console reads (lib/cluster/node-informer.ts), and the
// heap figure below shows what it keeps of such nodes. Each read is taken in turns with the same read without cluster state (the
// console with no cluster configured): the baseline. Also: the informer's first list, and the heap
// its nodes take (after GC).
import v8 from 'node:v8';
import vm from 'node:vm';

import { ClusterState } from '../../lib/cluster/cluster-state';
import type { AppContext } from '../../lib/context/app-context';
import type { LiveHub } from '../../lib/live/live-hub';
import { parseNodeFilter } from '../../lib/node-state/node-filter';
import { NODE_PAGE_SIZE, parseNodePage } from '../../lib/node-state/node-order';
import { QUARANTINED_STATES, type NodeView } from '../../lib/node-state/node-view';
import {
  LABEL_PREFIX,
  NVSENTINEL_NAMESPACE,
  QUARANTINE_ANNOTATIONS,
  STATE_LABEL,
} from '../../lib/nvsentinel/kubernetes-keys';
import { labelTimestamp } from '../../lib/nvsentinel/label-values';
import { readNodeList } from '../../lib/queries/nodes';
import { startTwinCluster, type TwinCluster } from '../../lib/simulator/kubernetes/twin-cluster';
import { percentiles, type Percentiles } from './delivery-latency';

export interface ClusterPageRow {
  /** The request, as the URL's query (empty: the first page). */
  query: string;
  withCluster: Percentiles;
  /** The same read without cluster state. */
  without: Percentiles;
  /** Nodes matching, with cluster state. */
  matching: number;
}

export interface ClusterStateNodesBench {
  nodes: number;
  cordoned: number;
  withSession: number;
  /** From start to every node in the state: the informer's first list (and its watch starting). */
  firstListMs: number;
  /** Heap held by the informers and the state once every node is in, after GC. */
  heapMb: number;
  /** The JSON of one node object, on average (KB): shaped like a GPU node's, status and images included. */
  objectKb: number;
  rows: ClusterPageRow[];
}

/** V8's gc(), without --expose-gc on the command line. */
function collector(): () => void {
  v8.setFlagsFromString('--expose_gc');
  return vm.runInNewContext('gc') as () => void;
}

/** A node as the twin holds it: cordoned by NVSentinel (its session), cordoned before it, by hand, or not. */
function nodeObject(view: NodeView, index: number, stamp: string) {
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

/** What readNodeList needs of an app context: the live hub, and the cluster or none. */
function pageContext(hub: LiveHub, cluster: ReturnType<AppContext['cluster']>): AppContext {
  const none = (): never => {
    throw new Error('the Nodes page benchmark reads only the live hub and the cluster');
  };
  return {
    store: none,
    liveHub: async () => hub,
    currentLiveHub: () => hub,
    datastores: () => [],
    consolePool: none,
    auth: none,
    actor: none,
    cluster: () => cluster,
  };
}

export async function clusterStateNodesBench(hub: LiveHub, runs: number): Promise<ClusterStateNodesBench> {
  const gc = collector();
  const views = hub.nodes();
  const stamp = labelTimestamp(new Date());
  let twin: TwinCluster | undefined;
  let state: ClusterState | undefined;
  try {
    twin = await startTwinCluster([]);
    const objects = views.map((view, index) => nodeObject(view, index, stamp));
    for (const object of objects) twin.api.store.create(twin.api.resource('nodes'), object);
    const cordoned = objects.filter((object) => object.spec.unschedulable).length;
    // From a sample: all 100,000 of them as one string would pass V8's longest string (the 100,000-node run failed so).
    const sample = objects.slice(0, 1_000);
    const objectKb = JSON.stringify(sample).length / sample.length / 1024;
    const withSession = objects.filter(
      (object) => object.metadata.annotations[QUARANTINE_ANNOTATIONS.isCordoned],
    ).length;

    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const config = twin.kubeConfig();
    state = new ClusterState(config, NVSENTINEL_NAMESPACE);
    let seen = 0;
    const started = performance.now();
    const all = new Promise<number>((resolve) =>
      state!.onNode(() => {
        if (++seen === views.length) resolve(performance.now() - started);
      }),
    );
    await state.start();
    const firstListMs = await all;
    if (state.status().state !== 'live')
      throw new Error(`the cluster state did not go live: ${JSON.stringify(state.status())}`);
    gc();
    const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;

    const access = {
      config,
      source: 'kubeconfig' as const,
      server: twin.api.url,
      context: 'sentinel-twin',
      namespace: NVSENTINEL_NAMESPACE,
    };
    const withCluster = pageContext(hub, { access, state });
    const without = pageContext(hub, null);
    const rows: ClusterPageRow[] = [];
    // The first page, one state, the nodes the cluster disagrees on, and a page in the middle of all
    // (no page near either end: the whole list is sorted for it, lib/node-state/sorted-slice.ts).
    const middle = Math.floor(Math.ceil(views.length / NODE_PAGE_SIZE) / 2) + 1;
    for (const query of ['', 'state=unhealthy', 'disagree=1', `page=${middle}`]) {
      const params = new URLSearchParams(query);
      const read = (context: AppContext) =>
        readNodeList(context, parseNodeFilter(params), parseNodePage(params)).then((page) => JSON.stringify(page));
      const samples = { with: [] as number[], without: [] as number[] };
      // In turns, each first every other run, so drift and GC on a shared machine hit both alike; the first round warms up.
      for (let run = -1; run < runs; run += 1) {
        const sides = [
          ['with', withCluster],
          ['without', without],
        ] as const;
        for (const [side, context] of run % 2 === 0 ? sides : [...sides].reverse()) {
          const begun = performance.now();
          await read(context);
          if (run >= 0) samples[side].push(performance.now() - begun);
        }
      }
      const matching = (await readNodeList(withCluster, parseNodeFilter(params), parseNodePage(params))).matching;
      rows.push({ query, withCluster: percentiles(samples.with), without: percentiles(samples.without), matching });
    }
    return {
      nodes: views.length,
      cordoned,
      withSession,
      firstListMs: Math.round(firstListMs),
      heapMb: Math.round(heapMb * 10) / 10,
      objectKb: Math.round(objectKb * 10) / 10,
      rows,
    };
  } finally {
    await state?.stop();
    await twin?.close();
  }
}

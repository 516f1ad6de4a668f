// The console's cluster state follows the API server with informers: nodes and the breaker
// ConfigMap arrive without a call per read, changes show within the watch, an API server that
// refuses marks the state stale (keeping the last state) and it is live again by itself after.
// NVSentinel's custom resources are followed where their CRDs are served: they appear per node as
// the simulated remediation creates them and janitor advances them; no CRD, no kind and still live;
// a CRD installed later is picked up, one removed let go.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { clusterAccessFromEnv, ClusterAccessError } from '@/lib/cluster/cluster-access';
import { ClusterState } from '@/lib/cluster/cluster-state';
import { CIRCUIT_BREAKER_CONFIGMAP, NVSENTINEL_NAMESPACE } from '@/lib/nvsentinel/kubernetes-keys';
import { ClusterSimulator } from '@/lib/simulator/cluster-simulator';
import { SIMULATOR_MARK } from '@/lib/simulator/event-generator';
import { writeTwinKubeconfig } from '@/lib/simulator/kubernetes/kubeconfig';
import { NVSENTINEL_CRDS } from '@/lib/simulator/kubernetes/nvsentinel-crds';
import { startTwinCluster, type TwinCluster } from '@/lib/simulator/kubernetes/twin-cluster';
import { openDataStore } from '@/lib/store';
import { setUpOwnDatabase } from '@/lib/store/postgres';

import { createTestDatabase, testServers } from '../../support/test-databases';
import { until } from '../../support/until';

describe('cluster state from the API server', () => {
  let cluster: TwinCluster;
  let state: ClusterState;
  let api: CoreV1Api;
  let dir: string;
  const refused = new Set<string>();

  beforeAll(async () => {
    cluster = await startTwinCluster(['gpu-1', 'gpu-2', 'gpu-3'], {
      forbid: (verb, resource) => refused.has(`${verb} ${resource}`),
    });
    api = cluster.kubeConfig().makeApiClient(CoreV1Api);
    state = new ClusterState(cluster.kubeConfig(), NVSENTINEL_NAMESPACE);
    await state.start();
    dir = await mkdtemp(path.join(os.tmpdir(), 'cluster-access-'));
  });
  afterAll(async () => {
    await state?.stop();
    await cluster?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('holds every node and the circuit breaker once live', async () => {
    await until('live', async () => state.status().state === 'live');
    expect(
      state
        .allNodes()
        .map((node) => node.name)
        .sort(),
    ).toEqual(['gpu-1', 'gpu-2', 'gpu-3']);
    expect(state.node('gpu-1')).toMatchObject({ cordoned: false, nvsentinelSession: false, ready: true });
    expect(state.breaker()).toEqual({
      status: 'CLOSED',
      cursor: 'RESUME',
      trippedAt: null,
      resourceVersion: expect.stringMatching(/^\d+$/),
    });
  });

  it('sees a cordon and a tripped breaker within the watch', async () => {
    const seen: string[] = [];
    const stop = state.onNode((node) => seen.push(node.name));
    await api.patchNode(
      { name: 'gpu-2', body: { spec: { unschedulable: true } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    await until('the cordon', async () => state.node('gpu-2')?.cordoned === true);
    expect(seen).toContain('gpu-2');
    stop();
    await api.patchNamespacedConfigMap(
      { name: CIRCUIT_BREAKER_CONFIGMAP, namespace: NVSENTINEL_NAMESPACE, body: { data: { status: 'TRIPPED' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await until('the tripped breaker', async () => state.breaker().status === 'TRIPPED');
  });

  it('turns stale when the API server refuses, keeps the last state, and is live again by itself', async () => {
    refused.add('list nodes');
    refused.add('watch nodes');
    cluster.api.endWatches();
    await until('stale', async () => state.status().state === 'stale');
    const stale = state.status();
    expect(stale.staleSince).toBeGreaterThan(0);
    expect(stale.lastError).toContain('403 Forbidden');
    expect(state.node('gpu-2')?.cordoned).toBe(true);
    refused.clear();
    await api.patchNode(
      { name: 'gpu-3', body: { spec: { unschedulable: true } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    await until(
      'live again, with the change made meanwhile',
      async () => state.status().state === 'live' && state.node('gpu-3')?.cordoned === true,
    );
    expect(state.status().staleSince).toBeNull();
  }, 60_000);

  it('finds the cluster from KUBECONFIG, or nowhere, and says what is wrong with a bad setting', async () => {
    const file = path.join(dir, 'kubeconfig');
    await writeTwinKubeconfig(file, cluster.api.url, cluster.api.certificateAuthority, 'token');
    expect(clusterAccessFromEnv({ KUBECONFIG: file }, dir)).toMatchObject({
      source: 'kubeconfig',
      server: cluster.api.url,
      context: 'sentinel-twin',
      namespace: 'nvsentinel',
    });
    expect(clusterAccessFromEnv({ KUBECONFIG: file, NVSENTINEL_NAMESPACE: 'ops' }, dir)?.namespace).toBe('ops');
    expect(clusterAccessFromEnv({ KUBECONFIG: file, CLUSTER_ACCESS: 'off' }, dir)).toBeNull();
    expect(clusterAccessFromEnv({}, dir)).toBeNull();
    expect(() => clusterAccessFromEnv({ KUBECONFIG: path.join(dir, 'missing') }, dir)).toThrow(ClusterAccessError);
    expect(() => clusterAccessFromEnv({ CLUSTER_ACCESS: 'sometimes' }, dir)).toThrow(
      'CLUSTER_ACCESS must be auto or off (got "sometimes")',
    );
  });

  it('never says live before the API server has answered, and keeps the first stale time while it retries', async () => {
    const config = new KubeConfig();
    // Port 9 (discard) on loopback: nothing answers.
    config.loadFromOptions({
      clusters: [{ name: 'away', server: 'https://127.0.0.1:9', skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'away', cluster: 'away', user: 'u' }],
      currentContext: 'away',
    });
    const away = new ClusterState(config, NVSENTINEL_NAMESPACE);
    try {
      await away.start();
      const first = away.status();
      expect(first.state).toBe('stale');
      const seen = new Set<string>();
      const deadline = Date.now() + 2_000;
      while (Date.now() < deadline) {
        seen.add(away.status().state);
        expect(away.status().staleSince).toBe(first.staleSince);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect([...seen]).toEqual(['stale']);
    } finally {
      await away.stop();
    }
  });
});

describe('a cluster bigger than one list page', () => {
  it('lists every node in pages, and a cordon made between two pages is not lost (the watch starts from the first page)', async () => {
    const names = Array.from({ length: 1_203 }, (_, index) => `gpu-${String(index).padStart(5, '0')}`);
    let lists = 0;
    const twin: TwinCluster = await startTwinCluster(names, {
      // Not a refusal: a hook on each request, to cordon a first-page node while the second page is asked.
      forbid: (verb, resource) => {
        if (verb === 'list' && resource === 'nodes' && ++lists === 2) {
          const nodes = twin.api.resource('nodes');
          const first = twin.api.store.get(nodes, 'gpu-00001');
          twin.api.store.replace(nodes, { ...first, spec: { ...(first.spec as object), unschedulable: true } });
        }
        return false;
      },
    });
    const big = new ClusterState(twin.kubeConfig(), NVSENTINEL_NAMESPACE);
    try {
      await big.start();
      await until('live', async () => big.status().state === 'live');
      expect(big.allNodes()).toHaveLength(1_203);
      expect(lists).toBe(3); // pages of 500
      await until('the cordon made between pages', async () => big.node('gpu-00001')?.cordoned === true);
      expect(big.node('gpu-01202')).toMatchObject({ cordoned: false, ready: true, gpu: true });
    } finally {
      await big.stop();
      await twin.close();
    }
  });
});

describe("NVSentinel's custom resources in the cluster state", () => {
  it('shows the RebootNode the simulated remediation creates, per node, as janitor advances it', async () => {
    const database = await createTestDatabase(testServers()[0]);
    await setUpOwnDatabase(database.url);
    const store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    const cluster = await startTwinCluster(['gpu-node-a', 'gpu-node-b']);
    const simulator = new ClusterSimulator(store, {
      seed: 7,
      nodes: 2,
      rate: 0,
      cluster: cluster.kubeConfig(),
      breaker: { percentage: 100, windowMs: 300_000 },
      settings: { drainMs: 20, remediationMs: 400, drainFailureRate: 0, remediationFailureRate: 0 },
    });
    const state = new ClusterState(cluster.kubeConfig(), NVSENTINEL_NAMESPACE);
    try {
      await simulator.start();
      await state.start();
      expect(state.resourceKinds()).toEqual([
        'RebootNode',
        'TerminateNode',
        'GPUReset',
        'ExternalRemediationRequest',
        'ValidationRequest',
      ]);
      expect(state.resourcesOf('gpu-node-a')).toEqual([]);
      const [fault] = await store.healthEvents().insertMany([
        {
          nodeName: 'gpu-node-a',
          agent: 'syslog-health-monitor',
          checkName: 'SysLogsXIDError',
          isFatal: true,
          errorCode: ['79'],
          message: 'XID 79: GPU has fallen off the bus',
          recommendedAction: 'RESTART_BM',
          processingStrategy: 'EXECUTE_REMEDIATION',
          entitiesImpacted: [{ entityType: 'GPU', entityValue: '3' }],
          metadata: { [SIMULATOR_MARK]: 'true' },
        },
      ]);
      const name = `maintenance-gpu-node-a-${fault.recordId}`;
      const rebooting = await until('the RebootNode, rebooting', async () =>
        state.resourcesOf('gpu-node-a').find((resource) => resource.name === name && resource.phase === 'InProgress'),
      );
      expect(rebooting).toMatchObject({ kind: 'RebootNode', nodeName: 'gpu-node-a', completedAt: null });
      expect(rebooting.createdAt).toBeGreaterThan(0);
      const done = await until('the RebootNode, done', async () =>
        state.resourcesOf('gpu-node-a').find((resource) => resource.name === name && resource.phase === 'Succeeded'),
      );
      expect(done).toMatchObject({ message: 'Node reached ready state post-reboot' });
      expect(done.completedAt).toBeGreaterThanOrEqual(done.createdAt!);
      expect(state.resourcesOf('gpu-node-b')).toEqual([]);
      expect(state.status().state).toBe('live');
    } finally {
      await state.stop();
      await simulator.stop();
      await cluster.close();
      await store.close();
      await database.drop();
    }
  });

  it('watches no kind on a cluster without the CRDs and is live; picks one up once installed, lets it go once removed', async () => {
    const cluster = await startTwinCluster(['gpu-1', 'gpu-2'], { customResourceDefinitions: [] });
    const state = new ClusterState(cluster.kubeConfig(), NVSENTINEL_NAMESPACE, 100);
    try {
      await state.start();
      expect(state.resourceKinds()).toEqual([]);
      expect(state.status()).toMatchObject({ state: 'live', lastError: null });

      const extensions = cluster.kubeConfig().makeApiClient(ApiextensionsV1Api);
      const validation = NVSENTINEL_CRDS.find(
        (crd) => crd.metadata.name === 'validationrequests.nvsentinel.nvidia.com',
      )!;
      await extensions.createCustomResourceDefinition({ body: validation as unknown as V1CustomResourceDefinition });
      await until('the kind picked up', async () => state.resourceKinds().includes('ValidationRequest'));
      expect(state.resourceKinds()).toEqual(['ValidationRequest']);
      // A ValidationRequest names its nodes in spec.nodes: one resource per node.
      await cluster
        .kubeConfig()
        .makeApiClient(CustomObjectsApi)
        .createClusterCustomObject({
          group: 'nvsentinel.nvidia.com',
          version: 'v1alpha1',
          plural: 'validationrequests',
          body: {
            apiVersion: 'nvsentinel.nvidia.com/v1alpha1',
            kind: 'ValidationRequest',
            metadata: { name: 'validate-both' },
            spec: { nodes: [{ name: 'gpu-1' }, { name: 'gpu-2' }], tests: ['dcgm'] },
          },
        });
      await until(
        'both nodes',
        async () => state.resourcesOf('gpu-1').length > 0 && state.resourcesOf('gpu-2').length > 0,
      );
      expect(state.resourcesOf('gpu-2')).toEqual([
        expect.objectContaining({
          kind: 'ValidationRequest',
          name: 'validate-both',
          nodeName: 'gpu-2',
          phase: 'Pending',
        }),
      ]);

      await extensions.deleteCustomResourceDefinition({ name: 'validationrequests.nvsentinel.nvidia.com' });
      await until('the kind let go', async () => state.resourceKinds().length === 0);
      expect(state.resourcesOf('gpu-1')).toEqual([]);
      await until('live', async () => state.status().state === 'live');
    } finally {
      await state.stop();
      await cluster.close();
    }
  });
});

// A change of a node's cluster half reaches open pages over the live stream: the nodes list hears
// of every node, a node's page of its own, and a kubelet's status rewrite (which changes nothing the
// console shows) is no news. The cluster is the twin API server, changed as kubectl changes it.
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ClusterState } from '@/lib/cluster/cluster-state';
import { followClusterChanges } from '@/lib/live/cluster-changes';
import { LiveHub } from '@/lib/live/live-hub';
import type { ClusterMessage } from '@/lib/live/live-messages';
import { startTwinCluster, type TwinCluster } from '@/lib/simulator/kubernetes/twin-cluster';
import { openDataStore, type DataStore } from '@/lib/store';
import { setUpOwnDatabase } from '@/lib/store/postgres';

import { SseReader, type SseMessage } from '../../support/sse-reader';
import { createTestDatabase, testServers, type TestDatabase } from '../../support/test-databases';

const clusterNames = (message: SseMessage) => (message.data as ClusterMessage).nodes;

describe('cluster changes on the live stream', () => {
  let database: TestDatabase;
  let store: DataStore;
  let hub: LiveHub;
  let cluster: TwinCluster;
  let state: ClusterState;
  let api: CoreV1Api;
  let stopFollowing: () => void;

  beforeAll(async () => {
    database = await createTestDatabase(testServers()[0]);
    await setUpOwnDatabase(database.url);
    store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    hub = new LiveHub(store, { consumer: 'live-cluster', flushMs: 50, pipelineSampleMs: 500 });
    await hub.start();
    cluster = await startTwinCluster(['gpu-1', 'gpu-2', 'gpu-3']);
    api = cluster.kubeConfig().makeApiClient(CoreV1Api);
    state = new ClusterState(cluster.kubeConfig(), 'nvsentinel');
    await state.start();
    for (const deadline = Date.now() + 15_000; state.allNodes().length < 3;) {
      if (Date.now() > deadline) throw new Error('the cluster state never listed the three nodes');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    stopFollowing = followClusterChanges(state, hub);
  });
  afterAll(async () => {
    stopFollowing?.();
    await state?.stop();
    await cluster?.close();
    await hub?.stop();
    await store?.close();
    await database?.drop();
  });

  /** What kubectl sends. */
  const patch = (name: string, body: object) =>
    api.patchNode({ name, body }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));

  it('kubectl cordon reaches the nodes list and that node’s page, not another node’s page', async () => {
    const list = new SseReader((await hub.connect({ topics: ['nodes'], filter: {} })).stream);
    const page1 = new SseReader((await hub.connect({ topics: ['node:gpu-1'], filter: {} })).stream);
    const page2 = new SseReader((await hub.connect({ topics: ['node:gpu-2'], filter: {} })).stream);

    await patch('gpu-1', { spec: { unschedulable: true } });
    expect(clusterNames(await list.until((message) => message.event === 'cluster'))).toEqual(['gpu-1']);
    expect(clusterNames(await page1.until((message) => message.event === 'cluster'))).toEqual(['gpu-1']);

    // The next cluster message gpu-2's page gets is about gpu-2: it never heard of gpu-1.
    await patch('gpu-2', { metadata: { labels: { 'k8saas.nvidia.com/ManagedByNVSentinel': 'false' } } });
    expect(clusterNames(await page2.until((message) => message.event === 'cluster'))).toEqual(['gpu-2']);
    for (const reader of [list, page1, page2]) await reader.cancel();
  });

  it('a page that reconnects after a cluster change it missed is told to read everything again', async () => {
    const page = new SseReader((await hub.connect({ topics: ['node:gpu-3'], filter: {} })).stream);
    const lastEventId = (await page.until((message) => message.id !== null)).id!;
    await page.cancel();
    const before = state.node('gpu-2')?.resourceVersion;
    await patch('gpu-2', { metadata: { labels: { 'k8saas.nvidia.com/ManagedByNVSentinel': 'true' } } });
    await expect.poll(() => state.node('gpu-2')?.resourceVersion, { timeout: 15_000 }).not.toBe(before);
    // The change is told once gathered; then the page comes back with the id it last had.
    const list = new SseReader((await hub.connect({ topics: ['nodes'], filter: {} })).stream);
    await list.until((message) => message.event === 'cluster');
    await list.cancel();
    const back = new SseReader((await hub.connect({ topics: ['node:gpu-3'], filter: {}, lastEventId })).stream);
    expect(clusterNames(await back.until((message) => message.event === 'cluster'))).toBeNull();
    await back.cancel();
  });

  it('a custom resource about a node (janitor’s RebootNode) reaches that node’s page', async () => {
    expect(state.resourceKinds()).toContain('RebootNode');
    const page = new SseReader((await hub.connect({ topics: ['node:gpu-3'], filter: {} })).stream);
    await cluster
      .kubeConfig()
      .makeApiClient(CustomObjectsApi)
      .createClusterCustomObject({
        group: 'janitor.dgxc.nvidia.com',
        version: 'v1alpha1',
        plural: 'rebootnodes',
        body: {
          apiVersion: 'janitor.dgxc.nvidia.com/v1alpha1',
          kind: 'RebootNode',
          metadata: { name: 'maintenance-gpu-3-live' },
          spec: { nodeName: 'gpu-3', force: false },
        },
      });
    expect(clusterNames(await page.until((message) => message.event === 'cluster'))).toEqual(['gpu-3']);
    await page.cancel();
  });

  it('a kubelet status rewrite is no news; the next real change is', async () => {
    const list = new SseReader((await hub.connect({ topics: ['nodes'], filter: {} })).stream);
    const before = (await api.readNode({ name: 'gpu-3' })).metadata?.resourceVersion;
    // What a kubelet does every few seconds: its heartbeat in the status.
    await api.patchNodeStatus(
      {
        name: 'gpu-3',
        body: {
          status: {
            conditions: [
              { type: 'Ready', status: 'True', lastHeartbeatTime: new Date(), reason: 'KubeletReady', message: '' },
            ],
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    // The informer saw it (a new resourceVersion) before the next change is made.
    await expect.poll(() => state.node('gpu-3')?.resourceVersion, { timeout: 15_000 }).not.toBe(before);
    await patch('gpu-1', { spec: { unschedulable: null } });
    expect(clusterNames(await list.until((message) => message.event === 'cluster'))).toEqual(['gpu-1']);
    await list.cancel();
  });
});

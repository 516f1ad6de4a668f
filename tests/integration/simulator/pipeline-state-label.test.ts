// The simulated node-drainer and fault-remediation write dgxc.nvidia.com/nvsentinel-state on the
// twin's nodes as NVSentinel's state manager does (commons/pkg/statemanager/statemanager.go @ 42672ae):
// quarantined → draining → drain-succeeded → remediating → remediation-succeeded, drain-failed and
// remediation-failed at the failure rates, each by GET and update (never a patch), and gone on
// release; fault-remediation removes only its own values.
import { CoreV1Api, PatchStrategy, setHeaderOptions, Watch, type V1Node } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { STATE_LABEL } from '@/lib/nvsentinel/kubernetes-keys';
import { ClusterSimulator } from '@/lib/simulator/cluster-simulator';
import { SIMULATOR_MARK } from '@/lib/simulator/event-generator';
import { startTwinCluster, type TwinCluster } from '@/lib/simulator/kubernetes/twin-cluster';
import { NodeStateLabel } from '@/lib/simulator/pipeline/node-state-label';
import { openDataStore, type DataStore, type NewHealthEvent } from '@/lib/store';
import { setUpOwnDatabase } from '@/lib/store/postgres';

import { createTestDatabase, testServers, type TestDatabase } from '../../support/test-databases';
import { until } from '../../support/until';

const NODES = ['gpu-node-a', 'gpu-node-b', 'gpu-node-c', 'gpu-node-d', 'gpu-node-e', 'gpu-node-f'];

const event = (nodeName: string, overrides: Partial<NewHealthEvent> = {}): NewHealthEvent => ({
  nodeName,
  agent: 'syslog-health-monitor',
  checkName: 'SysLogsXIDError',
  isFatal: true,
  errorCode: ['79'],
  message: 'XID 79: GPU has fallen off the bus',
  recommendedAction: 'RESTART_BM',
  processingStrategy: 'EXECUTE_REMEDIATION',
  entitiesImpacted: [{ entityType: 'GPU', entityValue: '3' }],
  metadata: { [SIMULATOR_MARK]: 'true' },
  ...overrides,
});

describe('the state label on the twin, written by the simulated node-drainer and fault-remediation', () => {
  let database: TestDatabase;
  let store: DataStore;
  let cluster: TwinCluster;
  let simulator: ClusterSimulator;
  let api: CoreV1Api;
  /** Every node write the pipeline sent: "<verb> <node>". */
  const writes: string[] = [];
  /** Each node's state label values, in the order a watch saw them ("-" for absent). */
  const history = new Map<string, string[]>();
  let stopWatch: (() => void) | undefined;

  beforeAll(async () => {
    database = await createTestDatabase(testServers()[0]);
    await setUpOwnDatabase(database.url);
    store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    cluster = await startTwinCluster(NODES, {
      forbid: (verb, resource, name) => {
        if (resource === 'nodes' && (verb === 'update' || verb === 'patch')) writes.push(`${verb} ${name}`);
        return false;
      },
    });
    api = cluster.kubeConfig().makeApiClient(CoreV1Api);
    const from = (await api.listNode()).metadata!.resourceVersion!;
    const controller = await new Watch(cluster.kubeConfig()).watch(
      '/api/v1/nodes',
      { resourceVersion: from },
      (_type, node: V1Node) => {
        const name = node.metadata!.name!;
        const seen = history.get(name) ?? ['-'];
        const value = node.metadata?.labels?.[STATE_LABEL] ?? '-';
        if (seen[seen.length - 1] !== value) seen.push(value);
        history.set(name, seen);
      },
      () => {},
    );
    stopWatch = () => controller.abort();
    simulator = new ClusterSimulator(store, {
      seed: 4,
      nodes: NODES.length,
      rate: 0,
      cluster: cluster.kubeConfig(),
      breaker: { percentage: 100, windowMs: 300_000 },
      settings: { drainMs: 30, remediationMs: 30, drainFailureRate: 0, remediationFailureRate: 0 },
    });
    await simulator.start();
  });
  afterAll(async () => {
    stopWatch?.();
    await simulator?.stop();
    await cluster?.close();
    await store?.close();
    await database?.drop();
  });

  const statusOf = async (recordId: string) => (await store.healthEvents().get(recordId))!.status;
  const labelOf = async (name: string) => (await api.readNode({ name })).metadata?.labels?.[STATE_LABEL];

  it('goes quarantined → draining → drain-succeeded → remediating → remediation-succeeded, by updates only', async () => {
    const [fault] = await store.healthEvents().insertMany([event('gpu-node-a')]);
    await expect
      .poll(() => statusOf(fault.recordId), { timeout: 15_000 })
      .toMatchObject({ userPodsEvictionStatus: { status: 'Succeeded' }, faultRemediated: true });
    expect(await labelOf('gpu-node-a')).toBe('remediation-succeeded');
    await until(
      'the watch saw the last write',
      async () => history.get('gpu-node-a')?.at(-1) === 'remediation-succeeded',
    );
    expect(history.get('gpu-node-a')).toEqual([
      '-',
      'quarantined',
      'draining',
      'drain-succeeded',
      'remediating',
      'remediation-succeeded',
    ]);
    // NVSentinel's components GET and update nodes; none of them patches one.
    expect(writes.filter((write) => write.endsWith(' gpu-node-a')).every((write) => write.startsWith('update '))).toBe(
      true,
    );
  });

  it('leaves drain-failed on a failed drain (fault-remediation consumes only drained nodes)', async () => {
    simulator.updateSettings({ drainFailureRate: 1 });
    try {
      const [fault] = await store.healthEvents().insertMany([event('gpu-node-b')]);
      await expect
        .poll(async () => (await statusOf(fault.recordId)).userPodsEvictionStatus.status, { timeout: 15_000 })
        .toBe('Failed');
      expect(await labelOf('gpu-node-b')).toBe('drain-failed');
      expect((await statusOf(fault.recordId)).faultRemediated).toBeNull();
    } finally {
      simulator.updateSettings({ drainFailureRate: 0 });
    }
  });

  it('a later fault on a drain-failed node is remediated after the unexpected transition to remediating', async () => {
    // statemanager.go:411-412: drain-failed expects nothing next; the label is written all the same,
    // that pass stores faultremediated=false, and the requeued pass remediates.
    const [later] = await store
      .healthEvents()
      .insertMany([event('gpu-node-b', { entitiesImpacted: [{ entityType: 'GPU', entityValue: '5' }] })]);
    await expect
      .poll(() => statusOf(later.recordId), { timeout: 15_000 })
      .toMatchObject({
        nodeQuarantined: 'AlreadyQuarantined',
        userPodsEvictionStatus: { status: 'AlreadyDrained' },
        faultRemediated: true,
      });
    expect(await labelOf('gpu-node-b')).toBe('remediation-succeeded');
    await until(
      'the watch saw the last write',
      async () => history.get('gpu-node-b')?.at(-1) === 'remediation-succeeded',
    );
    expect(history.get('gpu-node-b')?.slice(-3)).toEqual(['drain-failed', 'remediating', 'remediation-succeeded']);
  });

  it('writes remediation-failed for an action the chart maps to no maintenance resource', async () => {
    // fault-remediation/pkg/reconciler/reconciler.go:258-313: unsupported, and the event in the node's live quarantine.
    const [fault] = await store
      .healthEvents()
      .insertMany([event('gpu-node-c', { recommendedAction: 'CONTACT_SUPPORT', errorCode: ['48'] })]);
    await expect.poll(async () => (await statusOf(fault.recordId)).faultRemediated, { timeout: 15_000 }).toBe(false);
    expect(await labelOf('gpu-node-c')).toBe('remediation-failed');
  });

  it('is gone after the release and stays gone once node-drainer and fault-remediation have seen it', async () => {
    const [fault] = await store.healthEvents().insertMany([event('gpu-node-d')]);
    await expect.poll(async () => (await statusOf(fault.recordId)).faultRemediated, { timeout: 15_000 }).toBe(true);
    const [recovery] = await store
      .healthEvents()
      .insertMany([event('gpu-node-d', { isFatal: false, isHealthy: true, message: 'XID cleared' })]);
    await expect
      .poll(async () => (await statusOf(recovery.recordId)).nodeQuarantined, { timeout: 15_000 })
      .toBe('UnQuarantined');
    expect(await labelOf('gpu-node-d')).toBeUndefined();
    // A fault on another node goes all the way through: the pipeline has handled the release by then.
    const [marker] = await store.healthEvents().insertMany([event('gpu-node-e')]);
    await expect.poll(async () => (await statusOf(marker.recordId)).faultRemediated, { timeout: 15_000 }).toBe(true);
    expect(await labelOf('gpu-node-d')).toBeUndefined();
  });

  it('fault-remediation removes the label on a manual release only while the value is its own', async () => {
    const labels = new NodeStateLabel(cluster.kubeConfig());
    const setLabel = (value: string) =>
      api.patchNode(
        { name: 'gpu-node-f', body: { metadata: { labels: { [STATE_LABEL]: value } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    await setLabel('draining');
    expect(await labels.removeIf('gpu-node-f', ['remediating', 'remediation-succeeded', 'remediation-failed'])).toBe(
      false,
    );
    expect(await labelOf('gpu-node-f')).toBe('draining');
    await setLabel('remediation-failed');
    expect(await labels.removeIf('gpu-node-f', ['remediating', 'remediation-succeeded', 'remediation-failed'])).toBe(
      true,
    );
    expect(await labelOf('gpu-node-f')).toBeUndefined();
    // node-drainer's removal takes whatever value is there.
    await setLabel('quarantined');
    expect(await labels.remove('gpu-node-f')).toBe(true);
    expect(await labelOf('gpu-node-f')).toBeUndefined();
  });
});

// The simulated fault-quarantine on the twin cluster writes what NVSentinel writes: a fatal event
// cordons its node with NVSentinel's labels and annotations (a forced one names its creator), a
// recovery uncordons it with the uncordon-* labels, a cordon made before is adopted and not lifted,
// and an uncordon by hand (as kubectl does it) is cleaned up and its session Cancelled in the datastore.
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ClusterSimulator } from '@/lib/simulator/cluster-simulator';
import { SIMULATOR_MARK } from '@/lib/simulator/event-generator';
import {
  CIRCUIT_BREAKER_CONFIGMAP,
  LABEL_PREFIX,
  NVSENTINEL_NAMESPACE,
  QUARANTINE_ANNOTATIONS as ANNOTATION,
  STATE_LABEL,
} from '@/lib/nvsentinel/kubernetes-keys';
import { startTwinCluster, type TwinCluster } from '@/lib/simulator/kubernetes/twin-cluster';
import { openDataStore, type DataStore, type NewHealthEvent } from '@/lib/store';
import { setUpOwnDatabase } from '@/lib/store/postgres';

import { createTestDatabase, testServers, type TestDatabase } from '../../support/test-databases';

const NODES = ['gpu-node-a', 'gpu-node-b', 'gpu-node-c', 'gpu-node-d'];

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

describe('the simulated fault-quarantine on the twin cluster', () => {
  let database: TestDatabase;
  let store: DataStore;
  let cluster: TwinCluster;
  let simulator: ClusterSimulator;
  let api: CoreV1Api;

  beforeAll(async () => {
    database = await createTestDatabase(testServers()[0]);
    await setUpOwnDatabase(database.url);
    store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    cluster = await startTwinCluster(NODES);
    api = cluster.kubeConfig().makeApiClient(CoreV1Api);
    simulator = new ClusterSimulator(store, {
      seed: 1,
      nodes: 4,
      rate: 0,
      cluster: cluster.kubeConfig(),
      // Four nodes: the default 50 % would trip after two quarantines; the breaker has its own test.
      breaker: { percentage: 100, windowMs: 300_000 },
      settings: { drainMs: 20, remediationMs: 20, drainFailureRate: 0, remediationFailureRate: 0 },
    });
    await simulator.start();
  });
  afterAll(async () => {
    await simulator?.stop();
    await cluster?.close();
    await store?.close();
    await database?.drop();
  });

  const nodeOf = (name: string) => api.readNode({ name });
  const decisionOf = async (recordId: string) => (await store.healthEvents().get(recordId))!.status.nodeQuarantined;

  it('cordons on a fatal event with NVSentinel labels and annotations, and uncordons on recovery', async () => {
    const [fault] = await store.healthEvents().insertMany([event('gpu-node-a')]);
    await expect.poll(() => decisionOf(fault.recordId), { timeout: 15_000 }).toBe('Quarantined');
    const cordoned = await nodeOf('gpu-node-a');
    expect(cordoned.spec?.unschedulable).toBe(true);
    expect(cordoned.metadata?.labels).toMatchObject({
      [`${LABEL_PREFIX}cordon-by`]: 'NVSentinel',
      [`${LABEL_PREFIX}cordon-reason`]: 'GPU-fatal-error-ruleset',
    });
    // fault-quarantine wrote `quarantined`; node-drainer and fault-remediation move it on from there
    // (the order: pipeline-state-label.test.ts).
    expect(['quarantined', 'draining', 'drain-succeeded', 'remediating', 'remediation-succeeded']).toContain(
      cordoned.metadata?.labels?.[STATE_LABEL],
    );
    expect(cordoned.metadata?.labels?.[`${LABEL_PREFIX}cordon-timestamp`]).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/);
    expect(cordoned.metadata?.annotations?.[ANNOTATION.isCordoned]).toBe('True');
    const tracked = JSON.parse(cordoned.metadata!.annotations![ANNOTATION.healthEvents]);
    expect(tracked).toEqual([
      expect.objectContaining({
        checkName: 'SysLogsXIDError',
        nodeName: 'gpu-node-a',
        errorCode: ['79'],
        entitiesImpacted: [{ entityType: 'GPU', entityValue: '3' }],
      }),
    ]);

    // Recovery once drained and remediated (a release racing a drain: pipeline-state-label.test.ts).
    await expect
      .poll(async () => (await store.healthEvents().get(fault.recordId))!.status.faultRemediated, { timeout: 15_000 })
      .toBe(true);
    const [recovery] = await store
      .healthEvents()
      .insertMany([event('gpu-node-a', { isFatal: false, isHealthy: true, message: 'XID cleared' })]);
    await expect.poll(() => decisionOf(recovery.recordId), { timeout: 15_000 }).toBe('UnQuarantined');
    const released = await nodeOf('gpu-node-a');
    expect(released.spec?.unschedulable).toBe(false);
    expect(released.metadata?.labels).toMatchObject({
      [`${LABEL_PREFIX}uncordon-by`]: 'NVSentinel',
      [`${LABEL_PREFIX}uncordon-reason`]: 'GPU-fatal-error-ruleset-removed',
    });
    expect(released.metadata?.labels).not.toHaveProperty(STATE_LABEL);
    expect(released.metadata?.labels).not.toHaveProperty(`${LABEL_PREFIX}cordon-by`);
    expect(released.metadata?.annotations ?? {}).not.toHaveProperty(ANNOTATION.healthEvents);
  });

  it('names the creator of a forced quarantine in cordon-by', async () => {
    const [forced] = await store.healthEvents().insertMany([
      event('gpu-node-b', {
        agent: 'sentinel-console',
        checkName: 'ManualQuarantine',
        isFatal: false,
        recommendedAction: 'NONE',
        message: 'fan failure',
        quarantineOverrides: { force: true },
        metadata: { [SIMULATOR_MARK]: 'true', creator_id: 'ana' },
      }),
    ]);
    await expect.poll(() => decisionOf(forced.recordId), { timeout: 15_000 }).toBe('Quarantined');
    expect((await nodeOf('gpu-node-b')).metadata?.labels).toMatchObject({
      [`${LABEL_PREFIX}cordon-by`]: 'sentinel-console-ana',
      [`${LABEL_PREFIX}cordon-reason`]: 'fan-failure',
    });
  });

  it('adopts a cordon made before without lifting it on recovery', async () => {
    await api.patchNode(
      { name: 'gpu-node-c', body: { spec: { unschedulable: true } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    const [fault] = await store.healthEvents().insertMany([event('gpu-node-c')]);
    await expect.poll(() => decisionOf(fault.recordId), { timeout: 15_000 }).toBe('Quarantined');
    const adopted = await nodeOf('gpu-node-c');
    expect(adopted.metadata?.annotations).toMatchObject({
      [ANNOTATION.cordonPreExisting]: 'True',
      [ANNOTATION.isCordoned]: 'True',
    });
    expect(adopted.metadata?.labels).not.toHaveProperty(`${LABEL_PREFIX}cordon-by`);
    const [recovery] = await store
      .healthEvents()
      .insertMany([event('gpu-node-c', { isFatal: false, isHealthy: true })]);
    await expect.poll(() => decisionOf(recovery.recordId), { timeout: 15_000 }).toBe('UnQuarantined');
    expect((await nodeOf('gpu-node-c')).spec?.unschedulable).toBe(true);
  });

  it('cleans up an uncordon by hand and marks the session Cancelled, as NVSentinel does', async () => {
    const [fault] = await store.healthEvents().insertMany([event('gpu-node-d')]);
    await expect.poll(() => decisionOf(fault.recordId), { timeout: 15_000 }).toBe('Quarantined');
    // Once drained and remediated: a drain that ends between fault-quarantine's clean-up and its
    // Cancelled would leave drain-succeeded behind, in NVSentinel as here (a Cancelled event whose
    // drain is finished is skipped, node-drainer/pkg/reconciler/reconciler.go:188-203).
    await expect
      .poll(async () => (await store.healthEvents().get(fault.recordId))!.status.faultRemediated, { timeout: 15_000 })
      .toBe(true);
    // What `kubectl uncordon` sends.
    await api.patchNode(
      { name: 'gpu-node-d', body: { spec: { unschedulable: null } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    await expect.poll(() => decisionOf(fault.recordId), { timeout: 15_000 }).toBe('Cancelled');
    const node = await nodeOf('gpu-node-d');
    expect(node.metadata?.annotations).toMatchObject({ [ANNOTATION.uncordonedManually]: 'True' });
    expect(node.metadata?.annotations).not.toHaveProperty(ANNOTATION.isCordoned);
    // Gone, and not written back by a drain or remediation that was under way.
    await expect
      .poll(async () => (await nodeOf('gpu-node-d')).metadata?.labels?.[STATE_LABEL] ?? 'none', { timeout: 15_000 })
      .toBe('none');
    // NVSentinel leaves its cordon-* labels behind on a manual uncordon.
    expect(node.metadata?.labels).toHaveProperty(`${LABEL_PREFIX}cordon-by`, 'NVSentinel');
  });
});

// NVSentinel's breaker (breaker.go): fresh quarantines of half the GPU nodes within the window trip
// it; tripped, fault-quarantine processes nothing, healthy events included; the runbook's reset
// (patch the ConfigMap, restart the Deployment) resumes the backlog (RESUME) or drops it (CREATE).
describe('the simulated circuit breaker', () => {
  let database: TestDatabase;
  let store: DataStore;
  let cluster: TwinCluster;
  let simulator: ClusterSimulator;
  let core: CoreV1Api;
  let apps: AppsV1Api;

  beforeAll(async () => {
    database = await createTestDatabase(testServers()[0]);
    await setUpOwnDatabase(database.url);
    store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    cluster = await startTwinCluster(NODES);
    core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    apps = cluster.kubeConfig().makeApiClient(AppsV1Api);
    simulator = new ClusterSimulator(store, {
      seed: 2,
      nodes: 4,
      rate: 0,
      cluster: cluster.kubeConfig(),
      breaker: { percentage: 50, windowMs: 300_000 },
      settings: { drainMs: 20, remediationMs: 20, drainFailureRate: 0, remediationFailureRate: 0 },
    });
    await simulator.start();
  });
  afterAll(async () => {
    await simulator?.stop();
    await cluster?.close();
    await store?.close();
    await database?.drop();
  });

  const decisionOf = async (recordId: string) => (await store.healthEvents().get(recordId))!.status.nodeQuarantined;
  const breakerData = async () =>
    (await core.readNamespacedConfigMap({ name: CIRCUIT_BREAKER_CONFIGMAP, namespace: NVSENTINEL_NAMESPACE })).data;
  /** The runbook's reset: patch the ConfigMap, then restart the fault-quarantine Deployment. */
  const reset = async (cursor: 'RESUME' | 'CREATE') => {
    await core.patchNamespacedConfigMap(
      {
        name: CIRCUIT_BREAKER_CONFIGMAP,
        namespace: NVSENTINEL_NAMESPACE,
        body: { data: { status: 'CLOSED', cursor } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await apps.patchNamespacedDeployment(
      {
        name: 'fault-quarantine',
        namespace: NVSENTINEL_NAMESPACE,
        body: {
          spec: {
            template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } },
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
  };

  it('trips at half the GPU nodes, holds even healthy events, and a RESUME reset processes the backlog', async () => {
    const [first] = await store.healthEvents().insertMany([event('gpu-node-a')]);
    await expect.poll(() => decisionOf(first.recordId), { timeout: 15_000 }).toBe('Quarantined');
    expect((await breakerData())?.status).toBe('CLOSED');
    const [second] = await store.healthEvents().insertMany([event('gpu-node-b')]);
    await expect.poll(() => decisionOf(second.recordId), { timeout: 15_000 }).toBe('Quarantined');
    await expect.poll(async () => (await breakerData())?.status, { timeout: 15_000 }).toBe('TRIPPED');

    // Tripped: a recovery waits, and the node stays cordoned.
    const [recovery] = await store
      .healthEvents()
      .insertMany([event('gpu-node-a', { isFatal: false, isHealthy: true })]);
    await expect
      .poll(
        async () => (await store.consumers().lag()).find((lag) => lag.consumer === 'fault-quarantine')?.documentsBehind,
        { timeout: 15_000 },
      )
      .toBeGreaterThan(0);
    expect(await decisionOf(recovery.recordId)).toBeNull();
    expect((await core.readNode({ name: 'gpu-node-a' })).spec?.unschedulable).toBe(true);

    await reset('RESUME');
    await expect.poll(() => decisionOf(recovery.recordId), { timeout: 15_000 }).toBe('UnQuarantined');
    expect((await core.readNode({ name: 'gpu-node-a' })).spec?.unschedulable).toBe(false);
  });

  it('a CREATE reset drops what waited and writes the cursor back to RESUME', async () => {
    // The restart emptied the window: two fresh quarantines trip it again (gpu-node-a was released).
    const [third] = await store.healthEvents().insertMany([event('gpu-node-c')]);
    await expect.poll(() => decisionOf(third.recordId), { timeout: 15_000 }).toBe('Quarantined');
    const [fourth] = await store.healthEvents().insertMany([event('gpu-node-a')]);
    await expect.poll(() => decisionOf(fourth.recordId), { timeout: 15_000 }).toBe('Quarantined');
    await expect.poll(async () => (await breakerData())?.status, { timeout: 15_000 }).toBe('TRIPPED');
    const [waiting] = await store.healthEvents().insertMany([event('gpu-node-d')]);
    await expect
      .poll(
        async () => (await store.consumers().lag()).find((lag) => lag.consumer === 'fault-quarantine')?.documentsBehind,
        { timeout: 15_000 },
      )
      .toBeGreaterThan(0);

    await reset('CREATE');
    await expect.poll(async () => (await breakerData())?.cursor, { timeout: 15_000 }).toBe('RESUME');
    const [after] = await store
      .healthEvents()
      .insertMany([event('gpu-node-d', { entitiesImpacted: [{ entityType: 'GPU', entityValue: '6' }] })]);
    await expect.poll(() => decisionOf(after.recordId), { timeout: 15_000 }).toBe('Quarantined');
    expect(await decisionOf(waiting.recordId)).toBeNull();
  });
});

describe('a restart of the simulator on a fresh twin', () => {
  it('cordons again the nodes the datastore still has quarantined, so the two agree and a release can uncordon', async () => {
    const database = await createTestDatabase(testServers()[0]);
    await setUpOwnDatabase(database.url);
    const store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    const options = { seed: 3, nodes: 4, rate: 0, breaker: { percentage: 100, windowMs: 300_000 } };
    const first = await startTwinCluster(NODES);
    let second: TwinCluster | undefined;
    try {
      const before = new ClusterSimulator(store, { ...options, cluster: first.kubeConfig() });
      await before.start();
      const [fault] = await store.healthEvents().insertMany([event('gpu-node-b')]);
      await expect
        .poll(async () => (await store.healthEvents().get(fault.recordId))!.status.nodeQuarantined, { timeout: 15_000 })
        .toBe('Quarantined');
      await before.stop();

      second = await startTwinCluster(NODES);
      const after = new ClusterSimulator(store, { ...options, cluster: second.kubeConfig() });
      await after.start();
      const node = await second.kubeConfig().makeApiClient(CoreV1Api).readNode({ name: 'gpu-node-b' });
      await after.stop();
      expect(node.spec?.unschedulable).toBe(true);
      expect(node.metadata?.annotations).toMatchObject({ [ANNOTATION.isCordoned]: 'True' });
      expect(JSON.parse(node.metadata!.annotations![ANNOTATION.healthEvents])).toHaveLength(1);
    } finally {
      await first.close();
      await second?.close();
      await store.close();
      await database.drop();
    }
  });
});

// The simulated fault-remediation creates the maintenance resource NVSentinel's chart maps the action
// to (distros/kubernetes/nvsentinel/charts/fault-remediation/values.yaml:46-129 @ 42672ae: RESTART_BM,
// RESTART_VM, COMPONENT_RESET → RebootNode), named and labelled as its template makes it, records it in
// latestFaultRemediationState, and the simulated janitor advances it (SignalSent, then NodeReady and
// completionTime; at the failure rate NodeReady False). Without janitor's CRDs the creation is refused:
// remediation-failed, as NVSentinel ends on such a cluster.
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { REMEDIATION_ANNOTATION, STATE_LABEL } from '@/lib/nvsentinel/kubernetes-keys';
import { ClusterSimulator } from '@/lib/simulator/cluster-simulator';
import { SIMULATOR_MARK } from '@/lib/simulator/event-generator';
import { startTwinCluster } from '@/lib/simulator/kubernetes/twin-cluster';
import { openDataStore, type NewHealthEvent } from '@/lib/store';
import { setUpOwnDatabase } from '@/lib/store/postgres';

import { createTestDatabase, testServers } from '../../support/test-databases';

const NODES = ['gpu-node-a', 'gpu-node-b', 'gpu-node-c', 'gpu-node-d'];
const reboots = { group: 'janitor.dgxc.nvidia.com', version: 'v1alpha1', plural: 'rebootnodes' };

const event = (nodeName: string, gpu = '3', overrides: Partial<NewHealthEvent> = {}): NewHealthEvent => ({
  nodeName,
  agent: 'syslog-health-monitor',
  checkName: 'SysLogsXIDError',
  isFatal: true,
  errorCode: ['79'],
  message: 'XID 79: GPU has fallen off the bus',
  recommendedAction: 'RESTART_BM',
  processingStrategy: 'EXECUTE_REMEDIATION',
  entitiesImpacted: [{ entityType: 'GPU', entityValue: gpu }],
  metadata: { [SIMULATOR_MARK]: 'true' },
  ...overrides,
});

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}
interface Reboot {
  metadata: {
    name: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; uid: string }[];
  };
  spec: { nodeName: string; force: boolean };
  status?: { startTime?: string; completionTime?: string; conditions?: Condition[] };
}

async function pipeline(crds?: [], maintenanceTtl?: string) {
  const database = await createTestDatabase(testServers()[0]);
  await setUpOwnDatabase(database.url);
  const store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
  const cluster = await startTwinCluster(NODES, crds ? { customResourceDefinitions: crds } : {});
  const simulator = new ClusterSimulator(store, {
    seed: 6,
    nodes: NODES.length,
    rate: 0,
    cluster: cluster.kubeConfig(),
    breaker: { percentage: 100, windowMs: 300_000 },
    settings: { drainMs: 20, remediationMs: 150, drainFailureRate: 0, remediationFailureRate: 0 },
    maintenanceTtl,
  });
  await simulator.start();
  return {
    database,
    store,
    cluster,
    simulator,
    close: async () => {
      await simulator.stop();
      await cluster.close();
      await store.close();
      await database.drop();
    },
  };
}

describe("the simulated fault-remediation and janitor on NVSentinel's maintenance resources", () => {
  let setup: Awaited<ReturnType<typeof pipeline>>;
  let custom: CustomObjectsApi;
  let core: CoreV1Api;

  beforeAll(async () => {
    setup = await pipeline();
    custom = setup.cluster.kubeConfig().makeApiClient(CustomObjectsApi);
    core = setup.cluster.kubeConfig().makeApiClient(CoreV1Api);
  });
  afterAll(async () => {
    await setup?.close();
  });

  const statusOf = async (recordId: string) => (await setup.store.healthEvents().get(recordId))!.status;
  const rebootNode = async (name: string) =>
    (await custom.getClusterCustomObject({ ...reboots, name }).catch(() => null)) as Reboot | null;
  const condition = (reboot: Reboot | null, type: string) =>
    reboot?.status?.conditions?.find((each) => each.type === type);

  it('creates the RebootNode as the chart template does, records it on the node, and janitor reboots it', async () => {
    const [fault] = await setup.store.healthEvents().insertMany([event('gpu-node-a')]);
    const name = `maintenance-gpu-node-a-${fault.recordId}`;
    await expect.poll(async () => (await statusOf(fault.recordId)).faultRemediated, { timeout: 15_000 }).toBe(true);
    const node = await core.readNode({ name: 'gpu-node-a' });
    expect(node.metadata?.labels?.[STATE_LABEL]).toBe('remediation-succeeded');
    const created = (await rebootNode(name))!;
    expect(created.spec).toEqual({ nodeName: 'gpu-node-a', force: false });
    expect(created.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'nvsentinel' });
    expect(created.metadata.annotations).toMatchObject({ 'nvsentinel.nvidia.com/ttl': '336h' });
    expect(created.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Node', name: 'gpu-node-a', uid: node.metadata?.uid }),
    ]);
    const state = JSON.parse(node.metadata!.annotations![REMEDIATION_ANNOTATION]);
    expect(state).toEqual({
      equivalenceGroups: { restart: { maintenanceCR: name, createdAt: expect.any(String), actionName: 'RESTART_BM' } },
    });

    // janitor: the signal sent, then the node ready again, with start and completion times.
    await expect
      .poll(async () => condition(await rebootNode(name), 'NodeReady')?.status, { timeout: 15_000 })
      .toBe('True');
    const done = (await rebootNode(name))!;
    expect(condition(done, 'SignalSent')).toMatchObject({ status: 'True', reason: 'Succeeded' });
    expect(condition(done, 'NodeReady')).toMatchObject({
      reason: 'Succeeded',
      message: 'Node reached ready state post-reboot',
    });
    expect(Date.parse(done.status!.completionTime!)).toBeGreaterThanOrEqual(Date.parse(done.status!.startTime!));
  });

  it('a second fault stored before that reboot was created is covered by it: no second RebootNode', async () => {
    const [first, second] = await setup.store
      .healthEvents()
      .insertMany([event('gpu-node-b', '1'), event('gpu-node-b', '2')]);
    await expect.poll(async () => (await statusOf(second.recordId)).faultRemediated, { timeout: 20_000 }).toBe(true);
    expect((await statusOf(second.recordId)).nodeQuarantined).toBe('AlreadyQuarantined');
    const onNode = ((await custom.listClusterCustomObject(reboots)) as { items: Reboot[] }).items.filter(
      (item) => item.spec.nodeName === 'gpu-node-b',
    );
    expect(onNode.map((item) => item.metadata.name)).toEqual([`maintenance-gpu-node-b-${first.recordId}`]);
  });

  it('at the failure rate the node does not come back: NodeReady False, and the next fault gets a new RebootNode', async () => {
    setup.simulator.updateSettings({ remediationFailureRate: 1 });
    const [fault] = await setup.store.healthEvents().insertMany([event('gpu-node-c')]);
    const name = `maintenance-gpu-node-c-${fault.recordId}`;
    await expect
      .poll(async () => condition(await rebootNode(name), 'NodeReady')?.status, { timeout: 15_000 })
      .toBe('False');
    expect(condition(await rebootNode(name), 'NodeReady')).toMatchObject({
      reason: 'Timeout',
      message: 'Node failed to return to ready state after timeout duration',
    });
    // Created is what faultremediated says, not repaired (runbook cordoned-nodes.md:46-54).
    expect((await statusOf(fault.recordId)).faultRemediated).toBe(true);
    setup.simulator.updateSettings({ remediationFailureRate: 0 });
    const [later] = await setup.store.healthEvents().insertMany([event('gpu-node-c', '6')]);
    await expect.poll(async () => (await statusOf(later.recordId)).faultRemediated, { timeout: 15_000 }).toBe(true);
    expect(await rebootNode(`maintenance-gpu-node-c-${later.recordId}`)).not.toBeNull();
  });
});

describe('the simulated fault-remediation on a cluster without CRDs', () => {
  let setup: Awaited<ReturnType<typeof pipeline>>;

  beforeAll(async () => {
    setup = await pipeline([]);
  });
  afterAll(async () => {
    await setup?.close();
  });

  it('cannot create the RebootNode: remediation-failed, faultremediated false, nothing recorded', async () => {
    const [fault] = await setup.store.healthEvents().insertMany([event('gpu-node-d')]);
    await expect
      .poll(async () => (await setup.store.healthEvents().get(fault.recordId))!.status.faultRemediated, {
        timeout: 15_000,
      })
      .toBe(false);
    const node = await setup.cluster.kubeConfig().makeApiClient(CoreV1Api).readNode({ name: 'gpu-node-d' });
    expect(node.metadata?.labels?.[STATE_LABEL]).toBe('remediation-failed');
    expect(node.metadata?.annotations ?? {}).not.toHaveProperty(REMEDIATION_ANNOTATION);
  });
});

// janitor's TTL reconciler (janitor/pkg/ttl/ttl.go: expiry = creation + nvsentinel.nvidia.com/ttl, unless
// nvsentinel.nvidia.com/preserve is "true"), with the short ttl the demo writes so it stays bounded.
describe('the simulated janitor deletes maintenance resources once their ttl has passed', () => {
  let setup: Awaited<ReturnType<typeof pipeline>>;

  beforeAll(async () => {
    setup = await pipeline(undefined, '2s');
  });
  afterAll(async () => setup?.close());

  it('deletes a finished RebootNode after its ttl, and keeps one marked preserve', async () => {
    const custom = setup.cluster.kubeConfig().makeApiClient(CustomObjectsApi);
    const list = async () =>
      ((await custom.listClusterCustomObject(reboots)) as { items: Reboot[] }).items.filter(
        (item) => item.spec.nodeName === 'gpu-node-a',
      );
    await setup.store.healthEvents().insertMany([event('gpu-node-a')]);
    await expect.poll(async () => (await list()).length, { timeout: 20_000 }).toBe(1);
    const [reboot] = await list();
    expect(reboot.metadata.annotations?.['nvsentinel.nvidia.com/ttl']).toBe('2s');
    await expect.poll(async () => (await list()).length, { timeout: 20_000 }).toBe(0);

    // A resource someone marked preserve stays.
    await custom.createClusterCustomObject({
      ...reboots,
      body: {
        apiVersion: 'janitor.dgxc.nvidia.com/v1alpha1',
        kind: 'RebootNode',
        metadata: {
          name: 'kept-by-hand',
          annotations: { 'nvsentinel.nvidia.com/ttl': '1s', 'nvsentinel.nvidia.com/preserve': 'true' },
        },
        spec: { nodeName: 'gpu-node-a', force: false },
      },
    });
    // Long enough for several sweeps (every 5 s) past its ttl: wait for a sweep to have run, by a
    // second resource without preserve disappearing.
    await custom.createClusterCustomObject({
      ...reboots,
      body: {
        apiVersion: 'janitor.dgxc.nvidia.com/v1alpha1',
        kind: 'RebootNode',
        metadata: { name: 'not-kept', annotations: { 'nvsentinel.nvidia.com/ttl': '1s' } },
        spec: { nodeName: 'gpu-node-a', force: false },
      },
    });
    await expect
      .poll(async () => (await list()).map((item) => item.metadata.name), { timeout: 30_000 })
      .toEqual(['kept-by-hand']);
  });
});

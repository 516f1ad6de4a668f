// The simulated fault-quarantine honours the maintenance opt-out as NVSentinel's does (lalitadithya/
// NVSentinel @ 42672ae): every ruleset of the default chart requires the node not to be labelled
// k8saas.nvidia.com/ManagedByNVSentinel=false nor nvsentinel.dgxc.nvidia.com/managed=false
// (charts/fault-quarantine/values.yaml:91-97), so a fatal event of an opted-out node matches nothing
// and nothing is written, neither on the node nor as the event's status (reconciler.go:616-626;
// eventwatcher/event_watcher.go:206-213); a forced quarantine bypasses the rules (reconciler.go:800-810);
// recovery evaluates no rule, so a node quarantined before its opt-out is still released (735-743).
// The console's own opt-out (lib/cluster/node-opt-out.ts) writes the label; the twin is the cluster.
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { optOutNode, putBackNode } from '@/lib/cluster/node-opt-out';
import { ClusterSimulator } from '@/lib/simulator/cluster-simulator';
import { SIMULATOR_MARK } from '@/lib/simulator/event-generator';
import { startTwinCluster, type TwinCluster } from '@/lib/simulator/kubernetes/twin-cluster';
import { openDataStore, type DataStore, type NewHealthEvent } from '@/lib/store';
import { setUpOwnDatabase } from '@/lib/store/postgres';

import { createTestDatabase, testServers, type TestDatabase } from '../../support/test-databases';

const NODES = ['gpu-node-a', 'gpu-node-b', 'gpu-node-c', 'gpu-node-d', 'gpu-node-e'];

const fatal = (nodeName: string, overrides: Partial<NewHealthEvent> = {}): NewHealthEvent => ({
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

describe('the simulated fault-quarantine and the maintenance opt-out', () => {
  let database: TestDatabase;
  let store: DataStore;
  let cluster: TwinCluster;
  let simulator: ClusterSimulator;
  let api: CoreV1Api;
  const optOut = (nodeName: string) =>
    optOutNode(cluster.kubeConfig(), nodeName, {
      by: 'ana',
      reason: 'driver upgrade',
      until: new Date(Date.now() + 3_600_000),
    });

  beforeAll(async () => {
    database = await createTestDatabase(testServers()[0]);
    await setUpOwnDatabase(database.url);
    store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    cluster = await startTwinCluster(NODES);
    api = cluster.kubeConfig().makeApiClient(CoreV1Api);
    simulator = new ClusterSimulator(store, {
      seed: 1,
      nodes: NODES.length,
      rate: 0,
      cluster: cluster.kubeConfig(),
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

  const decisionOf = async (recordId: string) => (await store.healthEvents().get(recordId))!.status.nodeQuarantined;
  const cordoned = async (name: string) => (await api.readNode({ name })).spec?.unschedulable === true;
  /**
   * Inserts `events`, then a fatal event of a managed node as a marker, and waits until the marker
   * is decided (Quarantined, or AlreadyQuarantined the next times): fault-quarantine handles events
   * in order, so everything before it was handled.
   */
  const handled = async (events: NewHealthEvent[], marker: string) => {
    const stored = await store.healthEvents().insertMany([...events, fatal(marker)]);
    const last = stored[stored.length - 1];
    await expect.poll(() => decisionOf(last.recordId), { timeout: 15_000 }).toMatch(/^(Already)?Quarantined$/);
    return stored.slice(0, -1);
  };

  it('does not quarantine an opted-out node on a fatal event, and writes no status for it', async () => {
    expect(await optOut('gpu-node-a')).toMatchObject({ done: true });
    const [event] = await handled([fatal('gpu-node-a')], 'gpu-node-e');
    expect(await decisionOf(event.recordId)).toBeNull();
    expect(await cordoned('gpu-node-a')).toBe(false);
    expect((await api.readNode({ name: 'gpu-node-a' })).metadata?.annotations).not.toHaveProperty(
      'quarantineHealthEvent',
    );
    // Put back, the next fatal event quarantines it again.
    expect(await putBackNode(cluster.kubeConfig(), 'gpu-node-a')).toMatchObject({ done: true });
    const [again] = await store.healthEvents().insertMany([fatal('gpu-node-a')]);
    await expect.poll(() => decisionOf(again.recordId), { timeout: 15_000 }).toBe('Quarantined');
    expect(await cordoned('gpu-node-a')).toBe(true);
  });

  it("skips janitor's managed=false the same way (the chart's clause names both labels)", async () => {
    await api.patchNode(
      { name: 'gpu-node-b', body: { metadata: { labels: { 'nvsentinel.dgxc.nvidia.com/managed': 'false' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    const [event] = await handled([fatal('gpu-node-b')], 'gpu-node-e');
    expect(await decisionOf(event.recordId)).toBeNull();
    expect(await cordoned('gpu-node-b')).toBe(false);
  });

  it('still quarantines an opted-out node on a forced quarantine (it bypasses the rules)', async () => {
    await optOut('gpu-node-c');
    const [forced] = await store.healthEvents().insertMany([
      fatal('gpu-node-c', {
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
    expect(await cordoned('gpu-node-c')).toBe(true);
  });

  it('leaves a node quarantined before its opt-out quarantined, skips its new faults, and still releases it on recovery', async () => {
    const [first] = await store.healthEvents().insertMany([fatal('gpu-node-d')]);
    await expect.poll(() => decisionOf(first.recordId), { timeout: 15_000 }).toBe('Quarantined');
    await optOut('gpu-node-d');
    const [another] = await handled(
      [fatal('gpu-node-d', { checkName: 'GpuMemWatch', entitiesImpacted: [{ entityType: 'GPU', entityValue: '5' }] })],
      'gpu-node-e',
    );
    expect(await decisionOf(another.recordId)).toBeNull();
    expect(await cordoned('gpu-node-d')).toBe(true);
    const [recovery] = await store
      .healthEvents()
      .insertMany([fatal('gpu-node-d', { isFatal: false, isHealthy: true, message: 'XID cleared' })]);
    await expect.poll(() => decisionOf(recovery.recordId), { timeout: 15_000 }).toBe('UnQuarantined');
    expect(await cordoned('gpu-node-d')).toBe(false);
  });
});

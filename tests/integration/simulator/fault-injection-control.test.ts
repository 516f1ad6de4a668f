// POST /faults on the simulator's control (over real HTTP, a real PostgreSQL, the twin cluster): a
// fatal XID 79 on many distinct healthy nodes at once, through the same health-event path as every
// simulated event, so the simulated fault-quarantine cordons them until its breaker trips, as
// NVSentinel's does (fresh quarantines of ceil(GPU nodes × percentage / 100) within the window,
// fault-quarantine/pkg/breaker/breaker.go:209-216); the rest wait behind it. Bad bodies are refused
// with the reason and write nothing.
import type http from 'node:http';

import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CIRCUIT_BREAKER_CONFIGMAP, LABEL_PREFIX, NVSENTINEL_NAMESPACE } from '@/lib/nvsentinel/kubernetes-keys';
import { ClusterSimulator, INJECTED_FAULT_MARK } from '@/lib/simulator/cluster-simulator';
import { startSimulatorControl } from '@/lib/simulator/control-server';
import { startTwinCluster, type TwinCluster } from '@/lib/simulator/kubernetes/twin-cluster';
import { openDataStore, type DataStore } from '@/lib/store';
import { setUpOwnDatabase } from '@/lib/store/postgres';

import { freePort } from '../../support/free-port';
import { createTestDatabase, testServers, type TestDatabase } from '../../support/test-databases';
import { until } from '../../support/until';

const NODES = Array.from({ length: 8 }, (_, i) => `gpu-node-${String(i + 1).padStart(4, '0')}`);

describe('the simulator control fails many nodes at once', () => {
  let database: TestDatabase;
  let store: DataStore;
  let cluster: TwinCluster;
  let simulator: ClusterSimulator;
  let server: http.Server;
  let base: string;
  let core: CoreV1Api;

  beforeAll(async () => {
    database = await createTestDatabase(testServers()[0]);
    await setUpOwnDatabase(database.url);
    store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    cluster = await startTwinCluster(NODES);
    core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    simulator = new ClusterSimulator(store, {
      seed: 7,
      nodes: NODES.length,
      rate: 0,
      cluster: cluster.kubeConfig(),
      // 50 % of 8 GPU nodes: the fourth fresh quarantine trips it.
      breaker: { percentage: 50, windowMs: 300_000 },
      settings: { drainMs: 20, remediationMs: 20, drainFailureRate: 0, remediationFailureRate: 0 },
    });
    await simulator.start();
    const port = await freePort();
    server = await startSimulatorControl(simulator, port);
    base = `http://127.0.0.1:${port}`;
  }, 60_000);
  afterAll(async () => {
    server?.close();
    await simulator?.stop();
    await cluster?.close();
    await store?.close();
    await database?.drop();
  });

  const post = (body: string) => fetch(`${base}/faults`, { method: 'POST', body });
  const status = async () => (await fetch(`${base}/status`)).json();
  const breakerStatus = async () =>
    (await core.readNamespacedConfigMap({ name: CIRCUIT_BREAKER_CONFIGMAP, namespace: NVSENTINEL_NAMESPACE })).data
      ?.status;
  const events = () => store.healthEvents().count({});

  it('refuses a body that does not say how many, or asks for more nodes than the cluster has, writing nothing', async () => {
    const cases: [string, RegExp][] = [
      ['{}', /^send \{"nodes": N\} \(how many nodes\) or \{"share": P\}/],
      ['[3]', /^send \{"nodes": N\}/],
      ['{"nodes": 0}', /^nodes must be a whole number from 1 to 8, the simulated cluster's size \(got 0\)$/],
      ['{"nodes": 1.5}', /nodes must be a whole number from 1 to 8.*\(got 1\.5\)/],
      ['{"nodes": "3"}', /nodes must be a whole number from 1 to 8.*\(got "3"\)/],
      ['{"nodes": 9}', /nodes must be a whole number from 1 to 8.*\(got 9\)/],
      ['{"share": 0}', /^share must be a percent above 0 and at most 100 \(got 0\)$/],
      ['{"share": 150}', /share must be a percent above 0 and at most 100 \(got 150\)/],
      ['{"nodes": 2, "share": 10}', /^send \{"nodes": N\}/],
      ['{"count": 3}', /^unknown field count; send \{"nodes": N\}/],
      ['{not json', /^body must be JSON$/],
    ];
    for (const [body, message] of cases) {
      const response = await post(body);
      expect(response.status, body).toBe(400);
      expect((await response.json()).error, body).toMatch(message);
    }
    expect(await events()).toBe(0);
    expect(await status()).toMatchObject({ nodes: 8, healthyNodes: 8, breaker: { tripped: false, limit: 4 } });
  });

  it('fails a share of the nodes, distinct and healthy, as fatal XID 79s: fault-quarantine cordons them until its breaker trips, the rest wait', async () => {
    const response = await post('{"share": 75}');
    expect(response.status).toBe(200);
    const injected = (await response.json()) as { nodes: string[]; recordIds: string[] };
    expect(injected.nodes).toHaveLength(6);
    expect(new Set(injected.nodes).size).toBe(6);
    expect(injected.recordIds).toHaveLength(6);
    for (const recordId of injected.recordIds) {
      const event = (await store.healthEvents().get(recordId))!;
      expect(event.healthEvent).toMatchObject({
        agent: 'syslog-health-monitor',
        checkName: 'SysLogsXIDError',
        isFatal: true,
        isHealthy: false,
        errorCode: ['79'],
        recommendedAction: 'RESTART_BM',
        processingStrategy: 'EXECUTE_REMEDIATION',
        metadata: { [INJECTED_FAULT_MARK]: 'true' },
      });
      expect(injected.nodes).toContain(event.healthEvent.nodeName);
    }

    await until('the breaker to trip', async () => (await breakerStatus()) === 'TRIPPED', 30_000);
    // The fourth fresh quarantine tripped it: four nodes cordoned by NVSentinel's rules, two events wait.
    const decisions = await Promise.all(
      injected.recordIds.map(async (recordId) => (await store.healthEvents().get(recordId))!.status.nodeQuarantined),
    );
    expect(decisions.filter((decision) => decision === 'Quarantined')).toHaveLength(4);
    expect(decisions.filter((decision) => decision === null)).toHaveLength(2);
    const cordoned = (await core.listNode()).items.filter((node) => node.spec?.unschedulable);
    expect(cordoned).toHaveLength(4);
    for (const node of cordoned) expect(node.metadata?.labels?.[`${LABEL_PREFIX}cordon-by`]).toBe('NVSentinel');
    // The two whose faults wait behind the breaker are not healthy either: they may not fail again.
    expect(await status()).toMatchObject({ healthyNodes: 2, breaker: { tripped: true, limit: 4 } });
  }, 60_000);

  it('refuses more nodes than are healthy (409), writing nothing', async () => {
    const before = await events();
    const response = await post('{"nodes": 5}');
    expect(response.status).toBe(409);
    expect((await response.json()).error).toBe(
      'only 2 of the 8 nodes are healthy (not quarantined, no injected fault waiting for fault-quarantine), so 5 cannot fail at once',
    );
    expect(await events()).toBe(before);
  });
});

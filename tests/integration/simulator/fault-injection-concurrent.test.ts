// POST /faults twice at once on the simulator's control: the two are served one at a time, and a node
// whose injected fault fault-quarantine has not handled yet is not healthy to the next one, so every
// node fails once and the counts add up (over real HTTP, a real PostgreSQL, the twin cluster).
import type http from 'node:http';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ClusterSimulator } from '@/lib/simulator/cluster-simulator';
import { startSimulatorControl } from '@/lib/simulator/control-server';
import { startTwinCluster, type TwinCluster } from '@/lib/simulator/kubernetes/twin-cluster';
import { openDataStore, type DataStore } from '@/lib/store';
import { setUpOwnDatabase } from '@/lib/store/postgres';

import { freePort } from '../../support/free-port';
import { createTestDatabase, testServers, type TestDatabase } from '../../support/test-databases';
import { until } from '../../support/until';

const NODES = Array.from({ length: 8 }, (_, i) => `gpu-node-${String(i + 1).padStart(4, '0')}`);

describe('POST /faults twice at once', () => {
  let database: TestDatabase;
  let store: DataStore;
  let cluster: TwinCluster;
  let simulator: ClusterSimulator;
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    database = await createTestDatabase(testServers()[0]);
    await setUpOwnDatabase(database.url);
    store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    cluster = await startTwinCluster(NODES);
    simulator = new ClusterSimulator(store, {
      seed: 7,
      nodes: NODES.length,
      rate: 0,
      cluster: cluster.kubeConfig(),
      breaker: { percentage: 100, windowMs: 300_000 },
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

  const post = (body: unknown) => fetch(`${base}/faults`, { method: 'POST', body: JSON.stringify(body) });
  const status = async () => (await (await fetch(`${base}/status`)).json()) as { healthyNodes: number };

  it('fails distinct nodes, and a node whose fault still waits is not offered again', async () => {
    const answers = await Promise.all([post({ nodes: 4 }), post({ nodes: 4 })]);
    for (const answer of answers) expect(answer.status, await answer.clone().text()).toBe(200);
    const [first, second] = (await Promise.all(answers.map((answer) => answer.json()))) as { nodes: string[] }[];
    expect(first.nodes).toHaveLength(4);
    expect(second.nodes).toHaveLength(4);
    expect(new Set([...first.nodes, ...second.nodes]).size).toBe(8);
    // Quarantined or still waiting for fault-quarantine: none of them may fail again.
    expect((await status()).healthyNodes).toBe(0);
    const more = await post({ nodes: 1 });
    expect(more.status).toBe(409);
    expect((await more.json()).error).toBe(
      'only 0 of the 8 nodes are healthy (not quarantined, no injected fault waiting for fault-quarantine), so 1 cannot fail at once',
    );
    expect(await store.healthEvents().count({})).toBe(8);
    await until('every injected fault handled', async () => simulator.status().breaker?.tripped === true, 30_000);
    expect((await status()).healthyNodes).toBe(0);
  }, 60_000);
});

// The node page's header and GPU grid on a running pipeline, read through the node page's read
// model (readNodeDetail) as the page and GET /api/nodes/<name> serve them: a fault on GPU 3 is
// named with its XID and GPU, the pipeline's step follows the simulated node-drainer and
// fault-remediation (which write what NVSentinel writes: tests/integration/simulator), "Next" says
// what comes, a failed drain says why, and the GPU grid counts the GPU's failures and XIDs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ClusterState } from '@/lib/cluster/cluster-state';
import type { AppContext } from '@/lib/context/app-context';
import { LiveHub } from '@/lib/live/live-hub';
import type { NodeDetail } from '@/lib/queries/node-detail-view';
import { readNodeDetail } from '@/lib/queries/node-detail';
import { ClusterSimulator } from '@/lib/simulator/cluster-simulator';
import { SIMULATOR_MARK } from '@/lib/simulator/event-generator';
import { startTwinCluster } from '@/lib/simulator/kubernetes/twin-cluster';
import { openDataStore, type DataStore, type NewHealthEvent } from '@/lib/store';
import { setUpOwnDatabase } from '@/lib/store/postgres';

import { testAppContext } from '../../support/app-context';
import { createTestDatabase, testServers } from '../../support/test-databases';

const NODES = ['headline-a', 'headline-b', 'headline-c', 'headline-d'];

const fault = (nodeName: string, overrides: Partial<NewHealthEvent> = {}): NewHealthEvent => ({
  nodeName,
  agent: 'syslog-health-monitor',
  componentClass: 'GPU',
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
const recovery = (nodeName: string) =>
  fault(nodeName, { isFatal: false, isHealthy: true, errorCode: [], message: '', recommendedAction: 'NONE' });

describe('the node page header and GPU grid on a running pipeline', () => {
  let store: DataStore;
  let simulator: ClusterSimulator;
  let context: AppContext;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const database = await createTestDatabase(testServers()[0]);
    await setUpOwnDatabase(database.url);
    store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    const cluster = await startTwinCluster(NODES);
    simulator = new ClusterSimulator(store, {
      seed: 5,
      nodes: NODES.length,
      rate: 0,
      cluster: cluster.kubeConfig(),
      // 100 %: these four nodes never trip the breaker.
      breaker: { percentage: 100, windowMs: 300_000 },
      settings: { drainMs: 20, remediationMs: 20, drainFailureRate: 0, remediationFailureRate: 0 },
    });
    await simulator.start();
    const hub = new LiveHub(store, { consumer: 'headline', flushMs: 50, pipelineSampleMs: 500 });
    await hub.start();
    const state = new ClusterState(cluster.kubeConfig(), 'nvsentinel');
    await state.start();
    context = testAppContext({
      store,
      liveHub: hub,
      cluster: {
        access: {
          config: cluster.kubeConfig(),
          source: 'kubeconfig',
          server: cluster.api.url,
          context: 'sentinel-twin',
          namespace: 'nvsentinel',
        },
        state,
      },
    });
    close = async () => {
      await state.stop();
      await hub.stop();
      await simulator.stop();
      await cluster.close();
      await store.close();
      await database.drop();
    };
  });
  afterAll(async () => close?.());

  /** The node page's data once `until` holds for it. */
  async function detailOf(name: string, until: (detail: NodeDetail) => boolean): Promise<NodeDetail> {
    let last: NodeDetail | null = null;
    const deadline = Date.now() + 30_000;
    for (;;) {
      last = await readNodeDetail(context, name, '1h');
      if (last && until(last)) return last;
      if (Date.now() > deadline)
        throw new Error(`the node page of ${name} never got there: ${JSON.stringify(last?.headline)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('names the XID and GPU, the drained step and the remediation to come, then the recovery that releases it', async () => {
    // fault-remediation paused: the session waits where an operator would look at it (drained).
    await simulator.pause('fault-remediation');
    await store.healthEvents().insertMany([fault('headline-a')]);
    const drained = await detailOf('headline-a', (detail) => detail.headline.step?.state === 'remediating');
    expect(drained.headline.cause).toMatchObject({
      kind: 'fault',
      checkName: 'SysLogsXIDError',
      xids: ['79'],
      entities: [{ entityType: 'GPU', entityValue: '3' }],
      action: 'RESTART_BM',
    });
    expect(drained.headline.next).toBe('Next: fault-remediation will RESTART_BM the node');
    const gpu3 = drained.gpus.rows.find((row) => row.entityType === 'GPU' && row.entityValue === '3');
    expect(gpu3).toMatchObject({ failures: 1, fatal: 1, xids: ['79'], bursts: 1 });

    // fault-remediation creates its RebootNode; the node is released once GPU 3 reports healthy.
    await simulator.resume('fault-remediation');
    const remediated = await detailOf('headline-a', (detail) => detail.headline.step?.state === 'remediated');
    expect(remediated.headline.next).toMatch(
      /^Next: (RebootNode maintenance-headline-a-\S+ completes, then )?released when GPU 3 reports healthy$/,
    );
    await store.healthEvents().insertMany([recovery('headline-a')]);
    const released = await detailOf('headline-a', (detail) => detail.view?.state === 'healthy');
    expect(released.headline).toEqual({ cause: null, step: null, next: null });
  });

  it("a failed drain: node-drainer's reason, and that only the GPU's recovery releases the node", async () => {
    simulator.updateSettings({ drainFailureRate: 1 });
    try {
      await store
        .healthEvents()
        .insertMany([fault('headline-b', { entitiesImpacted: [{ entityType: 'GPU', entityValue: '6' }] })]);
      const failed = await detailOf('headline-b', (detail) => detail.headline.step?.state === 'drain-failed');
      expect(failed.headline.step).toEqual({
        state: 'drain-failed',
        text: 'Drain failed: pods did not terminate within the eviction timeout',
        tone: 'bad',
      });
      expect(failed.headline.next).toBe(
        'Next: released when GPU 6 reports healthy; fault-remediation does not act after a failed drain',
      );
    } finally {
      simulator.updateSettings({ drainFailureRate: 0 });
    }
  });
});

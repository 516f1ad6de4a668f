// The node page's header and GPU grid on a running pipeline, read through the node page's read
// model (readNodeDetail) as the page and GET /api/nodes/<name> serve them: a fault on GPU 3 is
// named with its XID and GPU, the pipeline's step follows the simulated node-drainer and
// fault-remediation (which write what NVSentinel writes: tests/integration/simulator), "Next" says
// what comes, a failed drain says why, and the GPU grid counts the GPU's failures and XIDs. An
// action fault-remediation's chart has no resource for is not promised; where no fault-remediation
// consumer reads the feed (the umbrella chart's default) none is promised at all; and an event a
// link names that the event table's first page leaves out is read by its id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ClusterState } from '@/lib/cluster/cluster-state';
import type { AppContext } from '@/lib/context/app-context';
import { LiveHub } from '@/lib/live/live-hub';
import { EVENT_PAGE_SIZE, type NodeDetail } from '@/lib/queries/node-detail-view';
import { readNodeDetail } from '@/lib/queries/node-detail';
import { ClusterSimulator } from '@/lib/simulator/cluster-simulator';
import { SIMULATOR_MARK } from '@/lib/simulator/event-generator';
import { startTwinCluster } from '@/lib/simulator/kubernetes/twin-cluster';
import { openDataStore, type DataStore, type NewHealthEvent } from '@/lib/store';
import { setUpOwnDatabase } from '@/lib/store/postgres';

import { testAppContext } from '../../support/app-context';
import { createTestDatabase, testServers } from '../../support/test-databases';
import { until } from '../../support/until';

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

  it('CONTACT_SUPPORT, no action of the chart: drained, no remediation promised, then marked failed', async () => {
    await simulator.pause('fault-remediation');
    try {
      await store.healthEvents().insertMany([
        fault('headline-c', {
          recommendedAction: 'CONTACT_SUPPORT',
          entitiesImpacted: [{ entityType: 'GPU', entityValue: '2' }],
        }),
      ]);
      const drained = await detailOf(
        'headline-c',
        (detail) => detail.headline.step?.text.startsWith('Drained') ?? false,
      );
      expect(drained.headline.step).toEqual({
        state: 'quarantined',
        text: 'Drained; no remediation for recommended action CONTACT_SUPPORT',
        tone: 'info',
      });
      expect(drained.headline.next).toBe(
        'Next: released when GPU 2 reports healthy; fault-remediation has no maintenance action for CONTACT_SUPPORT and marks its remediation failed',
      );
    } finally {
      await simulator.resume('fault-remediation');
    }
    // The simulated fault-remediation does what NVSentinel's does with it (reconciler.go:225-314).
    const failed = await detailOf('headline-c', (detail) => detail.headline.step?.state === 'remediation-failed');
    expect(failed.headline.step?.text).toBe(
      'Remediation failed: fault-remediation has no maintenance action for CONTACT_SUPPORT',
    );
    expect(failed.headline.next).toBe('Next: released when GPU 2 reports healthy');
  });
});

// NVSentinel's umbrella chart ships fault-remediation disabled (charts/nvsentinel/values.yaml:223-224):
// no consumer of that name reads the feed. fault-quarantine and node-drainer are played by hand.
describe('the node page where no fault-remediation runs', () => {
  let store: DataStore;
  let context: AppContext;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const database = await createTestDatabase(testServers()[0]);
    await setUpOwnDatabase(database.url);
    store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    const hub = new LiveHub(store, { consumer: 'no-remediation', flushMs: 50, pipelineSampleMs: 500 });
    await hub.start();
    context = testAppContext({ store, liveHub: hub });
    close = async () => {
      await hub.stop();
      await store.close();
      await database.drop();
    };
  });
  afterAll(async () => close?.());

  it('a drained node whose action the chart maps: no fault-remediation is promised, it stays drained until released', async () => {
    const [event] = await store.healthEvents().insertMany([fault('alone-a')]);
    await store.healthEvents().updateQuarantine(event.recordId, { status: 'Quarantined' });
    await store.healthEvents().updateEviction(event.recordId, { status: 'Succeeded' });
    const drained = await until(
      'the drained node on its page, with a consumer reading',
      async () => {
        const detail = await readNodeDetail(context, 'alone-a', '1h');
        return detail?.view?.state === 'remediating' && !detail.headline.next?.includes('if it runs here') && detail;
      },
      30_000,
    );
    expect(drained.headline.step).toEqual({
      state: 'remediating',
      text: 'Drained; no fault-remediation runs here to RESTART_BM it',
      tone: 'warn',
    });
    expect(drained.headline.next).toBe(
      'Next: it stays drained until released when GPU 3 reports healthy: no fault-remediation runs here to RESTART_BM it',
    );
  });

  it("?event= names an event the table's first page leaves out (beyond its newest events): read by its id", async () => {
    const [linked] = await store.healthEvents().insertMany([fault('busy-a', { isFatal: false, message: 'the one' })]);
    const [elsewhere] = await store.healthEvents().insertMany([fault('busy-b')]);
    await store
      .healthEvents()
      .insertMany(Array.from({ length: EVENT_PAGE_SIZE }, () => fault('busy-a', { isFatal: false, message: 'later' })));
    const detail = await readNodeDetail(context, 'busy-a', '1h', { event: linked.recordId });
    expect(detail?.events).toHaveLength(EVENT_PAGE_SIZE);
    // The timeline draws it all the same.
    expect(detail?.timeline.points.some((point) => point.recordId === linked.recordId)).toBe(true);
    expect(detail?.events.some((event) => event.recordId === linked.recordId)).toBe(false);
    expect(detail?.linkedEvent).toMatchObject({
      recordId: linked.recordId,
      event: { recordId: linked.recordId, message: 'the one' },
      refused: null,
    });
    // Another node's event, or an id the datastore refuses, is none of this node's.
    const other = await readNodeDetail(context, 'busy-a', '1h', { event: elsewhere.recordId });
    expect(other?.linkedEvent).toEqual({ recordId: elsewhere.recordId, event: null, refused: null });
    const refused = await readNodeDetail(context, 'busy-a', '1h', { event: 'abc' });
    expect(refused?.linkedEvent).toEqual({ recordId: 'abc', event: null, refused: 'must be a UUID (got "abc")' });
    // One among the events read needs no second read.
    const shown = detail!.events[0]!.recordId;
    expect((await readNodeDetail(context, 'busy-a', '1h', { event: shown }))?.linkedEvent).toBeNull();
  });
});

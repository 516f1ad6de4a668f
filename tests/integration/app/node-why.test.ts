// The node page's Why panel on a running pipeline: each situation is made the way it happens on a
// cluster (a fault, kubectl cordon/uncordon/label, a breaker that trips), and the panel, read
// through the node page's read model, names it. The simulated fault-quarantine writes what
// NVSentinel writes (tests/integration/simulator/simulated-cluster.test.ts).
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ClusterState } from '@/lib/cluster/cluster-state';
import type { AppContext } from '@/lib/context/app-context';
import { LiveHub } from '@/lib/live/live-hub';
import { OPT_OUT_LABELS, STATE_LABEL } from '@/lib/nvsentinel/kubernetes-keys';
import { readNodeDetail } from '@/lib/queries/node-detail';
import type { WhyLink } from '@/lib/queries/node-why-view';
import { ClusterSimulator } from '@/lib/simulator/cluster-simulator';
import { SIMULATOR_MARK } from '@/lib/simulator/event-generator';
import { startTwinCluster } from '@/lib/simulator/kubernetes/twin-cluster';
import { openDataStore, type NewHealthEvent } from '@/lib/store';
import { setUpOwnDatabase } from '@/lib/store/postgres';

import { testAppContext } from '../../support/app-context';
import { createTestDatabase, testServers } from '../../support/test-databases';

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
const recovery = (nodeName: string) => fault(nodeName, { isFatal: false, isHealthy: true, errorCode: [], message: '' });

/** A simulated NVSentinel on the twin cluster, and the console's context over both. */
async function pipeline(nodes: string[], breakerPercentage: number) {
  const database = await createTestDatabase(testServers()[0]);
  await setUpOwnDatabase(database.url);
  const store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
  const cluster = await startTwinCluster(nodes);
  const simulator = new ClusterSimulator(store, {
    seed: 3,
    nodes: nodes.length,
    rate: 0,
    cluster: cluster.kubeConfig(),
    breaker: { percentage: breakerPercentage, windowMs: 300_000 },
    settings: { drainMs: 20, remediationMs: 20, drainFailureRate: 0, remediationFailureRate: 0 },
  });
  await simulator.start();
  const hub = new LiveHub(store, { consumer: `why-${nodes[0]}`, flushMs: 50, pipelineSampleMs: 500 });
  await hub.start();
  const state = new ClusterState(cluster.kubeConfig(), 'nvsentinel');
  await state.start();
  const context: AppContext = testAppContext({
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
  const api = cluster.kubeConfig().makeApiClient(CoreV1Api);
  const customObjects = cluster.kubeConfig().makeApiClient(CustomObjectsApi);
  /** What kubectl sends: a strategic-merge patch. */
  const patch = (name: string, body: object) =>
    api.patchNode({ name, body }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
  /** The node page's Why chain, once `until` holds for it. */
  const whyOf = async (name: string, until: (links: WhyLink[], summary: string) => boolean) => {
    let last: { summary: string; links: WhyLink[] } | undefined;
    const deadline = Date.now() + 30_000;
    for (;;) {
      last = (await readNodeDetail(context, name, '1h'))?.why;
      if (last && until(last.links, last.summary)) return last;
      if (Date.now() > deadline) throw new Error(`the Why chain of ${name} never got there: ${JSON.stringify(last)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const close = async () => {
    await state.stop();
    await hub.stop();
    await simulator.stop();
    await cluster.close();
    await store.close();
    await database.drop();
  };
  return { store, simulator, patch, customObjects, whyOf, close };
}

const has = (id: string) => (links: WhyLink[]) => links.some((link) => link.id === id);
const link = (links: WhyLink[], id: string) => links.find((each) => each.id === id)!;

describe('the Why panel names what holds a node', () => {
  const NODES = ['why-a', 'why-b', 'why-c', 'why-d', 'why-e', 'why-f', 'why-g', 'why-h'];
  let setup: Awaited<ReturnType<typeof pipeline>>;

  beforeAll(async () => {
    // 100 %: this fleet never trips the breaker (it has its own fleet below).
    setup = await pipeline(NODES, 100);
  });
  afterAll(async () => setup?.close());

  it('a fault: the event, its XID and GPU, the cordon, and the healthy event that releases it; then nothing', async () => {
    // fault-remediation paused: the session stays where an operator would look at it (drained).
    await setup.simulator.pause('fault-remediation');
    await setup.store.healthEvents().insertMany([fault('why-a')]);
    const why = await setup.whyOf('why-a', (links) => has('cordon')(links) && has('cause')(links));
    expect(link(why.links, 'cause').title).toBe(
      'Fatal SysLogsXIDError (XID 79) on GPU 3 from syslog-health-monitor opened the quarantine',
    );
    expect(link(why.links, 'cordon').title).toBe('Cordoned by NVSentinel for GPU-fatal-error-ruleset');
    expect(why.summary).toBe('Still unhealthy: SysLogsXIDError (XID 79) on GPU 3');
    expect(link(why.links, 'waiting:SysLogsXIDError:GPU:3:79').detail).toContain(
      'Released when syslog-health-monitor reports SysLogsXIDError healthy for GPU 3',
    );

    await setup.store.healthEvents().insertMany([recovery('why-a')]);
    const after = await setup.whyOf('why-a', (links) => links.length === 0);
    expect(after.summary).toBe('Nothing holds this node');
    await setup.simulator.resume('fault-remediation');
  });

  it('kubectl cordon: cordoned outside NVSentinel', async () => {
    await setup.store.healthEvents().insertMany([recovery('why-b')]);
    await setup.patch('why-b', { spec: { unschedulable: true } });
    const why = await setup.whyOf('why-b', has('trap:cordoned-outside'));
    expect(why.summary).toBe('Cordoned outside NVSentinel');
  });

  it('a cordon before the fault: pre-existing, NVSentinel will not uncordon', async () => {
    await setup.patch('why-c', { spec: { unschedulable: true } });
    await setup.store.healthEvents().insertMany([fault('why-c')]);
    const why = await setup.whyOf('why-c', has('trap:cordon-pre-existing'));
    expect(link(why.links, 'trap:cordon-pre-existing').detail).toContain('NVSentinel will not uncordon it');
  });

  it('kubectl uncordon of a quarantined node: released by hand', async () => {
    await setup.store.healthEvents().insertMany([fault('why-d')]);
    await setup.whyOf('why-d', has('cordon'));
    await setup.patch('why-d', { spec: { unschedulable: null } });
    const why = await setup.whyOf('why-d', has('trap:released-by-hand'));
    expect(link(why.links, 'trap:released-by-hand').title).toBe(
      'Released by hand: NVSentinel ended its session (Cancelled)',
    );
  });

  it('kubectl label ManagedByNVSentinel=false: opted out', async () => {
    await setup.store.healthEvents().insertMany([recovery('why-e')]);
    await setup.patch('why-e', { metadata: { labels: { [OPT_OUT_LABELS[0]]: 'false' } } });
    const why = await setup.whyOf('why-e', has('trap:opted-out'));
    expect(link(why.links, 'trap:opted-out').title).toBe('Opted out of NVSentinel (ManagedByNVSentinel=false)');
  });

  it('a state label left behind with no session: stale', async () => {
    await setup.store.healthEvents().insertMany([recovery('why-f')]);
    await setup.patch('why-f', { metadata: { labels: { [STATE_LABEL]: 'remediation-failed' } } });
    const why = await setup.whyOf('why-f', has('trap:stale-state-label'));
    expect(link(why.links, 'trap:stale-state-label').title).toBe('Stale state label remediation-failed');
  });

  it('a ValidationRequest for the node still pending: validation pending, which nothing in NVSentinel acts on yet', async () => {
    await setup.store.healthEvents().insertMany([fault('why-h')]);
    await setup.whyOf('why-h', has('cordon'));
    // As lifecycle-manager's CRD defines it (nvsentinel.nvidia.com/v1alpha1, cluster-scoped, spec.nodes[].name).
    await setup.customObjects.createClusterCustomObject({
      group: 'nvsentinel.nvidia.com',
      version: 'v1alpha1',
      plural: 'validationrequests',
      body: {
        apiVersion: 'nvsentinel.nvidia.com/v1alpha1',
        kind: 'ValidationRequest',
        metadata: { name: 'validate-why-h' },
        spec: { nodes: [{ name: 'why-h' }], tests: [{ name: 'dcgm-diag' }] },
        status: { phase: 'Pending' },
      },
    });
    const why = await setup.whyOf('why-h', has('trap:validation:validate-why-h'));
    expect(link(why.links, 'trap:validation:validate-why-h').title).toBe('Validation validate-why-h is Pending');
  });

  it('quarantined in the datastore while the node is schedulable', async () => {
    // fault-quarantine paused: the Quarantined decision is written without its cordon.
    await setup.simulator.pause('fault-quarantine');
    try {
      const [event] = await setup.store.healthEvents().insertMany([fault('why-g')]);
      await setup.store.healthEvents().updateQuarantine(event.recordId, { status: 'Quarantined' });
      const why = await setup.whyOf('why-g', has('trap:schedulable'));
      expect(why.summary).toBe('Quarantined in the datastore but schedulable in the cluster');
    } finally {
      await setup.simulator.resume('fault-quarantine');
    }
  });
});

describe('the Why panel and a tripped breaker', () => {
  const NODES = ['trip-a', 'trip-b', 'trip-c', 'trip-d'];
  let setup: Awaited<ReturnType<typeof pipeline>>;

  beforeAll(async () => {
    // Four GPU nodes at 50 %: two fresh quarantines trip it (breaker.go:209-216).
    setup = await pipeline(NODES, 50);
  });
  afterAll(async () => setup?.close());

  it('names the breaker as what keeps a recovered node cordoned', async () => {
    await setup.store.healthEvents().insertMany([recovery('trip-c'), fault('trip-a'), fault('trip-b')]);
    await setup.whyOf('trip-a', has('trap:breaker-tripped'));
    await setup.store.healthEvents().insertMany([recovery('trip-a')]);
    const why = await setup.whyOf('trip-a', (links) => has('trap:breaker-tripped')(links) && has('cordon')(links));
    expect(why.summary).toBe('Circuit breaker TRIPPED: fault-quarantine processes no event, healthy ones included');
    expect(link(why.links, 'trap:breaker-tripped').detail).toContain('stays cordoned, even once it reports healthy');
    // On a node with no session, the breaker means a new fault will not quarantine it.
    const free = await setup.whyOf('trip-c', has('trap:breaker-tripped'));
    expect(link(free.links, 'trap:breaker-tripped').tone).toBe('warn');
  });
});

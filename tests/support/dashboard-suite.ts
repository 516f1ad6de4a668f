// The dashboard's read models and operations routes, run against one configured datastore the
// way the app runs them: the process-wide datastore and live hub opened from the environment,
// the simulated NVSentinel pipeline writing through the store SDK. Written once and run on
// PostgreSQL, on PostgreSQL without `before` (as MongoDB without pre-images delivers changes), and
// on MongoDB when MONGODB_URI is set. Nothing here knows which provider it runs on beyond the
// figures it expects (`expected`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { NodeProjection } from '@/lib/node-state/node-projection';
import type { NodeView } from '@/lib/node-state/node-view';
import type { SystemHealth } from '@/lib/probes/system-health';
import type { Readiness } from '@/lib/probes/readiness';
import { ClusterSimulator } from '@/lib/simulator/cluster-simulator';
import { SIMULATOR_MARK } from '@/lib/simulator/event-generator';
import {
  configFromEnv,
  describeDataStoreTarget,
  openDataStore,
  type DataStore,
  type NewHealthEvent,
  type ProviderName,
} from '@/lib/store';

import { loadApp, type App } from './app-modules';
import { parsePrometheusText, sampleValue } from './prometheus-text';
import { until } from './until';

export interface DashboardTarget {
  name: string;
  expected: {
    provider: ProviderName;
    feedStorage: 'changelog' | 'oplog';
    beforeImages: boolean;
    /** /api/health reports the console's migrations in the datastore's database (its tables are there). */
    migrations: boolean;
    /** /api/health reports a console database of its own (CONSOLE_DATABASE_URL). */
    consoleDatabase: boolean;
  };
  /** Makes fresh databases; returns the environment the app reads and how to drop them. */
  prepare(): Promise<{ env: Record<string, string>; cleanup(): Promise<void> }>;
  /** Wraps every store opened here, the app's included (e.g. to take `before` away). */
  wrap?: (store: DataStore) => DataStore;
}

/** Every variable the app reads to find its datastores, cleared for each run. */
const SETTINGS = [
  'DATABASE_URL',
  'DATASTORE_PROVIDER',
  'DATASTORE_HOST',
  'MONGODB_URI',
  'MONGODB_DATABASE_NAME',
  'MONGODB_ENABLE_PRE_IMAGES',
  'CONSOLE_DATABASE_URL',
  'SECONDARY_DATABASE_URL',
  'LIVE_CONSUMER_NAME',
];

const fatal = (nodeName: string, gpu: string, overrides: Partial<NewHealthEvent> = {}): NewHealthEvent => ({
  nodeName,
  agent: 'syslog-health-monitor',
  checkName: 'SysLogsXIDError',
  isFatal: true,
  errorCode: ['79'],
  message: `XID 79 on GPU ${gpu}`,
  recommendedAction: 'RESTART_BM',
  processingStrategy: 'EXECUTE_REMEDIATION',
  entitiesImpacted: [{ entityType: 'GPU', entityValue: gpu }],
  metadata: { [SIMULATOR_MARK]: 'true' },
  ...overrides,
});
const recovery = (nodeName: string, gpu: string) =>
  fatal(nodeName, gpu, {
    isFatal: false,
    isHealthy: true,
    recommendedAction: 'NONE',
    errorCode: [],
    message: 'recovered',
  });

/** What a view shows a person, without the moments only a live hub can know (when it saw a change). */
const shown = (view: NodeView | undefined) =>
  view && {
    name: view.name,
    state: view.state,
    openFaults: view.openFaults,
    fatalCount: view.fatalCount,
    agents: view.agents,
    checks: view.checks,
    session: view.session && { ...view.session },
    released: view.releasedAt !== null,
    quarantineRequested: view.quarantineRequested,
  };

export function defineDashboardSuite(target: DashboardTarget): void {
  describe(`the dashboard on ${target.name}`, () => {
    const wrap = target.wrap ?? ((store: DataStore) => store);
    const saved = Object.fromEntries(SETTINGS.map((name) => [name, process.env[name]]));
    let prepared: Awaited<ReturnType<DashboardTarget['prepare']>> | undefined;
    let app: App;
    let store: DataStore;
    let simulator: ClusterSimulator;
    const node = (suffix: string) => `dash-${suffix}`;
    const hubView = async (name: string) => (await app.liveHub.getLiveHub()).projection.get(name);
    const eventually = <T>(what: string, read: () => Promise<T | undefined | null | false>) =>
      until(what, read, 45_000, 200);

    beforeAll(async () => {
      prepared = await target.prepare();
      for (const name of SETTINGS) delete process.env[name];
      // /metrics open as on a closed network (closed unless METRICS_TOKEN or METRICS_OPEN).
      Object.assign(process.env, prepared.env, { LIVE_CONSUMER_NAME: 'dashboard-suite-live', METRICS_OPEN: 'true' });
      const config = configFromEnv();
      if (target.wrap) {
        // The app's process-wide datastore, opened as lib/server/datastore.ts opens it, then wrapped.
        const { withOperationMetrics } = await import('@/lib/server/metrics');
        (globalThis as unknown as { sentinelConsoleStore?: Promise<DataStore> }).sentinelConsoleStore = openDataStore(
          config,
        ).then((opened) => withOperationMetrics(wrap(opened), 'primary'));
      }
      app = await loadApp();
      store = wrap(await openDataStore(config));
      simulator = new ClusterSimulator(store, {
        seed: 5,
        nodes: 4,
        rate: 0,
        settings: { drainMs: 50, remediationMs: 50, drainFailureRate: 0, remediationFailureRate: 0 },
      });
      await simulator.start();
    });

    afterAll(async () => {
      await simulator?.stop();
      await app?.stop();
      await store?.close();
      for (const name of SETTINGS) delete process.env[name];
      Object.assign(process.env, Object.fromEntries(Object.entries(saved).filter(([, value]) => value !== undefined)));
      await prepared?.cleanup();
    });

    it('/api/health names the provider and target from the store SDK, with migrations only where they exist', async () => {
      const response = await app.health.GET();
      expect(response.status).toBe(200);
      const health = (await response.json()) as SystemHealth;
      expect(health).toMatchObject({
        status: 'ok',
        database: {
          provider: target.expected.provider,
          target: describeDataStoreTarget(configFromEnv()),
          reachable: true,
        },
      });
      // NVSentinel's schema, read (never migrated) on PostgreSQL.
      if (target.expected.provider === 'postgresql')
        expect(health.schema).toMatchObject({ state: 'current', version: 3 });
      else expect(health).not.toHaveProperty('schema');
      if (target.expected.migrations) expect(health.migrations).toMatchObject({ upToDate: true });
      else expect(health).not.toHaveProperty('migrations');
      if (target.expected.consoleDatabase)
        expect(health.consoleDatabase).toMatchObject({ reachable: true, migrations: { upToDate: true } });
      else expect(health).not.toHaveProperty('consoleDatabase');
    });

    it('/api/ready turns ready (already while the kept projection is built: warming up), and the live hub then follows the change feed', async () => {
      const ready = await eventually('ready', async () => {
        const response = await app.ready.GET();
        return response.status === 200 && ((await response.json()) as Readiness);
      });
      expect(ready).toMatchObject({ ready: true, notReady: [] });
      expect(ready.checks.liveFeed.detail).toMatch(/follows the change feed|warming up: \d+ of \d+ nodes read/);
      await eventually(
        'the live hub to follow the feed',
        async () => (await app.liveHub.getLiveHub()).status().feed === 'live',
      );
      expect((await app.liveHub.getLiveHub()).status()).toMatchObject({
        feed: 'live',
        provider: target.expected.provider,
      });
    });

    it('a fatal fault runs through the simulated pipeline, and the nodes, node, overview and throughput read models show it', async () => {
      const [fault] = await store.healthEvents().insertMany([fatal(node('a'), '3')]);
      await eventually(
        'the pipeline to remediate the fault',
        async () => (await store.healthEvents().get(fault.recordId))?.status.faultRemediated === true,
      );
      await eventually(
        'the live view to show the node remediated',
        async () => (await hubView(node('a')))?.state === 'remediated',
      );

      const { readNodeList } = await import('@/lib/queries/nodes');
      const list = await readNodeList(app.context, { states: ['remediated'] }, { page: 0, pageSize: 50 });
      expect(list.nodes.map((view) => view.name)).toContain(node('a'));
      expect(list.counts.remediated).toBeGreaterThanOrEqual(1);

      const { readNodeDetail } = await import('@/lib/queries/node-detail');
      const detail = await readNodeDetail(app.context, node('a'), '24h');
      expect(detail?.view).toMatchObject({ state: 'remediated', session: { recordId: fault.recordId } });
      expect(detail?.events.find((row) => row.recordId === fault.recordId)?.status).toMatchObject({
        nodeQuarantined: 'Quarantined',
        eviction: 'Succeeded',
        remediated: true,
      });
      expect(await readNodeDetail(app.context, node('never-seen'), '24h')).toBeNull();

      const { readOverview } = await import('@/lib/queries/overview');
      const overview = await readOverview(app.context);
      expect(overview.eventsLastHour).toBeGreaterThanOrEqual(1);
      expect(overview.fatalLastHour).toBeGreaterThanOrEqual(1);
      for (const consumer of ['fault-quarantine', 'node-drainer', 'fault-remediation']) {
        expect(overview.consumers.find((figures) => figures.consumer === consumer)).toMatchObject({
          positionKnown: true,
          positionLost: null,
        });
      }

      const { readThroughputView } = await import('@/lib/queries/throughput');
      // Buckets cover whole seconds up to the read: the fault counts once its second has passed.
      const throughput = await eventually('the fault in the throughput buckets', async () => {
        const view = await readThroughputView(app.context, '1h', 'agent');
        return view.buckets.reduce((sum, bucket) => sum + bucket.total, 0) >= 1 && view;
      });
      expect(throughput.provider).toBe(target.expected.provider);
      expect(throughput.series.map((series) => series.key)).toContain('syslog-health-monitor');
    });

    it('a release by hand, a new session and a recovery: the live view follows, and equals a fresh load of the store', async () => {
      const released = (await hubView(node('a')))!;
      expect(
        await store.healthEvents().cancelQuarantine(node('a'), new Date(released.session!.since)),
      ).toBeGreaterThanOrEqual(1);
      await eventually('node a released', async () => (await hubView(node('a')))?.state === 'released');

      // Released while its drain had not started: node-drainer, paused, cancels that drain only after
      // a new fault opened a new session. That late write to the old session's event must not end the new one.
      await simulator.pause('node-drainer');
      const [first] = await store.healthEvents().insertMany([fatal(node('c'), '2')]);
      await eventually(
        'node c quarantined',
        async () => (await hubView(node('c')))?.session?.recordId === first.recordId,
      );
      await store.healthEvents().cancelQuarantine(node('c'), new Date((await hubView(node('c')))!.session!.since));
      await eventually('node c released', async () => (await hubView(node('c')))?.state === 'released');
      const [second] = await store.healthEvents().insertMany([fatal(node('c'), '6')]);
      await eventually(
        'node c quarantined again',
        async () => (await hubView(node('c')))?.session?.recordId === second.recordId,
      );
      // Slow handlers keep the new session's own drain a few seconds behind the late write, so a
      // session wrongly ended by it would show (every handler waits this long per change).
      simulator.updateSettings({ handlerDelayMs: 1_500 });
      await simulator.resume('node-drainer');
      await eventually(
        'the released drain cancelled',
        async () =>
          (await store.healthEvents().get(first.recordId))?.status.userPodsEvictionStatus.status === 'Cancelled',
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await hubView(node('c'))).toMatchObject({ state: 'quarantined', session: { recordId: second.recordId } });
      simulator.updateSettings({ handlerDelayMs: 0 });
      await eventually('the new session remediated', async () => {
        const view = await hubView(node('c'));
        return view?.state === 'remediated' && view.session?.recordId === second.recordId;
      });

      // Another node: a fault that recovers, so fault-quarantine releases it (UnQuarantined).
      const [fault] = await store.healthEvents().insertMany([fatal(node('b'), '1')]);
      await eventually(
        'node b remediated',
        async () => (await store.healthEvents().get(fault.recordId))?.status.faultRemediated === true,
      );
      await store.healthEvents().insertMany([recovery(node('b'), '1')]);
      await eventually('node b healthy again', async () => (await hubView(node('b')))?.state === 'healthy');

      // Let late writes arrive, then compare with a projection loaded from the store.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const events = store.healthEvents();
      const names = [node('a'), node('b'), node('c')];
      const [latestPerCheck, decisions, latestPerNode, fatalCounts] = await Promise.all([
        events.latestPerCheck(names),
        events.latestQuarantineDecisions(names),
        events.latestPerNode(names),
        events.countByNode({ isFatal: true }),
      ]);
      const loaded = new NodeProjection();
      loaded.load({
        latestPerCheck,
        decisions,
        latestPerNode,
        fatalCounts: new Map([...fatalCounts].filter(([name]) => names.includes(name))),
      });
      for (const name of names) expect(shown(await hubView(name)), name).toEqual(shown(loaded.get(name)));
      expect((await hubView(node('c')))?.state).toBe('remediated');
    });

    it('the pipeline read model: the provider, its capabilities, the feed storage and dead letters', async () => {
      const poison = await simulator.injectPoison();
      const { readPipeline } = await import('@/lib/queries/pipeline');
      const pipeline = await eventually('the poison event dead-lettered', async () => {
        const read = await readPipeline(app.context);
        return read.deadLetters.some((letter) => letter.recordId === poison.recordId) && read;
      });
      expect(pipeline.provider).toBe(target.expected.provider);
      expect(pipeline.capabilities.beforeImages).toBe(target.expected.beforeImages);
      expect(pipeline.feedStorage.kind).toBe(target.expected.feedStorage);
      expect(pipeline.feedStorage.label).toBe(
        target.expected.feedStorage === 'changelog' ? 'Changelog' : 'Oplog window',
      );
      expect(pipeline.deadLetters.find((letter) => letter.recordId === poison.recordId)).toMatchObject({
        consumer: 'fault-quarantine',
        nodeName: poison.nodeName,
        status: 'dead',
      });
      const lag = await eventually('a lag reading of the pipeline consumers', async () => {
        const reading = (await readPipeline(app.context)).lag;
        return reading && reading.consumers.some((consumer) => consumer.consumer === 'node-drainer') && reading;
      });
      expect(lag.consumers.find((consumer) => consumer.consumer === 'node-drainer')?.status).not.toBe('position-lost');
      expect(JSON.parse(JSON.stringify(pipeline))).toEqual(pipeline);
    });

    it('the providers read model: one column with the provider, capabilities, feed storage, events and consumers', async () => {
      const { readProvidersView } = await import('@/lib/queries/providers');
      const [column] = (await readProvidersView(app.context)).datastores;
      expect(column).toMatchObject({
        id: 'primary',
        status: 'ok',
        provider: target.expected.provider,
        target: describeDataStoreTarget(configFromEnv()),
        capabilities: {
          beforeImages: target.expected.beforeImages,
          exactDocumentsBehind: target.expected.provider === 'postgresql',
        },
        feedStorage: { kind: target.expected.feedStorage },
      });
      expect(column.errors).toEqual([]);
      expect(column.events?.total).toBeGreaterThanOrEqual(4);
      expect(column.consumers?.map((consumer) => consumer.consumer)).toEqual(
        expect.arrayContaining(['fault-quarantine', 'node-drainer', 'fault-remediation']),
      );
    });

    it("/metrics: the datastore up, its operations under its provider, the pipeline consumers' lag", async () => {
      const response = await app.metrics.GET(new Request('http://localhost/metrics'));
      expect(response.status).toBe(200);
      const families = parsePrometheusText(await response.text());
      expect(sampleValue(families, 'sentinel_datastore_up')).toBe(1);
      expect(
        sampleValue(families, 'sentinel_store_operation_duration_seconds_count', {
          datastore: 'primary',
          provider: target.expected.provider,
          operation: 'ping',
        }),
      ).toBeGreaterThan(0);
      expect(sampleValue(families, 'change_stream_lag_known', { client: 'fault-quarantine' })).toBe(1);
    });
  });
}

// The simulated NVSentinel pipeline, through the real store SDK and change feed on PostgreSQL.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ClusterSimulator, SimulatorRefusedError } from '@/lib/simulator/cluster-simulator';
import { SIMULATOR_MARK } from '@/lib/simulator/event-generator';
import { openDataStore, type DataStore, type NewHealthEvent } from '@/lib/store';
import { setUpOwnDatabase } from '@/lib/store/providers/postgres/schema/prepare-datastore';

import { createTestDatabase, testServers, type TestDatabase } from '../../support/test-databases';

const fatal = (nodeName: string, gpu = '3', overrides: Partial<NewHealthEvent> = {}): NewHealthEvent => ({
  nodeName,
  agent: 'syslog-health-monitor',
  checkName: 'SysLogsXIDError',
  isFatal: true,
  errorCode: ['79'],
  recommendedAction: 'RESTART_BM',
  processingStrategy: 'EXECUTE_REMEDIATION',
  entitiesImpacted: [{ entityType: 'GPU', entityValue: gpu }],
  metadata: { [SIMULATOR_MARK]: 'true' },
  ...overrides,
});

describe('simulated pipeline (fault-quarantine, node-drainer, fault-remediation)', () => {
  let database: TestDatabase;
  let store: DataStore;
  let simulator: ClusterSimulator;

  beforeAll(async () => {
    database = await createTestDatabase(testServers()[0]);
    await setUpOwnDatabase(database.url);
    store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    simulator = new ClusterSimulator(store, {
      seed: 1,
      nodes: 8,
      rate: 0,
      settings: { drainMs: 50, remediationMs: 50, drainFailureRate: 0, remediationFailureRate: 0 },
    });
    await simulator.start();
  });

  afterAll(async () => {
    await simulator?.stop();
    await store?.close();
    await database?.drop();
  });

  const statusOf = async (recordId: string) => (await store.healthEvents().get(recordId))!.status;

  it('a fatal event leads to Quarantined, then drain Succeeded, then remediated', async () => {
    const [event] = await store.healthEvents().insertMany([fatal('gpu-node-a')]);
    await expect
      .poll(() => statusOf(event.recordId), { timeout: 15_000 })
      .toMatchObject({
        nodeQuarantined: 'Quarantined',
        userPodsEvictionStatus: { status: 'Succeeded' },
        faultRemediated: true,
      });
    const [again] = await store.healthEvents().insertMany([fatal('gpu-node-a', '5')]);
    await expect
      .poll(() => statusOf(again.recordId), { timeout: 15_000 })
      .toMatchObject({
        nodeQuarantined: 'AlreadyQuarantined',
        userPodsEvictionStatus: { status: 'AlreadyDrained' },
        faultRemediated: true,
      });
  });

  it("keeps its positions where NVSentinel's components keep theirs; fault-remediation in exactly NVSentinel's {timestamp, eventID}", async () => {
    const [event] = await store.healthEvents().insertMany([fatal('gpu-node-token')]);
    await expect.poll(async () => (await statusOf(event.recordId)).faultRemediated, { timeout: 15_000 }).toBe(true);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const tokens = Object.fromEntries(
        (await client.query('SELECT client_name, resume_token FROM resume_tokens')).rows.map((row) => [
          row.client_name,
          row.resume_token,
        ]),
      );
      // NVSentinel's watcher stores {"timestamp": RFC3339Nano, "eventID": n} (changestream.go saveResumePosition).
      expect(Object.keys(tokens['fault-remediation']).sort()).toEqual(['eventID', 'timestamp']);
      expect(tokens['fault-remediation'].timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
      expect(tokens['fault-remediation'].eventID).toBeGreaterThan(0);
      expect(tokens['fault-quarantine']).toMatchObject({ eventID: expect.any(Number), top: expect.any(String) });
    } finally {
      await client.end();
    }
    // Its lag is read the way NVSentinel's reader would count it, and it has caught up.
    await expect
      .poll(async () => (await store.consumers().lag()).find((lag) => lag.consumer === 'fault-remediation'), {
        timeout: 15_000,
      })
      .toMatchObject({ positionKnown: true, documentsBehind: 0 });
  });

  it('releases the node when every tracked fault has recovered (UnQuarantined)', async () => {
    const [fault] = await store.healthEvents().insertMany([fatal('gpu-node-b', '1')]);
    await expect
      .poll(async () => (await statusOf(fault.recordId)).nodeQuarantined, { timeout: 15_000 })
      .toBe('Quarantined');
    const [recovery] = await store
      .healthEvents()
      .insertMany([
        fatal('gpu-node-b', '1', { isFatal: false, isHealthy: true, recommendedAction: 'NONE', errorCode: [] }),
      ]);
    await expect
      .poll(async () => (await statusOf(recovery.recordId)).nodeQuarantined, { timeout: 15_000 })
      .toBe('UnQuarantined');
  });

  it('honours quarantineOverrides: force quarantines a non-fatal event, skip ignores a fatal one', async () => {
    const [forced, skipped] = await store.healthEvents().insertMany([
      fatal('gpu-node-c', '0', {
        isFatal: false,
        quarantineOverrides: { force: true, skip: false },
        agent: 'sentinel-console',
      }),
      fatal('gpu-node-d', '0', { quarantineOverrides: { force: false, skip: true } }),
    ]);
    // fault-quarantine handles changes one at a time in feed order: once it has decided an event
    // written after the skipped one, it has handled (and skipped) that one too.
    const [marker] = await store.healthEvents().insertMany([fatal('gpu-node-d-marker', '0')]);
    await expect
      .poll(async () => (await statusOf(marker.recordId)).nodeQuarantined, { timeout: 15_000 })
      .toBe('Quarantined');
    expect((await statusOf(forced.recordId)).nodeQuarantined).toBe('Quarantined');
    expect(await statusOf(skipped.recordId)).toMatchObject({
      nodeQuarantined: null,
      userPodsEvictionStatus: { status: '' },
      faultRemediated: null,
    });
  });

  it('a manual release marks the session Cancelled, and the next fault starts a new session', async () => {
    const [fault] = await store.healthEvents().insertMany([fatal('gpu-node-e')]);
    await expect
      .poll(() => statusOf(fault.recordId), { timeout: 15_000 })
      .toMatchObject({ nodeQuarantined: 'Quarantined', faultRemediated: true });
    expect(await store.healthEvents().cancelQuarantine('gpu-node-e', new Date(Date.now() - 60_000))).toBe(1);
    expect((await statusOf(fault.recordId)).nodeQuarantined).toBe('Cancelled');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const [next] = await store.healthEvents().insertMany([fatal('gpu-node-e')]);
    await expect
      .poll(async () => (await statusOf(next.recordId)).nodeQuarantined, { timeout: 15_000 })
      .toBe('Quarantined');
  });

  it("fault-quarantine started again knows which nodes are still quarantined, from each node's newest decision", async () => {
    const { SimulatedFaultQuarantine } = await import('@/lib/simulator/pipeline/fault-quarantine');
    const run = Date.now();
    const decide = async (node: string, statuses: ('Quarantined' | 'UnQuarantined' | 'Cancelled')[]) => {
      for (const status of statuses) {
        // STORE_ONLY: the simulator running beside this test leaves these events alone.
        const [stored] = await store
          .healthEvents()
          .insertMany([fatal(node, '1', { agent: 'restore-test', processingStrategy: 'STORE_ONLY' })]);
        await store.healthEvents().updateQuarantine(stored.recordId, { status });
        await new Promise((resolve) => setTimeout(resolve, 5)); // distinct creation times
      }
    };
    await decide(`held-${run}`, ['Quarantined', 'UnQuarantined', 'Quarantined']);
    await decide(`released-${run}`, ['Quarantined', 'UnQuarantined']);
    await decide(`cancelled-${run}`, ['Quarantined', 'Cancelled']);
    const restarted = new SimulatedFaultQuarantine(
      store,
      () => ({ drainMs: 50, remediationMs: 50, drainFailureRate: 0, remediationFailureRate: 0 }) as never,
    );
    await restarted.restore();
    expect(restarted.isQuarantined(`held-${run}`)).toBe(true);
    expect(restarted.isQuarantined(`released-${run}`)).toBe(false);
    expect(restarted.isQuarantined(`cancelled-${run}`)).toBe(false);
    expect(restarted.isQuarantined(`never-${run}`)).toBe(false);
  });

  it('a paused consumer shows growing lag and catches up when resumed', async () => {
    await simulator.pause('node-drainer');
    const drainerLag = async () => (await store.consumers().lag()).find((lag) => lag.consumer === 'node-drainer')!;
    const before = (await drainerLag()).documentsBehind ?? 0;
    await store.healthEvents().insertMany([fatal('gpu-node-f'), fatal('gpu-node-g')]);
    await expect.poll(async () => (await drainerLag()).documentsBehind, { timeout: 15_000 }).toBeGreaterThan(before);
    const grown = (await drainerLag()).documentsBehind!;
    await store.healthEvents().insertMany([fatal('gpu-node-h')]);
    await expect.poll(async () => (await drainerLag()).documentsBehind, { timeout: 15_000 }).toBeGreaterThan(grown);
    expect(simulator.status().consumers.find((c) => c.name === 'node-drainer')?.paused).toBe(true);

    await simulator.resume('node-drainer');
    await expect.poll(async () => (await drainerLag()).documentsBehind, { timeout: 20_000 }).toBe(0);
  });

  it('refuses to write into a datastore holding events it did not write', async () => {
    const other = await createTestDatabase(testServers()[0]);
    await setUpOwnDatabase(other.url);
    const real = await openDataStore({ provider: 'postgresql', connectionString: other.url });
    try {
      await real
        .healthEvents()
        .insertMany([{ nodeName: 'prod-node-1', agent: 'gpu-health-monitor', checkName: 'GpuMemWatch' }]);
      const refused = new ClusterSimulator(real, { seed: 1, nodes: 4, rate: 10 });
      await expect(refused.start()).rejects.toBeInstanceOf(SimulatorRefusedError);
      await expect(new ClusterSimulator(real, { seed: 1, nodes: 4, rate: 10 }).start()).rejects.toThrow(
        /node prod-node-1, agent gpu-health-monitor/,
      );
    } finally {
      await real.close();
      await other.drop();
    }
  });
});

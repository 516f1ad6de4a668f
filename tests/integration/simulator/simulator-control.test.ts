// The simulator's control endpoint over real HTTP, on a real PostgreSQL: pause and resume, settings,
// and a poison event that ends in dead letters and is retried once fixed.
import type http from 'node:http';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ClusterSimulator } from '@/lib/simulator/cluster-simulator';
import { startSimulatorControl } from '@/lib/simulator/control-server';
import { openDataStore, type DataStore } from '@/lib/store';
import { setUpOwnDatabase } from '@/lib/store/providers/postgres/schema/prepare-datastore';

import { freePort } from '../../support/free-port';
import { createTestDatabase, testServers, type TestDatabase } from '../../support/test-databases';

describe('simulator control', () => {
  let database: TestDatabase;
  let store: DataStore;
  let simulator: ClusterSimulator;
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    database = await createTestDatabase(testServers()[0]);
    await setUpOwnDatabase(database.url);
    store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    simulator = new ClusterSimulator(store, {
      seed: 3,
      nodes: 4,
      rate: 0,
      settings: { drainMs: 20, remediationMs: 20 },
    });
    await simulator.start();
    const port = await freePort();
    server = await startSimulatorControl(simulator, port);
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    server?.close();
    await simulator?.stop();
    await store?.close();
    await database?.drop();
  });

  const post = (path: string, body?: unknown) =>
    fetch(`${base}${path}`, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body) });

  it('pauses and resumes a consumer', async () => {
    const paused = await (await post('/consumers/node-drainer/pause')).json();
    expect(paused.consumers.find((c: { name: string }) => c.name === 'node-drainer').paused).toBe(true);
    const resumed = await (await post('/consumers/node-drainer/resume')).json();
    expect(resumed.consumers.find((c: { name: string }) => c.name === 'node-drainer').paused).toBe(false);
  });

  it('refuses bad requests with a status and a message naming what is wrong, changing nothing', async () => {
    const before = await (await post('/settings', {})).json();
    const cases: [string, unknown, number, RegExp][] = [
      ['/consumers/kube-scheduler/pause', undefined, 404, /unknown consumer "kube-scheduler"/],
      ['/settings', { drainMs: -5 }, 400, /drainMs: must not be negative/],
      ['/settings', { drainFailureRate: 2 }, 400, /drainFailureRate: must be from 0 to 1/],
      ['/settings', { rate: 10 }, 400, /unknown setting rate/],
      ['/nowhere', undefined, 404, /no control at \/nowhere/],
      ['/nodes/gpu-node-0099/mute', undefined, 404, /no simulated node "gpu-node-0099"/],
      ['/nodes/gpu-node-0001/silence', undefined, 404, /unknown node action "silence" \(mute, unmute\)/],
    ];
    for (const [path, body, status, message] of cases) {
      const response = await post(path, body);
      expect(response.status).toBe(status);
      expect((await response.json()).error).toMatch(message);
    }
    const malformed = await fetch(`${base}/settings`, { method: 'POST', body: '{not json' });
    expect(malformed.status).toBe(400);
    expect(await (await post('/settings', {})).json()).toEqual(before);
  });

  it('a muted node is left out of injected faults until unmuted; the last node reporting cannot be muted', async () => {
    for (const node of ['gpu-node-0001', 'gpu-node-0002', 'gpu-node-0003']) {
      const response = await post(`/nodes/${node}/mute`);
      expect(response.status).toBe(200);
    }
    const status = await (await post('/nodes/gpu-node-0001/mute')).json();
    expect(status.mutedNodes).toEqual(['gpu-node-0001', 'gpu-node-0002', 'gpu-node-0003']);
    const last = await post('/nodes/gpu-node-0004/mute');
    expect(last.status).toBe(409);
    expect((await last.json()).error).toMatch(/last node still reporting/);
    // Four nodes, three muted: only one can fail at once.
    const refused = await post('/faults', { nodes: 2 });
    expect(refused.status).toBe(409);
    for (const node of ['gpu-node-0001', 'gpu-node-0002', 'gpu-node-0003']) await post(`/nodes/${node}/unmute`);
    expect((await (await fetch(`${base}/status`)).json()).mutedNodes).toEqual([]);
  });

  it('a poison event ends in dead letters after the attempts, and a retry delivers it once fixed', async () => {
    const { recordId } = await (await post('/poison')).json();
    const letter = await waitFor(async () =>
      (await store.deadLetters().list({ consumer: 'fault-quarantine' })).find((l) => l.recordId === recordId),
    );
    expect(letter).toMatchObject({ status: 'dead', attempts: 3, error: expect.stringContaining('simulated poison') });
    expect((await (await post('/settings', { failPoison: false })).json()).failPoison).toBe(false);
    await store.deadLetters().requestRetry(letter.id);
    await waitFor(async () =>
      (await store.deadLetters().list({ consumer: 'fault-quarantine', status: ['resolved'] })).find(
        (l) => l.id === letter.id,
      ),
    );
  });
});

async function waitFor<T>(read: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

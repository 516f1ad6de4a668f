// End to end, database commit to SSE client: the live hub (one change feed, the node projection,
// coalesced batches) behind a real HTTP server on loopback, N EventSource-like clients in another
// process, a writer at a steady rate; beside a raw LISTEN/NOTIFY round trip at the same rate.
// Also the server's memory per connected client.
import { fork } from 'node:child_process';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';

import { flushMsFromEnv, LiveHub } from '../../lib/live/live-hub';
import { serveLiveHub } from '../../lib/live/live-http-server';
import { openDataStore, type NewHealthEvent } from '../../lib/store';
import { percentiles, type BenchDatabase } from './bench-database';
import { measureNotify } from './change-detection';

export interface FanoutRow {
  clients: number;
  rate: number;
  achievedRate: number;
  flushMs: number;
  sse: ReturnType<typeof percentiles>;
  notify: ReturnType<typeof percentiles>;
  bytesPerClient: number;
}

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function heapAndBuffers(): number {
  gc();
  const memory = process.memoryUsage();
  return memory.heapUsed + memory.external + memory.arrayBuffers;
}

function clientsProcess() {
  const child = fork(path.join(import.meta.dirname, 'live-clients.ts'), [], { execArgv: ['--import', 'tsx'] });
  const next = () => new Promise<Record<string, unknown>>((resolve) => child.once('message', (message) => resolve(message as Record<string, unknown>)));
  return { child, ask: (message: object) => { const reply = next(); child.send(message); return reply; } };
}

/** Writes `rate` events a second for `seconds` as a batch every 10 ms, spread over 1,000 nodes. */
async function write(store: Awaited<ReturnType<typeof openDataStore>>, rate: number, seconds: number): Promise<number> {
  const started = performance.now();
  const perTick = rate / 100;
  let written = 0;
  let carry = 0;
  for (let tick = 0; tick < seconds * 100; tick += 1) {
    const wait = started + tick * 10 - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    carry += perTick;
    const count = Math.floor(carry);
    carry -= count;
    if (count === 0) continue;
    const events: NewHealthEvent[] = Array.from({ length: count }, (_, i) => ({
      nodeName: `live-node-${(written + i) % 1000}`, agent: 'gpu-health-monitor', checkName: 'GpuThermalWatch', isFatal: false,
      entitiesImpacted: [{ entityType: 'GPU', entityValue: String((written + i) % 8) }],
    }));
    await store.healthEvents().insertMany(events);
    written += count;
  }
  return written / ((performance.now() - started) / 1000);
}

export async function liveFanout(database: BenchDatabase, options: { quick: boolean }): Promise<FanoutRow[]> {
  const cases = options.quick
    ? [{ clients: 50, rate: 200, seconds: 3 }, { clients: 500, rate: 200, seconds: 3 }]
    : [{ clients: 200, rate: 1_000, seconds: 15 }, { clients: 2_000, rate: 1_000, seconds: 15 }];
  const flushMs = flushMsFromEnv();
  const rows: FanoutRow[] = [];
  for (const [index, { clients, rate, seconds }] of cases.entries()) {
    const store = await openDataStore({ provider: 'postgresql', connectionString: database.url, poolSize: 12 });
    const hub = new LiveHub(store, { consumer: `bench-live-${index}`, flushMs });
    await hub.start();
    const server = await serveLiveHub(hub);
    const before = heapAndBuffers();
    const driver = clientsProcess();
    await driver.ask({ connect: { url: `${server.url}?topics=nodes`, clients } });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const bytesPerClient = Math.round((heapAndBuffers() - before) / clients);
    await driver.ask({ reset: true });
    const achievedRate = await write(store, rate, seconds);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const { result } = (await driver.ask({ collect: true })) as { result: ReturnType<typeof percentiles> };
    await server.close();
    await hub.stop();
    await store.close();
    const notify = await measureNotify(database.url, rate, Math.min(seconds, 5));
    rows.push({ clients, rate, achievedRate: Math.round(achievedRate), flushMs, sse: result, notify, bytesPerClient });
    console.log(`  ${clients} clients at ${rate}/s: p50/p95/p99 ${result.p50}/${result.p95}/${result.p99} ms (NOTIFY ${notify.p50}/${notify.p95}/${notify.p99}), ${bytesPerClient} B per client`);
  }
  return rows;
}

// End to end, database commit to SSE client: the live hub (one change feed, the node projection,
// coalesced batches) behind a real HTTP server on loopback, N EventSource-like clients in another
// process (live-clients.ts: each batch timed from the oldest change in it), a writer at a steady
// rate; beside a raw LISTEN/NOTIFY round trip at the rate the writer reached. Also the server's
// memory per connected client, and the changes no client had been shown when the run ended.
import { fork } from 'node:child_process';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';

import { flushMsFromEnv, LiveHub } from '../../lib/live/live-hub';
import { serveLiveHub } from '../../lib/live/live-http-server';
import { openDataStore, type NewHealthEvent } from '../../lib/store';
import type { BenchDatabase } from './bench-database';
import { measureNotify, type MeasuredDelivery } from './change-detection';
import { rateAchieved, type Percentiles } from './delivery-latency';
import type { ClientsResult } from './live-clients';

export interface FanoutRow {
  clients: number;
  rate: number;
  achievedRate: number;
  flushMs: number;
  /** Per batch, from the oldest change in it. */
  sse: Percentiles;
  /** The same batches timed as before issue 20 (from the oldest of the views' newest events), to show what coalescing hid. */
  sseFromNewestEvent: Percentiles;
  /** Events written times clients, and how many of those no client had been shown 1 s after the writer stopped. */
  expected: number;
  notShown: number;
  notify: MeasuredDelivery;
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
  const next = () =>
    new Promise<Record<string, unknown>>((resolve) =>
      child.once('message', (message) => resolve(message as Record<string, unknown>)),
    );
  return {
    child,
    ask: (message: object) => {
      const reply = next();
      child.send(message);
      return reply;
    },
    tell: (message: object) => child.send(message),
  };
}

const NODES = 1_000;

/** Batches being inserted at once at most (several monitors write at once; one at a time is bound by the commit's fsync). */
const WRITES_IN_FLIGHT = 8;

/**
 * Offers `rate` events a second for `seconds` as a batch every 10 ms, event i on node i % NODES,
 * and stops at the deadline (a writer short of its rate writes fewer). `onWritten` hears each
 * batch's first index, size and createdAt.
 */
async function write(
  store: Awaited<ReturnType<typeof openDataStore>>,
  rate: number,
  seconds: number,
  onWritten: (first: number, count: number, at: number) => void,
): Promise<number> {
  const started = performance.now();
  const end = started + seconds * 1000;
  const perTick = rate / 100;
  const inFlight = new Set<Promise<void>>();
  let written = 0;
  let carry = 0;
  for (let tick = 0; tick < seconds * 100 && performance.now() < end; tick += 1) {
    const wait = started + tick * 10 - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    carry += perTick;
    const count = Math.floor(carry);
    carry -= count;
    if (count === 0) continue;
    const first = written;
    written += count;
    const events: NewHealthEvent[] = Array.from({ length: count }, (_, i) => ({
      nodeName: `live-node-${(first + i) % NODES}`,
      agent: 'gpu-health-monitor',
      checkName: 'GpuThermalWatch',
      isFatal: false,
      entitiesImpacted: [{ entityType: 'GPU', entityValue: String((first + i) % 8) }],
    }));
    const task: Promise<void> = store
      .healthEvents()
      .insertMany(events)
      .then((stored) => onWritten(first, count, stored[0].createdAt.getTime()))
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
    if (inFlight.size >= WRITES_IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return written / ((performance.now() - started) / 1000);
}

export async function liveFanout(database: BenchDatabase, options: { quick: boolean }): Promise<FanoutRow[]> {
  const cases = options.quick
    ? [
        { clients: 50, rate: 200, seconds: 3 },
        { clients: 500, rate: 200, seconds: 3 },
      ]
    : [
        { clients: 200, rate: 1_000, seconds: 15 },
        { clients: 2_000, rate: 1_000, seconds: 15 },
      ];
  const flushMs = flushMsFromEnv();
  const rows: FanoutRow[] = [];
  for (const [index, { clients, rate, seconds }] of cases.entries()) {
    const store = await openDataStore({ provider: 'postgresql', connectionString: database.url, poolSize: 12 });
    const hub = new LiveHub(store, { consumer: `bench-live-${index}`, flushMs });
    await hub.start();
    const server = await serveLiveHub(hub);
    const before = heapAndBuffers();
    const driver = clientsProcess();
    await driver.ask({ connect: { url: `${server.url}?topics=nodes`, clients, nodes: NODES } });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const bytesPerClient = Math.round((heapAndBuffers() - before) / clients);
    await driver.ask({ reset: true });
    const achievedRate = await write(store, rate, seconds, (first, count, at) =>
      driver.tell({ written: { first, count, at } }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const { result } = (await driver.ask({ collect: true })) as { result: ClientsResult };
    await server.close();
    await hub.stop();
    await store.close();
    // A writer short of its rate is compared with the floor at the rate it reached.
    const notify = await measureNotify(
      database.url,
      rateAchieved(rate, achievedRate) ? rate : Math.round(achievedRate),
      Math.min(seconds, 5),
    );
    const { sse, sseFromNewestEvent, expected, notShown } = result;
    rows.push({
      clients,
      rate,
      achievedRate: Math.round(achievedRate),
      flushMs,
      sse,
      sseFromNewestEvent,
      expected,
      notShown,
      notify,
      bytesPerClient,
    });
    console.log(
      `  ${clients} clients at ${rate}/s (${Math.round(achievedRate)} written): p50/p95/p99 ${sse.p50}/${sse.p95}/${sse.p99} ms (timed the old way ${sseFromNewestEvent.p50}/${sseFromNewestEvent.p95}/${sseFromNewestEvent.p99}), ${notShown} of ${expected} not shown at the end (NOTIFY at ${notify.rate}/s ${notify.p50}/${notify.p95}/${notify.p99}), ${bytesPerClient} B per client`,
    );
  }
  return rows;
}

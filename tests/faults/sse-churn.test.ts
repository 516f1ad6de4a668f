// Scenario 5: SSE clients connecting to the live hub over real HTTP and going away, thousands of
// times, in the ways browsers do (after the first node set, after a status on other topics,
// resuming with Last-Event-ID, before reading a byte), while events keep arriving. Afterwards
// nothing of them is left: the hub's client count, the HTTP server's connections, this process's
// open handles and its heap (after garbage collection) are back to where they were.
// Full: 10,000 cycles. Quick: 2,000.
import v8 from 'node:v8';
import vm from 'node:vm';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { serveLiveHub, type LiveHttpServer } from '@/lib/live/live-http-server';
import { LiveHub } from '@/lib/live/live-hub';
import type { DataStore } from '@/lib/store';

import { event } from '../contract/store-contract';
import { openSse } from '../support/sse-reader';
import { openTestStore, type TestStore } from '../support/test-databases';
import { bySize } from './fault-mode';

const CYCLES = bySize(2_000, 10_000);
const CONCURRENCY = 20;
const NODES = 100;
/** Heap growth allowed after all cycles: far below what keeping each client (tens of KB) would leave. */
const HEAP_TOLERANCE_BYTES = 4 * 1024 * 1024;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function settledHeap(): Promise<number> {
  let heap = Infinity;
  // A few rounds: finalizers and weak callbacks free more on the next collection.
  for (let round = 0; round < 4; round += 1) {
    await sleep(50);
    gc();
    heap = Math.min(heap, process.memoryUsage().heapUsed);
  }
  return heap;
}

/** Open handles by kind (sockets, servers, timers…), as Node counts them. */
function handles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

describe('SSE connect/disconnect churn against the live hub over HTTP', () => {
  let fresh: TestStore;
  let store: DataStore;
  let hub: LiveHub;
  let http: LiveHttpServer;

  beforeAll(async () => {
    fresh = await openTestStore();
    store = fresh.store;
    await store.healthEvents().insertMany(Array.from({ length: NODES }, (_, i) => event(`churn-node-${i}`)));
    hub = new LiveHub(store, { consumer: 'churn-hub', flushMs: 50, pipelineSampleMs: 500 });
    await hub.start();
    http = await serveLiveHub(hub);
  });

  afterAll(async () => {
    await http?.close();
    await hub?.stop();
    await fresh?.close();
  });

  it(
    `${CYCLES.toLocaleString('en')} cycles: clients, connections, handles and heap back to baseline`,
    async () => {
      let lastId: string | null = null;
      let cycles = 0;
      const cycle = async (i: number) => {
        const kind = i % 4;
        const url =
          kind === 1
            ? `${http.url}?topics=pipeline,throughput,node:churn-node-${i % NODES}`
            : `${http.url}?topics=nodes`;
        const client = await openSse(url, kind === 2 ? lastId : null);
        try {
          expect(client.status).toBe(200);
          if (kind === 0 || kind === 2) {
            const nodes = await client.reader.until((message) => message.event === 'nodes');
            if (nodes.id) lastId = nodes.id;
          } else if (kind === 1) {
            await client.reader.until((message) => message.event === 'status');
          }
          // kind 3: gone before reading anything.
        } finally {
          client.close();
        }
        cycles += 1;
      };
      const churn = async (count: number, offset: number) => {
        let next = 0;
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            while (next < count) await cycle(offset + next++);
          }),
        );
      };
      // Events keep arriving, so flushes and diffs meet clients that are leaving.
      let writing = true;
      const writer = (async () => {
        for (let i = 0; writing; i += 1) {
          await store
            .healthEvents()
            .insertMany([event(`churn-node-${i % NODES}`, { isFatal: i % 2 === 0, isHealthy: i % 2 === 1 })]);
          await sleep(20);
        }
      })();

      // Warm up (JIT, pools, lazily built state), then take the baseline with the writer still on.
      await churn(200, 0);
      await sleep(500);
      const clientsBefore = hub.clientCount;
      const handlesBefore = handles();
      const heapBefore = await settledHeap();
      const started = Date.now();
      await churn(CYCLES, 200);
      const seconds = (Date.now() - started) / 1000;
      writing = false;
      await writer;

      // Everything a client held goes once it has gone.
      const deadline = Date.now() + 10_000;
      const connections = () =>
        new Promise<number>((resolve, reject) =>
          http.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
        );
      while ((hub.clientCount > clientsBefore || (await connections()) > 0) && Date.now() < deadline) await sleep(50);
      await sleep(200);
      const handlesAfter = handles();
      const heapAfter = await settledHeap();
      const kinds = [...new Set([...handlesBefore.keys(), ...handlesAfter.keys()])];
      const grown = kinds
        .map((kind) => ({ kind, before: handlesBefore.get(kind) ?? 0, after: handlesAfter.get(kind) ?? 0 }))
        .filter(({ before, after }) => after > before);
      console.log(
        `[faults] ${cycles} SSE cycles in ${seconds.toFixed(1)} s; heap ${(heapBefore / 1e6).toFixed(1)} -> ${(heapAfter / 1e6).toFixed(1)} MB; handles ${JSON.stringify(Object.fromEntries(handlesAfter))}`,
      );

      expect(cycles).toBe(CYCLES + 200);
      expect(hub.clientCount).toBe(clientsBefore);
      expect(await connections()).toBe(0);
      // The pools of PostgreSQL connections may have shrunk or grown by a few meanwhile: each pooled
      // client holds a socket and, while idle, an idle-timeout timer. A leak per client would show
      // as hundreds of either over these thousands of cycles.
      const poolDrift = new Set(['TCPSocketWrap', 'Timeout']);
      expect(grown.filter(({ kind, before, after }) => !poolDrift.has(kind) || after > before + 4)).toEqual([]);
      expect(heapAfter - heapBefore).toBeLessThan(HEAP_TOLERANCE_BYTES);
    },
    bySize(180_000, 600_000),
  );
});

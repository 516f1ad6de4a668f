// Scenario 3: the PostgreSQL server stopped and started again in the middle of a stream, twice
// (a fast shutdown, then an immediate one that needs crash recovery), while writers keep trying.
// Everything downstream resumes by itself and nothing is lost: an EventProcessor in this process,
// a consumer in a process of its own, and the live hub's SSE clients over real HTTP (one that
// stays connected, one that drops while the database is down and reconnects with Last-Event-ID,
// as EventSource does). While the server is down the dashboard shows it: /api/health's check
// says `degraded` (database unreachable) and the live stream's status says the feed is
// `reconnecting`, which the header shows as "Datastore unavailable".
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { EmbeddedDatabase } from '@/lib/embedded-database/embedded-database';
import { serveLiveHub, type LiveHttpServer } from '@/lib/live/live-http-server';
import { LiveHub } from '@/lib/live/live-hub';
import type { LiveStatusMessage, NodesMessage } from '@/lib/live/live-messages';
import { checkSystemHealth } from '@/lib/server/app-probes';
import { EventProcessor, openDataStore, type DataStore, type FeedState } from '@/lib/store';
import { setUpOwnDatabase } from '@/lib/store/providers/postgres/schema/prepare-datastore';

import { event } from '../contract/store-contract';
import { runFeedConsumer, type ConsumerExit } from '../support/feed-consumer';
import { dmlOnlyRole } from '../support/test-databases';
import { until } from '../support/until';
import { freePort } from '../support/free-port';
import { openSse, type SseMessage } from '../support/sse-reader';
import { bySize } from './fault-mode';

// The health check is the app's own (its process-wide probe over the server's app context).

const PHASE = bySize(200, 1_000);
const DOWN_MS = bySize(1_500, 5_000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Node names in view after applying a client's `nodes` messages in order. */
function nodesInView(messages: SseMessage[]): Set<string> {
  const view = new Set<string>();
  for (const message of messages) {
    if (message.event !== 'nodes') continue;
    const nodes = message.data as NodesMessage;
    if (nodes.kind === 'equals') view.clear();
    for (const node of [...nodes.new, ...nodes.updated]) view.add(node.name);
    for (const name of nodes.deleted) view.delete(name);
  }
  return view;
}

async function sseClient(url: string, lastEventId?: string) {
  const client = await openSse(url, lastEventId);
  expect(client.status).toBe(200);
  return client;
}

const feedIs = (feed: LiveStatusMessage['feed']) => (message: SseMessage) =>
  message.event === 'status' && (message.data as LiveStatusMessage).feed === feed;

describe('PostgreSQL stopped and started again mid-stream, twice', () => {
  let baseDir: string;
  let server: EmbeddedDatabase;
  let store: DataStore | undefined;
  const previousUrl = process.env.DATABASE_URL;

  beforeAll(async () => {
    baseDir = await mkdtemp(path.join(os.tmpdir(), 'console-faults-restart-'));
    server = new EmbeddedDatabase({ baseDir, port: await freePort(), settings: { fsync: 'off' } });
    await server.start();
    await setUpOwnDatabase(server.url);
    process.env.DATABASE_URL = server.url;
  });

  afterAll(async () => {
    process.env.DATABASE_URL = previousUrl;
    await store?.close();
    await server?.stop();
    if (baseDir) await rm(baseDir, { recursive: true, force: true });
  });

  it(`feeds, the processor, a consumer process and SSE clients resume by themselves; ${5 * PHASE} events, none lost; degraded while down`, async () => {
    // The feeds, the processor and the consumer process run as a role with DML rights only, as on
    // NVSentinel's own database (the id-order feed needs no DDL).
    const dmlUrl = await dmlOnlyRole(server.url);
    store = await openDataStore({ provider: 'postgresql', connectionString: dmlUrl });
    const consumers = store.consumers();
    await consumers.register('restart-processor', { startAt: 'now' });
    await consumers.register('restart-process', { startAt: 'now' });

    // An EventProcessor in this process.
    const processed = new Set<string>();
    const processorStates: FeedState[] = [];
    const processorFeed = await store.changes('restart-processor', {
      collections: ['healthEvents'],
      pollIntervalMs: 100,
      onStateChange: (state) => processorStates.push(state),
    });
    const processor = new EventProcessor({
      feed: processorFeed,
      deadLetters: store.deadLetters(),
      handler: async (change) => {
        if (change.collection === 'healthEvents' && change.document) processed.add(change.document.healthEvent.message);
      },
    });
    const processing = processor.start();

    // A consumer in a process of its own.
    const total = 5 * PHASE;
    const fromProcess = new Set<string>();
    const consumerProcess: Promise<ConsumerExit> = runFeedConsumer(
      dmlUrl,
      'restart-process',
      ({ message }) => fromProcess.add(message),
      () => fromProcess.size >= total,
    );

    // The live hub behind HTTP, with two clients.
    const hubErrors: unknown[] = [];
    const hub = new LiveHub(store, {
      consumer: 'restart-hub',
      flushMs: 50,
      pipelineSampleMs: 500,
      onError: (error) => hubErrors.push(error),
    });
    await hub.start();
    const http: LiveHttpServer = await serveLiveHub(hub);
    const stays = await sseClient(`${http.url}?topics=nodes`);
    await stays.reader.until((message) => message.event === 'nodes');
    let drops = await sseClient(`${http.url}?topics=nodes`);
    await drops.reader.until((message) => message.event === 'nodes');
    const dropped: SseMessage[] = [];

    const written = new Set<string>();
    // Ten events a statement; while the server is away each statement is retried until it lands
    // (one that landed just before the connection broke may land twice: at-least-once).
    const write = async (from: number, to: number) => {
      for (let i = from; i < to; i += 10) {
        const batch = Array.from({ length: Math.min(10, to - i) }, (_, k) => `e${i + k}`);
        for (;;) {
          try {
            await store!
              .healthEvents()
              .insertMany(batch.map((message) => event(`restart-node-${message}`, { message })));
            break;
          } catch {
            await sleep(100);
          }
        }
        for (const message of batch) written.add(message);
      }
    };

    // Every consumer has everything written so far, and the processor's feed is live again.
    const caughtUp = async () => {
      const deadline = Date.now() + 30_000;
      const missing = () => [...written].filter((message) => !processed.has(message) || !fromProcess.has(message));
      while (processorFeed.state !== 'live' || missing().length > 0) {
        if (Date.now() > deadline)
          throw new Error(
            `consumers not caught up within 30 s (feed ${processorFeed.state}): ${missing().slice(0, 5).join(', ')}`,
          );
        await sleep(50);
      }
    };

    // Status messages are read in order: each outage looks past the last one matched.
    let from = 0;
    /** The health answer once it says `status` (it is shared for 2 s, so it may lag a change by that). */
    const healthBecomes = (status: 'ok' | 'degraded') =>
      until(
        `/api/health ${status}`,
        async () => {
          const health = await checkSystemHealth();
          return health.status === status && health;
        },
        15_000,
      );
    const nextStatus = async (feed: LiveStatusMessage['feed'], timeoutMs: number) => {
      const message = await stays.reader.until(feedIs(feed), timeoutMs, from);
      from = stays.reader.received.indexOf(message) + 1;
    };
    await nextStatus('live', 10_000);
    await healthBecomes('ok');
    await write(0, PHASE);
    // The consumer process is up and reading before the first outage (a consumer that cannot
    // reach the database at start exits, for its supervisor to start again: not under test).
    while (fromProcess.size === 0) await sleep(50);
    const outage = async (stop: () => Promise<void>, phase: number, dropClient: boolean) => {
      await stop();
      // Degraded while down: the health check (probed at most every 2 s) and the live stream's status say so.
      const health = await healthBecomes('degraded');
      expect(health).toMatchObject({ status: 'degraded', database: { reachable: false } });
      await nextStatus('reconnecting', 10_000);
      expect(hub.status().feed).toBe('reconnecting');
      if (dropClient) {
        await drops.reader.until(feedIs('reconnecting'));
        dropped.push(...drops.reader.received);
        drops.close();
      }
      const down = write(phase * PHASE, (phase + 1) * PHASE); // keeps retrying while the server is down
      await sleep(DOWN_MS);
      await healthBecomes('degraded');
      await server.start();
      await down;
      await nextStatus('live', 30_000);
      await healthBecomes('ok');
      if (dropClient) {
        const lastId = dropped.filter((message) => message.id !== null).at(-1)!.id!;
        drops = await sseClient(`${http.url}?topics=nodes`, lastId);
      }
      // They resumed by themselves: what was written while the server was down arrives.
      await caughtUp();
    };
    // First a fast shutdown (open transactions rolled back), then an immediate one (like a crash:
    // the server recovers from its WAL on the next start).
    await outage(() => server.stop(), 1, true);
    await write(2 * PHASE, 3 * PHASE);
    await outage(() => server.stopImmediately(), 3, false);
    await write(4 * PHASE, 5 * PHASE);
    expect(written.size).toBe(total);

    const everyNode = [...written].map((message) => `restart-node-${message}`);
    const hasAll = (messages: SseMessage[]) => {
      const view = nodesInView(messages);
      return everyNode.every((name) => view.has(name));
    };
    await stays.reader.until(() => hasAll(stays.reader.received), 30_000);
    await drops.reader.until(() => hasAll([...dropped, ...drops.reader.received]), 30_000);
    expect(hub.nodes().filter((view) => view.name.startsWith('restart-node-'))).toHaveLength(total);
    // The reconnected client resumed from its Last-Event-ID: a diff, not the whole set again.
    expect((drops.reader.received.find((message) => message.event === 'nodes')!.data as NodesMessage).kind).toBe(
      'diff',
    );

    await caughtUp();
    expect([...processed].sort()).toEqual([...written].sort());
    expect([...fromProcess].sort()).toEqual([...written].sort());
    expect(await consumerProcess).toMatchObject({ killed: true, idle: false });
    expect(processorStates.filter((state) => state === 'reconnecting').length).toBeGreaterThanOrEqual(2);
    expect(processorStates.at(-1)).toBe('live');

    stays.close();
    drops.close();
    await http.close();
    await hub.stop();
    await processor.stop();
    await processing;
  }, 180_000);
});

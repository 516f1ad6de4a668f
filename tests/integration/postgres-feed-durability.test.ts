// The change feed's no-loss guarantees under the failures a production pipeline meets:
// consumers killed mid-stream and restarted, and the database itself restarting.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { EmbeddedDatabase } from '@/lib/embedded-database/embedded-database';
import { openDataStore, type DataStore } from '@/lib/store';
import { parsePosition, comparePositions } from '@/lib/store/providers/postgres/feed/feed-position';
import { applyMigrations } from '@/lib/store/providers/postgres/schema/migration-runner';

import { event } from '../contract/store-contract';
import { freePort } from '../support/free-port';
import { createTestDatabase, testServers } from '../support/test-databases';

interface Delivery { position: string; node: string; seq: number; run: number }

/** Positions delivered so far, across runs. */
const seen = new Set<string>();

/** Runs the consumer process until `killAfter` deliveries (then SIGKILL) or until it has `until` in total. */
function runConsumer(url: string, consumer: string, run: number, deliveries: Delivery[], stopWhen: () => boolean): Promise<void> {
  // `node --import tsx` runs the consumer in this one process, so SIGKILL kills the consumer itself
  // (the tsx CLI would leave its child running).
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/support/feed-consumer-process.ts'], {
    env: { ...process.env, DATABASE_URL: url, CONSUMER: consumer },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buffered = '';
  return new Promise((resolve) => {
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const [position, node, message] = line.split(' ');
        deliveries.push({ position, node, seq: Number(message), run });
        seen.add(position);
      }
      if (stopWhen() && child.exitCode === null) child.kill('SIGKILL');
    });
    child.on('exit', () => resolve());
  });
}

describe('change feed durability (PostgreSQL)', () => {
  it('100,000 events from 4 writers, consumer SIGKILLed and restarted 10 times: none lost, order per node kept', async () => {
    const server = testServers()[0];
    const database = await createTestDatabase(server);
    await applyMigrations(database.url);
    const store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
    await store.consumers().register('durable-consumer', { startAt: 'now' });
    try {
      const total = 100_000;
      const writers = 4;
      const perWriter = total / writers;
      // Each writer owns 25 nodes and writes each node's events in sequence (message = sequence).
      const writing = Array.from({ length: writers }, async (_, w) => {
        for (let start = 0; start < perWriter; start += 250) {
          const batch = Array.from({ length: 250 }, (_, i) => {
            const n = start + i;
            return event(`w${w}-node-${n % 25}`, { message: String(Math.floor(n / 25)) });
          });
          await store.healthEvents().insertMany(batch);
        }
      });

      const deliveries: Delivery[] = [];
      const unique = () => seen.size;
      const positionsAtKill: string[] = [];
      for (let run = 0; run < 10; run += 1) {
        const target = deliveries.length + 2_000 + Math.floor(Math.random() * 5_000);
        await runConsumer(database.url, 'durable-consumer', run, deliveries, () => deliveries.length >= target);
        const stored = (await store.consumers().lag()).find((l) => l.consumer === 'durable-consumer')!.position!;
        positionsAtKill.push(stored);
      }
      await Promise.all(writing);
      await runConsumer(database.url, 'durable-consumer', 10, deliveries, () => unique() >= total);

      // Every event delivered at least once.
      const delivered = new Set(deliveries.map((d) => `${d.node}#${d.seq}`));
      expect(delivered.size).toBe(total);
      // Duplicates only from the unacknowledged tail: each run starts after the position stored when the previous one was killed.
      for (let run = 1; run <= 10; run += 1) {
        const first = deliveries.find((d) => d.run === run);
        if (first) expect(comparePositions(parsePosition(first.position), parsePosition(positionsAtKill[run - 1]))).toBeGreaterThan(0);
      }
      const duplicates = deliveries.length - unique();
      expect(duplicates).toBeLessThanOrEqual(10 * 200 + 10);
      // Order per node kept within every run.
      for (let run = 0; run <= 10; run += 1) {
        const last = new Map<string, number>();
        for (const d of deliveries.filter((x) => x.run === run)) {
          expect(d.seq, `node ${d.node} in run ${run}`).toBeGreaterThan(last.get(d.node) ?? -1);
          last.set(d.node, d.seq);
        }
      }
    } finally {
      await store.close();
      await database.drop();
    }
  }, 300_000);

  it('PostgreSQL restarted in the middle of a stream: the feed resumes by itself and nothing is lost', async () => {
    const baseDir = await mkdtemp(path.join(os.tmpdir(), 'console-restart-'));
    const server = new EmbeddedDatabase({ baseDir, port: await freePort(), settings: { fsync: 'off' } });
    await server.start();
    let store: DataStore | undefined;
    try {
      await applyMigrations(server.url);
      store = await openDataStore({ provider: 'postgresql', connectionString: server.url });
      await store.consumers().register('survivor', { startAt: 'now' });
      const states = new Set<string>();
      const feed = await store.changes('survivor', { collections: ['healthEvents'], pollIntervalMs: 100, onStateChange: (state) => states.add(state) });
      const received = new Set<string>();
      const reading = (async () => {
        for await (const change of feed) {
          if (change.collection === 'healthEvents' && change.document) received.add(change.document.healthEvent.message);
          await feed.ack(change.position);
          if (received.size === 600) break;
        }
      })();

      const written: string[] = [];
      const write = async (from: number, to: number) => {
        for (let i = from; i < to; i += 1) {
          for (;;) {
            try {
              await store!.healthEvents().insertMany([event('restart-node', { message: `e${i}` })]);
              written.push(`e${i}`);
              break;
            } catch {
              await new Promise((resolve) => setTimeout(resolve, 100));
            }
          }
        }
      };
      await write(0, 200);
      await server.stop();
      const down = write(200, 400); // keeps retrying while the server is down
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await server.start();
      await down;
      await write(400, 600);
      await reading;
      await feed.close();
      expect(written).toHaveLength(600);
      expect([...received].sort()).toEqual([...written].sort());
      expect(states.has('reconnecting')).toBe(true);
    } finally {
      await store?.close();
      await server.stop();
      await rm(baseDir, { recursive: true, force: true });
    }
  }, 120_000);
});

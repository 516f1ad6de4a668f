// Scenario 1: writing transactions opened one after another, each writing interleaved rows (so
// changelog ids interleave across them), then committed in every possible order, with short
// SDK writes committing while they are open, and a reader reading between commits. The reader
// gets each transaction's rows, in full, as soon as it commits (not when every older one has
// ended: the feed delivers a committed transaction ahead of older open ones), in commit order
// across steps; nothing is lost, and nothing acknowledged comes again, also across a close and
// reopen of the feed (which must resume with the transactions it delivered ahead remembered).
// Full: 4 transactions (24 orders). Quick: the same; 3 transactions (6 orders) would miss orders
// like 2-4-1-3, and all 24 take seconds.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ChangeFeed, DataStore } from '@/lib/store';

import { event } from '../contract/store-contract';
import { openTestStore, type TestStore } from '../support/test-databases';

const TRANSACTIONS = 4;
const ROWS_PER_TRANSACTION = 2;
/** How long the reader gets to show it delivers nothing more than it should. */
const QUIET_MS = 150;

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((rest) =>
    Array.from({ length: n }, (_, at) => [...rest.slice(0, at), n - 1, ...rest.slice(at)]),
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads one consumer's feed, acking each change before taking the next; can close and reopen it. */
class Reader {
  readonly delivered: string[] = [];
  readonly positions = new Set<string>();
  duplicatePositions = 0;
  private feed?: ChangeFeed;
  private loop?: Promise<void>;
  private failure?: unknown;

  constructor(
    private readonly store: DataStore,
    private readonly consumer: string,
  ) {}

  async open(): Promise<void> {
    const feed = await this.store.changes(this.consumer, { collections: ['healthEvents'], pollIntervalMs: 50 });
    this.feed = feed;
    this.loop = (async () => {
      for await (const change of feed) {
        if (this.positions.has(change.position)) this.duplicatePositions += 1;
        this.positions.add(change.position);
        if (change.collection === 'healthEvents' && change.document)
          this.delivered.push(change.document.healthEvent.message);
        await feed.ack(change.position);
      }
    })().catch((error) => {
      this.failure = error;
    });
  }

  async reopen(): Promise<void> {
    await this.close();
    await this.open();
  }

  async close(): Promise<void> {
    await this.feed?.close();
    await this.loop;
    if (this.failure) throw this.failure;
  }

  async waitFor(messages: string[], timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.failure) throw this.failure;
      const have = new Set(this.delivered);
      const missing = messages.filter((message) => !have.has(message));
      if (missing.length === 0) return;
      if (Date.now() > deadline) throw new Error(`not delivered within ${timeoutMs} ms: ${missing.join(', ')}`);
      await sleep(10);
    }
  }
}

// Both ways the feed walks the changelog: id order (NVSentinel's schema as it is), commit order (the opt-in column).
describe.each(['id', 'commit'] as const)(
  'long-open writing transactions committed in every order, feed in %s order',
  (order) => {
    let fresh: TestStore;
    let store: DataStore;
    let clients: pg.Client[];

    beforeAll(async () => {
      fresh = await openTestStore(undefined, { commitOrder: order === 'commit' });
      store = fresh.store;
      clients = await Promise.all(
        Array.from({ length: TRANSACTIONS }, async () => {
          const client = new pg.Client({ connectionString: fresh.database.url });
          await client.connect();
          return client;
        }),
      );
    });

    afterAll(async () => {
      await Promise.all((clients ?? []).map((client) => client.end()));
      await fresh?.close();
    });

    it(`${TRANSACTIONS} transactions, ${permutations(TRANSACTIONS).length} commit orders: each delivered once, in full, as soon as it commits, in commit order`, async () => {
      await store.consumers().register('commit-orders', { startAt: 'now' });
      const reader = new Reader(store, 'commit-orders');
      await reader.open();
      const insert = (client: pg.Client, message: string) =>
        client.query(
          `INSERT INTO health_events (node_name, document) VALUES ('commit-order-node', jsonb_build_object(
           'healthevent', jsonb_build_object('nodeName', 'commit-order-node', 'checkName', 'GpuMemWatch', 'message', $1::text),
           'healtheventstatus', '{}'::jsonb))`,
          [message],
        );
      const written: string[] = [];
      const early: string[] = [];
      /** The commit step (across all orders) each message was committed in. */
      const stepOf = new Map<string, number>();
      let steps = 0;
      for (const [p, order] of permutations(TRANSACTIONS).entries()) {
        // Writers in the order their transactions took an id (their first write), oldest first;
        // the short SDK writes come after all of them.
        const writers: { rows: string[]; ended: boolean }[] = [];
        for (let t = 0; t < TRANSACTIONS; t += 1) {
          await clients[t].query('BEGIN');
          writers.push({ rows: [], ended: false });
        }
        for (let row = 0; row < ROWS_PER_TRANSACTION; row += 1) {
          for (let t = 0; t < TRANSACTIONS; t += 1) {
            const message = `p${p}-t${t}-r${row}`;
            await insert(clients[t], message);
            writers[t].rows.push(message);
          }
        }
        for (const [step, t] of order.entries()) {
          // A short writer commits while older ones are still open: delivered without waiting for them.
          const short = `p${p}-sdk${step}`;
          await store.healthEvents().insertMany([event('commit-order-node', { message: short })]);
          writers.push({ rows: [short], ended: true });
          await clients[t].query('COMMIT');
          writers[t].ended = true;
          written.push(...writers[t].rows, short);
          steps += 1;
          for (const message of [...writers[t].rows, short]) stepOf.set(message, steps);

          const committed = writers.filter((writer) => writer.ended).flatMap((writer) => writer.rows);
          await reader.waitFor(committed);
          await sleep(QUIET_MS);
          const allowed = new Set(committed);
          early.push(...reader.delivered.filter((message) => message.startsWith(`p${p}-`) && !allowed.has(message)));
          // Now and then the reader stops and starts again mid-order: it resumes after what it acknowledged.
          if (step === p % TRANSACTIONS) await reader.reopen();
        }
      }
      await reader.close();

      expect(early, 'delivered before it committed').toEqual([]);
      // Commit order across steps: nothing committed in a later step came before an earlier one's.
      const outOfOrder = reader.delivered.filter(
        (message, i) => i > 0 && stepOf.get(message)! < stepOf.get(reader.delivered[i - 1])!,
      );
      expect(outOfOrder).toEqual([]);
      // Each transaction's rows in the order it wrote them.
      for (const message of reader.delivered.filter((m) => /-t\d+-r1$/.test(m))) {
        expect(reader.delivered.indexOf(message.replace(/r1$/, 'r0'))).toBeLessThan(reader.delivered.indexOf(message));
      }
      expect(reader.duplicatePositions).toBe(0);
      expect(reader.delivered.length).toBe(written.length);
      expect([...reader.delivered].sort()).toEqual([...written].sort());
    }, 120_000);
  },
);

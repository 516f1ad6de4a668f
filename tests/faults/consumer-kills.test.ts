// Scenario 2: a consumer process SIGKILLed and restarted every N delivered changes while four
// writers insert: the set of delivered events equals the set inserted, each run starts after the
// position stored when the previous one was killed (nothing acknowledged comes again), and each
// node's events arrive in order within a run.
// Full: 1,000,000 events, a kill every 50,000 delivered. Quick: 100,000, a kill every 10,000.
import { describe, expect, it } from 'vitest';

import { hasPassed, parsePosition, parseState, type FeedState } from '@/lib/store/providers/postgres/feed/feed-position';

import { event } from '../contract/store-contract';
import { runFeedConsumer } from '../support/feed-consumer';
import { openTestStore } from '../support/test-databases';
import { bySize } from './fault-mode';

const total = bySize(100_000, 1_000_000);
const killEvery = bySize(10_000, 50_000);
const writers = 4;
const nodesPerWriter = 25;
/** The consumer process reads batches of 200; a kill can lose at most the unacknowledged tail. */
const consumerBatch = 200;

describe('consumer process killed and restarted mid-stream', () => {
  it(`${total.toLocaleString('en')} events from ${writers} writers, consumer SIGKILLed every ${killEvery.toLocaleString('en')} delivered: delivered set equals inserted set`, async () => {
    const { store, database, close } = await openTestStore();
    await store.consumers().register('killed-consumer', { startAt: 'now' });
    try {
      // Event i: written by writer ⌊i / perWriter⌋ in sequence, on one of that writer's nodes;
      // its message is i, so a node's events carry increasing numbers.
      const perWriter = total / writers;
      let written = 0;
      const writing = Array.from({ length: writers }, async (_, w) => {
        for (let start = 0; start < perWriter; start += 500) {
          const batch = Array.from({ length: Math.min(500, perWriter - start) }, (_, offset) => {
            const j = start + offset;
            return event(`w${w}-node-${j % nodesPerWriter}`, { message: String(w * perWriter + j) });
          });
          await store.healthEvents().insertMany(batch);
          written += batch.length;
        }
      });
      const writersDone = Promise.all(writing);

      const deliveredTimes = new Uint8Array(total);
      let distinct = 0;
      let deliveries = 0;
      let strangers = 0;
      let redeliveredAfterAck = 0;
      let outOfOrder = 0;
      let kills = 0;
      let after: FeedState | undefined;
      const started = Date.now();
      for (let run = 0; distinct < total; run += 1) {
        expect(run, 'runs needed to deliver everything').toBeLessThan(total / killEvery * 2 + 5);
        let inRun = 0;
        const lastOfNode = new Map<string, number>();
        const exit = await runFeedConsumer(database.url, 'killed-consumer', ({ position, node, message }) => {
          deliveries += 1;
          inRun += 1;
          const index = Number(message);
          if (!Number.isInteger(index) || index < 0 || index >= total) {
            strangers += 1;
            return;
          }
          if (deliveredTimes[index] === 0) distinct += 1;
          deliveredTimes[index] = Math.min(255, deliveredTimes[index] + 1);
          if (after && hasPassed(after, parsePosition(position))) redeliveredAfterAck += 1;
          if (index <= (lastOfNode.get(node) ?? -1)) outOfOrder += 1;
          lastOfNode.set(node, index);
        }, () => inRun >= killEvery || distinct >= total);
        expect(exit, `run ${run} ended by itself`).toMatchObject({ killed: true, idle: false });
        if (distinct < total) kills += 1;
        // What the killed process had stored: the next run must start after it.
        const stored = (await store.consumers().lag()).find((lag) => lag.consumer === 'killed-consumer')!.position!;
        after = parseState(stored);
      }
      await writersDone;
      const seconds = (Date.now() - started) / 1000;
      const duplicates = deliveries - distinct;
      console.log(`[faults] ${total} events, ${kills} kills, ${deliveries} deliveries (${duplicates} again after a kill), ${seconds.toFixed(1)} s`);

      expect(written).toBe(total);
      expect(distinct).toBe(total);
      expect(deliveredTimes.every((times) => times > 0)).toBe(true);
      expect(strangers).toBe(0);
      expect(redeliveredAfterAck).toBe(0);
      expect(outOfOrder).toBe(0);
      expect(kills).toBeGreaterThanOrEqual(Math.floor(total / killEvery) - 1);
      // Only the unacknowledged tail comes again: at most a batch or two per kill.
      expect(duplicates).toBeLessThanOrEqual(kills * 2 * consumerBatch);
    } finally {
      await close();
    }
  }, bySize(300_000, 1_800_000));
});

// Scenario 4: changelog retention while a consumer is paused with its feed open (mid-batch, not
// reading). Within the age limit retention waits for it: nothing it has not read goes, the lag
// report counts exactly what waits, and on resuming it gets every change. Past the age limit the
// rows go anyway, and the consumer is reported position lost everywhere: in the lag report and its
// judged status, by its open feed (which ends with position-lost instead of going on past the gap),
// and on reopening; only an explicit restart starts it again. Never a silent gap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ConsumerLagMonitor, StoreError, type ChangeEvent, type ChangeFeed, type DataStore } from '@/lib/store';

import { collect, event } from '../contract/store-contract';
import { openTestStore, type TestStore } from '../support/test-databases';

const BATCH = 50;
const message = (change: ChangeEvent) =>
  change.collection === 'healthEvents' ? (change.document?.healthEvent.message ?? '') : '';

/**
 * Takes changes from an open iterator one by one, acking each, until `count` arrived; fails after
 * the timeout (a feed that waits forever for rows that are gone is a failure too).
 */
async function take(
  feed: ChangeFeed,
  iterator: AsyncIterator<ChangeEvent>,
  count: number,
  timeoutMs = 10_000,
): Promise<string[]> {
  const messages: string[] = [];
  const deadline = Date.now() + timeoutMs;
  while (messages.length < count) {
    const next = await Promise.race([
      iterator.next(),
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), deadline - Date.now())),
    ]);
    if (next === 'timeout')
      throw new Error(
        `the feed delivered ${messages.length} of ${count} changes within ${timeoutMs} ms: ${messages.slice(-3).join(', ')}`,
      );
    if (next.done) break;
    messages.push(message(next.value));
    await feed.ack(next.value.position);
  }
  return messages;
}

describe('changelog retention while a consumer is paused', () => {
  let fresh: TestStore;
  let store: DataStore;

  beforeAll(async () => {
    fresh = await openTestStore();
    store = fresh.store;
  });

  afterAll(async () => {
    await fresh?.close();
  });

  const lagOf = async (consumer: string) => (await store.consumers().lag()).find((lag) => lag.consumer === consumer)!;
  const write = async (prefix: string, count: number) => {
    const messages = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
    await store.healthEvents().insertMany(messages.map((text) => event('retention-node', { message: text })));
    return messages;
  };

  it('within the age limit, retention waits for the paused consumer: the lag report counts what waits, and resuming delivers all', async () => {
    await store.consumers().register('paused-within', { startAt: 'now' });
    await store.consumers().register('keeping-up-within', { startAt: 'now' });
    const first = await write('within-a', 2 * BATCH);
    const feed = await store.changes('paused-within', {
      collections: ['healthEvents'],
      batchSize: BATCH,
      pollIntervalMs: 100,
    });
    const iterator = feed[Symbol.asyncIterator]();
    // Paused mid-batch: 20 read and acknowledged, the rest of its first batch held in memory.
    const read = await take(feed, iterator, 20);
    const second = await write('within-b', 100);
    await collect(store, 'keeping-up-within', 1, (change) => message(change) === second.at(-1));

    const result = await store.retainChangelog!({ maxAgeMs: 3_600_000 });
    expect(result.lostConsumers).toEqual([]);
    // Exactly the 20 changes the slowest consumer (the paused one) read and acknowledged: nothing it has not read.
    expect(result.removedRows).toBe(20);
    expect(await lagOf('paused-within')).toMatchObject({
      positionKnown: true,
      positionLost: null,
      documentsBehind: first.length + second.length - 20,
    });
    const judged = (await new ConsumerLagMonitor(() => store.consumers().lag()).sample()).find(
      (lag) => lag.consumer === 'paused-within',
    )!;
    expect(judged.status).not.toBe('position-lost');

    read.push(...(await take(feed, iterator, first.length + second.length - 20)));
    await feed.close();
    expect(read).toEqual([...first, ...second]);
    expect(await lagOf('paused-within')).toMatchObject({ documentsBehind: 0, positionLost: null });
  }, 30_000);

  it('past the age limit, the paused consumer is reported position lost, and its open feed stops at the gap instead of skipping it', async () => {
    await store.consumers().register('paused-past', { startAt: 'now' });
    const first = await write('past-a', 2 * BATCH);
    const feed = await store.changes('paused-past', {
      collections: ['healthEvents'],
      batchSize: BATCH,
      pollIntervalMs: 100,
    });
    const iterator = feed[Symbol.asyncIterator]();
    const read = await take(feed, iterator, 20);
    await write('past-b', 100); // removed by retention before the consumer reads it

    const result = await store.retainChangelog!({ maxAgeMs: 0 });
    expect(result.lostConsumers).toContain('paused-past');
    expect(await lagOf('paused-past')).toMatchObject({
      positionKnown: false,
      positionLost: { reason: expect.stringContaining('retention removed') },
    });
    const judged = (await new ConsumerLagMonitor(() => store.consumers().lag()).sample()).find(
      (lag) => lag.consumer === 'paused-past',
    )!;
    expect(judged).toMatchObject({
      status: 'position-lost',
      statusReason: expect.stringContaining('retention removed'),
    });

    // Written after retention: a feed that went on past the gap would deliver these next.
    const after = await write('past-c', 10);
    // The rest of the batch it held in memory may still come (nothing is skipped by that); then
    // the feed must stop with position-lost, not jump over the removed rows to `after`.
    const resumed: string[] = [];
    const ended = await (async () => {
      for (;;) {
        const next = await iterator.next();
        if (next.done) return 'ended without an error';
        resumed.push(message(next.value));
        await feed.ack(next.value.position);
        if (resumed.at(-1) === after.at(-1)) return `went on past the gap to ${after.at(-1)}`;
      }
    })().catch((error: unknown) => error);
    expect(ended).toBeInstanceOf(StoreError);
    expect(ended).toMatchObject({ code: 'position-lost', message: expect.stringContaining('retention removed') });
    read.push(...resumed);
    expect(read).toEqual(first.slice(0, read.length));
    expect(feed.state).toBe('closed');

    await expect(store.changes('paused-past')).rejects.toMatchObject({ code: 'position-lost' });
    await store.consumers().restart('paused-past', { startAt: 'beginning' });
    expect(await lagOf('paused-past')).toMatchObject({ positionKnown: true, positionLost: null });
    const again = await collect(store, 'paused-past', 1, (change) => message(change) === after.at(-1));
    expect(again).toHaveLength(1);
  }, 30_000);
});

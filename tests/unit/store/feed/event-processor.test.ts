// The event processor over a feed and a dead-letter store held in memory: bounded retries with
// doubling backoff, then a dead letter, then the ack, so one poison event never stops the stream;
// requested retries of dead letters run by the same processor.
import { afterEach, describe, expect, it, vi } from 'vitest';

import { EventProcessor, type ChangeEvent, type ChangeFeed, type DeadLetter, type DeadLetterStore } from '@/lib/store';
import type { NewDeadLetter } from '@/lib/store/feed/dead-letter-store';

const change = (n: number, fields: Partial<ChangeEvent> = {}): ChangeEvent =>
  ({
    position: `p${n}`,
    operation: 'insert',
    collection: 'healthEvents',
    recordId: `r${n}`,
    committedAt: new Date(0),
    document: null,
    before: null,
    ...fields,
  }) as ChangeEvent;

/** A feed over a queue: changes pushed are delivered in order; close() ends the iteration. */
class MemoryFeed implements ChangeFeed {
  readonly consumer = 'node-drainer';
  state: ChangeFeed['state'] = 'live';
  readonly acked: string[] = [];
  closed = 0;
  private readonly queue: ChangeEvent[] = [];
  private wake?: () => void;

  constructor(changes: ChangeEvent[] = []) {
    this.queue.push(...changes);
  }

  push(...changes: ChangeEvent[]): void {
    this.queue.push(...changes);
    this.wake?.();
  }

  async ack(position: string): Promise<void> {
    this.acked.push(position);
  }

  // The processor keeps no checkpoints of its own: these are never called here.
  checkpoint(): string {
    throw new Error('not used by the event processor');
  }

  hasPassed(): boolean {
    throw new Error('not used by the event processor');
  }

  async close(): Promise<void> {
    this.closed += 1;
    this.state = 'closed';
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ChangeEvent> {
    for (;;) {
      if (this.queue.length > 0) {
        yield this.queue.shift()!;
        continue;
      }
      if (this.state === 'closed') return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

/** Dead letters in memory; `failAdds` makes the next adds throw (the database away). */
class MemoryDeadLetters implements DeadLetterStore {
  readonly letters: DeadLetter[] = [];
  readonly calls: string[] = [];
  failAdds = 0;
  claimError: Error | null = null;

  async add(letter: NewDeadLetter): Promise<DeadLetter> {
    this.calls.push(`add ${letter.change.position}`);
    if (this.failAdds > 0) {
      this.failAdds -= 1;
      throw new Error('database away');
    }
    const stored: DeadLetter = {
      id: `d${this.letters.length + 1}`,
      consumer: letter.consumer,
      position: letter.change.position,
      collection: letter.change.collection,
      recordId: letter.change.recordId,
      operation: letter.change.operation,
      change: letter.change,
      error: letter.error,
      attempts: letter.attempts,
      firstFailedAt: letter.firstFailedAt,
      lastFailedAt: letter.firstFailedAt,
      status: 'dead',
      retryRequestedAt: null,
      resolvedAt: null,
    };
    this.letters.push(stored);
    return stored;
  }

  async list(): Promise<DeadLetter[]> {
    return this.letters;
  }

  async count(): Promise<number> {
    return this.letters.length;
  }

  async requestRetry(id: string): Promise<DeadLetter> {
    const letter = this.letters.find((candidate) => candidate.id === id)!;
    letter.status = 'retry_requested';
    return letter;
  }

  async claimRetries(consumer: string): Promise<DeadLetter[]> {
    this.calls.push(`claim ${consumer}`);
    if (this.claimError) throw this.claimError;
    const claimed = this.letters.filter(
      (letter) => letter.consumer === consumer && letter.status === 'retry_requested',
    );
    for (const letter of claimed) letter.status = 'retrying';
    return claimed;
  }

  async resolve(id: string): Promise<void> {
    this.calls.push(`resolve ${id}`);
    this.letters.find((letter) => letter.id === id)!.status = 'resolved';
  }

  async fail(id: string, error: string, attempts: number): Promise<void> {
    this.calls.push(`fail ${id} ${attempts} ${error}`);
    Object.assign(
      this.letters.find((letter) => letter.id === id)!,
      { status: 'dead', error, attempts },
    );
  }
}

/** Runs the processor until `done` holds, then stops it. */
async function runUntil(processor: EventProcessor, done: () => boolean): Promise<void> {
  const running = processor.start();
  await vi.waitFor(() => expect(done()).toBe(true), { timeout: 5_000, interval: 5 });
  await processor.stop();
  await running;
}

afterEach(() => {
  vi.restoreAllMocks();
});

/** Every setTimeout delay asked for from now on (the processor's backoffs), each run at once instead. */
function recordedBackoffs(): number[] {
  const delays: number[] = [];
  const realSetTimeout = globalThis.setTimeout;
  vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
    delays.push(ms ?? 0);
    return realSetTimeout(fn, 0);
  }) as typeof setTimeout);
  return delays;
}

describe('event processor', () => {
  it('hands every change to the handler in order and acknowledges each after it is handled', async () => {
    const feed = new MemoryFeed([change(1), change(2), change(3)]);
    const seen: string[] = [];
    const processor = new EventProcessor({
      feed,
      deadLetters: new MemoryDeadLetters(),
      handler: async (c) => void seen.push(`${c.position} acked ${feed.acked.length}`),
    });
    expect(processor.consumer).toBe('node-drainer');
    await runUntil(processor, () => feed.acked.length === 3);
    expect(seen).toEqual(['p1 acked 0', 'p2 acked 1', 'p3 acked 2']);
    expect(feed.acked).toEqual(['p1', 'p2', 'p3']);
    expect(feed.closed).toBe(1);
    const metrics = processor.metrics();
    expect(metrics).toMatchObject({
      consumer: 'node-drainer',
      processed: 3,
      failedAttempts: 0,
      deadLettered: 0,
      retriedFromDeadLetters: 0,
    });
    expect(metrics.lastProcessedAt).toBeInstanceOf(Date);
  });

  it('start() twice runs one loop', async () => {
    const feed = new MemoryFeed([change(1)]);
    let calls = 0;
    const processor = new EventProcessor({
      feed,
      deadLetters: new MemoryDeadLetters(),
      handler: async () => void (calls += 1),
    });
    const first = processor.start();
    expect(processor.start()).toBe(first);
    await vi.waitFor(() => expect(feed.acked).toEqual(['p1']));
    await processor.stop();
    expect(calls).toBe(1);
  });

  it('retries a failing change with doubling backoff up to the cap, then succeeds without a dead letter', async () => {
    const delays = recordedBackoffs();
    const feed = new MemoryFeed([change(1)]);
    const deadLetters = new MemoryDeadLetters();
    let tries = 0;
    const processor = new EventProcessor({
      feed,
      deadLetters,
      maxAttempts: 5,
      initialBackoffMs: 10,
      maxBackoffMs: 30,
      handler: async () => {
        tries += 1;
        if (tries < 5) throw new Error('not yet');
      },
    });
    await runUntil(processor, () => feed.acked.length === 1);
    expect(tries).toBe(5);
    expect(delays).toEqual([10, 20, 30, 30]);
    expect(deadLetters.letters).toEqual([]);
    expect(processor.metrics()).toMatchObject({ processed: 1, failedAttempts: 4, deadLettered: 0 });
  });

  it('after maxAttempts dead-letters the change with the error and attempts, acks it and goes on', async () => {
    const feed = new MemoryFeed([change(1), change(2)]);
    const deadLetters = new MemoryDeadLetters();
    let tries = 0;
    const before = Date.now();
    const processor = new EventProcessor({
      feed,
      deadLetters,
      maxAttempts: 3,
      initialBackoffMs: 1,
      handler: async (c) => {
        if (c.position === 'p1') {
          tries += 1;
          throw new TypeError('cannot read the node');
        }
      },
    });
    await runUntil(processor, () => feed.acked.length === 2);
    expect(tries).toBe(3);
    expect(deadLetters.letters).toHaveLength(1);
    expect(deadLetters.letters[0]).toMatchObject({
      consumer: 'node-drainer',
      position: 'p1',
      error: 'TypeError: cannot read the node',
      attempts: 3,
    });
    expect(deadLetters.letters[0].firstFailedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(feed.acked).toEqual(['p1', 'p2']);
    expect(processor.metrics()).toMatchObject({ processed: 1, failedAttempts: 3, deadLettered: 1 });
  });

  it('tries five times by default, first waiting 100 ms', async () => {
    const delays = recordedBackoffs();
    const feed = new MemoryFeed([change(1)]);
    const deadLetters = new MemoryDeadLetters();
    let tries = 0;
    const processor = new EventProcessor({
      feed,
      deadLetters,
      handler: async () => {
        tries += 1;
        throw 'a thrown string';
      },
    });
    await runUntil(processor, () => feed.acked.length === 1);
    expect(tries).toBe(5);
    expect(delays).toEqual([100, 200, 400, 800]);
    expect(deadLetters.letters[0]).toMatchObject({ error: 'a thrown string', attempts: 5 });
  });

  it('caps the backoff at 5 s by default', async () => {
    const delays = recordedBackoffs();
    const feed = new MemoryFeed([change(1)]);
    const processor = new EventProcessor({
      feed,
      deadLetters: new MemoryDeadLetters(),
      maxAttempts: 4,
      initialBackoffMs: 3_000,
      handler: async () => Promise.reject(new Error('no')),
    });
    await runUntil(processor, () => feed.acked.length === 1);
    expect(delays).toEqual([3_000, 5_000, 5_000]);
  });

  it('dead-letters a malformed change at once, without calling the handler', async () => {
    const feed = new MemoryFeed([change(1, { malformed: { error: 'not JSON', raw: '{' } })]);
    const deadLetters = new MemoryDeadLetters();
    let calls = 0;
    const processor = new EventProcessor({ feed, deadLetters, handler: async () => void (calls += 1) });
    await runUntil(processor, () => feed.acked.length === 1);
    expect(calls).toBe(0);
    expect(deadLetters.letters[0]).toMatchObject({ error: 'malformed document: not JSON', attempts: 1 });
    expect(processor.metrics()).toMatchObject({ processed: 0, failedAttempts: 0, deadLettered: 1 });
  });

  it('stores the dead letter before the ack, retrying the store while it fails and reporting each failure', async () => {
    const feed = new MemoryFeed([change(1, { malformed: { error: 'bad', raw: null } })]);
    const deadLetters = new MemoryDeadLetters();
    deadLetters.failAdds = 2;
    const errors: unknown[] = [];
    const processor = new EventProcessor({
      feed,
      deadLetters,
      handler: async () => {},
      onError: (error) => errors.push(error),
    });
    await runUntil(processor, () => feed.acked.length === 1);
    expect(deadLetters.calls).toEqual(['add p1', 'add p1', 'add p1']);
    expect(errors.map((error) => (error as Error).message)).toEqual(['database away', 'database away']);
    expect(deadLetters.letters).toHaveLength(1);
    expect(processor.metrics().deadLettered).toBe(1);
  });

  it('gives up storing a dead letter once stopped, without acknowledging the change', async () => {
    const feed = new MemoryFeed([change(1, { malformed: { error: 'bad', raw: null } })]);
    const deadLetters = new MemoryDeadLetters();
    deadLetters.failAdds = Number.POSITIVE_INFINITY;
    const processor = new EventProcessor({ feed, deadLetters, handler: async () => {} });
    const running = processor.start();
    await vi.waitFor(() => expect(deadLetters.calls.length).toBeGreaterThan(0));
    await processor.stop();
    await expect(running).rejects.toThrow('database away');
    expect(feed.acked).toEqual([]);
  });

  it('stops retrying a failing change once stopped, and handles nothing after', async () => {
    const feed = new MemoryFeed([change(1), change(2)]);
    const deadLetters = new MemoryDeadLetters();
    let tries = 0;
    const processor = new EventProcessor({
      feed,
      deadLetters,
      maxAttempts: 100,
      initialBackoffMs: 20,
      handler: async () => {
        tries += 1;
        throw new Error('down');
      },
    });
    const running = processor.start();
    await vi.waitFor(() => expect(tries).toBeGreaterThan(0));
    await processor.stop();
    await running;
    expect(tries).toBeLessThan(5);
    // The change that was failing is dead-lettered with the tries it had; the next is not handled.
    expect(deadLetters.letters.map((letter) => [letter.position, letter.attempts])).toEqual([['p1', tries]]);
  });

  it('runs requested retries of its own dead letters: resolves the ones that pass, fails the others with the attempts added', async () => {
    const deadLetters = new MemoryDeadLetters();
    const other = { ...change(9), position: 'p9' } as ChangeEvent;
    for (const [consumer, c] of [
      ['node-drainer', change(1)],
      ['node-drainer', change(2)],
      ['fault-remediation', other],
    ] as const) {
      await deadLetters.add({ consumer, change: c, error: 'old', attempts: 5, firstFailedAt: new Date(0) });
      await deadLetters.requestRetry(deadLetters.letters.at(-1)!.id);
    }
    deadLetters.calls.length = 0;
    const feed = new MemoryFeed();
    const processor = new EventProcessor({
      feed,
      deadLetters,
      maxAttempts: 2,
      initialBackoffMs: 1,
      handler: async (c) => {
        if (c.position === 'p2') throw new RangeError('still bad');
      },
    });
    expect(await processor.runRequestedRetries()).toBe(2);
    expect(deadLetters.calls).toEqual(['claim node-drainer', 'resolve d1', 'fail d2 7 RangeError: still bad']);
    expect(deadLetters.letters.map((letter) => letter.status)).toEqual(['resolved', 'dead', 'retry_requested']);
    expect(processor.metrics()).toMatchObject({ retriedFromDeadLetters: 1, failedAttempts: 2 });
    // Nothing requested now: nothing claimed.
    expect(await processor.runRequestedRetries()).toBe(0);
    await processor.stop();
  });

  it('runs one round of retries at a time, none once stopped, and reports a store failure as 0', async () => {
    const deadLetters = new MemoryDeadLetters();
    await deadLetters.add({
      consumer: 'node-drainer',
      change: change(1),
      error: 'old',
      attempts: 1,
      firstFailedAt: new Date(0),
    });
    await deadLetters.requestRetry('d1');
    let release!: () => void;
    const feed = new MemoryFeed();
    const errors: unknown[] = [];
    const processor = new EventProcessor({
      feed,
      deadLetters,
      handler: () => new Promise<void>((resolve) => (release = resolve)),
      onError: (error) => errors.push(error),
    });
    const first = processor.runRequestedRetries();
    await vi.waitFor(() => expect(release).toBeDefined());
    expect(await processor.runRequestedRetries()).toBe(0);
    release();
    expect(await first).toBe(1);

    deadLetters.claimError = new Error('claim failed');
    expect(await processor.runRequestedRetries()).toBe(0);
    expect(errors).toEqual([deadLetters.claimError]);
    // The failed round ended: the next one runs.
    deadLetters.claimError = null;
    deadLetters.calls.length = 0;
    await processor.runRequestedRetries();
    expect(deadLetters.calls).toEqual(['claim node-drainer']);

    await processor.stop();
    deadLetters.calls.length = 0;
    expect(await processor.runRequestedRetries()).toBe(0);
    expect(deadLetters.calls).toEqual([]);
  });

  it('looks for requested retries every retryPollMs while running, and stops looking when stopped', async () => {
    const deadLetters = new MemoryDeadLetters();
    const feed = new MemoryFeed();
    const processor = new EventProcessor({ feed, deadLetters, handler: async () => {}, retryPollMs: 10 });
    const running = processor.start();
    await vi.waitFor(() =>
      expect(deadLetters.calls.filter((call) => call === 'claim node-drainer').length).toBeGreaterThanOrEqual(2),
    );
    await processor.stop();
    await running;
    const claims = deadLetters.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(deadLetters.calls.length).toBe(claims);
  });

  it('looks for requested retries every second by default', async () => {
    const intervals: number[] = [];
    const realSetInterval = globalThis.setInterval;
    vi.spyOn(globalThis, 'setInterval').mockImplementation(((fn: () => void, ms?: number) => {
      intervals.push(ms ?? 0);
      return realSetInterval(fn, 60_000);
    }) as typeof setInterval);
    const processor = new EventProcessor({
      feed: new MemoryFeed(),
      deadLetters: new MemoryDeadLetters(),
      handler: async () => {},
    });
    const running = processor.start();
    await processor.stop();
    await running;
    expect(intervals).toEqual([1_000]);
  });

  it('reports a failed ack to onError and goes on with the next change', async () => {
    const feed = new MemoryFeed([change(1), change(2)]);
    const ackFailure = new Error('position not stored');
    const realAck = feed.ack.bind(feed);
    feed.ack = async (position: string) => {
      await realAck(position);
      if (position === 'p1') throw ackFailure;
    };
    const errors: unknown[] = [];
    const processor = new EventProcessor({
      feed,
      deadLetters: new MemoryDeadLetters(),
      handler: async () => {},
      onError: (error) => errors.push(error),
    });
    await runUntil(processor, () => feed.acked.length === 2);
    expect(errors).toEqual([ackFailure]);
    expect(processor.metrics().processed).toBe(2);
  });

  it('waits twice as long before each new try to store a dead letter, up to 5 s', async () => {
    const delays = recordedBackoffs();
    const feed = new MemoryFeed([change(1, { malformed: { error: 'bad', raw: null } })]);
    const deadLetters = new MemoryDeadLetters();
    deadLetters.failAdds = 8;
    const processor = new EventProcessor({ feed, deadLetters, handler: async () => {} });
    await runUntil(processor, () => feed.acked.length === 1);
    expect(deadLetters.calls).toHaveLength(9);
    expect(delays).toEqual([100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000]);
  });

  it('a retry requested while a round runs waits for the next round instead of running beside it', async () => {
    const deadLetters = new MemoryDeadLetters();
    for (const n of [1, 2])
      await deadLetters.add({
        consumer: 'node-drainer',
        change: change(n),
        error: 'old',
        attempts: 1,
        firstFailedAt: new Date(0),
      });
    await deadLetters.requestRetry('d1');
    let release!: () => void;
    const handled: string[] = [];
    const processor = new EventProcessor({
      feed: new MemoryFeed(),
      deadLetters,
      handler: async (c) => {
        handled.push(c.position);
        if (c.position === 'p1') await new Promise<void>((resolve) => (release = resolve));
      },
    });
    const first = processor.runRequestedRetries();
    await vi.waitFor(() => expect(handled).toEqual(['p1']));
    await deadLetters.requestRetry('d2');
    expect(await processor.runRequestedRetries()).toBe(0);
    expect(handled).toEqual(['p1']);
    expect(deadLetters.letters.map((letter) => letter.status)).toEqual(['retrying', 'retry_requested']);
    release();
    expect(await first).toBe(1);
    expect(await processor.runRequestedRetries()).toBe(1);
    expect(handled).toEqual(['p1', 'p2']);
    expect(deadLetters.letters.map((letter) => letter.status)).toEqual(['resolved', 'resolved']);
    await processor.stop();
  });

  it('keeps exactly the newest 1,024 handler times for the percentiles', () => {
    const processorWith = (durations: number[]) => {
      const processor = new EventProcessor({
        feed: new MemoryFeed(),
        deadLetters: new MemoryDeadLetters(),
        handler: async () => {},
      });
      const record = (processor as unknown as { recordDuration(ms: number): void }).recordDuration.bind(processor);
      for (const ms of durations) record(ms);
      return processor.metrics().handlerMs;
    };
    const times = (count: number, ms: number) => Array.from({ length: count }, () => ms);
    // 1,024 kept: 52 slow ones then 972 fast; p95 (the 973rd smallest) is a slow one.
    expect(processorWith([...times(52, 900), ...times(972, 1)]).p95).toBe(900);
    // Older ones go: 11 slow, then 1,024 fast, leaves only fast ones.
    expect(processorWith([...times(11, 900), ...times(1_024, 1)])).toEqual({ p50: 1, p95: 1, p99: 1 });
  });

  it('reports handler time percentiles over the recent window, 0 before any', async () => {
    const processor = new EventProcessor({
      feed: new MemoryFeed(),
      deadLetters: new MemoryDeadLetters(),
      handler: async () => {},
    });
    expect(processor.metrics()).toEqual({
      consumer: 'node-drainer',
      processed: 0,
      failedAttempts: 0,
      deadLettered: 0,
      retriedFromDeadLetters: 0,
      handlerMs: { p50: 0, p95: 0, p99: 0 },
      lastProcessedAt: null,
    });
    // 1..100 ms, recorded out of order, plus older ones beyond the 1,024 kept.
    const record = (processor as unknown as { recordDuration(ms: number): void }).recordDuration.bind(processor);
    for (let i = 0; i < 2_000; i += 1) record(10_000);
    for (let i = 100; i >= 1; i -= 1) record(i + 0.004);
    // Kept: the newest 1,024 (924 of 10,000 ms, then 1..100).
    const { handlerMs } = processor.metrics();
    expect(handlerMs).toEqual({ p50: 10_000, p95: 10_000, p99: 10_000 });
    const small = new EventProcessor({
      feed: new MemoryFeed(),
      deadLetters: new MemoryDeadLetters(),
      handler: async () => {},
    });
    const recordSmall = (small as unknown as { recordDuration(ms: number): void }).recordDuration.bind(small);
    for (let i = 100; i >= 1; i -= 1) recordSmall(i + 0.004);
    expect(small.metrics().handlerMs).toEqual({ p50: 50, p95: 95, p99: 99 });
    recordSmall(0.123456);
    // 101 values: p50 is the 51st smallest.
    expect(small.metrics().handlerMs.p50).toBe(50);
    const one = new EventProcessor({
      feed: new MemoryFeed(),
      deadLetters: new MemoryDeadLetters(),
      handler: async () => {},
    });
    (one as unknown as { recordDuration(ms: number): void }).recordDuration(1.23456);
    expect(one.metrics().handlerMs).toEqual({ p50: 1.23, p95: 1.23, p99: 1.23 });
  });
});

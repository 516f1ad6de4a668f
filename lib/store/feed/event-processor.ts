// Runs a handler over a change feed: bounded retries with backoff, then a dead letter (stored,
// visible, retryable), then ack, so one poison event never stops the stream. At-least-once:
// after a crash the unacknowledged tail is delivered again, so handlers must be idempotent.
// Requested retries of dead letters are run by the same processor, between live events.
import type { ChangeEvent } from './change-event';
import type { ChangeFeed } from './change-feed';
import type { DeadLetterStore } from './dead-letter-store';

export type ChangeHandler = (change: ChangeEvent) => Promise<void>;

export interface EventProcessorOptions {
  feed: ChangeFeed;
  deadLetters: DeadLetterStore;
  handler: ChangeHandler;
  /** Tries per event before it is dead-lettered (default 5). */
  maxAttempts?: number;
  /** First retry delay; doubles each time up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** How often requested dead-letter retries are looked for. */
  retryPollMs?: number;
  onError?: (error: unknown) => void;
}

export interface ProcessorMetrics {
  consumer: string;
  processed: number;
  failedAttempts: number;
  deadLettered: number;
  retriedFromDeadLetters: number;
  /** Handler time per event, most recent window: p50/p95/p99 in ms. */
  handlerMs: { p50: number; p95: number; p99: number };
  lastProcessedAt: Date | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class EventProcessor {
  private running?: Promise<void>;
  private stopping = false;
  private retryTimer?: NodeJS.Timeout;
  private readonly durations: number[] = [];
  private readonly counters = { processed: 0, failedAttempts: 0, deadLettered: 0, retriedFromDeadLetters: 0 };
  private lastProcessedAt: Date | null = null;
  private retrying = false;

  constructor(private readonly options: EventProcessorOptions) {}

  get consumer(): string {
    return this.options.feed.consumer;
  }

  /** Starts processing; resolves when stopped (or rejects if the feed fails for good). */
  start(): Promise<void> {
    if (!this.running) {
      this.running = this.loop();
      this.retryTimer = setInterval(() => void this.runRequestedRetries(), this.options.retryPollMs ?? 1_000);
      this.retryTimer.unref();
    }
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.retryTimer);
    await this.options.feed.close();
    await this.running?.catch(() => {});
  }

  private async loop(): Promise<void> {
    for await (const change of this.options.feed) {
      if (this.stopping) break;
      await this.handle(change);
      // Not awaited: the feed stores the newest acknowledged position once per round trip, and
      // close() stores the last one. A crash redelivers only the tail since the last write.
      this.options.feed.ack(change.position).catch((error) => this.options.onError?.(error));
    }
  }

  /** Tries the handler until it succeeds or attempts run out. Returns the last error, if any. */
  private async attempt(change: ChangeEvent): Promise<{ error?: unknown; tries: number }> {
    const max = this.options.maxAttempts ?? 5;
    let delay = this.options.initialBackoffMs ?? 100;
    for (let tries = 1; ; tries += 1) {
      const started = performance.now();
      try {
        await this.options.handler(change);
        this.recordDuration(performance.now() - started);
        return { tries };
      } catch (error) {
        this.counters.failedAttempts += 1;
        if (tries >= max || this.stopping) return { error, tries };
        await sleep(delay);
        delay = Math.min(delay * 2, this.options.maxBackoffMs ?? 5_000);
      }
    }
  }

  private async handle(change: ChangeEvent): Promise<void> {
    const firstFailedAt = new Date();
    if (change.malformed) {
      // Retrying cannot make an unreadable document readable.
      await this.deadLetter(change, `malformed document: ${change.malformed.error}`, 1, firstFailedAt);
      return;
    }
    const outcome = await this.attempt(change);
    if (outcome.error === undefined) {
      this.counters.processed += 1;
      this.lastProcessedAt = new Date();
      return;
    }
    await this.deadLetter(change, describe(outcome.error), outcome.tries, firstFailedAt);
  }

  private async deadLetter(change: ChangeEvent, error: string, attempts: number, firstFailedAt: Date): Promise<void> {
    // The dead letter must be stored before the ack moves past the event: retry until it is.
    for (let delay = 100; ; delay = Math.min(delay * 2, 5_000)) {
      try {
        await this.options.deadLetters.add({ consumer: this.consumer, change, error, attempts, firstFailedAt });
        this.counters.deadLettered += 1;
        return;
      } catch (storeError) {
        this.options.onError?.(storeError);
        if (this.stopping) throw storeError;
        await sleep(delay);
      }
    }
  }

  /** Runs the dead letters an operator asked to retry. */
  async runRequestedRetries(): Promise<number> {
    if (this.retrying || this.stopping) return 0;
    this.retrying = true;
    try {
      const claimed = await this.options.deadLetters.claimRetries(this.consumer);
      for (const letter of claimed) {
        const outcome = await this.attempt(letter.change);
        if (outcome.error === undefined) {
          await this.options.deadLetters.resolve(letter.id);
          this.counters.retriedFromDeadLetters += 1;
        } else {
          await this.options.deadLetters.fail(letter.id, describe(outcome.error), letter.attempts + outcome.tries);
        }
      }
      return claimed.length;
    } catch (error) {
      this.options.onError?.(error);
      return 0;
    } finally {
      this.retrying = false;
    }
  }

  private recordDuration(ms: number): void {
    this.durations.push(ms);
    if (this.durations.length > 1024) this.durations.shift();
  }

  metrics(): ProcessorMetrics {
    const sorted = [...this.durations].sort((a, b) => a - b);
    // prettier-ignore
    // Stryker disable next-line ArithmeticOperator: `sorted.length + 1` for the bound is equivalent: for p <= 1 (0.5, 0.95, 0.99) Math.ceil(p * length) - 1 never exceeds length - 1, so Math.min always takes it; the line's other arithmetic mutants are killed by tests/unit/store/feed/event-processor.test.ts
    const at = (p: number) => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] * 100) / 100 : 0);
    return {
      consumer: this.consumer,
      ...this.counters,
      handlerMs: { p50: at(0.5), p95: at(0.95), p99: at(0.99) },
      lastProcessedAt: this.lastProcessedAt,
    };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

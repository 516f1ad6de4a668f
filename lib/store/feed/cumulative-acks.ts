// Where a change feed's acknowledged position goes, the same for every provider. Acks are
// cumulative, so one write covers every ack made while the previous write was in flight: a
// consumer that does not await each ack costs one write per round trip, not one per change. A
// failed write (the database restarting) is retried with backoff until it succeeds or the feed
// stops; on close, one last try for what is left.

interface Waiter {
  sequence: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class CumulativeAcks<Position> {
  private waiters: Waiter[] = [];
  private newest?: { position: Position; sequence: number };
  private flushing?: Promise<void>;

  constructor(
    /** Stores a position (the consumer's row, token or state). */
    private readonly save: (position: Position) => Promise<void>,
    /** True once the feed is closing: a failed write then gives up instead of retrying. */
    private readonly stopped: () => boolean,
  ) {}

  /** Whether a write is owed (someone acknowledged something not stored yet). */
  get pending(): boolean {
    return this.waiters.length > 0;
  }

  /** Acknowledges everything delivered up to `sequence`, at `position`; resolves once that (or a later position) is stored. */
  acknowledge(position: Position, sequence: number): Promise<void> {
    this.newest = { position, sequence };
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ sequence, resolve, reject });
      void this.flush();
    });
  }

  /** Stores `position` with nobody waiting for it (a caught-up feed's state moving while idle). */
  storeQuietly(position: Position, sequence: number): void {
    this.newest = { position, sequence };
    this.waiters.push({ sequence, resolve: () => {}, reject: () => {} });
    void this.flush();
  }

  /** On close: lets the write in flight land (an older position never overwrites a newer one), then stores what is left once. */
  async settle(): Promise<void> {
    await this.flushing?.catch(() => {});
    if (this.waiters.length === 0 || !this.newest) return;
    await this.save(this.newest.position).then(
      () => this.waiters.splice(0).forEach((waiter) => waiter.resolve()),
      (error) => this.waiters.splice(0).forEach((waiter) => waiter.reject(error)),
    );
  }

  private flush(): Promise<void> {
    this.flushing ??= this.writeLoop().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async writeLoop(): Promise<void> {
    let failures = 0;
    while (this.waiters.length > 0 && this.newest) {
      const { position, sequence } = this.newest;
      try {
        await this.save(position);
        failures = 0;
      } catch (error) {
        if (this.stopped()) {
          for (const waiter of this.waiters.splice(0)) waiter.reject(error);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** failures++)));
        continue;
      }
      const settled = this.waiters.filter((waiter) => waiter.sequence <= sequence);
      this.waiters = this.waiters.filter((waiter) => waiter.sequence > sequence);
      for (const waiter of settled) waiter.resolve();
    }
  }
}

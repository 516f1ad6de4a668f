// The MongoDB change feed: one database-level change stream filtered to NVSentinel's health and
// maintenance collections, `fullDocument: 'updateLookup'` (and the pre-image when the collection
// keeps them), resumed with `startAfter` from the stored token.
//
// Pull-based: the driver fetches a batch (batchSize) only when the consumer has taken the previous
// one, so a slow consumer holds at most one batch in memory. When the server goes away the feed
// reports 'reconnecting' and reopens after the last change it delivered, with backoff. A position
// the oplog no longer holds ends the feed with StoreError 'position-lost' and is recorded, never
// replaced by "now".
//
// Opened `from` a checkpoint (a projection's own, kept with what it built), the stream starts there
// instead of at the stored position; acknowledgements still move the stored position. The feed's
// checkpoint is where the stream would resume: after the last change it read, or after the
// stream's post-batch token once it has read everything so far (changes of other collections
// included, and an idle stream keeps moving, so a kept checkpoint does not age out of the oplog).
import type { ChangeStream, ChangeStreamOptions, Document } from 'mongodb';

import { StoreError } from '../../../errors/store-error';
import type { ChangeEvent, Collection, FeedPosition } from '../../../feed/change-event';
import {
  checkedFeedOptions,
  type ChangeFeed,
  type ChangeFeedOptions,
  type FeedCheckpoint,
  type FeedState,
} from '../../../feed/change-feed';
import { CumulativeAcks } from '../../../feed/cumulative-acks';
import { classifyChangeStreamError } from '../mongo-errors';
import type { MongoConnection } from '../mongo-connection';
import { decodeChange, type WatchedCollections } from './change-decoder';
import { decodeCheckpoint, encodeCheckpoint, isPastStart, startHasPassed } from './feed-checkpoint';
import type { MongoConsumerRegistry, StartOptions } from './mongo-consumer-registry';
import { compareTokens, isTokenData } from './resume-token';

const HEARTBEAT_MS = 5_000;
/** An idle, fully acknowledged consumer stores the stream's newest token this often, so its position never ages out of the oplog. */
const IDLE_POSITION_MS = 60_000;
const MAX_AWAIT_MS = 1_000;

export interface MongoChangeFeedOptions extends ChangeFeedOptions {
  /** The server keeps pre-images (MongoDB 6.0+): ask for them when the collection has them on. */
  preImages: boolean;
  onClose?: () => void;
}

export class MongoChangeFeed implements ChangeFeed {
  private stream?: ChangeStream<Document, Document>;
  private resumeFrom!: StartOptions;
  private peeked: Document | null | undefined;
  private sequence = 0;
  /** Delivered, not yet acknowledged: position → delivery order. */
  private readonly unacked = new Map<string, number>();
  private ackedThrough: string | null = null;
  private readonly acks = new CumulativeAcks<string>(
    (token) => (this.options.durable === false ? Promise.resolve() : this.registry.savePosition(this.consumer, token)),
    () => this.stopped,
  );
  private iterating = false;
  private stopped = false;
  private currentState: FeedState = 'starting';
  private wake?: () => void;
  private heartbeatTimer?: NodeJS.Timeout;
  private lastIdleSave = 0;
  private readonly watched: WatchedCollections;
  private readonly collections: Collection[];
  private readonly batchSize: number;
  /** Where the caller's checkpoint (`from`) starts the stream; undefined: at the stored position. */
  private readonly from?: StartOptions;

  constructor(
    readonly consumer: string,
    private readonly connection: MongoConnection,
    private readonly registry: MongoConsumerRegistry,
    private readonly options: MongoChangeFeedOptions,
  ) {
    ({ collections: this.collections, batchSize: this.batchSize } = checkedFeedOptions(options));
    // Checked here, when the feed is asked for (DataStore.changes), not on first iteration.
    if (options.from !== undefined) this.from = decodeCheckpoint(options.from);
    this.watched = {
      healthEvents: connection.names.healthEvents,
      maintenanceEvents: connection.names.maintenanceEvents,
    };
  }

  get state(): FeedState {
    return this.currentState;
  }

  private setState(state: FeedState): void {
    if (this.currentState === state || this.currentState === 'closed') return;
    this.currentState = state;
    this.options.onStateChange?.(state);
  }

  /**
   * Loads the position and opens the stream, reading once so that an unknown consumer, a lost
   * position or an unusable server fail here, when the feed is asked for, not on first iteration.
   */
  async open(): Promise<void> {
    // Also with `from`: the consumer must be registered (and its stored position not lost), unless
    // the feed keeps no position of its own (durable: false; the oplog ends it when it moves on).
    const stored = this.options.durable === false ? undefined : await this.registry.loadPosition(this.consumer);
    if (stored === undefined && this.from === undefined)
      throw new StoreError('invalid', 'from: a feed that keeps no position (durable: false) starts from a checkpoint');
    this.ackedThrough = stored?.kind === 'token' ? stored.token : null;
    // "beginning" is the oldest entry the oplog holds, which a busy oplog may drop between reading
    // it and starting there: look again rather than report a position the consumer never had.
    for (let attempt = 1; ; attempt += 1) {
      this.resumeFrom = this.from ?? (await this.registry.startOptions(stored!));
      try {
        this.openStream();
        this.peeked = await this.stream!.tryNext();
        break;
      } catch (error) {
        await this.closeStream();
        const retry =
          this.from === undefined &&
          stored?.kind === 'time' &&
          stored.startAt === 'beginning' &&
          attempt < 3 &&
          classifyChangeStreamError(error).kind === 'position-lost';
        if (!retry) throw await this.failure(error);
      }
    }
    this.setState('live');
  }

  private openStream(): void {
    const names = this.collections.map((collection) => this.watched[collection]);
    const options: ChangeStreamOptions = {
      fullDocument: 'updateLookup',
      batchSize: this.batchSize,
      maxAwaitTimeMS: MAX_AWAIT_MS,
      ...this.resumeFrom,
    };
    if (this.options.preImages) options.fullDocumentBeforeChange = 'whenAvailable';
    this.stream = this.connection.db.watch<Document, Document>(
      [{ $match: { $or: [{ 'ns.coll': { $in: names } }, { operationType: 'invalidate' }] } }],
      options,
    );
  }

  private async closeStream(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    await stream?.close().catch(() => {});
  }

  /** The error a failed read ends the feed with; a lost position is recorded first. */
  private async failure(error: unknown): Promise<unknown> {
    const classified = classifyChangeStreamError(error);
    if (classified.kind === 'position-lost' && this.from !== undefined) {
      // The place lost is the caller's checkpoint (or where the feed got from it), not the
      // consumer's stored position: that one is left as it is, unmarked.
      return new StoreError(
        'position-lost',
        `the change feed of "${this.consumer}" opened from a checkpoint lost its place: ${classified.reason}; build again from a fresh readNodeState() and open the feed from its checkpoint`,
        { cause: error },
      );
    }
    if (classified.kind === 'position-lost') {
      await this.registry.markLost(this.consumer, classified.reason).catch(() => {});
      return new StoreError(
        'position-lost',
        `consumer "${this.consumer}" lost its position: ${classified.reason}; restart it explicitly with consumers().restart("${this.consumer}", { startAt: "beginning" | "now" })`,
        { cause: error },
      );
    }
    const message = (error as Error)?.message ?? '';
    if ((error as { code?: number })?.code === 40573 || /only supported on replica sets/i.test(message)) {
      return new StoreError(
        'config',
        `MongoDB at ${this.connection.target} cannot open change streams (${message}): MONGODB_URI must point at a replica set or a sharded cluster`,
        { cause: error },
      );
    }
    return this.connection.translate(error, 'read the change stream');
  }

  [Symbol.asyncIterator](): AsyncIterator<ChangeEvent> {
    if (this.iterating) {
      throw new StoreError(
        'feed-in-use',
        `the change feed of "${this.consumer}" is already being iterated; a second reader would split its events (open one feed per reader)`,
      );
    }
    this.iterating = true;
    return this.changes();
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private startHeartbeat(): void {
    if (this.options.durable === false) return; // no consumer of its own to keep alive
    const beat = () => this.registry.heartbeat(this.consumer).catch(() => {});
    void beat();
    this.heartbeatTimer = setInterval(beat, HEARTBEAT_MS);
    this.heartbeatTimer.unref();
  }

  private async *changes(): AsyncGenerator<ChangeEvent> {
    this.startHeartbeat();
    let failures = 0;
    try {
      while (!this.stopped) {
        let raw: Document | null;
        try {
          if (!this.stream) this.openStream();
          if (this.peeked !== undefined) {
            raw = this.peeked;
            this.peeked = undefined;
          } else {
            raw = await this.stream!.tryNext();
          }
          if (failures > 0) this.setState('live');
          failures = 0;
        } catch (error) {
          if (this.stopped) break;
          await this.closeStream();
          if (classifyChangeStreamError(error).kind === 'transient') {
            // The server went away (a restart, a failover): keep the position, retry with backoff.
            this.setState('reconnecting');
            await this.sleep(Math.min(5_000, 100 * 2 ** failures++));
            continue;
          }
          throw await this.failure(error);
        }
        if (!raw) {
          this.passIdleStream();
          await this.keepIdlePositionFresh();
          continue;
        }
        this.resumeFrom = { startAfter: raw._id };
        const decoded = decodeChange(raw, this.watched);
        if (decoded.kind === 'invalidate') {
          await this.closeStream();
          continue;
        }
        if (decoded.kind === 'skip') continue;
        this.sequence += 1;
        this.unacked.set(decoded.change.position, this.sequence);
        yield decoded.change;
      }
    } finally {
      await this.close();
    }
  }

  /**
   * With everything delivered acknowledged and the stream idle, store its newest token now and then:
   * a consumer that sees no changes for longer than the oplog window keeps a position the oplog
   * still holds (NVSentinel's own watchers lose theirs that way).
   */
  private async keepIdlePositionFresh(): Promise<void> {
    if (this.options.durable === false) return;
    const token = this.stream?.resumeToken as { _data?: unknown } | undefined;
    if (this.unacked.size > 0 || this.acks.pending || !isTokenData(token?._data)) return;
    if (Date.now() - this.lastIdleSave < IDLE_POSITION_MS) return;
    if (this.ackedThrough && compareTokens(token._data, this.ackedThrough) <= 0) return;
    this.lastIdleSave = Date.now();
    await this.registry.savePosition(this.consumer, token._data).then(
      () => {
        this.ackedThrough = token._data as string;
      },
      () => {},
    );
  }

  /**
   * With nothing left to read, the stream's resume token is its post-batch token: past every change
   * so far, those the filter left out included. Resuming there is what the driver does too.
   */
  private passIdleStream(): void {
    const token = this.stream?.resumeToken as { _data?: unknown } | undefined;
    if (isTokenData(token?._data) && isPastStart(token._data, this.resumeFrom)) this.resumeFrom = { startAfter: token };
  }

  /** Where the stream would resume now: between two iterations, after every change delivered. */
  checkpoint(): FeedCheckpoint {
    return encodeCheckpoint(this.resumeFrom);
  }

  hasPassed(checkpoint: FeedCheckpoint, position: FeedPosition): boolean {
    return startHasPassed(decodeCheckpoint(checkpoint), position);
  }

  async ack(position: FeedPosition): Promise<void> {
    const sequence = this.unacked.get(position);
    if (sequence === undefined) {
      // Already covered by a later acknowledgement: nothing to store.
      if (isTokenData(position) && this.ackedThrough && compareTokens(position, this.ackedThrough) <= 0) return;
      throw new StoreError(
        'ack-unknown-position',
        `consumer "${this.consumer}" acknowledged position ${String(position).slice(0, 80)}, which this feed never delivered`,
      );
    }
    for (const [key, delivered] of this.unacked) if (delivered <= sequence) this.unacked.delete(key);
    this.ackedThrough = position;
    return this.acks.acknowledge(position, sequence);
  }

  async close(): Promise<void> {
    if (this.currentState === 'closed') return;
    this.stopped = true;
    this.setState('closed');
    this.wake?.();
    clearInterval(this.heartbeatTimer);
    await this.closeStream();
    // Store what was acknowledged before closing (one last try if the server is away).
    await this.acks.settle();
    this.options.onClose?.();
  }
}

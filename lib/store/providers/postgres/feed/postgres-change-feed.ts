// The PostgreSQL change feed: NVSentinel's changelog (filled by its triggers), woken by
// LISTEN/NOTIFY, backed by a poll, walked in the order the database allows without losing a late
// commit (changelog-order.ts: commit order with the opt-in column, id order with gap tracking on
// NVSentinel's schema as it is).
//
// Pull-based: a batch is read only when the consumer has taken the previous one, so a slow
// consumer holds at most one batch in memory (backpressure), and the position it has not acked
// stays in the database for the next run.
import { StoreError } from '../../../errors/store-error';
import type { ChangeEvent, Collection, FeedPosition, Operation } from '../../../feed/change-event';
import {
  checkedFeedOptions,
  type ChangeFeed,
  type ChangeFeedOptions,
  type FeedCheckpoint,
  type FeedState,
} from '../../../feed/change-feed';
import { CumulativeAcks } from '../../../feed/cumulative-acks';
import { decodeBefore } from '../../../feed/decode-before';
import { decodeRow } from '../health-event-codec';
import { decodeMaintenanceDocument } from '../maintenance-event-codec';
import { isConnectionFailure, type PostgresConnection } from '../postgres-connection';
import type { ChangelogOrder, ChangelogRow, FeedRead, ReadContext } from './changelog-order';
import { decodeCheckpoint, encodeCheckpoint } from './feed-checkpoint';
import { NotificationListener } from './notification-listener';
import type { PostgresConsumerRegistry } from './postgres-consumer-registry';

const TABLES: Record<Collection, string> = { healthEvents: 'health_events', maintenanceEvents: 'maintenance_events' };
const COLLECTIONS: Record<string, Collection> = {
  health_events: 'healthEvents',
  maintenance_events: 'maintenanceEvents',
};
const HEARTBEAT_MS = 5_000;

export interface PostgresChangeFeedOptions extends ChangeFeedOptions {
  /** Connection string for the LISTEN connection (the pool's, by default). */
  listenConnectionString: string;
  onClose?: () => void;
}

function decodeChange(row: ChangelogRow, position: string): ChangeEvent {
  const collection = COLLECTIONS[row.table_name];
  const base = {
    position,
    operation: row.operation.toLowerCase() as Operation,
    recordId: row.record_id,
    committedAt: row.changed_at,
  };
  const decode = (values: ChangelogRow['new_values']) => {
    if (!values) return null;
    return collection === 'healthEvents'
      ? decodeRow({ id: values.id, created_at: values.created_at, document: values.document })
      : decodeMaintenanceDocument(values.document);
  };
  try {
    const storedAt =
      collection === 'healthEvents' && row.new_values?.created_at ? new Date(row.new_values.created_at) : null;
    return {
      ...base,
      collection,
      document: decode(row.new_values),
      before: decodeBefore(() => decode(row.old_values)),
      ...(storedAt && !Number.isNaN(storedAt.getTime()) ? { storedAt } : {}),
    } as ChangeEvent;
  } catch (error) {
    return {
      ...base,
      collection,
      document: null,
      before: null,
      malformed: { error: (error as Error).message, raw: row.new_values },
    } as ChangeEvent;
  }
}

export class PostgresChangeFeed implements ChangeFeed {
  /** How this database's changelog is walked, and the reader of this feed. */
  private order!: ChangelogOrder<unknown>;
  private read!: (connection: PostgresConnection, state: unknown, context: ReadContext) => Promise<FeedRead<unknown>>;
  /** What the reader has passed (read from here next). */
  private passed: unknown;
  /** The newest passed row's changed_at (RFC 3339, µs), for a checkpoint's token. */
  private passedChangedAt: string | null = null;
  /** What the consumer has acknowledged (stored); undefined until the feed started. */
  private ackedState: unknown;
  private started = false;
  private ackedSequence = 0;
  private deliveredSequence = 0;
  /**
   * Delivered, not yet acknowledged, in delivery order: position → the state after it, when it
   * was written (for the stored token) and its place in delivery order (acks are cumulative).
   */
  private readonly unacked = new Map<string, { state: unknown; changedAt: string; sequence: number }>();
  private iterating = false;
  private stopped = false;
  private currentState: FeedState = 'starting';
  private wake?: () => void;
  private pendingWake = false;
  private listener?: NotificationListener;
  /** The feed's own connection for reads: a wake-up must not queue behind the pool's writers. */
  private reader?: PostgresConnection;
  private heartbeatTimer?: NodeJS.Timeout;
  /** The newest acknowledged change's time, to the microsecond (stored in the token). */
  private ackedChangedAt?: string;
  private readonly acks = new CumulativeAcks<{ state: unknown; changedAt: string }>(
    ({ state, changedAt }) => this.registry.savePosition(this.consumer, state, changedAt),
    () => this.stopped,
  );
  private closing?: Promise<void>;
  private readonly tables: string[];
  private readonly durable: boolean;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;

  constructor(
    readonly consumer: string,
    private readonly connection: PostgresConnection,
    private readonly registry: PostgresConsumerRegistry,
    private readonly options: PostgresChangeFeedOptions,
  ) {
    const { collections, batchSize } = checkedFeedOptions(options);
    this.tables = collections.map((collection) => TABLES[collection]);
    this.batchSize = batchSize;
    this.durable = options.durable !== false;
    this.pollIntervalMs = options.pollIntervalMs ?? 2_000;
  }

  get state(): FeedState {
    return this.currentState;
  }

  private setState(state: FeedState): void {
    if (this.currentState === state || this.currentState === 'closed') return;
    this.currentState = state;
    this.options.onStateChange?.(state);
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

  private signal(): void {
    this.pendingWake = true;
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    if (this.pendingWake || this.stopped) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.pendingWake = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private async start(): Promise<void> {
    this.order = await this.registry.changelogOrder();
    this.read = this.order.reader();
    const stored = this.durable ? await this.registry.loadPosition(this.consumer) : undefined;
    // Closed while starting: open nothing (shutDown has run and would not stop what opens after it).
    if (this.stopped) return;
    if (this.options.from !== undefined) {
      // The caller's own checkpoint, kept with what it built (the stored position still moves with ack).
      const from = decodeCheckpoint(this.order, this.options.from);
      this.passed = from.state;
      this.passedChangedAt = from.changedAt;
    } else {
      this.passed = stored!.state;
      this.passedChangedAt = stored!.changedAt?.toISOString() ?? null;
    }
    this.ackedState = this.passed;
    this.started = true;
    // The LISTEN connection is the first to notice the server going away (and coming back).
    const onConnection = (connected: boolean) => {
      this.setState(connected ? 'live' : 'reconnecting');
    };
    this.listener = new NotificationListener(
      this.options.listenConnectionString,
      () => this.signal(),
      onConnection,
      this.connection.options.ssl,
    );
    this.listener.start();
    this.reader = this.connection.dedicated();
    if (!this.durable) return; // no consumer row of its own to keep alive
    const beat = () => this.registry.heartbeat(this.consumer).catch(() => {});
    await beat();
    if (this.stopped) return; // closed during the first beat: no timer to outlive the feed
    this.heartbeatTimer = setInterval(beat, HEARTBEAT_MS);
    this.heartbeatTimer.unref();
  }

  private async *changes(): AsyncGenerator<ChangeEvent> {
    await this.start();
    let failures = 0;
    let heldSince: number | undefined;
    try {
      while (!this.stopped) {
        let batch: FeedRead<unknown>;
        const passedBefore = this.passed;
        try {
          batch = await this.read(this.reader!, this.passed, { tables: this.tables, batchSize: this.batchSize });
          // Retention marks a consumer lost before it removes the rows it had not read, so a read
          // taken before the mark still sees those rows, and one taken after is refused here,
          // before anything of it is delivered. An open feed never reads on past the gap.
          if (this.durable) await this.registry.assertNotLost(this.consumer);
          else await this.assertNothingRemoved(passedBefore);
          if (failures > 0 || this.currentState === 'starting') this.setState('live');
          failures = 0;
        } catch (error) {
          if (this.stopped) break;
          if (
            !isConnectionFailure(error) &&
            !(error instanceof StoreError && ['unreachable', 'connect'].includes(error.code))
          )
            throw error;
          // The database went away (a restart): keep the position, retry with backoff.
          this.setState('reconnecting');
          await this.sleep(Math.min(5_000, 100 * 2 ** failures++));
          continue;
        }
        if (batch.rows.length === 0) {
          this.passed = batch.state;
          this.storePassedWhileIdle();
          if (batch.again) continue;
          // Nothing new. Held (the state's limit of noted entries reached behind an open
          // transaction): its end may notify nobody, so look again every millisecond while the
          // hold is young, then less often, up to every 50 ms. Otherwise wait for a notification
          // or the poll.
          if (!batch.heldBack) {
            heldSince = undefined;
            await this.sleep(this.pollIntervalMs);
          } else {
            heldSince ??= performance.now();
            const heldFor = performance.now() - heldSince;
            await this.sleep(heldFor < 20 ? 1 : Math.min(50, heldFor / 4));
          }
          continue;
        }
        heldSince = undefined;
        for (const { row, position, state } of batch.rows) {
          if (this.stopped) return;
          this.passed = state;
          this.passedChangedAt = row.changed_at_text;
          // A change to a table this feed does not follow: passed, not delivered.
          if (!this.tables.includes(row.table_name)) continue;
          const change = decodeChange(row, position);
          this.deliveredSequence += 1;
          this.unacked.set(change.position, {
            state,
            changedAt: row.changed_at_text,
            sequence: this.deliveredSequence,
          });
          yield change;
        }
        this.passed = batch.state;
        if (batch.heldBack) await this.sleep(1);
      }
    } finally {
      await this.close();
    }
  }

  /**
   * A reader without a stored position is not marked lost by retention: after each read it looks
   * at what retention removed (recorded before removing), and ends with position-lost when that
   * reaches past what it had passed before the read (the read may have missed removed rows).
   */
  private async assertNothingRemoved(passedBefore: unknown): Promise<void> {
    const through = await this.registry.removedThrough();
    if (through === undefined) return;
    const position = this.order.kind === 'commit' ? through : through.split('/')[1];
    if (this.order.passedThrough(passedBefore, position)) return;
    throw new StoreError(
      'position-lost',
      `the change feed of "${this.consumer}" (a reader without a stored position) fell behind changelog retention, which removed changes through ${through} it had not read; start again from a fresh read`,
    );
  }

  /**
   * With everything delivered acknowledged, an empty read may still have moved the state (gaps
   * found final, the horizon passed, rows of tables this feed does not follow): store it, so a
   * caught-up consumer's stored position says so (a token of NVSentinel's format cannot name what
   * is passed beyond its eventID) and a restart does not read them again. Changes nothing delivered.
   */
  private storePassedWhileIdle(): void {
    if (
      !this.durable ||
      this.stopped ||
      this.unacked.size > 0 ||
      this.acks.pending ||
      this.ackedChangedAt === undefined
    )
      return;
    if (this.order.describe(this.passed) === this.order.describe(this.ackedState)) return;
    this.ackedState = this.passed;
    this.acks.storeQuietly({ state: this.passed, changedAt: this.ackedChangedAt }, this.ackedSequence);
  }

  async ack(position: FeedPosition): Promise<void> {
    if (!this.started) {
      throw new StoreError(
        'ack-unknown-position',
        `consumer "${this.consumer}" acknowledged position ${position} before its feed delivered anything`,
      );
    }
    const delivered = this.unacked.get(position);
    if (!delivered) {
      if (this.order.hasPassed(this.ackedState, position)) return; // acknowledged already (acks are cumulative)
      throw new StoreError(
        'ack-unknown-position',
        `consumer "${this.consumer}" acknowledged position ${position}, which this feed never delivered`,
      );
    }
    // Everything delivered up to this change is acknowledged with it.
    for (const [key, entry] of this.unacked) {
      if (entry.sequence > delivered.sequence) break;
      this.unacked.delete(key);
    }
    this.ackedState = delivered.state;
    this.ackedSequence = delivered.sequence;
    this.ackedChangedAt = delivered.changedAt;
    if (!this.durable) return;
    return this.acks.acknowledge({ state: delivered.state, changedAt: delivered.changedAt }, delivered.sequence);
  }

  checkpoint(): FeedCheckpoint {
    // Asked for before the first read: nothing is delivered yet, the feed stands where it was opened.
    if (!this.started && this.options.from !== undefined) return this.options.from;
    if (!this.started)
      throw new StoreError(
        'not-started',
        `the change feed of "${this.consumer}" has no checkpoint before it is iterated`,
      );
    // Between two iterations the reader stands after the change it delivered last (or after an
    // empty read that moved past gaps, the horizon or rows of other tables): nothing undelivered.
    return encodeCheckpoint(this.order, this.passed, this.passedChangedAt);
  }

  hasPassed(checkpoint: FeedCheckpoint, position: FeedPosition): boolean {
    if (!this.started)
      throw new StoreError(
        'not-started',
        `the change feed of "${this.consumer}" cannot judge a checkpoint before it is iterated`,
      );
    return this.order.hasPassed(decodeCheckpoint(this.order, checkpoint).state, position);
  }

  /** Closes the feed; a second call waits for the first to finish. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.stopped = true;
    this.setState('closed');
    this.wake?.();
    clearInterval(this.heartbeatTimer);
    await Promise.all([this.listener?.stop(), this.reader?.close()]);
    // The write in flight lands first, then what was acknowledged since (one last try if the database is away).
    await this.acks.settle();
    this.options.onClose?.();
  }
}

// The PostgreSQL change feed: NVSentinel's changelog (filled by its triggers) read in commit
// order, woken by LISTEN/NOTIFY, backed by a poll.
//
// Why not by id (docs/decisions.md): changelog ids and changed_at are assigned before commit, so
// paging by them passes over a row whose transaction commits late. The feed reads in (txid, id)
// order from its state (feed-position.ts): below the visibility horizon (xmin of the read's
// snapshot) every transaction has ended, so its base moves through those rows; a transaction
// above the horizon that the read sees has committed, so it is delivered at once and noted,
// instead of waiting for an older transaction still open (a slow writer, a GIN index flush).
//
// Pull-based: a batch is read only when the consumer has taken the previous one, so a slow
// consumer holds at most one batch in memory (backpressure), and the position it has not acked
// stays in the database for the next run.
import { StoreError } from '../../../errors/store-error';
import type { ChangeEvent, Collection, FeedPosition, Operation } from '../../../feed/change-event';
import { checkedFeedOptions, type ChangeFeed, type ChangeFeedOptions, type FeedState } from '../../../feed/change-feed';
import { decodeRow } from '../health-event-codec';
import { decodeMaintenanceDocument } from '../maintenance-event-codec';
import { isConnectionFailure, type PostgresConnection } from '../postgres-connection';
import {
  aboveArrays, ABOVE_LIMIT, advance, COMMIT_ORDER, encodePosition, hasPassed, parsePosition, passedAbove, passHorizon, type FeedState as Passed,
} from './feed-position';
import { NotificationListener } from './notification-listener';
import { positionLostError, type PostgresConsumerRegistry } from './postgres-consumer-registry';

const TABLES: Record<Collection, string> = { healthEvents: 'health_events', maintenanceEvents: 'maintenance_events' };
const COLLECTIONS: Record<string, Collection> = { health_events: 'healthEvents', maintenance_events: 'maintenanceEvents' };
const HEARTBEAT_MS = 5_000;

interface ChangelogRow {
  id: string;
  txid: string;
  table_name: string;
  record_id: string;
  operation: string;
  new_values: { id: string; created_at: string; document: unknown } | null;
  old_values: { id: string; created_at: string; document: unknown } | null;
  changed_at: Date;
  /** The row's transaction is below the read's visibility horizon (every older one has ended). */
  below: boolean;
}

interface Batch {
  rows: ChangelogRow[];
  /** The limit of noted transactions stopped the batch: wait for the horizon. */
  heldBack: boolean;
  /** The read's horizon when the batch holds every row below it not yet passed. */
  horizonPassed?: bigint;
}

export interface PostgresChangeFeedOptions extends ChangeFeedOptions {
  /** Connection string for the LISTEN connection (the pool's, by default). */
  listenConnectionString: string;
  onClose?: () => void;
}

function decodeChange(row: ChangelogRow): ChangeEvent {
  const collection = COLLECTIONS[row.table_name];
  const base = {
    position: encodePosition({ txid: BigInt(row.txid), id: BigInt(row.id) }),
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
    return { ...base, collection, document: decode(row.new_values), before: decode(row.old_values) } as ChangeEvent;
  } catch (error) {
    return { ...base, collection, document: null, before: null, malformed: { error: (error as Error).message, raw: row.new_values } } as ChangeEvent;
  }
}

export class PostgresChangeFeed implements ChangeFeed {
  /** What the reader has passed (read from here next). */
  private passed!: Passed;
  /** What the consumer has acknowledged (stored). */
  private ackedState!: Passed;
  private ackedSequence = 0;
  private deliveredSequence = 0;
  /**
   * Delivered, not yet acknowledged, in delivery order: position → the state after it, when it
   * was written (for the stored token) and its place in delivery order (acks are cumulative).
   */
  private readonly unacked = new Map<string, { state: Passed; changedAt: Date; sequence: number }>();
  private iterating = false;
  private stopped = false;
  private currentState: FeedState = 'starting';
  private wake?: () => void;
  private pendingWake = false;
  private listener?: NotificationListener;
  /** The feed's own connection for reads: a wake-up must not queue behind the pool's writers. */
  private reader?: PostgresConnection;
  private heartbeatTimer?: NodeJS.Timeout;
  private ackedChangedAt?: Date;
  private ackWaiters: { sequence: number; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private flushing?: Promise<void>;
  private closing?: Promise<void>;
  private readonly tables: string[];
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
      throw new StoreError('feed-in-use', `the change feed of "${this.consumer}" is already being iterated; a second reader would split its events (open one feed per reader)`);
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
    const stored = await this.registry.loadPosition(this.consumer);
    this.passed = stored.state;
    this.ackedState = stored.state;
    // The LISTEN connection is the first to notice the server going away (and coming back).
    const onConnection = (connected: boolean) => {
      this.setState(connected ? 'live' : 'reconnecting');
    };
    this.listener = new NotificationListener(this.options.listenConnectionString, () => this.signal(), onConnection, this.connection.options.ssl);
    this.listener.start();
    this.reader = this.connection.dedicated();
    const beat = () => this.registry.heartbeat(this.consumer).catch(() => {});
    await beat();
    this.heartbeatTimer = setInterval(beat, HEARTBEAT_MS);
    this.heartbeatTimer.unref();
  }

  private async *changes(): AsyncGenerator<ChangeEvent> {
    await this.start();
    let failures = 0;
    let heldSince: number | undefined;
    try {
      while (!this.stopped) {
        let batch: Batch;
        try {
          batch = await this.readBatch();
          if (failures > 0 || this.currentState === 'starting') this.setState('live');
          failures = 0;
        } catch (error) {
          if (this.stopped) break;
          if (!isConnectionFailure(error) && !(error instanceof StoreError && ['unreachable', 'connect'].includes(error.code))) throw error;
          // The database went away (a restart): keep the position, retry with backoff.
          this.setState('reconnecting');
          await this.sleep(Math.min(5_000, 100 * 2 ** failures++));
          continue;
        }
        const { rows, heldBack, horizonPassed } = batch;
        if (rows.length === 0) {
          if (horizonPassed !== undefined) {
            const wasFull = this.passed.above.length >= ABOVE_LIMIT;
            this.passed = passHorizon(this.passed, horizonPassed);
            // That read asked only below the horizon; now it may ask above it: at once.
            if (wasFull && this.passed.above.length < ABOVE_LIMIT) continue;
          }
          // Nothing new. Full (ABOVE_LIMIT transactions delivered ahead of an open older one):
          // wait for that one to end, and its end may notify nobody (a position write, another
          // database's transaction), so look again every millisecond while the hold is young,
          // then less often, up to every 50 ms under a long transaction. Otherwise wait for a
          // notification or the poll.
          if (!heldBack) {
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
        for (const [index, row] of rows.entries()) {
          if (this.stopped) return;
          const position = { txid: BigInt(row.txid), id: BigInt(row.id) };
          this.passed = advance(this.passed, position, row.below);
          // Once the rows below the horizon are handed over, the state passes the horizon; the
          // change that carries it stores it when acknowledged.
          if (horizonPassed !== undefined && (!row.below || index === rows.length - 1)) this.passed = passHorizon(this.passed, horizonPassed);
          // A change to a table this feed does not follow: passed, not delivered.
          if (!this.tables.includes(row.table_name)) continue;
          const change = decodeChange(row);
          this.deliveredSequence += 1;
          this.unacked.set(change.position, { state: this.passed, changedAt: row.changed_at, sequence: this.deliveredSequence });
          yield change;
        }
      }
    } finally {
      await this.close();
    }
  }

  /**
   * The next batch after the feed's state: rows below the horizon, then committed transactions
   * above it while fewer than ABOVE_LIMIT are noted (`heldBack` when the limit stops the batch).
   * Retention marks a consumer lost before it removes the rows it had not read, so a read that
   * sees the mark returns nothing and the feed ends with position-lost; one that does not see it
   * still sees the rows. An open feed never reads on past the gap (its own state in memory may
   * be ahead of the stored one retention judged by).
   */
  private async readBatch(): Promise<Batch> {
    const reader = this.reader!;
    const { base } = this.passed;
    // With ABOVE_LIMIT transactions noted, only rows below the horizon can be delivered: ask for
    // nothing else (under a long transaction the rows above it would come back on every look).
    // Two statements, not a flag: as a parameter the bound would be a filter in a generic plan.
    const full = this.passed.above.length >= ABOVE_LIMIT;
    // The inner query walks the commit-order index from the base and stops after a batch; the
    // table filter stays outside it on purpose. Inside, the planner may combine the
    // (table_name, record_id) index with a bitmap AND and sort: every row of the table on every
    // read (seen on a freshly loaded table: 19 ms at 5,000 rows instead of 0.2 ms). Rows of
    // tables this feed does not follow come back without their values, only to move past them.
    // A named statement is planned once per connection, not on every wake-up. (A transaction
    // cut by the batch limit is walked again from the base by the next read, its passed rows
    // filtered: quadratic in the rare transaction of many batches committed above the horizon.)
    const result = await reader.query<ChangelogRow & { xmin: string }>(
      'feed.read',
      {
        name: full ? 'feed.read.below-horizon' : 'feed.read',
        text: `WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
         SELECT c.id::text AS id, c.commit_order::text AS txid, c.table_name, c.record_id, c.operation,
                CASE WHEN c.table_name = ANY($3::text[]) THEN c.new_values END AS new_values,
                CASE WHEN c.table_name = ANY($3::text[]) THEN c.old_values END AS old_values, c.changed_at,
                c.commit_order < horizon.xmin AS below, horizon.xmin::text AS xmin
         FROM horizon LEFT JOIN LATERAL (
               SELECT changelog.*, ${COMMIT_ORDER} AS commit_order
               FROM datastore_changelog changelog
               WHERE (${COMMIT_ORDER}, changelog.id) > ($1::text::xid8, $2::bigint)
                 AND NOT ${passedAbove('$6', '$7')}
                 ${full ? `AND ${COMMIT_ORDER} < horizon.xmin` : ''}
                 AND NOT EXISTS (SELECT 1 FROM console_consumers WHERE client_name = $5 AND position_lost_at IS NOT NULL)
               ORDER BY ${COMMIT_ORDER}, changelog.id
               LIMIT $4) c ON true
         ORDER BY c.commit_order, c.id`,
      },
      [base.txid.toString(), base.id.toString(), this.tables, this.batchSize, this.consumer, ...aboveArrays(this.passed)],
    );
    // The lateral join keeps one row (its columns null) when there is nothing to read, so the
    // read's horizon always comes back, taken in the same snapshot as the rows.
    const horizon = result.rows[0]?.xmin;
    const rows = result.rows.filter((row) => row.id !== null);
    if (rows.length > 0) {
      // Rows below the horizon come first (ascending txid). Every one not yet passed is here
      // unless the batch limit cut them: then the state cannot pass the horizon yet.
      const complete = rows.length < this.batchSize || !rows[rows.length - 1].below;
      const horizonPassed = complete && horizon ? BigInt(horizon) : undefined;
      // Above it, stop at the first transaction that would make the noted ones more than
      // ABOVE_LIMIT; read again later.
      const noted = new Set(this.passed.above.map((entry) => entry.txid.toString()));
      for (let i = 0; i < rows.length; i += 1) {
        const row = rows[i];
        if (row.below || noted.has(row.txid)) continue;
        if (noted.size >= ABOVE_LIMIT) return { rows: rows.slice(0, i), heldBack: true, horizonPassed };
        noted.add(row.txid);
      }
      return { rows, heldBack: false, horizonPassed };
    }
    const lost = await reader.query<{ lost_at: Date; lost_reason: string | null }>(
      'feed.read',
      `SELECT position_lost_at AS lost_at, position_lost_reason AS lost_reason FROM console_consumers
       WHERE client_name = $1 AND position_lost_at IS NOT NULL`,
      [this.consumer],
    );
    if (lost.rows[0]) throw positionLostError(this.consumer, lost.rows[0].lost_at, lost.rows[0].lost_reason);
    // Nothing to read: everything below the horizon is passed (the caller moves the state past
    // it and reads again at once if that leaves room above it; otherwise a full state waits).
    return { rows: [], heldBack: full, horizonPassed: horizon ? BigInt(horizon) : undefined };
  }

  async ack(position: FeedPosition): Promise<void> {
    const parsed = parsePosition(position);
    if (!this.ackedState) {
      throw new StoreError('ack-unknown-position', `consumer "${this.consumer}" acknowledged position ${position} before its feed delivered anything`);
    }
    const delivered = this.unacked.get(position);
    if (!delivered) {
      if (hasPassed(this.ackedState, parsed)) return; // acknowledged already (acks are cumulative)
      throw new StoreError('ack-unknown-position', `consumer "${this.consumer}" acknowledged position ${position}, which this feed never delivered`);
    }
    // Everything delivered up to this change is acknowledged with it.
    for (const [key, entry] of this.unacked) {
      if (entry.sequence > delivered.sequence) break;
      this.unacked.delete(key);
    }
    this.ackedState = delivered.state;
    this.ackedSequence = delivered.sequence;
    this.ackedChangedAt = delivered.changedAt;
    return new Promise<void>((resolve, reject) => {
      this.ackWaiters.push({ sequence: delivered.sequence, resolve, reject });
      void this.flushAcks();
    });
  }

  /**
   * Writes the newest acknowledged position. Acks are cumulative, so one write covers every ack
   * made while the previous write was in flight: a consumer that does not await each ack costs
   * one write per round trip, not one per change. A failed write (the database restarting) is
   * retried until it succeeds or the feed closes.
   */
  private flushAcks(): Promise<void> {
    this.flushing ??= this.writeAcks().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async writeAcks(): Promise<void> {
    {
      let failures = 0;
      while (this.ackWaiters.length > 0) {
        const state = this.ackedState;
        const sequence = this.ackedSequence;
        const changedAt = this.ackedChangedAt!;
        try {
          await this.registry.savePosition(this.consumer, state, changedAt);
          failures = 0;
        } catch (error) {
          if (this.stopped) {
            for (const waiter of this.ackWaiters.splice(0)) waiter.reject(error);
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** failures++)));
          continue;
        }
        const settled = this.ackWaiters.filter((waiter) => waiter.sequence <= sequence);
        this.ackWaiters = this.ackWaiters.filter((waiter) => waiter.sequence > sequence);
        for (const waiter of settled) waiter.resolve();
      }
    }
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
    // A position write in flight lands first, so an older state never overwrites a newer one.
    await this.flushing;
    // Store what was acknowledged since (one last try if the database is away).
    if (this.ackWaiters.length > 0) {
      await this.registry.savePosition(this.consumer, this.ackedState, this.ackedChangedAt!).then(
        () => this.ackWaiters.splice(0).forEach((waiter) => waiter.resolve()),
        (error) => this.ackWaiters.splice(0).forEach((waiter) => waiter.reject(error)),
      );
    }
    this.options.onClose?.();
  }
}

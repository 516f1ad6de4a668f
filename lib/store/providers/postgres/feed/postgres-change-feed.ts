// The PostgreSQL change feed: NVSentinel's changelog (filled by its triggers) read in commit
// order below the visibility horizon, woken by LISTEN/NOTIFY, backed by a poll.
//
// Why the horizon (docs/decisions.md): changelog ids and changed_at are assigned before commit,
// so paging by them passes over a row whose transaction commits late. Rows are delivered ordered
// by (txid, id) and only while txid < xmin of the current snapshot: every transaction below the
// horizon has ended, so nothing can appear behind the feed's position afterwards.
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
import { COMMIT_ORDER, comparePositions, encodePosition, parsePosition, type ChangelogPosition } from './feed-position';
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
  private position!: ChangelogPosition;
  private ackedThrough!: ChangelogPosition;
  /** Delivered, not yet acknowledged: position → when it was written (for the stored token). */
  private readonly unacked = new Map<string, { position: ChangelogPosition; changedAt: Date }>();
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
  private ackWaiters: { position: ChangelogPosition; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private flushing = false;
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
    this.position = stored.position;
    this.ackedThrough = stored.position;
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
        let rows: ChangelogRow[];
        let heldBack = false;
        try {
          ({ rows, heldBack } = await this.readBatch());
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
        if (rows.length === 0) {
          // Rows committed above the horizon wait for an older open transaction to end, and its
          // end may notify nobody (a position write, another database's transaction): look again
          // every millisecond while the hold is young (most last a few: concurrent writers), then
          // less often, up to every 50 ms under a long transaction. Otherwise wait for a
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
        for (const row of rows) {
          if (this.stopped) return;
          if (!this.tables.includes(row.table_name)) {
            // A change to a table this feed does not follow: move past it, deliver nothing.
            this.position = { txid: BigInt(row.txid), id: BigInt(row.id) };
            continue;
          }
          const change = decodeChange(row);
          const position = { txid: BigInt(row.txid), id: BigInt(row.id) };
          this.unacked.set(change.position, { position, changedAt: row.changed_at });
          this.position = position;
          yield change;
        }
      }
    } finally {
      await this.close();
    }
  }

  /**
   * The next batch below the horizon. Retention marks a consumer lost before it removes the rows
   * it had not read, so a read that sees the mark returns nothing and the feed ends with
   * position-lost; one that does not see it still sees the rows. An open feed never reads on past
   * the gap (its own position in memory may be ahead of the stored one retention judged by).
   */
  private async readBatch(): Promise<{ rows: ChangelogRow[]; heldBack: boolean }> {
    const values = [this.position.txid.toString(), this.position.id.toString(), this.tables, this.batchSize, this.consumer];
    // The inner query walks the commit-order index from the position and stops after a batch;
    // the table filter stays outside it on purpose. Inside, the planner may combine the
    // (table_name, record_id) index with a bitmap AND and sort: every row of the table on every
    // read (seen on a freshly loaded table: 19 ms at 5,000 rows instead of 0.2 ms). Rows of
    // tables this feed does not follow come back without their values, only to move past them.
    // A named statement is planned once per connection, not on every wake-up.
    const reader = this.reader!;
    const result = await reader.query<ChangelogRow>(
      'feed.read',
      {
        name: 'feed.read',
        text: `WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
         SELECT c.id::text AS id, c.commit_order::text AS txid, c.table_name, c.record_id, c.operation,
                CASE WHEN c.table_name = ANY($3::text[]) THEN c.new_values END AS new_values,
                CASE WHEN c.table_name = ANY($3::text[]) THEN c.old_values END AS old_values, c.changed_at
         FROM (SELECT changelog.*, ${COMMIT_ORDER} AS commit_order
               FROM datastore_changelog changelog, horizon
               WHERE (${COMMIT_ORDER}, changelog.id) > ($1::text::xid8, $2::bigint)
                 AND ${COMMIT_ORDER} < horizon.xmin
                 AND NOT EXISTS (SELECT 1 FROM console_consumers WHERE client_name = $5 AND position_lost_at IS NOT NULL)
               ORDER BY ${COMMIT_ORDER}, changelog.id
               LIMIT $4) c
         ORDER BY c.commit_order, c.id`,
      },
      values,
    );
    if (result.rows.length > 0) return { rows: result.rows, heldBack: false };
    const held = await reader.query<{ held: boolean; lost_at: Date | null; lost_reason: string | null }>(
      'feed.read',
      `SELECT EXISTS (SELECT 1 FROM datastore_changelog
         WHERE (${COMMIT_ORDER}, id) > ($1::text::xid8, $2::bigint)
           AND ${COMMIT_ORDER} >= pg_snapshot_xmin(pg_current_snapshot())) AS held,
         lost.position_lost_at AS lost_at, lost.position_lost_reason AS lost_reason
       FROM (SELECT 1) one LEFT JOIN console_consumers lost ON lost.client_name = $3`,
      [...values.slice(0, 2), this.consumer],
    );
    const { held: heldBack, lost_at: lostAt, lost_reason: lostReason } = held.rows[0];
    if (lostAt) throw positionLostError(this.consumer, lostAt, lostReason);
    return { rows: [], heldBack };
  }

  async ack(position: FeedPosition): Promise<void> {
    const parsed = parsePosition(position);
    if (!this.ackedThrough) {
      throw new StoreError('ack-unknown-position', `consumer "${this.consumer}" acknowledged position ${position} before its feed delivered anything`);
    }
    if (comparePositions(parsed, this.ackedThrough) <= 0) return;
    const delivered = this.unacked.get(position);
    if (!delivered) {
      throw new StoreError('ack-unknown-position', `consumer "${this.consumer}" acknowledged position ${position}, which this feed never delivered`);
    }
    for (const [key, entry] of this.unacked) {
      if (comparePositions(entry.position, parsed) <= 0) this.unacked.delete(key);
    }
    this.ackedThrough = parsed;
    this.ackedChangedAt = delivered.changedAt;
    return new Promise<void>((resolve, reject) => {
      this.ackWaiters.push({ position: parsed, resolve, reject });
      void this.flushAcks();
    });
  }

  /**
   * Writes the newest acknowledged position. Acks are cumulative, so one write covers every ack
   * made while the previous write was in flight: a consumer that does not await each ack costs
   * one write per round trip, not one per change. A failed write (the database restarting) is
   * retried until it succeeds or the feed closes.
   */
  private async flushAcks(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      let failures = 0;
      while (this.ackWaiters.length > 0) {
        const position = this.ackedThrough;
        const changedAt = this.ackedChangedAt!;
        try {
          await this.registry.savePosition(this.consumer, position, changedAt);
          failures = 0;
        } catch (error) {
          if (this.stopped) {
            for (const waiter of this.ackWaiters.splice(0)) waiter.reject(error);
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** failures++)));
          continue;
        }
        const settled = this.ackWaiters.filter((waiter) => comparePositions(waiter.position, position) <= 0);
        this.ackWaiters = this.ackWaiters.filter((waiter) => comparePositions(waiter.position, position) > 0);
        for (const waiter of settled) waiter.resolve();
      }
    } finally {
      this.flushing = false;
    }
  }

  async close(): Promise<void> {
    if (this.currentState === 'closed') return;
    this.stopped = true;
    this.setState('closed');
    this.wake?.();
    clearInterval(this.heartbeatTimer);
    await Promise.all([this.listener?.stop(), this.reader?.close()]);
    // Store what was acknowledged before closing (one last try if the database is away).
    if (this.ackWaiters.length > 0) {
      const position = this.ackedThrough;
      await this.registry.savePosition(this.consumer, position, this.ackedChangedAt!).then(
        () => this.ackWaiters.splice(0).forEach((waiter) => waiter.resolve()),
        (error) => this.ackWaiters.splice(0).forEach((waiter) => waiter.reject(error)),
      );
    }
    this.options.onClose?.();
  }
}

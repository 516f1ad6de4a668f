// Consumers of the PostgreSQL change feed. Registration, health and, for the console's own
// consumers, positions live in the console database (console_consumers): the console writes
// nothing of its own into NVSentinel's tables. A consumer registered to keep its position where
// NVSentinel keeps its own (the simulated NVSentinel twins) stores it in resume_tokens; NVSentinel's
// own consumers are found there too and read, never written.
import { StoreError } from '../../../errors/store-error';
import type { ConsumerPositionStore, StartPosition } from '../../../feed/change-feed';
import { assertConsumerName } from '../../../feed/consumer-name';
import type { ConsumerLagFigures } from '../../../feed/consumer-lag';
import type { PostgresConnection } from '../postgres-connection';
import {
  changedAtText,
  detectChangelogOrder,
  EPOCH_TEXT,
  NVSENTINEL_UNREAD,
  nvsentinelCursorTime,
  type ChangelogOrder,
  type StoredToken,
} from './changelog-order';
import { commitOrder } from './commit-order';
import { idOrder } from './id-order';

/** Counting documents behind stops here; beyond it the figure is reported as "at least". */
export const DOCUMENTS_BEHIND_CAP = 1_000_000;

/** NVSentinel's change-stream consumers all watch health events. */
const NVSENTINEL_WATCHED_TABLE = 'health_events';

/** The error of a consumer whose position retention removed: only an explicit restart goes on. */
export function positionLostError(name: string, at: Date, reason: string | null): StoreError {
  return new StoreError(
    'position-lost',
    `consumer "${name}" lost its position at ${at.toISOString()}: ${reason ?? 'changelog rows it had not read were removed'}; restart it explicitly with consumers().restart("${name}", …)`,
  );
}

export interface StoredPosition<S = unknown> {
  state: S;
  changedAt: Date | null;
}

interface ConsumerRow {
  client_name: string;
  resume_token: StoredToken | null;
  position_store: ConsumerPositionStore;
  last_updated: Date | null;
  last_seen_at: Date | null;
  position_lost_at: Date | null;
  position_lost_reason: string | null;
}

/** A consumer the console does not run: NVSentinel's own (its token in resume_tokens). */
const NVSENTINEL_CONSUMER: Omit<ConsumerRow, 'client_name'> = {
  resume_token: null,
  position_store: 'nvsentinel-legacy',
  last_updated: null,
  last_seen_at: null,
  position_lost_at: null,
  position_lost_reason: null,
};

export class PostgresConsumerRegistry {
  private order?: Promise<ChangelogOrder<unknown>>;

  /**
   * @param datastore NVSentinel's database (changelog, resume_tokens)
   * @param console the console database (console_consumers); may be the same database
   */
  constructor(
    private readonly datastore: PostgresConnection,
    private readonly console: PostgresConnection,
  ) {}

  /** How this database's changelog is walked: detected once (the opt-in column, or id order). */
  changelogOrder(): Promise<ChangelogOrder<unknown>> {
    this.order ??= detectChangelogOrder(this.datastore).then(
      (kind) => (kind === 'commit' ? commitOrder : idOrder) as ChangelogOrder<unknown>,
      (error: unknown) => {
        this.order = undefined;
        throw error;
      },
    );
    return this.order;
  }

  /** Makes a consumer known, starting at the beginning of the changelog or at its head. Idempotent. */
  async register(
    name: string,
    startAt: StartPosition = 'beginning',
    store: ConsumerPositionStore = 'console',
  ): Promise<void> {
    assertConsumerName(name);
    if (startAt !== 'beginning' && startAt !== 'now')
      throw new StoreError('invalid', `startAt: must be "beginning" or "now"`);
    if (!['console', 'nvsentinel', 'nvsentinel-legacy'].includes(store))
      throw new StoreError('invalid', `positionStore: must be "console", "nvsentinel" or "nvsentinel-legacy"`);
    const existing = await this.consumer(name);
    if (existing && (existing.resume_token || existing.position_store !== 'console')) return;
    // Known to NVSentinel already: ours from before positions moved to the console database (our
    // token), or a twin asked to keep NVSentinel's format, keep their position there. A console
    // consumer never takes over the name of one of NVSentinel's own components: every ack would
    // overwrite that component's position.
    const nvsentinelToken = await this.nvsentinelToken(name);
    if (nvsentinelToken && store === 'console' && !isOurToken(nvsentinelToken)) {
      throw new StoreError(
        'invalid',
        `consumer "${name}" is one of NVSentinel's own (its position is in resume_tokens); give the console's consumer another name`,
      );
    }
    if (nvsentinelToken) {
      await this.console.query(
        'consumers.register',
        `INSERT INTO console_consumers (client_name, position_store) VALUES ($1, $2)
         ON CONFLICT (client_name) DO UPDATE SET position_store = EXCLUDED.position_store`,
        [name, store === 'console' ? 'nvsentinel' : store],
      );
      return;
    }
    const order = await this.changelogOrder();
    const start = startAt === 'now' ? await order.head(this.datastore) : { state: order.beginning, changedAt: null };
    const changedAt = start.changedAt ?? EPOCH_TEXT;
    await this.console.query(
      'consumers.register',
      `INSERT INTO console_consumers (client_name, position_store) VALUES ($1, $2)
       ON CONFLICT (client_name) DO UPDATE SET position_store = EXCLUDED.position_store`,
      [name, store],
    );
    await this.writeToken(name, store, order.toToken(start.state, changedAt), true);
  }

  private async consumer(name: string): Promise<ConsumerRow | undefined> {
    const result = await this.console.query<ConsumerRow>(
      'consumers.loadPosition',
      `SELECT client_name, resume_token, position_store, last_updated, last_seen_at, position_lost_at, position_lost_reason
       FROM console_consumers WHERE client_name = $1`,
      [name],
    );
    return result.rows[0];
  }

  private async nvsentinelToken(name: string): Promise<StoredToken | undefined> {
    const result = await this.datastore.query<{ resume_token: StoredToken }>(
      'consumers.loadPosition',
      `SELECT resume_token FROM resume_tokens WHERE client_name = $1`,
      [name],
    );
    return result.rows[0]?.resume_token ?? undefined;
  }

  private async writeToken(
    name: string,
    store: ConsumerPositionStore,
    token: StoredToken,
    onlyIfMissing = false,
  ): Promise<void> {
    if (store === 'console') {
      await this.console.query(
        'consumers.savePosition',
        `UPDATE console_consumers SET resume_token = $2, last_updated = NOW() WHERE client_name = $1 ${onlyIfMissing ? 'AND resume_token IS NULL' : ''}`,
        [name, JSON.stringify(token)],
      );
      return;
    }
    // In resume_tokens, as NVSentinel's watcher writes it (saveResumePosition in its changestream.go);
    // the legacy store keeps only NVSentinel's two fields, the time being that of the eventID's
    // row, as its MarkProcessed looks it up (the nearest row below when that one is gone).
    const stored = store === 'nvsentinel-legacy' ? await this.nvsentinelFormat(token) : token;
    await this.datastore.query(
      'consumers.savePosition',
      `INSERT INTO resume_tokens (client_name, resume_token, last_updated) VALUES ($1, $2, NOW())
       ON CONFLICT (client_name) DO ${onlyIfMissing ? 'NOTHING' : 'UPDATE SET resume_token = EXCLUDED.resume_token, last_updated = NOW()'}`,
      [name, JSON.stringify(stored)],
    );
  }

  private async nvsentinelFormat(token: StoredToken): Promise<StoredToken> {
    const eventID = Number(token.eventID ?? 0);
    const row = await this.datastore.query<{ changed_at: string }>(
      'consumers.savePosition',
      `SELECT ${changedAtText()} AS changed_at FROM datastore_changelog WHERE id <= $1 ORDER BY id DESC LIMIT 1`,
      [eventID],
    );
    return { timestamp: row.rows[0]?.changed_at ?? token.timestamp ?? EPOCH_TEXT, eventID };
  }

  /** The stored position of a consumer, as a state of this database's changelog order. */
  async loadPosition(name: string): Promise<StoredPosition> {
    assertConsumerName(name);
    const row = await this.consumer(name);
    if (row?.position_lost_at) throw positionLostError(name, row.position_lost_at, row.position_lost_reason);
    const token = row?.position_store === 'console' ? row.resume_token : await this.nvsentinelToken(name);
    if (!token) {
      throw new StoreError(
        'unknown-consumer',
        `no consumer named "${name}" is registered; register it first (consumers().register("${name}", { startAt: "beginning" | "now" }))`,
      );
    }
    const order = await this.changelogOrder();
    const changedAt = token.timestamp ? new Date(token.timestamp) : null;
    return { state: await order.fromToken(this.datastore, token), changedAt };
  }

  /** Throws position-lost when retention marked the consumer (checked after each read of the feed). */
  async assertNotLost(name: string): Promise<void> {
    const lost = await this.console.query<{ lost_at: Date; lost_reason: string | null }>(
      'feed.read',
      `SELECT position_lost_at AS lost_at, position_lost_reason AS lost_reason FROM console_consumers
       WHERE client_name = $1 AND position_lost_at IS NOT NULL`,
      [name],
    );
    if (lost.rows[0]) throw positionLostError(name, lost.rows[0].lost_at, lost.rows[0].lost_reason);
  }

  /** `changedAt`: the newest passed change's time, RFC 3339 to the microsecond. */
  async savePosition(name: string, state: unknown, changedAt: string): Promise<void> {
    const order = await this.changelogOrder();
    const row = await this.storeOf(name);
    await this.writeToken(name, row, order.toToken(state, changedAt));
  }

  private readonly stores = new Map<string, ConsumerPositionStore>();

  private async storeOf(name: string): Promise<ConsumerPositionStore> {
    let store = this.stores.get(name);
    if (!store) {
      store = (await this.consumer(name))?.position_store ?? 'nvsentinel';
      this.stores.set(name, store);
    }
    return store;
  }

  async heartbeat(name: string): Promise<void> {
    await this.console.query(
      'consumers.heartbeat',
      `INSERT INTO console_consumers (client_name, last_seen_at, position_store) VALUES ($1, NOW(), 'nvsentinel')
       ON CONFLICT (client_name) DO UPDATE SET last_seen_at = NOW()`,
      [name],
    );
  }

  async markLost(names: string[], reason: string): Promise<void> {
    if (names.length === 0) return;
    await this.console.query(
      'consumers.markLost',
      `INSERT INTO console_consumers (client_name, position_lost_at, position_lost_reason, position_store)
       SELECT unnest($1::text[]), NOW(), $2, 'nvsentinel'
       ON CONFLICT (client_name) DO UPDATE SET position_lost_at = NOW(), position_lost_reason = EXCLUDED.position_lost_reason`,
      [names, reason],
    );
  }

  /** An explicit restart after a lost position: from the oldest row still kept, or from now. */
  async restart(name: string, startAt: StartPosition): Promise<void> {
    assertConsumerName(name);
    const order = await this.changelogOrder();
    const start = startAt === 'now' ? await order.head(this.datastore) : { state: order.beginning, changedAt: null };
    await this.savePosition(name, start.state, start.changedAt ?? EPOCH_TEXT);
    await this.console.query(
      'consumers.restart',
      `UPDATE console_consumers SET position_lost_at = NULL, position_lost_reason = NULL WHERE client_name = $1`,
      [name],
    );
  }

  async names(): Promise<string[]> {
    const [theirs, ours] = await Promise.all([
      this.datastore.query<{ name: string }>('consumers.list', `SELECT client_name AS name FROM resume_tokens`),
      this.console.query<{ name: string }>('consumers.list', `SELECT client_name AS name FROM console_consumers`),
    ]);
    return [...new Set([...theirs.rows, ...ours.rows].map((row) => row.name))].sort();
  }

  /** Raw lag figures of every consumer (the status judgement over time is ConsumerLagMonitor's). */
  async lag(): Promise<ConsumerLagFigures[]> {
    const order = await this.changelogOrder();
    const head = await this.datastore.query<{ changed_at: Date | null }>(
      'consumers.lag',
      `SELECT c.changed_at FROM datastore_changelog c ORDER BY c.id DESC LIMIT 1`,
    );
    const headTime = head.rows[0]?.changed_at ?? null;
    const [tokens, consumers] = await Promise.all([
      this.datastore.query<{ client_name: string; resume_token: StoredToken; last_updated: Date | null }>(
        'consumers.lag',
        `SELECT client_name, resume_token, last_updated FROM resume_tokens`,
      ),
      this.console.query<ConsumerRow>(
        'consumers.lag',
        `SELECT client_name, resume_token, position_store, last_updated, last_seen_at, position_lost_at, position_lost_reason FROM console_consumers`,
      ),
    ]);
    const theirs = new Map(tokens.rows.map((row) => [row.client_name, row]));
    const ours = new Map(consumers.rows.map((row) => [row.client_name, row]));
    const figures: ConsumerLagFigures[] = [];
    for (const name of [...new Set([...theirs.keys(), ...ours.keys()])].sort()) {
      const consumer = ours.get(name) ?? { client_name: name, ...NVSENTINEL_CONSUMER };
      const inResumeTokens = consumer.position_store !== 'console';
      const token = inResumeTokens ? theirs.get(name)?.resume_token : consumer.resume_token;
      const lastAckAt = inResumeTokens ? (theirs.get(name)?.last_updated ?? null) : consumer.last_updated;
      let behind: { count: number; firstAt: Date | null; position: string } | undefined;
      if (token && !consumer.position_lost_at) {
        behind =
          consumer.position_store === 'nvsentinel-legacy' || !isOurToken(token)
            ? await this.nvsentinelBehind(token)
            : await this.ourBehind(order, token).catch(() => undefined);
      }
      const positionTime =
        token?.timestamp && new Date(token.timestamp).getTime() > 0 ? new Date(token.timestamp) : null;
      // Seconds behind head: how much older than the head the next change to read is. A caught-up
      // consumer is 0 however long ago its last change was (an idle consumer is not "behind").
      const lagSeconds =
        behind === undefined
          ? null
          : behind.count === 0 || !headTime || !behind.firstAt
            ? 0
            : Math.max(0, (headTime.getTime() - behind.firstAt.getTime()) / 1000);
      figures.push({
        consumer: name,
        position: behind?.position ?? null,
        positionTime,
        headTime,
        lagSeconds,
        documentsBehind: behind?.count ?? null,
        documentsBehindCapped: behind !== undefined && behind.count >= DOCUMENTS_BEHIND_CAP,
        positionKnown: behind !== undefined,
        positionLost: consumer.position_lost_at
          ? { at: consumer.position_lost_at, reason: consumer.position_lost_reason ?? '' }
          : null,
        lastAckAt,
        lastSeenAt: consumer.last_seen_at,
      });
    }
    return figures;
  }

  private async ourBehind(order: ChangelogOrder<unknown>, token: StoredToken) {
    const state = await order.fromToken(this.datastore, token);
    const { count, firstAt } = await order.behind(this.datastore, state, DOCUMENTS_BEHIND_CAP);
    return { count, firstAt, position: order.describe(state) };
  }

  /**
   * What NVSentinel's own reader has left to read from its token: health-event changes after
   * (timestamp, eventID) in (changed_at, id) order (fetchNewChanges in its changestream.go).
   */
  private async nvsentinelBehind(token: StoredToken) {
    const { timestamp, eventId } = await nvsentinelCursorTime(this.datastore, token);
    const result = await this.datastore.query<{ n: string; first_at: Date | null }>(
      'consumers.lag',
      `SELECT count(*) AS n, min(changed_at) AS first_at FROM (SELECT changed_at FROM datastore_changelog
         WHERE table_name = $3 AND ${NVSENTINEL_UNREAD} LIMIT ${DOCUMENTS_BEHIND_CAP}) behind`,
      [timestamp, eventId, NVSENTINEL_WATCHED_TABLE],
    );
    return { count: Number(result.rows[0].n), firstAt: result.rows[0].first_at, position: `${timestamp}/${eventId}` };
  }

  /** How long the oldest open writing transaction holds the feed's horizon back, and how many rows wait behind it. */
  async horizonHoldBack(): Promise<{ oldestOpenTransactionSeconds: number; heldBackRows: number }> {
    const order = await this.changelogOrder();
    // Id order delivers a committed row at once: nothing waits behind an open transaction.
    const held =
      order.kind === 'commit'
        ? `(SELECT count(*) FROM (SELECT 1 FROM datastore_changelog WHERE COALESCE(txid, '0'::xid8) >= pg_snapshot_xmin(pg_current_snapshot()) LIMIT 100000) h)`
        : '0';
    const result = await this.datastore.query<{ seconds: number | null; held: string }>(
      'feed.holdBack',
      `SELECT (SELECT extract(epoch FROM max(now() - xact_start)) FROM pg_stat_activity WHERE backend_xid IS NOT NULL) AS seconds, ${held} AS held`,
    );
    return {
      oldestOpenTransactionSeconds: Number(result.rows[0].seconds ?? 0),
      heldBackRows: Number(result.rows[0].held),
    };
  }
}

/** A token our feed wrote (either order), as opposed to NVSentinel's {timestamp, eventID}. */
function isOurToken(token: StoredToken): boolean {
  return token.txid !== undefined || token.top !== undefined;
}

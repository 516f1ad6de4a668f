// Consumers of the PostgreSQL change feed: positions in NVSentinel's resume_tokens (so its own
// components and ours read each other's), registration and health in console_consumers.
import { StoreError } from '../../../errors/store-error';
import type { StartPosition } from '../../../feed/change-feed';
import { assertConsumerName } from '../../../feed/consumer-name';
import type { ConsumerLagFigures } from '../../../feed/consumer-lag';
import type { PostgresConnection } from '../postgres-connection';
import { aboveArrays, COMMIT_ORDER, encodeState, passedAbove, START_STATE, stateFromToken, tokenFor, type FeedState, type StoredToken } from './feed-position';

/** Counting documents behind stops here; beyond it the figure is reported as "at least". */
export const DOCUMENTS_BEHIND_CAP = 1_000_000;

/** The error of a consumer whose position retention removed: only an explicit restart goes on. */
export function positionLostError(name: string, at: Date, reason: string | null): StoreError {
  return new StoreError('position-lost', `consumer "${name}" lost its position at ${at.toISOString()}: ${reason ?? 'changelog rows it had not read were removed'}; restart it explicitly with consumers().restart("${name}", …)`);
}

export interface StoredPosition {
  state: FeedState;
  changedAt: Date | null;
}

export class PostgresConsumerRegistry {
  constructor(private readonly connection: PostgresConnection) {}

  /** Head of the changelog in commit order, below the visibility horizon. */
  async headPosition(): Promise<StoredPosition> {
    const result = await this.connection.query<{ txid: string; id: string; changed_at: Date }>(
      'feed.head',
      `SELECT ${COMMIT_ORDER}::text AS txid, id::text AS id, changed_at FROM datastore_changelog c
       WHERE ${COMMIT_ORDER} < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY ${COMMIT_ORDER} DESC, c.id DESC LIMIT 1`,
    );
    const row = result.rows[0];
    return row ? { state: { base: { txid: BigInt(row.txid), id: BigInt(row.id) }, above: [] }, changedAt: row.changed_at } : { state: START_STATE, changedAt: null };
  }

  /** Makes a consumer known, starting at the beginning of the changelog or at its head. Idempotent. */
  async register(name: string, startAt: StartPosition = 'beginning'): Promise<void> {
    assertConsumerName(name);
    if (startAt !== 'beginning' && startAt !== 'now') throw new StoreError('invalid', `startAt: must be "beginning" or "now"`);
    await this.connection.query('consumers.register', `INSERT INTO console_consumers (client_name) VALUES ($1) ON CONFLICT DO NOTHING`, [name]);
    const existing = await this.connection.query('consumers.register', `SELECT 1 FROM resume_tokens WHERE client_name = $1`, [name]);
    if (existing.rowCount) return;
    const start = startAt === 'now' ? await this.headPosition() : { state: START_STATE, changedAt: new Date(0) };
    await this.connection.query(
      'consumers.register',
      `INSERT INTO resume_tokens (client_name, resume_token, last_updated) VALUES ($1, $2, NOW()) ON CONFLICT DO NOTHING`,
      [name, JSON.stringify(tokenFor(start.state, start.changedAt ?? new Date(0)))],
    );
  }

  /**
   * The stored position of a consumer. NVSentinel's own tokens carry only {timestamp, eventID};
   * for those we restart at the oldest transaction that wrote a later row, so nothing after the
   * token is missed (at-least-once: a few changes may be delivered again).
   */
  async loadPosition(name: string): Promise<StoredPosition> {
    assertConsumerName(name);
    const result = await this.connection.query<{ resume_token: StoredToken; position_lost_at: Date | null; position_lost_reason: string | null }>(
      'consumers.loadPosition',
      `SELECT t.resume_token, c.position_lost_at, c.position_lost_reason
       FROM resume_tokens t LEFT JOIN console_consumers c ON c.client_name = t.client_name WHERE t.client_name = $1`,
      [name],
    );
    const row = result.rows[0];
    if (!row) {
      throw new StoreError('unknown-consumer', `no consumer named "${name}" is registered; register it first (consumers().register("${name}", { startAt: "beginning" | "now" }))`);
    }
    if (row.position_lost_at) throw positionLostError(name, row.position_lost_at, row.position_lost_reason);
    const token = row.resume_token ?? {};
    const changedAt = token.timestamp ? new Date(token.timestamp) : null;
    if (token.txid !== undefined && token.eventID !== undefined) {
      return { state: stateFromToken({ ...token, txid: token.txid, eventID: token.eventID }), changedAt };
    }
    if (token.eventID === undefined) return { state: START_STATE, changedAt: null };
    const legacy = await this.connection.query<{ txid: string | null }>(
      'consumers.loadPosition',
      `SELECT min(${COMMIT_ORDER})::text AS txid FROM datastore_changelog WHERE id > $1`,
      [token.eventID],
    );
    const txid = legacy.rows[0]?.txid;
    const base = txid === null || txid === undefined ? { txid: 0n, id: BigInt(token.eventID) } : { txid: BigInt(txid), id: 0n };
    return { state: { base, above: [] }, changedAt };
  }

  async savePosition(name: string, state: FeedState, changedAt: Date): Promise<void> {
    await this.connection.query(
      'consumers.savePosition',
      `INSERT INTO resume_tokens (client_name, resume_token, last_updated) VALUES ($1, $2, NOW())
       ON CONFLICT (client_name) DO UPDATE SET resume_token = EXCLUDED.resume_token, last_updated = NOW()`,
      [name, JSON.stringify(tokenFor(state, changedAt))],
    );
  }

  async heartbeat(name: string): Promise<void> {
    await this.connection.query(
      'consumers.heartbeat',
      `INSERT INTO console_consumers (client_name, last_seen_at) VALUES ($1, NOW())
       ON CONFLICT (client_name) DO UPDATE SET last_seen_at = NOW()`,
      [name],
    );
  }

  async markLost(names: string[], reason: string): Promise<void> {
    if (names.length === 0) return;
    await this.connection.query(
      'consumers.markLost',
      `INSERT INTO console_consumers (client_name, position_lost_at, position_lost_reason)
       SELECT unnest($1::text[]), NOW(), $2
       ON CONFLICT (client_name) DO UPDATE SET position_lost_at = NOW(), position_lost_reason = EXCLUDED.position_lost_reason`,
      [names, reason],
    );
  }

  /** An explicit restart after a lost position: from the oldest row still kept, or from now. */
  async restart(name: string, startAt: StartPosition): Promise<void> {
    assertConsumerName(name);
    const start = startAt === 'now' ? await this.headPosition() : { state: START_STATE, changedAt: new Date(0) };
    await this.savePosition(name, start.state, start.changedAt ?? new Date(0));
    await this.connection.query(
      'consumers.restart',
      `UPDATE console_consumers SET position_lost_at = NULL, position_lost_reason = NULL WHERE client_name = $1`,
      [name],
    );
  }

  async names(): Promise<string[]> {
    const result = await this.connection.query<{ name: string }>(
      'consumers.list',
      `SELECT client_name AS name FROM resume_tokens UNION SELECT client_name FROM console_consumers ORDER BY 1`,
    );
    return result.rows.map((row) => row.name);
  }

  /** Raw lag figures of every consumer (the status judgement over time is ConsumerLagMonitor's). */
  async lag(): Promise<ConsumerLagFigures[]> {
    const head = await this.connection.query<{ id: string | null; changed_at: Date | null }>(
      'consumers.lag',
      `SELECT c.id::text AS id, c.changed_at FROM datastore_changelog c ORDER BY c.id DESC LIMIT 1`,
    );
    const headTime = head.rows[0]?.changed_at ?? null;
    const rows = await this.connection.query<{
      name: string; resume_token: StoredToken | null; last_updated: Date | null; last_seen_at: Date | null;
      position_lost_at: Date | null; position_lost_reason: string | null;
    }>(
      'consumers.lag',
      `SELECT n.name, t.resume_token, t.last_updated, c.last_seen_at, c.position_lost_at, c.position_lost_reason
       FROM (SELECT client_name AS name FROM resume_tokens UNION SELECT client_name FROM console_consumers) n
       LEFT JOIN resume_tokens t ON t.client_name = n.name
       LEFT JOIN console_consumers c ON c.client_name = n.name
       ORDER BY n.name`,
    );
    const figures: ConsumerLagFigures[] = [];
    for (const row of rows.rows) {
      let stored: StoredPosition | undefined;
      if (!row.position_lost_at && row.resume_token) stored = await this.loadPosition(row.name).catch(() => undefined);
      let documentsBehind: number | null = null;
      let firstUnreadAt: Date | null = null;
      if (stored) {
        // The noted transactions' test only when there are any: evaluated per row, it tripled this query.
        const noted = stored.state.above.length > 0;
        const behind = await this.connection.query<{ n: string; first_at: Date | null }>(
          'consumers.lag',
          `SELECT count(*) AS n, min(changed_at) AS first_at FROM (SELECT changed_at FROM datastore_changelog changelog
             WHERE (${COMMIT_ORDER}, id) > ($1::text::xid8, $2::bigint) ${noted ? `AND NOT ${passedAbove('$3', '$4')}` : ''}
             LIMIT ${DOCUMENTS_BEHIND_CAP}) behind`,
          [stored.state.base.txid.toString(), stored.state.base.id.toString(), ...(noted ? aboveArrays(stored.state) : [])],
        );
        documentsBehind = Number(behind.rows[0].n);
        firstUnreadAt = behind.rows[0].first_at;
      }
      const positionTime = stored?.changedAt && stored.changedAt.getTime() > 0 ? stored.changedAt : null;
      // Seconds behind head: how much older than the head the next change to read is. A caught-up
      // consumer is 0 however long ago its last change was (an idle consumer is not "behind").
      const lagSeconds = documentsBehind === null
        ? null
        : documentsBehind === 0 || !headTime || !firstUnreadAt
          ? 0
          : Math.max(0, (headTime.getTime() - firstUnreadAt.getTime()) / 1000);
      figures.push({
        consumer: row.name,
        position: stored ? encodeState(stored.state) : null,
        positionTime,
        headTime,
        lagSeconds,
        documentsBehind,
        documentsBehindCapped: documentsBehind !== null && documentsBehind >= DOCUMENTS_BEHIND_CAP,
        positionKnown: stored !== undefined,
        positionLost: row.position_lost_at ? { at: row.position_lost_at, reason: row.position_lost_reason ?? '' } : null,
        lastAckAt: row.last_updated,
        lastSeenAt: row.last_seen_at,
      });
    }
    return figures;
  }

  /** How long the oldest open writing transaction holds the feed's horizon back, and how many rows wait behind it. */
  async horizonHoldBack(): Promise<{ oldestOpenTransactionSeconds: number; heldBackRows: number }> {
    const result = await this.connection.query<{ seconds: number | null; held: string }>(
      'feed.holdBack',
      `SELECT (SELECT extract(epoch FROM max(now() - xact_start)) FROM pg_stat_activity WHERE backend_xid IS NOT NULL) AS seconds,
              (SELECT count(*) FROM (SELECT 1 FROM datastore_changelog
                 WHERE ${COMMIT_ORDER} >= pg_snapshot_xmin(pg_current_snapshot()) LIMIT 100000) h) AS held`,
    );
    return { oldestOpenTransactionSeconds: Number(result.rows[0].seconds ?? 0), heldBackRows: Number(result.rows[0].held) };
  }

}

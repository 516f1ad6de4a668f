// Deliveries over a destination's rate, in the console database: folded (status 'folded', a
// "folded" line in the delivery log) instead of sent, then carried by one summary delivery
// (./alert-summary.ts) once the destination has room again. Any replica may fold, and any may make
// the summary: the folded rows are taken FOR UPDATE SKIP LOCKED, so each is summed up once.
import type pg from 'pg';

import type { AlertKind } from '@/lib/queries/alerts-view';

import type { Alert } from './alert';
import type { ClaimedDelivery } from './alert-tables';
import type { FoldedCount } from './alert-summary';

/**
 * Folds a claimed delivery: not sent, not an attempt (its count goes back), logged as folded; only
 * while this claim holds it (false otherwise: another replica took it since).
 */
export async function foldDelivery(pool: pg.Pool, delivery: ClaimedDelivery, maxPerMinute: number): Promise<boolean> {
  const { rowCount } = await pool.query(
    `WITH folded AS (
       UPDATE console_alert_deliveries SET status = 'folded', claimed_until = NULL, attempts = attempts - 1, folded_at = NOW()
        WHERE id = $1 AND claimed_until = $2::timestamptz
        RETURNING destination_id, alert_id, attempts
     )
     INSERT INTO console_alert_attempts (destination_id, alert_id, alert_kind, alert_title, attempt, outcome, error)
     SELECT destination_id, alert_id, $3, $4, attempts, 'folded', $5 FROM folded`,
    [
      delivery.id,
      delivery.claim,
      delivery.alert.kind,
      delivery.alert.title,
      `over ${maxPerMinute} send${maxPerMinute === 1 ? '' : 's'} a minute to this destination: carried by the next summary`,
    ],
  );
  return rowCount === 1;
}

/** Whether alerts to the destination wait folded (new ones fold behind them, so the summary goes first). */
export async function hasFolded(pool: pg.Pool, destinationId: string): Promise<boolean> {
  const { rows } = await pool.query<{ folded: boolean }>(
    `SELECT EXISTS (SELECT FROM console_alert_deliveries WHERE destination_id = $1 AND status = 'folded') AS folded`,
    [destinationId],
  );
  return rows[0].folded;
}

/** Destinations with folded deliveries waiting for their summary, and each one's rate. */
export async function destinationsWithFolded(pool: pg.Pool): Promise<{ id: string; maxPerMinute: number }[]> {
  const { rows } = await pool.query<{ id: string; max_per_minute: number }>(
    `SELECT t.id, t.max_per_minute FROM console_alert_destinations t
      WHERE EXISTS (SELECT FROM console_alert_deliveries d WHERE d.destination_id = t.id AND d.status = 'folded')`,
  );
  return rows.map((row) => ({ id: row.id, maxPerMinute: row.max_per_minute }));
}

/** What the summary is made of: the folded alerts' counts per kind, and the oldest one's time. */
export interface FoldedAlerts {
  key: string;
  counts: FoldedCount[];
  firstRaisedAt: Date;
}

/**
 * Takes every folded delivery of the destination that no other replica holds, stores the summary
 * `summaryOf` makes of them (an alert of kind "summary" with one pending delivery to this
 * destination, sent whatever the rate) and marks them summarized, in one transaction. Returns the
 * summary's alert id; null when there was nothing left to sum up.
 */
export async function summarizeFolded(
  pool: pg.Pool,
  destinationId: string,
  summaryOf: (folded: FoldedAlerts) => Alert,
): Promise<string | null> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ id: string; kind: AlertKind; raised_at: Date }>(
      `SELECT d.id, a.kind, a.raised_at FROM console_alert_deliveries d JOIN console_alerts a ON a.id = d.alert_id
        WHERE d.destination_id = $1 AND d.status = 'folded' ORDER BY d.id FOR UPDATE OF d SKIP LOCKED`,
      [destinationId],
    );
    if (rows.length === 0) {
      await client.query('ROLLBACK');
      return null;
    }
    const counts = new Map<AlertKind, number>();
    for (const row of rows) counts.set(row.kind, (counts.get(row.kind) ?? 0) + 1);
    const alert = summaryOf({
      key: `${rows[0].id}-${rows.at(-1)!.id}`,
      counts: [...counts].map(([kind, count]) => ({ kind, count })),
      firstRaisedAt: new Date(Math.min(...rows.map((row) => row.raised_at.getTime()))),
    });
    const stored = await client.query<{ id: string }>(
      `INSERT INTO console_alerts (occurrence_key, kind, subject, title, summary, details, raised_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [alert.occurrenceKey, alert.kind, alert.subject, alert.title, alert.summary, alert.details, alert.raisedAt],
    );
    const summaryId = stored.rows[0].id;
    await client.query(
      `INSERT INTO console_alert_deliveries (alert_id, destination_id, status, summary) VALUES ($1, $2, 'pending', TRUE)`,
      [summaryId, destinationId],
    );
    await client.query(
      `UPDATE console_alert_deliveries SET status = 'summarized', summary_alert_id = $2 WHERE id = ANY($1::bigint[])`,
      [rows.map((row) => row.id), summaryId],
    );
    await client.query('COMMIT');
    return summaryId;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

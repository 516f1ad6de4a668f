// The alerts' rows in the console database (prisma/migrations/20261207000500_console_alerts):
// destinations and settings (changed by admins through lib/actions/alert-mutations.ts), conditions
// and alerts (one raise per occurrence, whichever replicas judge it), deliveries (claimed by one
// replica per attempt) and the delivery log.
import { randomUUID } from 'node:crypto';

import type pg from 'pg';

import {
  DEFAULT_EVENT_LOSS_WITHIN_SECONDS,
  DEFAULT_MAX_PER_MINUTE,
  type AlertKind,
  type DeliveryLogRow,
  type WebhookFormat,
} from '@/lib/queries/alerts-view';

import type { Alert } from './alert';
import type { AttemptResult } from './delivery-policy';

export interface AlertDestination {
  id: string;
  name: string;
  url: string;
  format: WebhookFormat;
  kinds: AlertKind[];
  enabled: boolean;
  mutedUntil: Date | null;
  /** Sends a minute at most; the rest are folded into one summary (./alert-engine.ts). */
  maxPerMinute: number;
}

export type DestinationFields = Omit<AlertDestination, 'id' | 'mutedUntil' | 'maxPerMinute'> & {
  /** Absent: DEFAULT_MAX_PER_MINUTE. */
  maxPerMinute?: number;
};

interface DestinationRow {
  id: string;
  name: string;
  url: string;
  format: WebhookFormat;
  kinds: AlertKind[];
  enabled: boolean;
  muted_until: Date | null;
  max_per_minute: number;
}

const toDestination = (row: DestinationRow): AlertDestination => ({
  id: row.id,
  name: row.name,
  url: row.url,
  format: row.format,
  kinds: row.kinds,
  enabled: row.enabled,
  mutedUntil: row.muted_until,
  maxPerMinute: row.max_per_minute,
});

const DESTINATION_COLUMNS = 'id, name, url, format, kinds, enabled, muted_until, max_per_minute';

export async function listDestinations(pool: pg.Pool): Promise<AlertDestination[]> {
  const { rows } = await pool.query<DestinationRow>(
    `SELECT ${DESTINATION_COLUMNS} FROM console_alert_destinations ORDER BY name`,
  );
  return rows.map(toDestination);
}

export async function getDestination(pool: pg.Pool, id: string): Promise<AlertDestination | null> {
  const { rows } = await pool.query<DestinationRow>(
    `SELECT ${DESTINATION_COLUMNS} FROM console_alert_destinations WHERE id = $1`,
    [id],
  );
  return rows[0] ? toDestination(rows[0]) : null;
}

/** A name already taken: the unique index refused it. */
export class DestinationNameTaken extends Error {}

const nameTaken = (error: unknown, name: string) =>
  (error as { code?: string }).code === '23505'
    ? new DestinationNameTaken(`a destination named "${name}" exists already`)
    : error;

export async function createDestination(pool: pg.Pool, fields: DestinationFields): Promise<AlertDestination> {
  try {
    const { rows } = await pool.query<DestinationRow>(
      `INSERT INTO console_alert_destinations (id, name, url, format, kinds, enabled, max_per_minute)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${DESTINATION_COLUMNS}`,
      [
        randomUUID(),
        fields.name,
        fields.url,
        fields.format,
        fields.kinds,
        fields.enabled,
        fields.maxPerMinute ?? DEFAULT_MAX_PER_MINUTE,
      ],
    );
    return toDestination(rows[0]);
  } catch (error) {
    throw nameTaken(error, fields.name);
  }
}

/** Changes the fields given; null when there is no such destination. */
export async function updateDestination(
  pool: pg.Pool,
  id: string,
  fields: Partial<DestinationFields>,
): Promise<AlertDestination | null> {
  try {
    const { rows } = await pool.query<DestinationRow>(
      `UPDATE console_alert_destinations SET
         name = COALESCE($2, name), url = COALESCE($3, url), format = COALESCE($4, format),
         kinds = COALESCE($5, kinds), enabled = COALESCE($6, enabled),
         max_per_minute = COALESCE($7, max_per_minute), updated_at = NOW()
       WHERE id = $1 RETURNING ${DESTINATION_COLUMNS}`,
      [
        id,
        fields.name ?? null,
        fields.url ?? null,
        fields.format ?? null,
        fields.kinds ?? null,
        fields.enabled ?? null,
        fields.maxPerMinute ?? null,
      ],
    );
    return rows[0] ? toDestination(rows[0]) : null;
  } catch (error) {
    throw nameTaken(error, fields.name ?? '');
  }
}

export async function deleteDestination(pool: pg.Pool, id: string): Promise<boolean> {
  const { rowCount } = await pool.query('DELETE FROM console_alert_destinations WHERE id = $1', [id]);
  return (rowCount ?? 0) > 0;
}

/** Mutes until `until` (null: unmutes); null when there is no such destination. */
export async function muteDestination(pool: pg.Pool, id: string, until: Date | null): Promise<AlertDestination | null> {
  const { rows } = await pool.query<DestinationRow>(
    `UPDATE console_alert_destinations SET muted_until = $2, updated_at = NOW() WHERE id = $1 RETURNING ${DESTINATION_COLUMNS}`,
    [id, until],
  );
  return rows[0] ? toDestination(rows[0]) : null;
}

export async function readEventLossWithin(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ seconds: number }>(
    'SELECT event_loss_within_seconds AS seconds FROM console_alert_settings WHERE singleton',
  );
  return rows[0]?.seconds ?? DEFAULT_EVENT_LOSS_WITHIN_SECONDS;
}

export async function writeEventLossWithin(pool: pg.Pool, seconds: number): Promise<void> {
  await pool.query(
    `INSERT INTO console_alert_settings (singleton, event_loss_within_seconds) VALUES (TRUE, $1)
     ON CONFLICT (singleton) DO UPDATE SET event_loss_within_seconds = EXCLUDED.event_loss_within_seconds, updated_at = NOW()`,
    [seconds],
  );
}

/** A condition that turned inactive is raised again only after this long (no alert per flap). */
export const CONDITION_QUIET_SECONDS = 300;

export type ConditionTurn =
  | { kind: 'raised'; episode: number }
  | { kind: 'unchanged' }
  /** Active, but it turned inactive less than the quiet time ago: not raised yet. */
  | { kind: 'quiet' };

/**
 * Sets a condition as judged. 'raised' when this call turned it active (this replica raised the
 * alert `alertOf(episode)`, stored in the same transaction: if storing it fails, the condition is
 * left as it was, so the next judgement turns it and tries again); 'unchanged' when it already was
 * as judged (another replica raised it); 'quiet' when it turned inactive less than `quietSeconds`
 * ago (asked again at the next judgement).
 */
export async function turnCondition(
  pool: pg.Pool,
  kind: AlertKind,
  subject: string,
  active: boolean,
  alertOf?: (episode: number) => Alert,
  quietSeconds = CONDITION_QUIET_SECONDS,
): Promise<ConditionTurn> {
  if (!active) {
    await pool.query(
      `UPDATE console_alert_conditions SET active = FALSE, changed_at = NOW() WHERE kind = $1 AND subject = $2 AND active`,
      [kind, subject],
    );
    return { kind: 'unchanged' };
  }
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ episode: number | null; active: boolean }>(
      `WITH turned AS (
         INSERT INTO console_alert_conditions (kind, subject, active, episode) VALUES ($1, $2, TRUE, 1)
         ON CONFLICT (kind, subject) DO UPDATE SET active = TRUE, episode = console_alert_conditions.episode + 1, changed_at = NOW()
           WHERE NOT console_alert_conditions.active AND console_alert_conditions.changed_at <= NOW() - make_interval(secs => $3::double precision)
         RETURNING episode
       )
       SELECT (SELECT episode FROM turned) AS episode,
              (SELECT active FROM console_alert_conditions WHERE kind = $1 AND subject = $2) AS active`,
      [kind, subject, quietSeconds],
    );
    const row = rows[0];
    if (row.episode !== null && alertOf) await insertAlert(client, alertOf(row.episode));
    await client.query('COMMIT');
    if (row.episode !== null) return { kind: 'raised', episode: row.episode };
    return row.active ? { kind: 'unchanged' } : { kind: 'quiet' };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Stores the alert once (its occurrence key) and, in the same transaction, a delivery to every
 * enabled destination that takes its kind; one that is muted gets a "muted" line in its log
 * instead. Returns the alert's id, or null when another replica stored it first.
 */
export async function raiseAlert(pool: pg.Pool, alert: Alert): Promise<string | null> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const id = await insertAlert(client, alert);
    await client.query('COMMIT');
    return id;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** raiseAlert's statements, in the caller's transaction. */
async function insertAlert(client: pg.PoolClient, alert: Alert): Promise<string | null> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO console_alerts (occurrence_key, kind, subject, title, summary, details, raised_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (occurrence_key) DO NOTHING RETURNING id`,
    [alert.occurrenceKey, alert.kind, alert.subject, alert.title, alert.summary, alert.details, alert.raisedAt],
  );
  const id = rows[0]?.id ?? null;
  if (id !== null) {
    await client.query(
      `INSERT INTO console_alert_deliveries (alert_id, destination_id, status)
       SELECT $1, id, 'pending' FROM console_alert_destinations
        WHERE enabled AND $2::text = ANY(kinds) AND (muted_until IS NULL OR muted_until <= NOW())`,
      [id, alert.kind],
    );
    await client.query(
      `INSERT INTO console_alert_attempts (destination_id, alert_id, alert_kind, alert_title, attempt, outcome, error)
       SELECT id, $1, $2::text, $3::text, 0, 'muted', 'muted until ' || to_char(muted_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
         FROM console_alert_destinations
        WHERE enabled AND $2::text = ANY(kinds) AND muted_until > NOW()`,
      [id, alert.kind, alert.title],
    );
  }
  return id;
}

/** A delivery this replica claimed: the alert and where it goes. */
export interface ClaimedDelivery {
  id: string;
  /** This attempt's number (1-based): counted when claimed, so a send whose outcome was lost still counts. */
  attempt: number;
  /** The claim's end as the database wrote it: a settle changes the row only while this claim holds it. */
  claim: string;
  alert: Alert & { id: string };
  destination: AlertDestination;
  /** A summary of alerts folded over the destination's rate: sent whatever the rate. */
  summary: boolean;
}

interface ClaimedRow extends DestinationRow {
  delivery_id: string;
  is_summary: boolean;
  attempts: number;
  claim: string;
  alert_id: string;
  occurrence_key: string;
  kind: AlertKind;
  subject: string;
  title: string;
  summary: string;
  details: Alert['details'];
  raised_at: Date;
}

/**
 * Claims up to `limit` due deliveries for `claimMs` (longer than an attempt may take): rows
 * another replica holds are skipped, so each attempt is made by one replica. The attempt is counted
 * when claimed: a send whose settle never happened (a database error, the process ended) is not
 * made again under the same number, so the attempts end. A due delivery whose destination was
 * disabled or muted since it was raised is not sent: it is marked skipped, with a "muted" log line.
 */
export async function claimDueDeliveries(pool: pg.Pool, limit: number, claimMs: number): Promise<ClaimedDelivery[]> {
  const { rows } = await pool.query<ClaimedRow>(
    `WITH due AS (
       SELECT d.id, t.enabled, t.muted_until FROM console_alert_deliveries d
         JOIN console_alert_destinations t ON t.id = d.destination_id
        WHERE d.status = 'pending' AND d.next_attempt_at <= NOW() AND (d.claimed_until IS NULL OR d.claimed_until < NOW())
        ORDER BY d.next_attempt_at LIMIT $1 FOR UPDATE OF d SKIP LOCKED
     ), held AS (
       UPDATE console_alert_deliveries d SET status = 'skipped', claimed_until = NULL
         FROM due WHERE d.id = due.id AND (NOT due.enabled OR due.muted_until > NOW())
         RETURNING d.alert_id, d.destination_id, d.attempts, due.enabled, due.muted_until
     ), held_log AS (
       INSERT INTO console_alert_attempts (destination_id, alert_id, alert_kind, alert_title, attempt, outcome, error)
       SELECT h.destination_id, h.alert_id, a.kind, a.title, h.attempts, 'muted',
              CASE WHEN NOT h.enabled THEN 'not sent: the destination is disabled'
                   ELSE 'muted until ' || to_char(h.muted_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') END
         FROM held h JOIN console_alerts a ON a.id = h.alert_id
     ), claimed AS (
       UPDATE console_alert_deliveries d SET attempts = d.attempts + 1,
              claimed_until = NOW() + make_interval(secs => $2::double precision / 1000)
         FROM due WHERE d.id = due.id AND due.enabled AND (due.muted_until IS NULL OR due.muted_until <= NOW())
         RETURNING d.id, d.alert_id, d.destination_id, d.attempts, d.claimed_until, d.summary
     )
     SELECT c.id AS delivery_id, c.summary AS is_summary, c.attempts, c.claimed_until::text AS claim, a.id AS alert_id, a.occurrence_key, a.kind,
            a.subject, a.title, a.summary, a.details, a.raised_at, t.id, t.name, t.url, t.format, t.kinds, t.enabled, t.muted_until, t.max_per_minute
       FROM claimed c JOIN console_alerts a ON a.id = c.alert_id JOIN console_alert_destinations t ON t.id = c.destination_id`,
    [limit, claimMs],
  );
  return rows.map((row) => ({
    id: row.delivery_id,
    attempt: row.attempts,
    claim: row.claim,
    alert: {
      id: row.alert_id,
      kind: row.kind,
      subject: row.subject,
      occurrenceKey: row.occurrence_key,
      title: row.title,
      summary: row.summary,
      details: row.details,
      raisedAt: row.raised_at,
    },
    destination: toDestination(row),
    summary: row.is_summary,
  }));
}

export type DeliveryStep = { kind: 'delivered' } | { kind: 'retry'; afterMs: number } | { kind: 'failed' };

/**
 * Logs an attempt and moves the delivery on (delivered, due again after a delay, or failed), in one
 * transaction, only while this claim still holds the delivery: a late settle by a replica whose
 * claim ran out (and another took the delivery) changes nothing and returns false.
 */
export async function settleAttempt(
  pool: pg.Pool,
  delivery: ClaimedDelivery,
  result: AttemptResult & { durationMs: number },
  step: DeliveryStep,
): Promise<boolean> {
  const outcome = step.kind === 'retry' ? 'retrying' : step.kind;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const moved = await client.query(
      `UPDATE console_alert_deliveries SET claimed_until = NULL,
         status = CASE WHEN $3 = 'retrying' THEN 'pending' ELSE $3 END,
         next_attempt_at = NOW() + make_interval(secs => $4::double precision / 1000)
       WHERE id = $1 AND claimed_until = $2::timestamptz`,
      [delivery.id, delivery.claim, outcome, step.kind === 'retry' ? step.afterMs : 0],
    );
    if (moved.rowCount !== 1) {
      await client.query('ROLLBACK');
      return false;
    }
    await client.query(
      `INSERT INTO console_alert_attempts (destination_id, alert_id, alert_kind, alert_title, attempt, outcome, status_code, error, duration_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        delivery.destination.id,
        delivery.alert.id,
        delivery.alert.kind,
        delivery.alert.title,
        delivery.attempt,
        outcome,
        result.statusCode,
        result.error,
        result.durationMs,
      ],
    );
    await client.query('COMMIT');
    return true;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** Logs a test send from the admin page (no alert row, attempt 1). */
export async function logTestSend(
  pool: pg.Pool,
  destinationId: string,
  result: AttemptResult & { durationMs: number },
  delivered: boolean,
): Promise<void> {
  await pool.query(
    `INSERT INTO console_alert_attempts (destination_id, alert_id, alert_kind, alert_title, attempt, outcome, status_code, error, duration_ms)
     VALUES ($1, NULL, 'test', 'Test alert', 1, $2, $3, $4, $5)`,
    [destinationId, delivered ? 'delivered' : 'failed', result.statusCode, result.error, result.durationMs],
  );
}

/** The delivery log: the newest `perDestination` lines of each destination, newest first. */
export async function readDeliveryLog(pool: pg.Pool, perDestination = 50): Promise<DeliveryLogRow[]> {
  const { rows } = await pool.query<{
    id: string;
    destination_id: string;
    at: Date;
    alert_kind: string;
    alert_title: string;
    attempt: number;
    outcome: DeliveryLogRow['outcome'];
    status_code: number | null;
    error: string | null;
    duration_ms: number | null;
  }>(
    `SELECT l.* FROM console_alert_destinations t
       CROSS JOIN LATERAL (
         SELECT id, destination_id, at, alert_kind, alert_title, attempt, outcome, status_code, error, duration_ms
           FROM console_alert_attempts WHERE destination_id = t.id ORDER BY at DESC, id DESC LIMIT $1
       ) l
      ORDER BY l.at DESC, l.id DESC`,
    [perDestination],
  );
  return rows.map((row) => ({
    id: String(row.id),
    destinationId: row.destination_id,
    at: row.at.getTime(),
    alertKind: row.alert_kind,
    alertTitle: row.alert_title,
    attempt: row.attempt,
    outcome: row.outcome,
    statusCode: row.status_code,
    error: row.error,
    durationMs: row.duration_ms,
  }));
}

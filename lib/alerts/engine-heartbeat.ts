// Each replica's alert engine says, in the console database, that it runs (console_alert_engines):
// the Alerts page reads which engines looked for due deliveries lately, so an engine that never
// started or stopped is shown plainly rather than read as a quiet delivery log.
import type pg from 'pg';

import type { AlertEngineReplica } from '@/lib/queries/alerts-view';

/** An engine that has not looked for this long is not running (it looks every second, beats every 5 s). */
export const ENGINE_SILENT_AFTER_S = 30;
/** Rows of replicas silent this long are deleted (a replica's host name and pid change at each start). */
const FORGET_AFTER_DAYS = 7;

/** The engine started on `replica`; rows of replicas long gone are removed. */
export async function engineStarted(pool: pg.Pool, replica: string): Promise<void> {
  await pool.query(
    `INSERT INTO console_alert_engines (replica) VALUES ($1)
     ON CONFLICT (replica) DO UPDATE SET started_at = NOW(), beat_at = NOW(), stopped_at = NULL`,
    [replica],
  );
  await pool.query(
    `DELETE FROM console_alert_engines WHERE beat_at < NOW() - make_interval(days => $1) AND replica <> $2`,
    [FORGET_AFTER_DAYS, replica],
  );
}

/** The engine on `replica` looked for due deliveries now. */
export async function engineBeat(pool: pg.Pool, replica: string): Promise<void> {
  await pool.query(
    `INSERT INTO console_alert_engines (replica) VALUES ($1)
     ON CONFLICT (replica) DO UPDATE SET beat_at = NOW(), stopped_at = NULL`,
    [replica],
  );
}

export async function engineStopped(pool: pg.Pool, replica: string): Promise<void> {
  await pool.query('UPDATE console_alert_engines SET stopped_at = NOW() WHERE replica = $1', [replica]);
}

/** Every engine known, newest look first, with whether it runs (judged on the database's clock). */
export async function readEngines(pool: pg.Pool): Promise<AlertEngineReplica[]> {
  const { rows } = await pool.query<{
    replica: string;
    started_at: Date;
    beat_at: Date;
    stopped_at: Date | null;
    running: boolean;
  }>(
    `SELECT replica, started_at, beat_at, stopped_at,
            stopped_at IS NULL AND beat_at > NOW() - make_interval(secs => $1) AS running
       FROM console_alert_engines ORDER BY beat_at DESC LIMIT 20`,
    [ENGINE_SILENT_AFTER_S],
  );
  return rows.map((row) => ({
    replica: row.replica,
    startedAt: row.started_at.getTime(),
    beatAt: row.beat_at.getTime(),
    stoppedAt: row.stopped_at?.getTime() ?? null,
    running: row.running,
  }));
}

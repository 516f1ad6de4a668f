// Loads history fast into NVSentinel's health_events (the simulator's backfill: days of events for
// scale work, 10,000 nodes and millions of events).
//
// History is not news: backfilled rows skip the change trigger (session_replication_role =
// replica, so the changelog and every consumer are not flooded with a month of old events), and
// fatal events arrive already processed the way the pipeline would have left them (Quarantined or
// AlreadyQuarantined, drained, remediated unless the action is NONE/UNKNOWN). It writes
// NVSentinel's table directly with this provider's codec, streamed with COPY.
//
// Into an empty (or simulator-only) table that it at least doubles, it loads with the table's
// indexes dropped and builds them again afterwards, all in ONE transaction: building an index over
// the finished table is several times cheaper than updating it row by row (NVSentinel's GIN index
// on every document above all). DDL is transactional in PostgreSQL, so a failure or an interrupted
// run (even a killed process: the server rolls back a transaction whose client is gone) leaves
// every index exactly as it was and no rows. The cost: while it runs the table is locked
// (readers wait) and, as any long transaction, it holds the server's visibility horizon, so
// change feeds on the server wait until it commits (nothing is lost). Otherwise (`keepIndexes`, or
// real data in the table) it commits every `batchSize` rows with the indexes in place.
import { randomUUID } from 'node:crypto';

import pg from 'pg';

import type { HealthEventWithStatus } from '../../model/health-event';

import { copyLine, copyRows } from './copy-rows';
import { encodeDocument } from './health-event-codec';

export interface HistoryLoadOptions {
  /** How many events to take from the source. */
  events: number;
  /**
   * Who loads ("the simulator") and the metadata key (value "true") marking the rows it writes:
   * the indexes are dropped and built again only over an empty table or one holding such rows alone.
   */
  ownRows: { writer: string; mark: string };
  /** Rows per progress report (and per transaction when the indexes are kept); default 5,000. */
  batchSize?: number;
  /** Load with the indexes in place, committing every batch (change feeds keep flowing). */
  keepIndexes?: boolean;
  /** How long to wait for the table when dropping its indexes; default 10 s. */
  lockTimeoutMs?: number;
  /** Called once the way is chosen: the indexes to drop and build again, or why they stay. */
  onStart?: (plan: { rebuildIndexes: string[]; keptIndexesBecause?: string }) => void;
  onProgress?: (progress: { written: number; total: number; perSecond: number }) => void;
  /** Called after each index is built again, with the seconds its build took. */
  onIndex?: (progress: { name: string; done: number; of: number; seconds: number }) => void;
}

export interface HistoryLoadResult {
  written: number;
  /** Whole run: load, index builds and statistics. */
  seconds: number;
  perSecond: number;
  /** Streaming the rows in (COPY). */
  loadSeconds: number;
  loadPerSecond: number;
  /** Building the dropped indexes again and ANALYZE (0 when the indexes were kept). */
  indexSeconds: number;
  /** Names of the indexes dropped for the load and built again; empty when they were kept. */
  rebuiltIndexes: string[];
  /** Why the indexes were kept, when they were. */
  keptIndexesBecause?: string;
  /** False when the role may not skip triggers: history then went through the changelog too. */
  skippedChangelog: boolean;
}

export const HISTORY_COLUMNS = [
  'id',
  'node_name',
  'event_type',
  'severity',
  'recommended_action',
  'node_quarantined',
  'user_pods_eviction_status',
  'user_pods_eviction_message',
  'fault_remediated',
  'document',
  'created_at',
  'updated_at',
] as const;

const COPY_CHUNK = 1_000;

/** An index of health_events as it was, and the statement that makes it again. */
export interface DroppedIndex {
  name: string;
  /** Set for an index that backs a constraint (the primary key): dropped and re-added as the constraint. */
  constraint?: string;
  drop: string;
  create: string;
}

/** Stored events as COPY text in HISTORY_COLUMNS' order, encoded as the provider stores them. */
export function historyCopyText(events: readonly Omit<HealthEventWithStatus, 'recordId'>[]): string {
  let text = '';
  for (const event of events) {
    const { healthEvent: h, status: s, createdAt } = event;
    text += copyLine([
      randomUUID(),
      h.nodeName,
      h.checkName,
      h.componentClass,
      h.recommendedAction,
      s.nodeQuarantined || null,
      s.userPodsEvictionStatus.status || null,
      '',
      s.faultRemediated,
      JSON.stringify(encodeDocument(event)),
      createdAt,
      createdAt,
    ]);
  }
  return text;
}

/** Where a history load takes its events: the next `count`, already as the pipeline left them. */
export interface HistorySource {
  next(count: number): Omit<HealthEventWithStatus, 'recordId'>[];
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * The indexes of health_events that can be dropped and made again exactly: plain indexes (their
 * definition is all of them) and the primary key / unique constraints whose index has the
 * constraint's name. Anything with state a definition does not carry (a comment, CLUSTER mark,
 * replica identity, per-column statistics, an invalid index) is left alone.
 */
export async function rebuildableIndexes(client: pg.ClientBase): Promise<DroppedIndex[]> {
  const result = await client.query<{
    name: string;
    def: string;
    constraint: string | null;
    constraint_def: string | null;
  }>(
    `SELECT ic.relname AS name, pg_get_indexdef(i.indexrelid) AS def, c.conname AS constraint, pg_get_constraintdef(c.oid) AS constraint_def
       FROM pg_index i
       JOIN pg_class ic ON ic.oid = i.indexrelid
       LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
      WHERE i.indrelid = 'health_events'::regclass
        AND i.indisvalid AND i.indisready AND NOT i.indisclustered AND NOT i.indisreplident
        AND obj_description(i.indexrelid, 'pg_class') IS NULL
        AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indexrelid AND a.attstattarget >= 0)
        AND (c.oid IS NULL OR (c.contype IN ('p', 'u') AND c.conname = ic.relname))
      ORDER BY c.oid IS NULL, ic.relname`,
  );
  return result.rows.map((row) =>
    row.constraint
      ? {
          name: row.name,
          constraint: row.constraint,
          drop: `ALTER TABLE health_events DROP CONSTRAINT ${quoteIdent(row.constraint)}`,
          create: `ALTER TABLE health_events ADD CONSTRAINT ${quoteIdent(row.constraint)} ${row.constraint_def}`,
        }
      : { name: row.name, drop: `DROP INDEX ${quoteIdent(row.name)}`, create: row.def },
  );
}

/** Makes again every index of `dropped` that health_events does not have (a safety net; normally none). */
export async function restoreMissingIndexes(connectionString: string, dropped: DroppedIndex[]): Promise<string[]> {
  if (dropped.length === 0) return [];
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const present = new Set(
      (
        await client.query<{ name: string }>(
          `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'health_events'::regclass`,
        )
      ).rows.map((row) => row.name),
    );
    const restored: string[] = [];
    for (const index of dropped) {
      if (present.has(index.name)) continue;
      await client.query(index.create);
      restored.push(index.name);
    }
    return restored;
  } finally {
    await client.end();
  }
}

/** Why the indexes must stay, or undefined when dropping them for the load is right. */
async function reasonToKeepIndexes(
  client: pg.ClientBase,
  events: number,
  ownRows: HistoryLoadOptions['ownRows'],
): Promise<string | undefined> {
  const newest = await client.query<{ simulated: string | null }>(
    `SELECT document->'healthevent'->'metadata'->>'${ownRows.mark.replace(/'/g, "''")}' AS simulated FROM health_events ORDER BY created_at DESC LIMIT 200`,
  );
  if (newest.rows.some((row) => row.simulated !== 'true'))
    return `the table holds events ${ownRows.writer} did not write`;
  const existing = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM health_events LIMIT $1) AS t`,
    [events + 1],
  );
  if (existing.rows[0].n > events) return 'the table already holds more events than the backfill adds';
  return undefined;
}

/**
 * Loads `options.events` events from `history` into health_events with COPY, past the change
 * trigger when the role may (history is not news), dropping and rebuilding the indexes in one
 * transaction when the table is empty or holds only rows marked as `ownRows` says (see the file's
 * opening comment).
 */
export async function loadHistory(
  connectionString: string,
  history: HistorySource,
  options: HistoryLoadOptions,
): Promise<HistoryLoadResult> {
  const batchSize = options.batchSize ?? 5_000;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batchSize must be a whole number, at least 1 (got ${batchSize})`);

  const client = new pg.Client({ connectionString, application_name: 'sentinel-console-backfill' });
  await client.connect();
  let skippedChangelog = true;
  try {
    await client.query('SET session_replication_role = replica');
  } catch {
    skippedChangelog = false;
  }
  // Session settings only: nothing of the server or the schema changes.
  await client.query(`SET synchronous_commit = off`);
  await client.query(`SET maintenance_work_mem = '256MB'`);

  const began = performance.now();
  let written = 0;
  const dropped: DroppedIndex[] = [];
  let loadSeconds = 0;
  let indexSeconds = 0;
  const report = () =>
    options.onProgress?.({ written, total: options.events, perSecond: written / ((performance.now() - began) / 1000) });
  // Rows go to the server in pieces of COPY_CHUNK, so the next piece is made while PostgreSQL
  // stores the last one (the two use the two cores); progress is reported every batchSize rows.
  const pieces = function* (rows: number, reportEach: number) {
    let sinceReport = 0;
    for (let made = 0; made < rows;) {
      const count = Math.min(COPY_CHUNK, rows - made, reportEach - sinceReport);
      yield historyCopyText(history.next(count));
      made += count;
      written += count;
      sinceReport += count;
      if (sinceReport === reportEach || made === rows) {
        sinceReport = 0;
        report();
      }
    }
  };
  let failure: unknown;
  let keptIndexesBecause: string | undefined = options.keepIndexes ? 'asked to keep them' : undefined;
  try {
    keptIndexesBecause ??= await reasonToKeepIndexes(client, options.events, options.ownRows);
    if (keptIndexesBecause) {
      options.onStart?.({ rebuildIndexes: [], keptIndexesBecause });
      // Indexes in place: one COPY per batch, each committed, so feeds and readers keep going.
      while (written < options.events) {
        await client.query('BEGIN');
        await copyRows(
          client,
          'health_events',
          HISTORY_COLUMNS,
          pieces(Math.min(batchSize, options.events - written), batchSize),
        );
        await client.query('COMMIT');
      }
      loadSeconds = (performance.now() - began) / 1000;
    } else {
      await client.query('BEGIN');
      // Waiting long for the table would make every other session queue behind us.
      await client.query(`SET LOCAL lock_timeout = ${Math.round(options.lockTimeoutMs ?? 10_000)}`);
      await client.query('LOCK TABLE health_events IN ACCESS EXCLUSIVE MODE').catch((error: { code?: string }) => {
        if (error.code !== '55P03') throw error;
        throw new Error(
          'health_events is in use by another session (a running dashboard or simulator?); stop it, or keep the indexes (--keep-indexes)',
          { cause: error },
        );
      });
      await client.query('RESET lock_timeout');
      for (const index of await rebuildableIndexes(client)) {
        // One that cannot go (another table's foreign key needs it) simply stays.
        await client.query('SAVEPOINT drop_index');
        try {
          await client.query(index.drop);
          dropped.push(index);
        } catch {
          await client.query('ROLLBACK TO SAVEPOINT drop_index');
        }
      }
      options.onStart?.({ rebuildIndexes: dropped.map((index) => index.name) });
      await copyRows(client, 'health_events', HISTORY_COLUMNS, pieces(options.events, batchSize));
      loadSeconds = (performance.now() - began) / 1000;
      for (const [done, index] of dropped.entries()) {
        const at = performance.now();
        await client.query(index.create);
        options.onIndex?.({
          name: index.name,
          done: done + 1,
          of: dropped.length,
          seconds: (performance.now() - at) / 1000,
        });
      }
      await client.query('COMMIT');
      await client.query('ANALYZE health_events');
      indexSeconds = (performance.now() - began) / 1000 - loadSeconds;
    }
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    failure = error;
    throw error;
  } finally {
    await client.end().catch(() => {});
    // The rollback (or the server, for a client that is gone) restores every dropped index; this
    // checks it and makes again any that is missing, so no path can leave the table without one.
    try {
      await restoreMissingIndexes(connectionString, dropped);
    } catch (restoreError) {
      const names = dropped.map((index) => index.name).join(', ');
      const message = `backfill could not check that health_events still has its indexes (${names}): ${(restoreError as Error).message}`;
      if (failure) (failure as Error).message += `; and ${message}`;
      else throw new Error(message, { cause: restoreError });
    }
  }
  const seconds = (performance.now() - began) / 1000;
  return {
    written,
    seconds,
    perSecond: Math.round(written / seconds),
    loadSeconds,
    loadPerSecond: Math.round(written / loadSeconds),
    indexSeconds,
    rebuiltIndexes: dropped.map((index) => index.name),
    keptIndexesBecause,
    skippedChangelog,
  };
}

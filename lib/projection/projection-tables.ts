// The kept node projection's tables in the console database (migration
// 20261207000200_console_node_projection): its state row, its build pages and one row per node;
// and the roll-ups kept with it (20261207000300_console_event_counts, ./event-counts.ts).
// Every write that moves the checkpoint writes the rows it stands for in the same transaction, and
// every write first checks, in that transaction, that its writer holds the lease (projection-lease.ts).
import type pg from 'pg';

import type { NodeRecordData } from '../node-state/node-projection';
import type { FeedCheckpoint } from '../store';
import { COUNT_SPANS, ROLLUP_VERSION, SPAN_KEPT_MS, type EventCountRow } from './event-counts';
import { LeaseLostError, PROJECTION_LEASE, type LeaseHold } from './projection-lease';

/** The one projection kept so far; the tables name it so that others (roll-ups) can sit beside it. */
const NAME = 'nodes';
/** Rows per statement when loading or saving many nodes. */
const ROWS_PER_STATEMENT = 2_000;
/** How often the keeper's saves also remove roll-up rows that aged out. */
const PRUNE_EVERY_MS = 10 * 60_000;

export type ProjectionPhase = 'building' | 'live';

export interface ProjectionStateRow {
  datastore: string;
  phase: ProjectionPhase;
  checkpoint: FeedCheckpoint;
  recordVersion: number;
  /** The roll-ups' version (ROLLUP_VERSION; 0: built before roll-ups were kept). */
  rollupVersion: number;
  nodesTotal: number | null;
  nodesBuilt: number;
  lastBuiltNode: string | null;
  buildStartedAt: Date;
  buildFinishedAt: Date | null;
  /** When the keeper last wrote the state (its last save), by the database's clock. */
  updatedAt: Date;
}

export interface ProjectionPage {
  page: number;
  checkpoint: FeedCheckpoint;
}

export interface KeptRecord {
  record: NodeRecordData;
  /** The build page that read the node; null for a node the feed brought after its build. */
  page: number | null;
}

export class ProjectionTables {
  /** Reads go here: the pool, or one client inside a consistent read (`consistently`). */
  private readonly reader: Pick<pg.Pool, 'query'>;
  private prunedAt = 0;

  constructor(
    private readonly pool: pg.Pool,
    reader?: pg.PoolClient,
  ) {
    this.reader = reader ?? pool;
  }

  /**
   * `work` reads through tables whose reads all see one moment (REPEATABLE READ, READ ONLY on one
   * connection): the state's checkpoint and the rows it stands for, while the keeper goes on saving.
   */
  async consistently<T>(work: (tables: ProjectionTables) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const result = await work(new ProjectionTables(this.pool, client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async state(): Promise<ProjectionStateRow | null> {
    const { rows } = await this.reader.query<{
      datastore: string;
      phase: ProjectionPhase;
      checkpoint: string;
      record_version: number;
      rollup_version: number;
      nodes_total: number | null;
      nodes_built: number;
      last_built_node: string | null;
      build_started_at: Date;
      build_finished_at: Date | null;
      updated_at: Date;
    }>(
      `SELECT datastore, phase, checkpoint, record_version, rollup_version, nodes_total, nodes_built, last_built_node,
              build_started_at, build_finished_at, updated_at
       FROM console_projection_state WHERE name = $1`,
      [NAME],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      datastore: row.datastore,
      phase: row.phase,
      checkpoint: row.checkpoint,
      recordVersion: row.record_version,
      rollupVersion: row.rollup_version,
      nodesTotal: row.nodes_total,
      nodesBuilt: row.nodes_built,
      lastBuiltNode: row.last_built_node,
      buildStartedAt: row.build_started_at,
      buildFinishedAt: row.build_finished_at,
      updatedAt: row.updated_at,
    };
  }

  async pages(): Promise<ProjectionPage[]> {
    const { rows } = await this.reader.query<{ page: number; checkpoint: string }>(
      `SELECT page, checkpoint FROM console_projection_pages ORDER BY page`,
    );
    return rows;
  }

  /** Every kept node, in name order, handed over a statement's worth at a time (bounded memory). */
  async loadRecords(onRecords: (records: KeptRecord[]) => void): Promise<number> {
    let after: string | null = null;
    let loaded = 0;
    for (;;) {
      const { rows }: pg.QueryResult<{ node_name: string; page: number | null; record: NodeRecordData }> =
        await this.reader.query(
          `SELECT node_name, page, record FROM console_node_projection
           WHERE $1::text IS NULL OR node_name > $1 ORDER BY node_name LIMIT $2`,
          [after, ROWS_PER_STATEMENT],
        );
      if (rows.length === 0) return loaded;
      onRecords(rows.map((row) => ({ record: row.record, page: row.page })));
      loaded += rows.length;
      after = rows[rows.length - 1].node_name;
    }
  }

  /** The rows of the build's pages from `page` on, and the next page to ask for (a follower showing a build's progress). */
  async pagesFrom(page: number): Promise<{ records: NodeRecordData[]; next: number }> {
    const { rows } = await this.reader.query<{ page: number; record: NodeRecordData }>(
      `SELECT page, record FROM console_node_projection WHERE page >= $1 ORDER BY page, node_name`,
      [page],
    );
    return {
      records: rows.map((row) => row.record),
      next: rows.length === 0 ? page : rows[rows.length - 1].page + 1,
    };
  }

  /** Starts a build from nothing: every kept row, page and count goes, the state says building from `checkpoint`. */
  async beginBuild(
    hold: LeaseHold,
    build: { datastore: string; checkpoint: FeedCheckpoint; recordVersion: number; nodesTotal: number },
  ) {
    await this.transaction(hold, async (client) => {
      await client.query(`DELETE FROM console_node_projection`);
      await client.query(`DELETE FROM console_projection_pages`);
      await client.query(`DELETE FROM console_event_counts`);
      await client.query(
        `INSERT INTO console_projection_state (name, datastore, phase, checkpoint, record_version, rollup_version, nodes_total,
                                               nodes_built, last_built_node, build_started_at, build_finished_at, updated_at)
         VALUES ($1, $2, 'building', $3, $4, $6, $5, 0, NULL, now(), NULL, now())
         ON CONFLICT (name) DO UPDATE SET datastore = EXCLUDED.datastore, phase = 'building', checkpoint = EXCLUDED.checkpoint,
           record_version = EXCLUDED.record_version, rollup_version = EXCLUDED.rollup_version,
           nodes_total = EXCLUDED.nodes_total, nodes_built = 0,
           last_built_node = NULL, build_started_at = now(), build_finished_at = NULL, updated_at = now()`,
        [NAME, build.datastore, build.checkpoint, build.recordVersion, build.nodesTotal, ROLLUP_VERSION],
      );
    });
  }

  /** One page of the build: its nodes' rows and event counts, its checkpoint and the progress, together. */
  async savePage(
    hold: LeaseHold,
    page: number,
    checkpoint: FeedCheckpoint,
    records: NodeRecordData[],
    counts: EventCountRow[] = [],
  ): Promise<void> {
    if (records.length === 0) return;
    await this.transaction(hold, async (client) => {
      await upsertRecords(client, records, page);
      await addCounts(client, counts);
      await client.query(
        `INSERT INTO console_projection_pages (page, checkpoint, first_node, last_node, nodes) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (page) DO UPDATE SET checkpoint = EXCLUDED.checkpoint, first_node = EXCLUDED.first_node,
           last_node = EXCLUDED.last_node, nodes = EXCLUDED.nodes, built_at = now()`,
        [page, checkpoint, records[0].name, records[records.length - 1].name, records.length],
      );
      await client.query(
        `UPDATE console_projection_state SET nodes_built = nodes_built + $2, last_built_node = $3, updated_at = now()
         WHERE name = $1`,
        [NAME, records.length, records[records.length - 1].name],
      );
    });
  }

  async finishBuild(hold: LeaseHold): Promise<void> {
    await this.transaction(hold, async (client) => {
      await client.query(
        `UPDATE console_projection_state SET phase = 'live', build_finished_at = now(), updated_at = now() WHERE name = $1`,
        [NAME],
      );
    });
  }

  /**
   * Nodes the feed changed, the events it inserted counted into the roll-ups, and the checkpoint
   * after those changes, in one transaction.
   */
  async save(
    hold: LeaseHold,
    records: NodeRecordData[],
    checkpoint: FeedCheckpoint,
    counts: EventCountRow[] = [],
  ): Promise<void> {
    const prune = Date.now() - this.prunedAt > PRUNE_EVERY_MS;
    await this.transaction(hold, async (client) => {
      await upsertRecords(client, records, null);
      await addCounts(client, counts);
      if (prune) await pruneCounts(client);
      await client.query(`UPDATE console_projection_state SET checkpoint = $2, updated_at = now() WHERE name = $1`, [
        NAME,
        checkpoint,
      ]);
    });
    if (prune) this.prunedAt = Date.now();
  }

  /**
   * `work` in one transaction that first checks `hold` is the lease's current holder and epoch,
   * unexpired, and keeps the lease row share-locked until it commits: a takeover waits for it, and
   * a writer whose lease was taken over writes nothing (LeaseLostError).
   */
  private async transaction(hold: LeaseHold, work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query(
        `SELECT 1 FROM console_leases WHERE name = $1 AND holder = $2 AND epoch = $3::bigint AND expires_at > now() FOR SHARE`,
        [PROJECTION_LEASE, hold.holder, hold.epoch],
      );
      if (rows.length === 0)
        throw new LeaseLostError(
          `${hold.holder} no longer holds the projection's lease (epoch ${hold.epoch}): nothing written`,
        );
      await work(client);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
}

/**
 * Writes the records, a statement's worth at a time. `page` null keeps the page a row already has
 * (a node read by the build stays on its page, whose checkpoint still guards it).
 */
async function upsertRecords(client: pg.PoolClient, records: NodeRecordData[], page: number | null): Promise<void> {
  for (let start = 0; start < records.length; start += ROWS_PER_STATEMENT) {
    const chunk = records.slice(start, start + ROWS_PER_STATEMENT);
    await client.query(
      `INSERT INTO console_node_projection (node_name, page, record, updated_at)
       SELECT name, $2::int, record, now() FROM unnest($1::text[], $3::jsonb[]) AS kept(name, record)
       ON CONFLICT (node_name) DO UPDATE SET record = EXCLUDED.record, updated_at = now(),
         page = COALESCE(EXCLUDED.page, console_node_projection.page)`,
      [chunk.map((record) => record.name), page, chunk.map((record) => JSON.stringify(record))],
    );
  }
}

/** Adds the counts to the roll-ups' rows (made when new), a statement's worth at a time. */
async function addCounts(client: pg.PoolClient, counts: EventCountRow[]): Promise<void> {
  for (let start = 0; start < counts.length; start += ROWS_PER_STATEMENT) {
    const chunk = counts.slice(start, start + ROWS_PER_STATEMENT);
    await client.query(
      `INSERT INTO console_event_counts (span_seconds, dimension, bucket, value, is_fatal, count)
       SELECT * FROM unnest($1::int[], $2::text[], $3::timestamptz[], $4::text[], $5::boolean[], $6::bigint[])
       ON CONFLICT (span_seconds, dimension, bucket, value, is_fatal)
       DO UPDATE SET count = console_event_counts.count + EXCLUDED.count`,
      [
        chunk.map((row) => row.spanSeconds),
        chunk.map((row) => row.dimension),
        chunk.map((row) => new Date(row.bucket)),
        chunk.map((row) => row.value),
        chunk.map((row) => row.isFatal),
        chunk.map((row) => row.count),
      ],
    );
  }
}

/** Removes the rows of spans kept for a while only (minutes) that have aged out. */
async function pruneCounts(client: pg.PoolClient): Promise<void> {
  for (const span of COUNT_SPANS) {
    const kept = SPAN_KEPT_MS[span];
    if (kept === null) continue;
    await client.query(
      `DELETE FROM console_event_counts WHERE span_seconds = $1 AND bucket < now() - make_interval(secs => $2)`,
      [span, kept / 1_000 + span],
    );
  }
}

// Consumer lag (issue 18): `store.consumers().lag()` with the usual 4 consumers and with 10 at
// mixed positions, beside the implementation before issue 18 (BASELINE below, kept here as it
// was), taken in turns in the same run. The live hub reads lag every 2 s and the Pipeline page and
// /metrics on every request: the goal is p95 < 20 ms however many consumers there are.
//
// A fresh database with a changelog of `rows` changes (copies of one real health-event change,
// times ascending with ids, as a steady writer leaves them), then:
//   - 4 consumers, as the queries benchmark has them: the three pipeline consumers 1,000 changes
//     behind and the live hub's consumer at the head;
//   - 10 consumers: those 4, plus a console consumer at the beginning (the whole changelog behind),
//     one half-way, one whose position retention removed (position lost), NVSentinel's own
//     health-events-analyzer half-way and janitor at the head (their tokens in resume_tokens, in
//     NVSentinel's format, written before the store's first reading), and a twin keeping
//     NVSentinel's format ('nvsentinel-legacy') at the head.
import pg from 'pg';

import { PIPELINE_CONSUMERS } from '../../lib/simulator/cluster-simulator';
import { EventGenerator } from '../../lib/simulator/event-generator';
import { openDataStore, type DataStore } from '../../lib/store';
import type { ConsumerLagFigures } from '../../lib/store/feed/consumer-lag';
import {
  changedAtText,
  detectChangelogOrder,
  NVSENTINEL_UNREAD,
  nvsentinelCursorTime,
  type ChangelogOrder,
  type StoredToken,
} from '../../lib/store/providers/postgres/feed/changelog-order';
import { commitOrder } from '../../lib/store/providers/postgres/feed/commit-order';
import {
  COMMIT_ORDER,
  aboveArrays,
  passedAbove,
  type FeedState,
} from '../../lib/store/providers/postgres/feed/feed-position';
import { idOrder, type IdOrderState } from '../../lib/store/providers/postgres/feed/id-order';
import { PostgresConnection } from '../../lib/store/providers/postgres/postgres-connection';
import { freshDatabase, type BenchDatabase } from './bench-database';
import { percentiles, type Percentiles } from './delivery-latency';

export interface ConsumerLagRow {
  consumers: number;
  /** What the consumers are, in words. */
  positions: string;
  sdk: Percentiles;
  baseline: Percentiles;
  /** The store's first reading (no runs before it): tokens older than it are searched in full once. */
  firstReadingMs: number;
  /** Each consumer's documents behind: now (≈ when estimated) and by the baseline. */
  figures: { consumer: string; documentsBehind: string; baseline: string }[];
}

export interface ConsumerLagBench {
  changelogRows: number;
  order: 'id' | 'commit';
  runs: number;
  rows: ConsumerLagRow[];
}

// ---------------------------------------------------------------------------------------------
// BASELINE: PostgresConsumerRegistry.lag() before issue 18, copied unchanged in what it asks the
// database (one consumer after another; every consumer's rows behind counted up to 1,000,000;
// NVSentinel's tokens counted over the whole changelog). Only for this comparison.
// ---------------------------------------------------------------------------------------------
const BASELINE_CAP = 1_000_000;

async function baselineBehind(
  connection: PostgresConnection,
  order: ChangelogOrder<unknown>,
  state: unknown,
): Promise<{ count: number; firstAt: Date | null }> {
  if (order.kind === 'id') {
    const id = state as IdOrderState;
    const result = await connection.query<{ n: string; first_at: Date | null }>(
      'bench.baseline',
      `SELECT count(*) AS n, min(changed_at) AS first_at FROM (
         (SELECT changed_at FROM datastore_changelog WHERE id > $1::bigint LIMIT ${BASELINE_CAP})
         UNION ALL
         SELECT changelog.changed_at FROM unnest($2::bigint[], $3::bigint[]) AS gap(lo, hi)
           CROSS JOIN LATERAL (SELECT changed_at FROM datastore_changelog WHERE id BETWEEN gap.lo AND gap.hi) changelog
       ) behind`,
      [id.top.toString(), id.gaps.map((gap) => gap.from.toString()), id.gaps.map((gap) => gap.to.toString())],
    );
    return { count: Math.min(BASELINE_CAP, Number(result.rows[0].n)), firstAt: result.rows[0].first_at };
  }
  const commit = state as FeedState;
  const noted = commit.above.length > 0;
  const result = await connection.query<{ n: string; first_at: Date | null }>(
    'bench.baseline',
    `SELECT count(*) AS n, min(changed_at) AS first_at FROM (SELECT changed_at FROM datastore_changelog changelog
       WHERE (${COMMIT_ORDER}, id) > ($1::text::xid8, $2::bigint) ${noted ? `AND NOT ${passedAbove('$3', '$4')}` : ''}
       LIMIT ${BASELINE_CAP}) behind`,
    [commit.base.txid.toString(), commit.base.id.toString(), ...(noted ? aboveArrays(commit) : [])],
  );
  return { count: Number(result.rows[0].n), firstAt: result.rows[0].first_at };
}

async function baselineNvsentinelBehind(connection: PostgresConnection, token: StoredToken) {
  const { timestamp, eventId } = await nvsentinelCursorTime(connection, token);
  const result = await connection.query<{ n: string; first_at: Date | null }>(
    'bench.baseline',
    `SELECT count(*) AS n, min(changed_at) AS first_at FROM (SELECT changed_at FROM datastore_changelog
       WHERE table_name = $3 AND ${NVSENTINEL_UNREAD} LIMIT ${BASELINE_CAP}) behind`,
    [timestamp, eventId, 'health_events'],
  );
  return { count: Number(result.rows[0].n), firstAt: result.rows[0].first_at, position: `${timestamp}/${eventId}` };
}

/** The baseline's lag(): the same figures, one consumer after another. */
async function baselineLag(
  connection: PostgresConnection,
  order: ChangelogOrder<unknown>,
): Promise<ConsumerLagFigures[]> {
  const head = await connection.query<{ changed_at: Date | null }>(
    'bench.baseline',
    `SELECT c.changed_at FROM datastore_changelog c ORDER BY c.id DESC LIMIT 1`,
  );
  const headTime = head.rows[0]?.changed_at ?? null;
  const [tokens, consumers] = await Promise.all([
    connection.query<{ client_name: string; resume_token: StoredToken; last_updated: Date | null }>(
      'bench.baseline',
      `SELECT client_name, resume_token, last_updated FROM resume_tokens`,
    ),
    connection.query<{
      client_name: string;
      resume_token: StoredToken | null;
      position_store: string;
      last_updated: Date | null;
      last_seen_at: Date | null;
      position_lost_at: Date | null;
      position_lost_reason: string | null;
    }>(
      'bench.baseline',
      `SELECT client_name, resume_token, position_store, last_updated, last_seen_at, position_lost_at, position_lost_reason FROM console_consumers`,
    ),
  ]);
  const theirs = new Map(tokens.rows.map((row) => [row.client_name, row]));
  const ours = new Map(consumers.rows.map((row) => [row.client_name, row]));
  const figures: ConsumerLagFigures[] = [];
  for (const name of [...new Set([...theirs.keys(), ...ours.keys()])].sort()) {
    const consumer = ours.get(name) ?? {
      client_name: name,
      resume_token: null,
      position_store: 'nvsentinel-legacy',
      last_updated: null,
      last_seen_at: null,
      position_lost_at: null,
      position_lost_reason: null,
    };
    const inResumeTokens = consumer.position_store !== 'console';
    const token = inResumeTokens ? theirs.get(name)?.resume_token : consumer.resume_token;
    let behind: { count: number; firstAt: Date | null; position: string } | undefined;
    if (token && !consumer.position_lost_at) {
      const ourToken = token.txid !== undefined || token.top !== undefined;
      if (consumer.position_store === 'nvsentinel-legacy' || !ourToken)
        behind = await baselineNvsentinelBehind(connection, token);
      else {
        const state = await order.fromToken(connection, token);
        behind = { ...(await baselineBehind(connection, order, state)), position: order.describe(state) };
      }
    }
    figures.push({
      consumer: name,
      position: behind?.position ?? null,
      positionTime: token?.timestamp ? new Date(token.timestamp) : null,
      headTime,
      lagSeconds:
        behind === undefined
          ? null
          : behind.count === 0 || !headTime || !behind.firstAt
            ? 0
            : Math.max(0, (headTime.getTime() - behind.firstAt.getTime()) / 1000),
      documentsBehind: behind?.count ?? null,
      documentsBehindCapped: behind !== undefined && behind.count >= BASELINE_CAP,
      positionKnown: behind !== undefined,
      positionLost: consumer.position_lost_at ? { at: consumer.position_lost_at, reason: '' } : null,
      lastAckAt: null,
      lastSeenAt: consumer.last_seen_at,
    });
  }
  return figures;
}
// ------------------------------------------------------------------------------ end of BASELINE

/**
 * `rows` changelog rows: one real health-event change, then copies of it a millisecond apart, ids
 * and times ascending and the last one a second ago (later writes come after them in both).
 */
async function fillChangelog(store: DataStore, raw: pg.Pool, rows: number): Promise<void> {
  await store.healthEvents().insertMany(new EventGenerator({ seed: 18, nodes: 50 }).batch(1, new Date(), 1));
  for (let written = 1; written < rows; written += 100_000) {
    await raw.query(
      `INSERT INTO datastore_changelog (table_name, record_id, operation, new_values, changed_at)
       SELECT first.table_name, gen_random_uuid(), first.operation, first.new_values,
              now() - interval '1 second' - make_interval(secs => ($3::int - $1::int - step) * 0.001)
       FROM (SELECT * FROM datastore_changelog ORDER BY id LIMIT 1) first CROSS JOIN generate_series(0, $2::int - 1) step`,
      [written, Math.min(100_000, rows - written), rows],
    );
  }
  // The real change, first in id order, first in time too.
  await raw.query(
    `UPDATE datastore_changelog SET changed_at = now() - interval '1 second' - make_interval(secs => $1::int * 0.001)
     WHERE id = (SELECT min(id) FROM datastore_changelog)`,
    [rows],
  );
  await raw.query('VACUUM ANALYZE datastore_changelog');
}

/** The console's consumer `name` stored at the changelog id `at` (its own token format, either order). */
async function placeConsumer(store: DataStore, raw: pg.Pool, name: string, order: 'id' | 'commit', at: number) {
  await store.consumers().register(name, { startAt: 'beginning' });
  const row = await raw.query<{ txid: string | null; time: string }>(
    `SELECT ${order === 'commit' ? `${COMMIT_ORDER}::text` : 'NULL'} AS txid, ${changedAtText()} AS time FROM datastore_changelog WHERE id = $1`,
    [at],
  );
  const time = row.rows[0]?.time ?? '1970-01-01T00:00:00.000000Z';
  const token =
    order === 'commit'
      ? { timestamp: time, eventID: at, txid: row.rows[0]?.txid ?? '0' }
      : { timestamp: time, eventID: at, top: String(at) };
  await raw.query(`UPDATE console_consumers SET resume_token = $2 WHERE client_name = $1`, [
    name,
    JSON.stringify(token),
  ]);
}

/** NVSentinel's own consumer `name`, its token in resume_tokens at the changelog id `at`, as its watcher writes it. */
async function placeNvsentinelConsumer(raw: pg.Pool, name: string, at: number) {
  const row = await raw.query<{ time: string }>(
    `SELECT ${changedAtText()} AS time FROM datastore_changelog WHERE id = $1`,
    [at],
  );
  await raw.query(
    `INSERT INTO resume_tokens (client_name, resume_token, last_updated) VALUES ($1, $2, NOW())
     ON CONFLICT (client_name) DO UPDATE SET resume_token = EXCLUDED.resume_token`,
    [name, JSON.stringify({ timestamp: row.rows[0]?.time ?? '1970-01-01T00:00:00Z', eventID: at })],
  );
}

function shown(figures: ConsumerLagFigures): string {
  if (figures.positionLost) return 'position lost';
  if (figures.documentsBehind === null) return 'unknown';
  return `${figures.documentsBehindEstimated ? '≈' : ''}${figures.documentsBehind.toLocaleString()}${figures.documentsBehindCapped ? '+' : ''}`;
}

/** The SDK's and the baseline's lag taken in turns (drift on a shared machine hits both alike), after one warm run each. */
async function measure(
  runs: number,
  consumers: number,
  positions: string,
  openStore: () => Promise<DataStore>,
  baseline: () => Promise<ConsumerLagFigures[]>,
): Promise<ConsumerLagRow> {
  // A new store, so its first reading is one a starting console makes.
  const store = await openStore();
  try {
    const started = performance.now();
    const first = await store.consumers().lag();
    const firstReadingMs = Math.round((performance.now() - started) * 10) / 10;
    if (first.length !== consumers) throw new Error(`expected ${consumers} consumers, lag() read ${first.length}`);
    const samples = { sdk: [] as number[], baseline: [] as number[] };
    let last = { sdk: first, baseline: [] as ConsumerLagFigures[] };
    for (let run = -1; run < runs; run += 1) {
      for (const side of ['sdk', 'baseline'] as const) {
        const begun = performance.now();
        const figures = side === 'sdk' ? await store.consumers().lag() : await baseline();
        if (run >= 0) samples[side].push(performance.now() - begun);
        last = { ...last, [side]: figures };
      }
    }
    const byName = new Map(last.baseline.map((figures) => [figures.consumer, figures]));
    return {
      consumers,
      positions,
      sdk: percentiles(samples.sdk),
      baseline: percentiles(samples.baseline),
      firstReadingMs,
      figures: last.sdk.map((figures) => ({
        consumer: figures.consumer,
        documentsBehind: shown(figures),
        baseline: byName.has(figures.consumer) ? shown(byName.get(figures.consumer)!) : '—',
      })),
    };
  } finally {
    await store.close();
  }
}

export async function consumerLagBench(
  database: BenchDatabase,
  options: { quick: boolean },
): Promise<ConsumerLagBench> {
  const rows = options.quick ? 100_000 : 1_000_000;
  const runs = options.quick ? 20 : 50;
  const behindPipeline = 1_000;
  const fresh = await freshDatabase(database, 'consumer-lag');
  const raw = new pg.Pool({ connectionString: fresh.url, max: 2 });
  const connection = new PostgresConnection({ connectionString: fresh.url, poolSize: 2 });
  const open = () => openDataStore({ provider: 'postgresql', connectionString: fresh.url });
  const setup = await open();
  try {
    const orderKind = await detectChangelogOrder(connection);
    const order = (orderKind === 'commit' ? commitOrder : idOrder) as ChangelogOrder<unknown>;
    console.log(`  changelog of ${rows.toLocaleString()} rows (${orderKind} order)…`);
    await fillChangelog(setup, raw, rows - behindPipeline);
    const filled = rows - behindPipeline;
    for (const name of PIPELINE_CONSUMERS) await placeConsumer(setup, raw, name, orderKind, filled);
    await setup
      .healthEvents()
      .insertMany(new EventGenerator({ seed: 19, nodes: 50 }).batch(behindPipeline, new Date(), 1));
    await setup.consumers().register('sentinel-console-live', { startAt: 'now' });
    const baseline = () => baselineLag(connection, order);
    const results: ConsumerLagRow[] = [];
    console.log('  4 consumers…');
    results.push(
      await measure(
        runs,
        4,
        `the 3 pipeline consumers ${behindPipeline.toLocaleString()} behind, the live hub's at the head`,
        open,
        baseline,
      ),
    );

    const head = Number(
      (await raw.query<{ id: string }>('SELECT max(id)::text AS id FROM datastore_changelog')).rows[0].id,
    );
    await placeConsumer(setup, raw, 'lag-from-beginning', orderKind, 0);
    await placeConsumer(setup, raw, 'lag-half-way', orderKind, Math.round(head / 2));
    await placeConsumer(setup, raw, 'lag-position-lost', orderKind, Math.round(head / 2));
    await raw.query(
      `UPDATE console_consumers SET position_lost_at = NOW(), position_lost_reason = 'changelog retention removed changes it had not read' WHERE client_name = 'lag-position-lost'`,
    );
    await placeNvsentinelConsumer(raw, 'health-events-analyzer', Math.round(head / 2));
    await placeNvsentinelConsumer(raw, 'janitor', head);
    await setup
      .consumers()
      .register('lag-nvsentinel-format-twin', { startAt: 'now', positionStore: 'nvsentinel-legacy' });
    console.log('  10 consumers…');
    results.push(
      await measure(
        runs,
        10,
        "those 4; a console consumer at the beginning and one half-way; one position lost; NVSentinel's health-events-analyzer half-way and janitor at the head (resume_tokens); a twin in NVSentinel's format at the head",
        open,
        baseline,
      ),
    );
    return { changelogRows: rows, order: orderKind, runs, rows: results };
  } finally {
    await setup.close();
    await connection.close();
    await raw.end();
    await fresh.drop();
  }
}

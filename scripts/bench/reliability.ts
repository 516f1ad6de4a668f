// The Reliability page's read (issue 19) over 24 hours and 7 days of a backfilled history (30 days
// of N nodes and M events, made processed as the pipeline leaves them): the read model as the page
// runs it (quarantineHistory, the decided events only, picked by NVSentinel's node_quarantined column
// through the created_at index, then incidents and figures in JS), beside the naive read measured in
// the same run on the same data: every event of the range read whole, in keyset pages of 20,000,
// decoded and made into the same figures in JS. Both must count the same incidents.
import pg from 'pg';

import { incidentsFrom } from '../../lib/queries/reliability-incidents';
import { readReliability } from '../../lib/queries/reliability';
import { RELIABILITY_RANGES, reliabilityFigures, type ReliabilityRange } from '../../lib/queries/reliability-view';
import { backfill } from '../../lib/simulator/backfill';
import { openDataStore, type DataStore, type PageCursor, type QuarantineHistoryEvent } from '../../lib/store';
import { QUARANTINE_HISTORY_SQL } from '../../lib/store/postgres';
import { freshDatabase, type BenchDatabase } from './bench-database';
import { percentiles, type Percentiles } from './delivery-latency';

export interface ReliabilityRow {
  range: ReliabilityRange;
  eventsInRange: number;
  decisionsRead: number;
  incidents: number;
  sdk: Percentiles;
  baseline: Percentiles;
  /** The indexes the read's plan uses (EXPLAIN), or its sequential scans. */
  plan: string;
}

export interface ReliabilityBench {
  nodes: number;
  events: number;
  backfillSeconds: number;
  rows: ReliabilityRow[];
}

const RANGES: ReliabilityRange[] = ['24h', '7d'];
const PAGE = 10_000;

/** Every event of the range read whole through the SDK, page by page, the decided ones made into figures in JS. */
async function naiveRead(store: DataStore, range: ReliabilityRange, now: number): Promise<number> {
  const from = new Date(now - RELIABILITY_RANGES[range].ms);
  const decided: QuarantineHistoryEvent[] = [];
  let after: PageCursor | undefined;
  do {
    const page = await store.healthEvents().find({ from, to: new Date(now) }, { limit: PAGE, after });
    for (const event of page.items) {
      if (!event.status.nodeQuarantined) continue;
      const { recordId, createdAt, healthEvent, status } = event;
      const { nodeName, agent, checkName, generatedTimestamp } = healthEvent;
      decided.push({ recordId, createdAt, nodeName, agent, checkName, generatedTimestamp, status });
    }
    after = page.next;
  } while (after);
  const figures = reliabilityFigures(incidentsFrom(decided), { range, by: 'check', from: from.getTime(), to: now });
  return figures.incidents;
}

async function planOf(pool: pg.Pool, from: Date, to: Date): Promise<string> {
  const result = await pool.query(`EXPLAIN (FORMAT JSON) ${QUARANTINE_HISTORY_SQL}`, [from, to]);
  const names = new Set<string>();
  const walk = (node: Record<string, unknown>) => {
    if (typeof node['Index Name'] === 'string') names.add(`${node['Node Type']} on ${node['Index Name']}`);
    if (node['Node Type'] === 'Seq Scan') names.add(`Seq Scan on ${String(node['Relation Name'])}`);
    for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
  };
  walk((result.rows[0]['QUERY PLAN'] as { Plan: Record<string, unknown> }[])[0].Plan);
  return [...names].join(', ') || 'no index';
}

export async function reliabilityBench(
  database: BenchDatabase,
  options: { quick: boolean; nodes?: number; events?: number },
): Promise<ReliabilityBench> {
  const nodes = options.nodes ?? (options.quick ? 2_000 : 10_000);
  const events = options.events ?? (options.quick ? 200_000 : 10_000_000);
  const runs = options.quick ? 10 : 20;
  const baselineRuns = events >= 5_000_000 ? 2 : 3;
  const fresh = await freshDatabase(database, `reliability_${events}`);
  const pool = new pg.Pool({ connectionString: fresh.url, max: 4 });
  let store: DataStore | undefined;
  try {
    let lastPrint = Date.now();
    const started = performance.now();
    await backfill(fresh.url, {
      seed: 19,
      nodes,
      events,
      days: 30,
      onProgress: ({ written, total }) => {
        if (Date.now() - lastPrint < 15_000) return;
        lastPrint = Date.now();
        console.log(`  backfill ${written.toLocaleString()} / ${total.toLocaleString()}`);
      },
    });
    const backfillSeconds = Math.round((performance.now() - started) / 100) / 10;
    await pool.query('ANALYZE health_events');
    store = await openDataStore({ provider: 'postgresql', connectionString: fresh.url });
    const rows: ReliabilityRow[] = [];
    for (const range of RANGES) {
      // One instant for every run of the range, so both sides read the same window.
      const now = Date.now();
      const from = new Date(now - RELIABILITY_RANGES[range].ms);
      const inRange = await pool.query<{ n: string }>(
        'SELECT count(*) AS n FROM health_events WHERE created_at >= $1 AND created_at < $2',
        [from, new Date(now)],
      );
      const sdk: number[] = [];
      const baseline: number[] = [];
      let view = await readReliability(store, { range, by: 'check', now }); // warm: plans cached, pages in memory
      for (let run = 0; run < runs; run += 1) {
        let at = performance.now();
        view = await readReliability(store, { range, by: 'check', now });
        sdk.push(performance.now() - at);
        if (run < baselineRuns) {
          at = performance.now();
          const incidents = await naiveRead(store, range, now);
          baseline.push(performance.now() - at);
          if (incidents !== view.incidents)
            throw new Error(`${range}: the naive read counts ${incidents} incidents, the read model ${view.incidents}`);
        }
      }
      rows.push({
        range,
        eventsInRange: Number(inRange.rows[0].n),
        decisionsRead: view.decisionsRead,
        incidents: view.incidents,
        sdk: percentiles(sdk),
        baseline: percentiles(baseline),
        plan: await planOf(pool, from, new Date(now)),
      });
    }
    return { nodes, events, backfillSeconds, rows };
  } finally {
    await store?.close();
    await pool.end();
    await fresh.drop();
  }
}

export function reliabilityTable(result: ReliabilityBench): string[] {
  const ms = (figures: Percentiles) => `${figures.p50} / ${figures.p95}`;
  return [
    `${result.nodes.toLocaleString()} nodes, ${result.events.toLocaleString()} events over 30 days (backfilled in ${result.backfillSeconds} s).`,
    '',
    '| range | events in range | decided events read | incidents | read model p50 / p95 (ms) | baseline: every event of the range read and computed in JS, p50 / p95 (ms) | p50 ratio | plan |',
    '|---|---|---|---|---|---|---|---|',
    ...result.rows.map(
      (row) =>
        `| ${row.range} | ${row.eventsInRange.toLocaleString()} | ${row.decisionsRead.toLocaleString()} | ${row.incidents.toLocaleString()} | ${ms(row.sdk)} | ${ms(row.baseline)} (${row.baseline.count} runs) | ${(row.sdk.p50 / row.baseline.p50).toFixed(2)}× | ${row.plan} |`,
    ),
  ];
}

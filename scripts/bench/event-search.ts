// The event search at scale (issue 19: p95 < 200 ms for a one-hour XID search): what GET
// /api/events computes and serializes, beside the same lookup as one plain SQL statement with `pg`
// (as a DBA would write it, planned by PostgreSQL), taken in turns. The SDK reads a short window
// first (lib/store/providers/postgres/event-search-walk.ts); the plain statement is what it would
// cost without that. The hour is the backfill's last hour (its newest event back one hour), so a
// search finds a full hour of events however long the benchmark ran before it. Rows:
//   - one XID, last hour, the first page of 100 events (each run another of the simulator's XIDs);
//   - the same grouped by node (count, fatal, first, last, the GPUs);
//   - one XID, 30 days, the first page;
//   - a check (GpuThermalWatch), last 24 hours, the first page;
//   - nothing but the last 24 hours, grouped by node: the widest grouping the console allows
//     without a node, an XID or an entity (lib/queries/events-filter.ts), every event of the day
//     read and aggregated, under the search's statement timeout.
// The plain statement's plan is printed with each row.
import type pg from 'pg';

import { parseEventSearch, type EventSearch } from '../../lib/queries/events-filter';
import { searchEvents } from '../../lib/queries/events';
import { XID_CODES } from '../../lib/simulator/event-catalog';
import type { DataStore } from '../../lib/store';
import { percentiles, type Percentiles } from './delivery-latency';

/** A row of the queries table (the shape of ./queries.ts's QueryRow). */
export interface EventSearchBenchRow {
  query: string;
  goalMs: number | null;
  sdk: Percentiles;
  raw: Percentiles | null;
  note: string;
}

const HOUR = 3_600_000;
const PAGE = 100;

const containment = (code: string) => [
  JSON.stringify({ healthevent: { errorCode: [code] } }),
  JSON.stringify({ healthevent: { errorcode: [code] } }),
];

const PAGE_SQL = `SELECT id, created_at, document FROM health_events
  WHERE (document @> $1::jsonb OR document @> $2::jsonb) AND created_at >= $3 AND created_at < $4
  ORDER BY created_at DESC, id DESC LIMIT ${PAGE + 1}`;
const grouped = (
  where: string,
) => `SELECT node_name, count(*) AS n, count(*) FILTER (WHERE fatal) AS fatal, min(created_at), max(created_at) AS last_at,
         (array_agg(DISTINCT entities))[1:64] AS entities
  FROM (SELECT node_name, created_at,
               COALESCE((document->'healthevent'->>'isFatal')::boolean, (document->'healthevent'->>'isfatal')::boolean, false) AS fatal,
               COALESCE(document->'healthevent'->'entitiesImpacted', document->'healthevent'->'entitiesimpacted', '[]'::jsonb) AS entities
        FROM health_events
        WHERE ${where} OFFSET 0) AS matched
  GROUP BY node_name ORDER BY last_at DESC, node_name LIMIT 501`;
const GROUP_SQL = grouped('(document @> $1::jsonb OR document @> $2::jsonb) AND created_at >= $3 AND created_at < $4');
const DAY_GROUP_SQL = grouped('created_at >= $1 AND created_at < $2');
const CHECK_SQL = `SELECT id, created_at, document FROM health_events
  WHERE event_type = $1 AND created_at >= $2 AND created_at < $3
  ORDER BY created_at DESC, id DESC LIMIT ${PAGE + 1}`;

/** The SDK's and the raw lookup taken in turns, so drift on a shared machine hits both alike. */
async function inTurns(
  runs: number,
  sdk: (run: number) => Promise<unknown>,
  raw: (run: number) => Promise<unknown>,
): Promise<{ sdk: Percentiles; raw: Percentiles }> {
  const samples = { sdk: [] as number[], raw: [] as number[] };
  for (let run = -1; run < runs; run += 1) {
    for (const [side, work] of [
      ['sdk', sdk],
      ['raw', raw],
    ] as const) {
      const started = performance.now();
      await work(run);
      if (run >= 0) samples[side].push(performance.now() - started);
    }
  }
  return { sdk: percentiles(samples.sdk), raw: percentiles(samples.raw) };
}

/** The indexes the statement's plan reads (EXPLAIN, without running it). */
async function indexesUsed(raw: pg.Pool, sql: string, values: unknown[]): Promise<string> {
  const result = await raw.query(`EXPLAIN (FORMAT JSON) ${sql}`, values);
  const names = new Set<string>();
  const walk = (node: Record<string, unknown>) => {
    if (typeof node['Index Name'] === 'string') names.add(`${node['Node Type']} on ${node['Index Name']}`);
    if (node['Node Type'] === 'Seq Scan') names.add(`Seq Scan on ${String(node['Relation Name'])}`);
    for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
  };
  walk((result.rows[0]['QUERY PLAN'] as { Plan: Record<string, unknown> }[])[0].Plan);
  return [...names].join(', ') || 'no index';
}

function search(query: string): EventSearch {
  const parsed = parseEventSearch(new URLSearchParams(query));
  if (!parsed.ok) throw new Error(`bench search ${query}: ${parsed.error}`);
  return parsed.search;
}

export async function eventSearchRows(store: DataStore, raw: pg.Pool, runs: number): Promise<EventSearchBenchRow[]> {
  const newest = (await raw.query<{ newest: Date }>('SELECT max(created_at) AS newest FROM health_events')).rows[0]
    .newest;
  const to = new Date(newest.getTime() + 1);
  const hourFrom = new Date(to.getTime() - HOUR);
  const dayFrom = new Date(to.getTime() - 24 * HOUR);
  const monthFrom = new Date(to.getTime() - 30 * 24 * HOUR);
  const window = (from: Date) => `from=${from.toISOString()}&to=${to.toISOString()}`;
  const xid = (run: number) => XID_CODES[Math.max(0, run) % XID_CODES.length];
  const inDay = Number(
    (
      await raw.query<{ n: string }>(
        'SELECT count(*) AS n FROM health_events WHERE created_at >= $1 AND created_at < $2',
        [dayFrom, to],
      )
    ).rows[0].n,
  );
  const counted = await raw.query<{ n: string; xid: string }>(
    `SELECT count(*) AS n, count(*) FILTER (WHERE document @> $1::jsonb OR document @> $2::jsonb) AS xid
     FROM health_events WHERE created_at >= $3 AND created_at < $4`,
    [...containment('79'), hourFrom, to],
  );
  const [inHour, xid79] = [Number(counted.rows[0].n), Number(counted.rows[0].xid)];
  const rows: EventSearchBenchRow[] = [];

  const page = await inTurns(
    runs,
    async (run) => JSON.stringify(await searchEvents(store, search(`xid=${xid(run)}&${window(hourFrom)}`))),
    (run) => raw.query(PAGE_SQL, [...containment(xid(run)), hourFrom, to]),
  );
  const pagePlan = await indexesUsed(raw, PAGE_SQL, [...containment('79'), hourFrom, to]);
  rows.push({
    query: `Event search: one XID, last hour, first page of ${PAGE} (/api/events?xid=…&range=1h)`,
    goalMs: 200,
    ...page,
    note: `${inHour.toLocaleString()} events in the hour, ${xid79.toLocaleString()} of them XID 79 (each run another of the simulator's 8 XIDs); SDK: the hour read newest first; raw SQL, the plain statement: ${pagePlan}`,
  });

  const groupedHour = await inTurns(
    runs,
    async (run) => JSON.stringify(await searchEvents(store, search(`xid=${xid(run)}&${window(hourFrom)}&view=nodes`))),
    (run) => raw.query(GROUP_SQL, [...containment(xid(run)), hourFrom, to]),
  );
  rows.push({
    query: 'Event search: one XID, last hour, grouped by node (&view=nodes)',
    goalMs: 200,
    ...groupedHour,
    note: `count, fatal, first, last and the GPUs per node; raw SQL: ${await indexesUsed(raw, GROUP_SQL, [...containment('79'), hourFrom, to])}`,
  });

  const month = await inTurns(
    runs,
    async (run) => JSON.stringify(await searchEvents(store, search(`xid=${xid(run)}&${window(monthFrom)}`))),
    (run) => raw.query(PAGE_SQL, [...containment(xid(run)), monthFrom, to]),
  );
  rows.push({
    query: `Event search: one XID, 30 days, first page of ${PAGE}`,
    goalMs: null,
    ...month,
    note: `raw SQL: ${await indexesUsed(raw, PAGE_SQL, [...containment('79'), monthFrom, to])}`,
  });

  const checks = await inTurns(
    runs,
    async () => JSON.stringify(await searchEvents(store, search(`check=GpuThermalWatch&${window(dayFrom)}`))),
    () => raw.query(CHECK_SQL, ['GpuThermalWatch', dayFrom, to]),
  );
  rows.push({
    query: `Event search: one check (GpuThermalWatch), last 24 hours, first page of ${PAGE}`,
    goalMs: null,
    ...checks,
    note: `raw SQL: ${await indexesUsed(raw, CHECK_SQL, ['GpuThermalWatch', dayFrom, to])}`,
  });
  const day = await inTurns(
    runs,
    async () => JSON.stringify(await searchEvents(store, search(`view=nodes&${window(dayFrom)}`))),
    () => raw.query(DAY_GROUP_SQL, [dayFrom, to]),
  );
  rows.push({
    query: 'Event search: nothing but the last 24 hours, grouped by node (&view=nodes, the widest unnarrowed grouping)',
    goalMs: null,
    ...day,
    note: `${inDay.toLocaleString()} events in the day, every one read and grouped; raw SQL: ${await indexesUsed(raw, DAY_GROUP_SQL, [dayFrom, to])}`,
  });
  console.log(
    `  event search: XID page ${page.sdk.p50}/${page.sdk.p95} ms (raw ${page.raw.p50}/${page.raw.p95}), by node ${groupedHour.sdk.p50}/${groupedHour.sdk.p95} ms, day by node ${day.sdk.p50}/${day.sdk.p95} ms (raw ${day.raw.p50}/${day.raw.p95}), 30 days ${month.sdk.p50}/${month.sdk.p95} ms, check 24h ${checks.sdk.p50}/${checks.sdk.p95} ms; raw plan: ${pagePlan}`,
  );
  return rows;
}

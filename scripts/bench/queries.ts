// Queries at scale (issue 8): after a backfill of N nodes and M events over 30 days, the server-side
// time of what each page asks for, p50/p95 over 50 runs, beside the same lookup in raw SQL with
// `pg` (the SDK's overhead is the ratio):
//   - the Nodes page: the live hub's projection (loaded once at start, timed too) filtered and
//     serialized, as /api/nodes does; its baseline is the raw latest-event-per-node query;
//   - the Nodes page as served (one page; one state; ?disagree=1) with a real ClusterState watching
//     the twin API server's copy of every node, beside the same read without cluster state, and the
//     informer's first list and heap (./nodes-cluster-state.ts);
//   - a node's 30-day timeline: what the node page reads for it (nodeTimeline: the chart's points,
//     only what is drawn, and the event table's first page, one statement) plus its maintenance
//     events, beside the same statement in raw SQL and the read it replaced (findByNode, newest 2,000);
//   - 24-hour throughput: the Throughput page's read model (one pass over the day's events counted
//     per 15-minute bucket, agent and fatality, and the last minute per second);
//   - consumer lag: every consumer's figures (positions, head, documents behind).
import pg from 'pg';

import { bucketWindow } from '../../lib/queries/throughput-view';
import { LiveHub } from '../../lib/live/live-hub';
import { matchesNodeFilter, parseNodeFilter } from '../../lib/node-state/node-filter';
import { NODE_PAGE_SIZE } from '../../lib/node-state/node-order';
import { EVENT_PAGE_SIZE, MAX_TIMELINE_POINTS } from '../../lib/queries/node-detail-view';
import { readThroughput } from '../../lib/queries/throughput';
import { backfill } from '../../lib/simulator/backfill';
import { PIPELINE_CONSUMERS } from '../../lib/simulator/cluster-simulator';
import { EventGenerator } from '../../lib/simulator/event-generator';
import { openDataStore, type DataStore } from '../../lib/store';
import type { BenchDatabase } from './bench-database';
import { percentiles, type Percentiles } from './delivery-latency';
import { clusterStateNodesBench, type ClusterStateNodesBench } from './nodes-cluster-state';
import { eventSearchRows } from './event-search';

/**
 * The statement of HealthEventStore.nodeTimeline on PostgreSQL written out, for the raw side:
 * $1 node, $2 from, $3 to, $4 points + 1, $5 page size, $6 message characters (200).
 */
const CURSOR_AT = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const TIMELINE_WHERE = 'WHERE node_name = $1 AND created_at >= $2 AND created_at < $3';
const TIMELINE_SQL = `SELECT id, COALESCE(document->>'createdAt', document->>'createdat', ${CURSOR_AT}) AS created,
         he->>'agent' AS agent, COALESCE(he->>'checkName', he->>'checkname') AS check_name,
         COALESCE(he->'isFatal', he->'isfatal') = 'true'::jsonb AS is_fatal,
         COALESCE(he->'isHealthy', he->'ishealthy') = 'true'::jsonb AS is_healthy,
         COALESCE(he->'errorCode', he->'errorcode') AS error_code,
         COALESCE(he->'entitiesImpacted', he->'entitiesimpacted') AS entities,
         COALESCE(he->'generatedTimestamp', he->'generatedtimestamp') AS generated, left(he->>'message', $6) AS message,
         document->'healtheventstatus' AS status, CASE WHEN n <= $5 THEN document END AS page_document,
         CASE WHEN n <= $5 THEN ${CURSOR_AT} END AS cursor_at,
         CASE WHEN n = $4 THEN (SELECT count(*) FROM health_events ${TIMELINE_WHERE}) END AS total
  FROM (SELECT newest.*, document->'healthevent' AS he, row_number() OVER (ORDER BY created_at DESC, id DESC) AS n
        FROM (SELECT id, created_at, document FROM health_events ${TIMELINE_WHERE}
              ORDER BY created_at DESC, id DESC LIMIT $4) AS newest
        OFFSET 0) AS numbered
  ORDER BY created_at DESC, id DESC`;

export interface QueryRow {
  query: string;
  goalMs: number | null;
  sdk: Percentiles;
  /** The same lookup in raw SQL; for the Nodes page, the latest event per node (what it costs without the projection). */
  raw: Percentiles | null;
  note: string;
}

export interface QueriesBench {
  nodes: number;
  events: number;
  backfillSeconds: number;
  hubStartSeconds: number;
  rows: QueryRow[];
  /** The Nodes page read with and without the cluster state (./nodes-cluster-state.ts). */
  clusterState: ClusterStateNodesBench;
}

const RUNS = 50;

async function timed(runs: number, work: (run: number) => Promise<unknown>): Promise<number[]> {
  await work(-1); // warm: plans cached, pages in memory
  const samples: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    await work(run);
    samples.push(performance.now() - started);
  }
  return samples;
}

/** The SDK's and the raw lookup taken in turns, so drift on a shared machine hits both alike. */
async function compared(
  runs: number,
  sdk: (run: number) => Promise<unknown>,
  raw: (run: number) => Promise<unknown>,
): Promise<{ sdk: number[]; raw: number[] }> {
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
  return samples;
}

/**
 * The pipeline's consumers registered and some changes through the SDK (trigger and changelog on),
 * so consumer positions, a head and documents behind exist. (Not the running simulator: its
 * fault-quarantine start-up reads every node's quarantine history, which takes many minutes on
 * 10,000,000 events; a simulator matter, not a query the pages make.)
 */
async function consumersWithBacklog(store: DataStore, events: number): Promise<void> {
  for (const name of PIPELINE_CONSUMERS) await store.consumers().register(name, { startAt: 'now' });
  const generator = new EventGenerator({ seed: 4, nodes: 200 });
  for (let written = 0; written < events; written += 500)
    await store.healthEvents().insertMany(generator.batch(500, new Date(), 1));
}

export async function queriesBench(
  database: BenchDatabase,
  options: { quick: boolean; nodes?: number; events?: number },
): Promise<QueriesBench> {
  const nodes = options.nodes ?? (options.quick ? 2_000 : 10_000);
  const events = options.events ?? (options.quick ? 200_000 : 10_000_000);
  const runs = options.quick ? 20 : RUNS;
  let lastPrint = 0;
  const filled = await backfill(database.url, {
    seed: 11,
    nodes,
    events,
    days: 30,
    onProgress: ({ written, total, perSecond }) => {
      if (Date.now() - lastPrint < 10_000) return;
      lastPrint = Date.now();
      console.log(
        `  backfill ${written.toLocaleString()} / ${total.toLocaleString()} (${Math.round(perSecond).toLocaleString()}/s)`,
      );
    },
  });
  // The same pool size as the SDK's, so parallel lookups are parallel on both sides.
  const raw = new pg.Pool({ connectionString: database.url, max: 10 });
  const store = await openDataStore({ provider: 'postgresql', connectionString: database.url });
  try {
    await raw.query('ANALYZE health_events');
    await consumersWithBacklog(store, options.quick ? 1_000 : 5_000);

    const hubStarted = performance.now();
    const hub = new LiveHub(store, { consumer: 'bench-queries-live', flushMs: 50 });
    await hub.start();
    const hubStartSeconds = (performance.now() - hubStarted) / 1000;
    const rows: QueryRow[] = [];
    let clusterState: ClusterStateNodesBench | undefined;
    const nodeNames = hub.nodes().map((view) => view.name);
    const nodeAt = (run: number) => nodeNames[((run + 1) * 7919) % nodeNames.length];

    try {
      // Nodes page: what /api/nodes computes and serializes, all nodes and one state. Its raw SQL
      // is the latest event per node, what each request would cost without the projection.
      const latestRaw = percentiles(
        // 40 s a read at 10,000,000 events: two runs say what a request would cost there.
        await timed(Math.min(runs, events >= 5_000_000 ? 2 : 10), () =>
          raw.query(
            'SELECT DISTINCT ON (node_name) id, created_at, document FROM health_events ORDER BY node_name, created_at DESC, id DESC',
          ),
        ),
      );
      for (const [label, query] of [
        ['all nodes', ''],
        ['state=unhealthy', 'state=unhealthy'],
      ] as const) {
        const filter = parseNodeFilter(new URLSearchParams(query));
        const sdk = await timed(runs, async () =>
          JSON.stringify({
            nodes: hub.nodes().filter((view) => matchesNodeFilter(view, filter)),
            counts: hub.projection.counts(),
          }),
        );
        rows.push({
          // Every matching node, as the page sent before it was paged: the goal is the served page's (below).
          query: `Every matching node (${label}) filtered and serialized, from the live projection (the Nodes page before paging)`,
          goalMs: null,
          sdk: percentiles(sdk),
          raw: label === 'all nodes' ? latestRaw : null,
          note: `${nodeNames.length.toLocaleString()} nodes in memory${label === 'all nodes' ? `; raw SQL: the latest event per node (${latestRaw.count} runs), what each request would cost without the projection` : ''}`,
        });
      }

      // The Nodes page as served now (one page, with the cluster state beside it), against the
      // same read without cluster state.
      clusterState = await clusterStateNodesBench(hub, runs);
      const labels: Record<string, string> = {
        '': 'first page of 100',
        'state=unhealthy': 'state=unhealthy',
        'disagree=1': '?disagree=1, every node looked up',
      };
      clusterState.rows.forEach((row, index) =>
        rows.push({
          query: `Nodes page with cluster state (${labels[row.query] ?? `${row.query.replace('page=', 'page ')} of ${Math.ceil(clusterState!.nodes / NODE_PAGE_SIZE).toLocaleString()}, the middle: the whole list sorted`}), ${clusterState!.nodes.toLocaleString()} nodes watched`,
          goalMs: 100,
          sdk: row.withCluster,
          raw: row.without,
          note: `raw column: the same read without cluster state, in turns (the baseline); ${row.matching.toLocaleString()} matching${
            index === 0
              ? `; the informer: ${clusterState!.cordoned.toLocaleString()} cordoned, ${clusterState!.withSession.toLocaleString()} with NVSentinel's session, first list ${clusterState!.firstListMs} ms, ${clusterState!.heapMb} MB heap after GC (node objects of ${clusterState!.objectKb} KB JSON each)`
              : row.query === 'disagree=1'
                ? '; without cluster state no node can disagree, so the baseline sorts nothing: the first page without cluster state sorts every node'
                : ''
          }`,
        }),
      );
      console.log(
        `  cluster state: ${clusterState.nodes} nodes, first list ${clusterState.firstListMs} ms, ${clusterState.heapMb} MB heap; ${clusterState.rows.map((row) => `${row.query || 'first page'} ${row.withCluster.p50}/${row.withCluster.p95} ms (without ${row.without.p50}/${row.without.p95})`).join('; ')}`,
      );

      // A node's 30-day timeline as the node page reads it: the newest MAX_TIMELINE_POINTS events
      // of the range with only what the chart, its tooltip and the GPU grid use, and the event
      // table's first page whole, in one statement (nodeTimeline), with the node's maintenance
      // events. Raw side: the same statement with `pg`, nothing decoded. Taken in turns with both,
      // the read it replaced: every event of the range (up to 2,000) as whole documents, decoded.
      // Each side reads a node of its own in each turn, so every read finds the node's rows outside
      // PostgreSQL's buffers (as a page opened on a node finds them), not left there by the side
      // before it.
      const from = () => new Date(Date.now() - 30 * 86_400_000);
      const nodeOf = (run: number, side: number) => nodeAt((run + 1) * 3 + side);
      const maintenanceSql =
        'SELECT document FROM maintenance_events WHERE node_name = $1 ORDER BY event_received_timestamp DESC';
      const sides = {
        sdk: (node: string) =>
          Promise.all([
            store.healthEvents().nodeTimeline(node, {
              from: from(),
              to: new Date(),
              points: MAX_TIMELINE_POINTS,
              pageSize: EVENT_PAGE_SIZE,
            }),
            store.maintenanceEvents().byNode(node),
          ]),
        raw: (node: string) =>
          Promise.all([
            raw.query(TIMELINE_SQL, [node, from(), new Date(), MAX_TIMELINE_POINTS + 1, EVENT_PAGE_SIZE, 200]),
            raw.query(maintenanceSql, [node]),
          ]),
        before: (node: string) =>
          Promise.all([
            store.healthEvents().findByNode(node, { from: from() }, { limit: 2_000 }),
            store.maintenanceEvents().byNode(node),
          ]),
      };
      const timeline = { sdk: [] as number[], raw: [] as number[], before: [] as number[] };
      for (let run = -1; run < runs; run += 1)
        for (const [index, side] of (['sdk', 'raw', 'before'] as const).entries()) {
          const started = performance.now();
          await sides[side](nodeOf(run, index));
          if (run >= 0) timeline[side].push(performance.now() - started);
        }
      const [timelineSdk, timelineRaw, timelineBefore] = [timeline.sdk, timeline.raw, timeline.before].map(percentiles);
      rows.push({
        query: "A node's 30-day timeline (the chart's points and the event table's first page, and maintenance)",
        goalMs: 50,
        sdk: timelineSdk,
        raw: timelineRaw,
        note: `about ${Math.round(events / nodes).toLocaleString()} events per node; raw SQL: the same statement, nothing decoded; the read it replaced (every event of the range up to 2,000, whole documents), in the same turns: ${timelineBefore.p50} / ${timelineBefore.p95} ms`,
      });
      console.log(
        `  timeline: ${timelineSdk.p50} / ${timelineSdk.p95} ms (raw SQL ${timelineRaw.p50} / ${timelineRaw.p95}; the read before ${timelineBefore.p50} / ${timelineBefore.p95})`,
      );

      // 24-hour throughput (the page's two queries: the day per bucket, agent and fatality; the
      // last minute per second). The raw side does the same work in the same window.
      const dayByAgentSql = `SELECT date_bin($3 * interval '1 second', created_at, timestamptz 'epoch') AS bucket, COALESCE(healthevent->>'agent', '') AS agent,
                                    COALESCE((healthevent->>'isFatal')::boolean, (healthevent->>'isfatal')::boolean, false) AS fatal, count(*) AS count
                             FROM (SELECT created_at, document->'healthevent' AS healthevent FROM health_events WHERE created_at >= $1 AND created_at < $2 OFFSET 0) AS events
                             GROUP BY 1, 2, 3`;
      const perSecondSql = `SELECT date_bin(interval '1 second', created_at, timestamptz 'epoch') AS second, count(*) AS count
                            FROM health_events WHERE created_at >= $1 AND created_at < $2 GROUP BY 1`;
      const throughput = await compared(
        runs,
        () => readThroughput(store, { range: '24h', by: 'agent' }),
        () => {
          const window = bucketWindow('24h', Date.now());
          return Promise.all([
            raw.query(dayByAgentSql, [new Date(window.from), new Date(window.to), window.bucketSeconds]),
            raw.query(perSecondSql, [new Date(window.to - 60_000), new Date(window.to)]),
          ]);
        },
      );
      rows.push({
        query: '24-hour throughput (96 buckets of 15 min), by agent',
        goalMs: 100,
        sdk: percentiles(throughput.sdk),
        raw: percentiles(throughput.raw),
        note: `about ${Math.round(events / 30).toLocaleString()} events in the day`,
      });

      // Consumer lag: every consumer's figures.
      const lag = await timed(runs, () => store.consumers().lag());
      const consumers = (await store.consumers().lag()).length;
      rows.push({
        query: 'Consumer lag, every consumer',
        goalMs: 20,
        sdk: percentiles(lag),
        raw: null,
        note: `${consumers} consumers`,
      });

      // The event search (issue 19), ./event-search.ts.
      rows.push(...(await eventSearchRows(store, raw, runs)));
    } finally {
      await hub.stop();
    }
    return {
      nodes,
      events,
      backfillSeconds: Math.round(filled.seconds),
      hubStartSeconds: Math.round(hubStartSeconds * 10) / 10,
      rows,
      clusterState: clusterState!,
    };
  } finally {
    await store.close();
    await raw.end();
  }
}

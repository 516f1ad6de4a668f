// Health events matching a filter, per node, on PostgreSQL: one pass over the matching rows (the
// filter's time range bounds it), grouped by `node_name` and hashed; the newest activity first.
// With neither an XID nor an entity nor a node, that pass reads every event of the window (about
// 333,000 a day at 10,000,000 events over 30 days): the console bounds such a window to 24 hours
// (lib/queries/events-filter.ts), and the server stops the statement at the search's time limit
// (./search-statement.ts) whatever the caller asked.
import { groupEntities, nodeGroupLimit, type NodeEventGroups, type NodeGroupRequest } from '../../event-search';
import type { HealthEventFilter } from '../../health-event-store';
import { walkedTable, walksTheWindow, windowHoldsFewer } from './event-search-walk';
import { buildFilter, ENTITIES, IS_FATAL } from './health-event-sql';
import type { PostgresConnection } from './postgres-connection';
import { searchStatements } from './search-statement';

/** Distinct entity lists kept per node before they are merged (each list is usually one GPU or NIC). */
const LISTS_PER_NODE = 64;

export async function groupEventsByNode(
  connection: PostgresConnection,
  filter: HealthEventFilter,
  request?: NodeGroupRequest,
  timeoutMs?: number,
): Promise<NodeEventGroups> {
  const limit = nodeGroupLimit(request);
  const sql = buildFilter(filter);
  const bind = (value: unknown) => {
    sql.values.push(value);
    return `$${sql.values.length}`;
  };
  const result = await searchStatements(
    connection,
    'healthEvents.groupByNode',
    async (query) => {
      // A short window is read through (./event-search-walk.ts says why); a long one is the planner's.
      const walk = walksTheWindow(filter) && (await windowHoldsFewer(query, filter));
      const table = walk ? walkedTable(filter, bind) : 'health_events';
      const [lists, rows] = [bind(LISTS_PER_NODE), bind(limit + 1)];
      // The fields are read once per row in a fenced subquery (as throughput does), so the
      // aggregates do not take each out of the document again.
      return query<{
        node_name: string;
        n: string;
        fatal: string;
        first_at: Date;
        last_at: Date;
        entities: unknown[] | null;
      }>(
        `SELECT node_name, count(*) AS n, count(*) FILTER (WHERE fatal) AS fatal,
                min(created_at) AS first_at, max(created_at) AS last_at,
                (array_agg(DISTINCT entities))[1:${lists}] AS entities
         FROM (SELECT node_name, created_at, ${IS_FATAL} AS fatal, ${ENTITIES} AS entities
               FROM ${table} ${sql.where()} OFFSET 0) AS matched
         GROUP BY node_name
         ORDER BY last_at DESC, node_name
         LIMIT ${rows}`,
        sql.values,
      );
    },
    timeoutMs,
  );
  return {
    groups: result.rows.slice(0, limit).map((row) => ({
      nodeName: row.node_name,
      count: Number(row.n),
      fatal: Number(row.fatal),
      firstAt: row.first_at,
      lastAt: row.last_at,
      entities: groupEntities(row.entities),
    })),
    truncated: result.rows.length > limit,
  };
}

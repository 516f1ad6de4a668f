// Health events matching a filter, per node, on PostgreSQL: one pass over the matching rows (the
// filter's time range bounds it), grouped by `node_name` and hashed; the newest activity first.
import { groupEntities, nodeGroupLimit, type NodeEventGroups, type NodeGroupRequest } from '../../event-search';
import type { HealthEventFilter } from '../../health-event-store';
import { walkedTable, walksTheWindow, windowHoldsFewer } from './event-search-walk';
import { buildFilter, ENTITIES, IS_FATAL } from './health-event-sql';
import type { PostgresConnection } from './postgres-connection';

/** Distinct entity lists kept per node before they are merged (each list is usually one GPU or NIC). */
const LISTS_PER_NODE = 64;

export async function groupEventsByNode(
  connection: PostgresConnection,
  filter: HealthEventFilter,
  request?: NodeGroupRequest,
): Promise<NodeEventGroups> {
  const limit = nodeGroupLimit(request);
  const sql = buildFilter(filter);
  const bind = (value: unknown) => {
    sql.values.push(value);
    return `$${sql.values.length}`;
  };
  // A short window is read through (./event-search-walk.ts says why); a long one is the planner's.
  const walk = walksTheWindow(filter) && (await windowHoldsFewer(connection, filter));
  const table = walk ? walkedTable(filter, bind) : 'health_events';
  const [lists, rows] = [bind(LISTS_PER_NODE), bind(limit + 1)];
  // The fields are read once per row in a fenced subquery (as throughput does), so the
  // aggregates do not take each out of the document again.
  const result = await connection.query<{
    node_name: string;
    n: string;
    fatal: string;
    first_at: Date;
    last_at: Date;
    entities: unknown[] | null;
  }>(
    'healthEvents.groupByNode',
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

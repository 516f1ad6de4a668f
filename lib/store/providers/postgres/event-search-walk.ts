// How the event search reads PostgreSQL: the time window first. A search by XID or entity over a
// short window (the one-hour XID search) reads the window's rows newest first through
// idx_health_events_created_desc and checks each, instead of asking NVSentinel's GIN index for
// every event that ever carried the code: the planner cannot tell how common a code is (it
// estimates JSONB containment at a fixed 0.01 %: 1,000 rows of 10,000,000, where XID 79 had
// 92,571), so at 10,000,000 events it chose a BitmapAnd of the whole GIN posting list with the
// hour (148 ms cold, 108 ms p95) over reading the hour's 13,889 rows, and for 30 days of a common
// XID a bitmap of 61,156 rows sorted for the first 100 (2.7 s) where the newest 20,000 rows held
// them (docs/benchmarks.md, "Event search"). So:
//   - a page (find) reads at most WALK_LIMIT of the window's newest rows and filters them; when
//     that fills the page, or the window held no more rows, the answer is complete; otherwise (a
//     rare code over a long window) the ordinary statement runs, and the planner may use the GIN.
//     The walk and the window's count are one statement, so both see one snapshot: as two, a
//     delete between them (NVSentinel's retention) could make a walk that stopped short look as
//     if it had read the whole window, and the page would end with events still unread;
//   - groupByNode walks the window when it holds fewer than WALK_LIMIT rows (counted first,
//     stopping there), else leaves the plan to the planner (either plan gives the same groups).
// A search that names a node is left to the planner too: the node's index is the selective one.
// Every statement here runs under the search's time limit (./search-statement.ts).
import { ValidationError } from '../../errors/validation-error';
import { searchFields } from '../../event-search';
import type { HealthEventFilter, Page, PageCursor, PageRequest } from '../../health-event-store';
import type { HealthEventWithStatus } from '../../model/health-event';
import { decodeRow } from './health-event-codec';
import { buildFilter, pageLimit, UUID } from './health-event-sql';
import type { PostgresConnection } from './postgres-connection';
import { searchStatements, type SearchQuery } from './search-statement';

/** Rows of a window read through newest first before the search leaves it to the planner. */
export const WALK_LIMIT = 50_000;

/** created_at as ISO 8601 text with all six digits of the fraction (a page cursor's time). */
export const CURSOR_AT = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

type Bind = (value: unknown) => string;

/**
 * The clause that continues after a cursor, the time kept as text to the microsecond: NVSentinel's
 * rows take NOW() (microseconds, one value for a whole transaction), and a JavaScript Date would
 * cut it to milliseconds, which sorts before every row of that microsecond and ends the pages early.
 */
export function cursorClause(after: PageCursor, bind: Bind): string {
  const { createdAt, recordId } = after;
  if (typeof recordId !== 'string' || !UUID.test(recordId))
    throw new ValidationError('recordId', `must be a UUID (got ${JSON.stringify(recordId)?.slice(0, 60)})`);
  if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt)))
    throw new ValidationError('page.after.createdAt', 'must be the time of a cursor this store handed out');
  return `(created_at, id) < (${bind(createdAt)}::timestamptz, ${bind(recordId)}::uuid)`;
}

/** Whether a search is read window first: it asks for a code or an entity, and names no node. */
export function walksTheWindow(filter: HealthEventFilter): boolean {
  const { errorCode, entity } = searchFields(filter);
  return (errorCode !== undefined || entity !== undefined) && filter.nodeName === undefined;
}

/** The window's own clauses (from, to, the cursor), for the rows read through. */
function windowClauses(filter: HealthEventFilter, after: PageCursor | undefined, bind: Bind): string[] {
  const clauses: string[] = [];
  if (filter.from) clauses.push(`created_at >= ${bind(filter.from)}`);
  if (filter.to) clauses.push(`created_at < ${bind(filter.to)}`);
  if (after) clauses.push(cursorClause(after, bind));
  return clauses;
}

function binder(values: unknown[]): Bind {
  return (value) => {
    values.push(value);
    return `$${values.length}`;
  };
}

const where = (clauses: string[]) => (clauses.length ? `WHERE ${clauses.join(' AND ')}` : '');

/** Whether the window holds fewer than `walkLimit` rows; counts no further than that. */
export async function windowHoldsFewer(
  query: SearchQuery,
  filter: HealthEventFilter,
  walkLimit = WALK_LIMIT,
): Promise<boolean> {
  const values: unknown[] = [];
  const clauses = windowClauses(filter, undefined, binder(values));
  const result = await query<{ n: string }>(
    `SELECT count(*) AS n FROM (SELECT 1 FROM health_events ${where(clauses)} LIMIT ${binder(values)(walkLimit)}) AS window_rows`,
    values,
  );
  return Number(result.rows[0].n) < walkLimit;
}

/**
 * The window's rows as a subquery standing for health_events, for the statement's other clauses:
 * a subquery with OFFSET is never flattened, so no condition on `document` reaches the table, and
 * the rows come through the created_at index.
 */
export function walkedTable(filter: HealthEventFilter, bind: Bind): string {
  return `(SELECT * FROM health_events ${where(windowClauses(filter, undefined, bind))} OFFSET 0) AS health_events`;
}

/**
 * One page of a window-first search; `planned` is the ordinary statement, for when the walk cannot
 * tell. One statement: the page from the walk and, only when the walk did not fill it (a lazy
 * InitPlan in the CASE), the window's rows counted up to walkLimit + 1 on the same snapshot. The
 * count reads the created_at index a second time rather than counting a CTE of the walked rows,
 * which would hold up to walkLimit whole documents.
 */
export async function walkedPage(
  connection: PostgresConnection,
  operation: string,
  filter: HealthEventFilter,
  page: PageRequest | undefined,
  planned: () => Promise<Page<HealthEventWithStatus>>,
  walkLimit = WALK_LIMIT,
  timeoutMs?: number,
): Promise<Page<HealthEventWithStatus>> {
  const limit = pageLimit(page);
  const sql = buildFilter(filter);
  const bind = binder(sql.values);
  const window = where(windowClauses(filter, page?.after, bind));
  const [walked, rows, full, beyond] = [bind(walkLimit), bind(limit + 1), bind(limit), bind(walkLimit + 1)];
  const result = await searchStatements(
    connection,
    operation,
    (query) =>
      query<{ id: string | null; created_at: Date; document: unknown; cursor_at: string; window_rows: string | null }>(
        `WITH page AS (
           SELECT id, created_at, document, ${CURSOR_AT} AS cursor_at
           FROM (SELECT * FROM health_events ${window} ORDER BY created_at DESC, id DESC LIMIT ${walked}) AS health_events
           ${sql.where()}
           ORDER BY created_at DESC, id DESC LIMIT ${rows})
         SELECT page.id, page.created_at, page.document, page.cursor_at,
                CASE WHEN (SELECT count(*) FROM page) > ${full} THEN NULL
                     ELSE (SELECT count(*) FROM (SELECT 1 FROM health_events ${window} LIMIT ${beyond}) AS window_rows)
                END AS window_rows
         FROM (SELECT 1) AS one LEFT JOIN page ON true
         ORDER BY page.created_at DESC, page.id DESC`,
        sql.values,
      ),
    timeoutMs,
  );
  const found = result.rows.filter((row) => row.id !== null);
  const windowRows = result.rows[0]?.window_rows;
  const complete =
    found.length > limit || (windowRows !== null && windowRows !== undefined && Number(windowRows) <= walkLimit);
  if (!complete) return planned();
  const items = found.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map((row) => decodeRow(row as { id: string; created_at: Date; document: unknown })),
    next: found.length > limit && last ? { createdAt: last.cursor_at, recordId: last.id! } : undefined,
  };
}

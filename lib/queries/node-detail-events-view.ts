// The node page's event table a page at a time: the query of an older page, the route's reading of
// it, and how the rows shown join a first page read again (a live update) without a gap or a row
// twice. Plain JSON and pure functions the browser may load.
import { NODE_RANGES, type NodeEventRow, type NodeEventsCursor } from './node-detail-view';
import { parseNodePageParams, type NodeEventFilter } from './node-gpus-view';

/** Events of the table, newest first, and where the older ones start (null: none older). */
export interface NodeEventsPage {
  events: NodeEventRow[];
  older: NodeEventsCursor | null;
}

/** An older page of the table: after `older`, in the window [from, to) its first page was read in, for `filter`. */
export interface NodeEventsRequest {
  from: number;
  to: number;
  filter: NodeEventFilter;
  older: NodeEventsCursor;
}

const PARAMETERS = ['from', 'to', 'entity', 'fatal', 'older'];
/** A cursor in a URL: the stored time (ISO 8601, to the microsecond) and the record id, joined by "~". */
const CURSOR = /^([0-9T:.Z+-]{10,40})~(\S{1,100})$/;

/** The query (without '?') of GET /api/nodes/<name>/events for an older page. */
export function nodeEventsQuery(request: NodeEventsRequest): string {
  const query = new URLSearchParams({ from: String(request.from), to: String(request.to) });
  if (request.filter.entity) query.set('entity', request.filter.entity);
  if (request.filter.fatal) query.set('fatal', '1');
  query.set('older', `${request.older.createdAt}~${request.older.recordId}`);
  return query.toString();
}

/** The route's reading of that query: the request, or what is wrong with it in words (each named). */
export function parseNodeEventsQuery(search: URLSearchParams): { request: NodeEventsRequest } | { problems: string[] } {
  const problems: string[] = [];
  for (const name of new Set(search.keys()))
    if (!PARAMETERS.includes(name)) problems.push(`unknown parameter ${name} (taken: ${PARAMETERS.join(', ')})`);
  const time = (name: 'from' | 'to'): number => {
    const values = search.getAll(name);
    const value = Number(values[0]);
    if (values.length !== 1 || !/^\d{1,15}$/.test(values[0] ?? '') || !Number.isSafeInteger(value)) {
      problems.push(`${name} must be given once, a time in milliseconds since 1970 (got ${JSON.stringify(values)})`);
      return NaN;
    }
    return value;
  };
  const [from, to] = [time('from'), time('to')];
  if (from >= to) problems.push(`from must be before to (got ${from} and ${to})`);
  else if (to - from > NODE_RANGES['30d'])
    problems.push(
      `the window may span 30 days at most, the longest range (got ${Math.round((to - from) / 3_600_000)} hours)`,
    );
  const olders = search.getAll('older');
  const cursor = olders.length === 1 ? CURSOR.exec(olders[0]!) : null;
  if (!cursor || Number.isNaN(Date.parse(cursor[1]!)))
    problems.push(
      `older must be given once, the cursor an answer handed out (time~record id; got ${JSON.stringify(olders)})`,
    );
  const params: Record<string, string | string[]> = {};
  for (const name of ['entity', 'fatal']) {
    const values = search.getAll(name);
    if (values.length > 0) params[name] = values.length > 1 ? values : values[0]!;
  }
  const { filter, problems: filterProblems } = parseNodePageParams(params);
  problems.push(...filterProblems);
  if (problems.length > 0 || !cursor) return { problems };
  return { request: { from, to, filter, older: { createdAt: cursor[1]!, recordId: cursor[2]! } } };
}

/**
 * The table's rows once its first page is read again (a live update): the new first page, then the
 * rows shown before that are older than its last row, provided its last row is one of them (so no
 * event lies between the two); each row once, as the newer read has it. Otherwise (more events came
 * than a page holds, and those between were never read) the new page alone, with its own cursor,
 * rather than rows with a gap. A new page that holds the range's last event is shown alone too.
 */
export function joinEventPages(first: NodeEventsPage, shown: NodeEventsPage | null): NodeEventsPage {
  const last = first.events.at(-1);
  if (!shown || !last || first.older === null) return first;
  const at = shown.events.findIndex((event) => event.recordId === last.recordId);
  if (at < 0) return first;
  return { events: [...first.events, ...shown.events.slice(at + 1)], older: shown.older };
}

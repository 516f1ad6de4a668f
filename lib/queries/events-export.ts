// The event search as a file: CSV or JSON of what the page shows for the same filters (events
// newest first, or the nodes with their counts), at most EXPORT_LIMIT rows; a file that was cut
// says so in its last row (CSV) or in `truncated` and `note` (JSON). Produced page by page (1,000
// events a read), so an export of 10,000 events never holds them all at once.
//
// CSV cells go through the audit log's csvCell: text a spreadsheet would run as a formula
// (=, +, -, @, tab, CR first) gets an apostrophe in front. Messages and names come from the
// monitors and the cluster, not from us.
import { csvCell } from '@/lib/audit/audit-csv';
import type { DataStore, PageCursor } from '@/lib/store';

import type { EventSearch, ExportFormat } from './events-filter';
import { toGroupRow, toSearchRow } from './events';
import { EXPORT_LIMIT, entityText, severityOf, type EventSearchRow, type NodeGroupRow } from './events-view';

const READ_SIZE = 1_000;

const EVENT_COLUMNS = [
  'time',
  'node',
  'check',
  'xid',
  'entities',
  'severity',
  'is_fatal',
  'recommended_action',
  'message',
  'agent',
  'component_class',
  'record_id',
] as const;
const NODE_COLUMNS = ['node', 'events', 'fatal', 'first', 'last', 'entities'] as const;

const iso = (ms: number) => new Date(ms).toISOString();

function eventCells(row: EventSearchRow): unknown[] {
  return [
    iso(row.createdAt),
    row.nodeName,
    row.checkName,
    row.errorCode.join(' '),
    row.entities.map(entityText).join(' '),
    severityOf(row),
    row.isFatal,
    row.recommendedAction,
    row.message,
    row.agent,
    row.componentClass,
    row.recordId,
  ];
}

function nodeCells(row: NodeGroupRow): unknown[] {
  return [
    row.nodeName,
    row.count,
    row.fatal,
    iso(row.firstAt),
    iso(row.lastAt),
    row.entities.map(entityText).join(' '),
  ];
}

const csvLine = (cells: unknown[]) => `${cells.map(csvCell).join(',')}\r\n`;

export function cutNote(what: 'events' | 'nodes'): string {
  return what === 'events'
    ? `cut off: this file holds the newest ${EXPORT_LIMIT.toLocaleString('en')} events of the search; narrow the filters or the time range for the rest`
    : `cut off: this file holds ${EXPORT_LIMIT.toLocaleString('en')} nodes (the most recently active); narrow the filters for the rest`;
}

/** The rows of the export, a page at a time, and at the end whether more matched. */
async function* exportRows(
  store: DataStore,
  search: EventSearch,
): AsyncGenerator<EventSearchRow[] | NodeGroupRow[], boolean> {
  if (search.view === 'nodes') {
    const { groups, truncated } = await store.healthEvents().groupByNode(search.filter, { limit: EXPORT_LIMIT });
    yield groups.map(toGroupRow);
    return truncated;
  }
  let after: PageCursor | undefined;
  for (let taken = 0; taken < EXPORT_LIMIT;) {
    const page = await store
      .healthEvents()
      .find(search.filter, { limit: Math.min(READ_SIZE, EXPORT_LIMIT - taken), after });
    taken += page.items.length;
    yield page.items.map(toSearchRow);
    if (!page.next) return false;
    after = page.next;
  }
  return true;
}

export interface EventExport {
  filename: string;
  contentType: string;
  /** The file's text in pieces; the first piece comes after the first read (so a failing datastore fails before any byte). */
  chunks: AsyncGenerator<string>;
}

export function exportEventSearch(
  store: DataStore,
  search: EventSearch,
  format: ExportFormat,
  now = Date.now(),
): EventExport {
  const what = search.view === 'nodes' ? 'nodes' : 'events';
  const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
  const filename = `sentinel-console-${what === 'nodes' ? 'events-by-node' : 'events'}-${stamp}.${format}`;
  const rows = exportRows(store, search);

  async function* csv(): AsyncGenerator<string> {
    let header = csvLine([...(what === 'nodes' ? NODE_COLUMNS : EVENT_COLUMNS)]);
    for (;;) {
      const next = await rows.next();
      if (next.done) {
        if (next.value) yield `${header}${csvLine([`# ${cutNote(what)}`])}`;
        else if (header) yield header;
        return;
      }
      const lines = (next.value as (EventSearchRow | NodeGroupRow)[])
        .map((row) => csvLine('recordId' in row ? eventCells(row) : nodeCells(row)))
        .join('');
      yield `${header}${lines}`;
      header = '';
    }
  }

  async function* json(): AsyncGenerator<string> {
    const head = JSON.stringify({
      exportedAt: new Date(now).toISOString(),
      search: search.params,
      window: { from: search.filter.from.toISOString(), to: search.filter.to.toISOString() },
      limit: EXPORT_LIMIT,
    }).slice(0, -1);
    const opening = `${head},"${what}":[`;
    let first = true;
    for (;;) {
      const next = await rows.next();
      if (next.done) {
        const end = next.value ? { truncated: true, note: cutNote(what) } : { truncated: false };
        yield `${first ? opening : ''}],${JSON.stringify(end).slice(1)}\n`;
        return;
      }
      const items = (next.value as unknown[]).map((row) => JSON.stringify(row));
      if (items.length === 0) continue;
      yield `${first ? opening : ','}${items.join(',')}`;
      first = false;
    }
  }

  return {
    filename,
    contentType: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
    chunks: format === 'csv' ? csv() : json(),
  };
}

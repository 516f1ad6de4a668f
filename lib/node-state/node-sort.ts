// The Nodes page's column sort, kept in the URL (?sort=<column>&dir=asc|desc) so a reload or a
// shared link shows the same order; without ?sort= the list is worst first. Every order breaks ties
// worst first, then by name, so paging is stable. The read sorts the in-memory projection's views by
// one field each (no lookup outside the view), as cheap as the worst-first sort it replaces.
import { compareNames, compareWorstFirst, NODE_SEVERITY_ORDER } from './node-order';
import type { NodeView } from './node-view';

export const NODE_SORT_COLUMNS = ['name', 'state', 'inState', 'lastEvent', 'fatal', 'openFaults'] as const;
export type NodeSortColumn = (typeof NODE_SORT_COLUMNS)[number];
export type SortDirection = 'asc' | 'desc';

export interface NodeSort {
  column: NodeSortColumn;
  dir: SortDirection;
}

/** Worst first: the state column, most severe first. */
export const DEFAULT_NODE_SORT: NodeSort = { column: 'state', dir: 'desc' };

/**
 * The direction of a column's first click: names A to Z; every other column the most first (the
 * worst state, the longest in state, the longest since the last event, the most fatal events or open
 * faults), which is what an operator looks for.
 */
export const firstDirection = (column: NodeSortColumn): SortDirection => (column === 'name' ? 'asc' : 'desc');

const SEVERITY = new Map(NODE_SEVERITY_ORDER.map((state, index) => [state, NODE_SEVERITY_ORDER.length - index]));

// Each column as a number that grows with what it shows: severity, and the ages "In state" and "Last
// event" show (an older time is a longer age); a node with no event sorts last either way.
export const columnValue: Record<Exclude<NodeSortColumn, 'name'>, (view: NodeView) => number | null> = {
  state: (view) => SEVERITY.get(view.state) ?? 0,
  inState: (view) => -view.stateSince,
  lastEvent: (view) => (view.lastEventAt === null ? null : -view.lastEventAt),
  fatal: (view) => view.fatalCount,
  openFaults: (view) => view.openFaults,
};

/** The comparison of `sort`, ties broken worst first, then by name. */
export function compareBy(sort: NodeSort): (a: NodeView, b: NodeView) => number {
  const sign = sort.dir === 'asc' ? 1 : -1;
  if (sort.column === 'name') return (a, b) => sign * compareNames(a.name, b.name);
  if (sort.column === 'state')
    return (a, b) => {
      const bySeverity = (columnValue.state(a)! - columnValue.state(b)!) * sign;
      return bySeverity !== 0 ? bySeverity : compareWorstFirst(a, b);
    };
  const key = columnValue[sort.column];
  return (a, b) => {
    const left = key(a);
    const right = key(b);
    if (left !== right) {
      if (left === null) return 1;
      if (right === null) return -1;
      return (left - right) * sign;
    }
    return compareWorstFirst(a, b);
  };
}

const isColumn = (value: string): value is NodeSortColumn => (NODE_SORT_COLUMNS as readonly string[]).includes(value);

/**
 * ?sort= and ?dir= (dir defaults to the column's first direction). `problem` names a value that is
 * not one (the API refuses it; the page falls back to worst first, as it drops an unknown filter).
 */
export function parseNodeSort(params: URLSearchParams | Record<string, string | string[] | undefined>): {
  sort: NodeSort;
  problem: string | null;
} {
  const get = (key: string) => {
    const value = params instanceof URLSearchParams ? params.get(key) : params[key];
    return Array.isArray(value) ? value[0] : (value ?? undefined);
  };
  const column = get('sort');
  const dir = get('dir');
  if (column === undefined && dir === undefined) return { sort: DEFAULT_NODE_SORT, problem: null };
  if (column === undefined || !isColumn(column))
    return {
      sort: DEFAULT_NODE_SORT,
      problem: `sort must be one of ${NODE_SORT_COLUMNS.join(', ')} (got ${column === undefined ? 'none' : `"${column.slice(0, 40)}"`})`,
    };
  if (dir !== undefined && dir !== 'asc' && dir !== 'desc')
    return { sort: DEFAULT_NODE_SORT, problem: `dir must be asc or desc (got "${dir.slice(0, 40)}")` };
  return { sort: { column, dir: dir ?? firstDirection(column) }, problem: null };
}

/** The URL parameters of a sort (none for worst first), the inverse of parseNodeSort. */
export function nodeSortToSearch(sort: NodeSort): string {
  if (sort.column === DEFAULT_NODE_SORT.column && sort.dir === DEFAULT_NODE_SORT.dir) return '';
  return new URLSearchParams({ sort: sort.column, dir: sort.dir }).toString();
}

/** What a click on `column`'s header asks for: its first direction, or the other one when it is sorted by already. */
export function nextSort(current: NodeSort, column: NodeSortColumn): NodeSort {
  if (current.column !== column) return { column, dir: firstDirection(column) };
  return { column, dir: current.dir === 'asc' ? 'desc' : 'asc' };
}

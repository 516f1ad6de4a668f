// A column header of the Nodes table that sorts by its column: a button (so Tab and Enter or Space
// reach it), aria-sort on the column sorted by, and an arrow that says which way.
import type { NodeSort, NodeSortColumn } from '@/lib/node-state/node-sort';

export function SortHeader({
  column,
  label,
  sort,
  onSort,
  align = 'left',
}: {
  column: NodeSortColumn;
  label: string;
  sort: NodeSort;
  onSort: (column: NodeSortColumn) => void;
  align?: 'left' | 'right';
}) {
  const active = sort.column === column;
  return (
    <th
      className={`px-3 py-2 font-medium ${align === 'right' ? 'text-right' : ''}`}
      aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}
      data-testid={`sort-${column}`}
    >
      <button
        type="button"
        onClick={() => onSort(column)}
        className={`inline-flex items-center gap-1 rounded hover:text-zinc-900 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-500 dark:hover:text-zinc-100 ${active ? 'text-zinc-900 dark:text-zinc-100' : ''}`}
      >
        {label}
        {/* Unsorted columns show ↕ in the header's own grey: a paler one fails text contrast. */}
        <span aria-hidden="true">{active ? (sort.dir === 'asc' ? '▲' : '▼') : '↕'}</span>
      </button>
    </th>
  );
}

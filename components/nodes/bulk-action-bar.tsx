'use client';
// The Nodes page's bulk bar (operators and admins): how many nodes are selected, "select all
// matching this filter" (then unticking a row leaves it out: "all matching except these"), and Quarantine… / Release…, each opening the dry run first.
import type { BulkOperation } from '@/lib/actions/bulk-node-plan';

import { useBulkActionDialog, type BulkSelection } from './bulk-action-dialog';

export function BulkActionBar({
  selected,
  all,
  except = [],
  matching,
  filter,
  onSelectAll,
  onClear,
}: {
  /** The names ticked (when not all). */
  selected: readonly string[];
  /** Every node matching the filter is selected... */
  all: boolean;
  /** ...except these, unticked since (when all). */
  except?: readonly string[];
  matching: number;
  /** The page's filter as its query string. */
  filter: string;
  onSelectAll: () => void;
  onClear: () => void;
}) {
  const dialog = useBulkActionDialog(onClear);
  const count = all ? Math.max(matching - except.length, 0) : selected.length;
  const selection: BulkSelection = all ? { filter, except } : { nodes: [...selected] };
  const start = (operation: BulkOperation) => dialog.open(operation, selection);
  const button =
    'rounded px-3 py-1.5 text-sm font-medium text-white disabled:cursor-not-allowed disabled:opacity-40 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-500';
  return (
    <div
      className="flex flex-wrap items-center gap-2 rounded-lg border border-zinc-200 bg-zinc-50 px-3 py-2 text-sm dark:border-zinc-800 dark:bg-zinc-900"
      data-testid="bulk-bar"
      data-selected={count}
      data-all={all}
    >
      <span className="tabular-nums" data-testid="bulk-selected">
        {!all
          ? `${count.toLocaleString()} selected`
          : except.length === 0
            ? `All ${matching.toLocaleString()} nodes matching this filter selected`
            : `${count.toLocaleString()} selected: all ${matching.toLocaleString()} nodes matching this filter except ${except.length.toLocaleString()} unticked`}
      </span>
      {(!all || except.length > 0) && matching > 0 ? (
        <button
          type="button"
          onClick={onSelectAll}
          data-testid="bulk-select-all"
          className="rounded px-2 py-1 text-sky-700 hover:underline dark:text-sky-400"
        >
          Select all {matching.toLocaleString()} matching this filter
        </button>
      ) : null}
      {count > 0 ? (
        <button
          type="button"
          onClick={onClear}
          className="rounded px-2 py-1 text-zinc-600 hover:underline dark:text-zinc-400"
        >
          Clear selection
        </button>
      ) : null}
      <span className="ml-auto flex gap-2">
        <button
          type="button"
          disabled={count === 0}
          onClick={() => start('quarantine')}
          data-testid="bulk-quarantine"
          className={`${button} bg-orange-700 hover:bg-orange-800`}
        >
          Quarantine…
        </button>
        <button
          type="button"
          disabled={count === 0}
          onClick={() => start('release')}
          data-testid="bulk-release"
          className={`${button} bg-sky-700 hover:bg-sky-800`}
        >
          Release…
        </button>
      </span>
      {dialog.element}
    </div>
  );
}

'use client';
// The node page's GPU grid: a row per entity its events named in the range (GPUs first), a strip
// of the range coloured by each bucket's worst event, failures, fatal ones, distinct XIDs and XID
// bursts (lib/queries/node-gpus.ts). A row selects that entity's events in the table below.
import { useDisplayZone } from '@/components/ui/display-zone';
import { LocalTime } from '@/components/ui/relative-time';
import { formatDuration, formatTime } from '@/lib/format/time';
import {
  BURST_SILENCE_MS,
  entityKey,
  gridCells,
  type EntityGrid,
  type EntityGridRow,
  type GridCell,
} from '@/lib/queries/node-gpus-view';

const CELL_COLOUR: Record<GridCell, string> = {
  fatal: 'bg-red-600 dark:bg-red-500',
  unhealthy: 'bg-amber-400 dark:bg-amber-500',
  healthy: 'bg-emerald-500 dark:bg-emerald-600',
  none: 'bg-zinc-100 dark:bg-zinc-800',
  unread: 'bg-zinc-300 dark:bg-zinc-600',
};
const CELL_WORD: Record<GridCell, string> = {
  fatal: 'fatal',
  unhealthy: 'unhealthy',
  healthy: 'healthy only',
  none: 'no event',
  unread: 'not read',
};

const label = (row: EntityGridRow) => `${row.entityType} ${row.entityValue}`;

function Strip({ row, grid }: { row: EntityGridRow; grid: EntityGrid }) {
  const zone = useDisplayZone();
  const cells = gridCells(row.cells);
  const fatal = cells.filter((cell) => cell === 'fatal').length;
  const unhealthy = cells.filter((cell) => cell === 'unhealthy').length;
  return (
    <div
      role="img"
      aria-label={`${label(row)}: ${fatal} of ${cells.length} cells with a fatal event, ${unhealthy} with an unhealthy one`}
      className="flex h-4 w-full min-w-40 gap-px overflow-hidden rounded-sm"
      data-testid="gpu-strip"
    >
      {cells.map((cell, index) => (
        <span
          key={index}
          className={`flex-1 ${CELL_COLOUR[cell]}`}
          title={`${formatTime(grid.from + index * grid.bucketMs, zone)}: ${CELL_WORD[cell]}`}
        />
      ))}
    </div>
  );
}

export function GpuGrid({
  grid,
  selected,
  onSelect,
}: {
  grid: EntityGrid;
  /** The entity whose events the table shows (`GPU:3`), or null. */
  selected: string | null;
  onSelect: (entity: string | null) => void;
}) {
  const bucket = formatDuration(grid.bucketMs / 1000);
  return (
    <>
      <div className="overflow-x-auto">
        <table className="w-full min-w-[34rem] text-left text-sm" data-testid="gpu-grid">
          <thead className="text-xs text-zinc-600 dark:text-zinc-400">
            <tr>
              <th className="py-1 pr-3 font-medium">Entity</th>
              <th className="w-full pr-3 font-medium">Over the range, {bucket} a cell</th>
              <th className="pr-3 text-right font-medium">Failures</th>
              <th className="pr-3 text-right font-medium">Fatal</th>
              <th className="pr-3 font-medium">XIDs</th>
              <th
                className="text-right font-medium whitespace-nowrap"
                title="Runs of XID events with less than 3 minutes of silence between them"
              >
                XID bursts
              </th>
            </tr>
          </thead>
          <tbody>
            {grid.rows.map((row) => {
              const key = entityKey(row);
              const isSelected = key === selected;
              return (
                <tr
                  key={key}
                  onClick={() => onSelect(isSelected ? null : key)}
                  className={`cursor-pointer border-t border-zinc-100 hover:bg-zinc-50 dark:border-zinc-800 dark:hover:bg-zinc-800/50 ${isSelected ? 'bg-sky-50 dark:bg-sky-950/50' : ''}`}
                  data-testid="gpu-row"
                  data-entity={key}
                  data-selected={isSelected}
                >
                  <td className="py-1 pr-3 whitespace-nowrap">
                    <button
                      type="button"
                      aria-pressed={isSelected}
                      title={isSelected ? 'Show every event again' : `Show only the events of ${label(row)}`}
                      onClick={(event) => {
                        event.stopPropagation();
                        onSelect(isSelected ? null : key);
                      }}
                      className="max-w-48 truncate rounded px-1 font-mono text-xs text-sky-800 hover:underline focus-visible:outline-2 focus-visible:outline-sky-500 aria-pressed:bg-sky-700 aria-pressed:text-white dark:text-sky-300 dark:aria-pressed:bg-sky-300 dark:aria-pressed:text-zinc-900"
                    >
                      {label(row)}
                    </button>
                  </td>
                  <td className="pr-3">
                    <Strip row={row} grid={grid} />
                  </td>
                  <td className="pr-3 text-right tabular-nums" data-testid="gpu-failures">
                    {row.failures.toLocaleString()}
                  </td>
                  <td
                    className={`pr-3 text-right tabular-nums ${row.fatal > 0 ? 'font-medium text-red-700 dark:text-red-400' : ''}`}
                  >
                    {row.fatal.toLocaleString()}
                  </td>
                  <td className="pr-3 text-xs tabular-nums" data-testid="gpu-xids">
                    {row.xids.join(', ') || '—'}
                  </td>
                  <td className="text-right tabular-nums" data-testid="gpu-bursts">
                    {row.bursts.toLocaleString()}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p className="mt-2 text-xs text-zinc-600 dark:text-zinc-400">
        Each cell is the worst event of {bucket}:{' '}
        {(['fatal', 'unhealthy', 'healthy', 'none'] as const).map((cell) => (
          <span key={cell} className="mr-2 inline-flex items-center gap-1 whitespace-nowrap">
            <span aria-hidden="true" className={`inline-block h-2.5 w-2.5 rounded-sm ${CELL_COLOUR[cell]}`} />
            {CELL_WORD[cell]}
          </span>
        ))}
        {grid.readFrom > grid.from ? (
          <span className="mr-2 inline-flex items-center gap-1 whitespace-nowrap">
            <span aria-hidden="true" className={`inline-block h-2.5 w-2.5 rounded-sm ${CELL_COLOUR.unread}`} />
            not read (counts are of the events since <LocalTime at={grid.readFrom} />)
          </span>
        ) : null}
        · An XID burst is a run of an entity&apos;s XID events with less than {formatDuration(BURST_SILENCE_MS / 1000)}{' '}
        of silence between one and the next, as NVIDIA Fleet Intelligence counts them. Select a row to show only its
        events below.
      </p>
    </>
  );
}

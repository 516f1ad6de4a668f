'use client';
// Shown on every page while the kept node projection's first build reads the datastore's history
// (lib/projection): the nodes list holds the nodes read so far, so say so, and how far it got.
import { useLiveStatus } from './live-provider';

export function WarmingUpBanner() {
  const { projection } = useLiveStatus();
  if (!projection || projection.phase !== 'building') return null;
  const total = projection.nodesTotal;
  const percent = total ? Math.min(100, Math.floor((projection.nodesBuilt / total) * 100)) : null;
  return (
    <div
      role="status"
      data-testid="warming-up"
      className="border-b border-amber-300 bg-amber-50 text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100"
    >
      <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-4 gap-y-1 px-4 py-2 text-sm">
        <span className="font-medium">Warming up</span>
        <span>
          Reading the node history from the datastore: {projection.nodesBuilt.toLocaleString('en-US')}
          {total !== null ? ` of ${total.toLocaleString('en-US')}` : ''} nodes. The nodes list shows those read so far;
          node pages, events and charts read the datastore directly.
        </span>
        {percent !== null && (
          <span
            role="progressbar"
            aria-label="Nodes read"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent}
            className="h-1.5 w-32 overflow-hidden rounded bg-amber-200 dark:bg-amber-800"
          >
            <span className="block h-full bg-amber-600 dark:bg-amber-400" style={{ width: `${percent}%` }} />
          </span>
        )}
      </div>
    </div>
  );
}

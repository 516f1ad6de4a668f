// Where the datastore keeps the changes its feeds read (PostgreSQL's changelog, MongoDB's oplog
// window), as JSON for the browser: the Pipeline page's panel and the Providers page's section,
// and as the labelled facts both show (times stay numbers for the page to show as ages).
import { formatCount, formatDuration } from '@/lib/format/time';
import type { FeedStorageStats } from '@/lib/store';

export type FeedStorageView =
  | {
      kind: 'changelog';
      label: string;
      rows: number;
      oldestAt: number | null;
      holdBackSeconds: number;
      heldBackRows: number;
    }
  | {
      kind: 'oplog';
      label: string;
      readable: boolean;
      entries: number | null;
      oldestAt: number | null;
      newestAt: number | null;
      windowSeconds: number | null;
      sizeBytes: number | null;
      maxSizeBytes: number | null;
    };

const time = (date: Date | null) => (date ? date.getTime() : null);

export function toFeedStorageView(stats: FeedStorageStats): FeedStorageView {
  if (stats.kind === 'changelog') {
    return {
      kind: 'changelog',
      label: stats.label,
      rows: stats.rows,
      oldestAt: time(stats.oldestAt),
      holdBackSeconds: stats.holdBackSeconds,
      heldBackRows: stats.heldBackRows,
    };
  }
  return {
    kind: 'oplog',
    label: stats.label,
    readable: stats.readable,
    entries: stats.entries,
    oldestAt: time(stats.oldestAt),
    newestAt: time(stats.newestAt),
    windowSeconds: stats.windowSeconds,
    sizeBytes: stats.sizeBytes,
    maxSizeBytes: stats.maxSizeBytes,
  };
}

export interface FeedStorageFact {
  label: string;
  /** Shown as is. */
  text?: string;
  /** A moment (ms), shown as an age; null: unknown. */
  at?: number | null;
  testId?: string;
  /** What the figure means, for a tooltip. */
  hint?: string;
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return 'unknown';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Why there are no figures, or null when there are. */
export function feedStorageUnavailable(view: FeedStorageView): string | null {
  if (view.kind === 'oplog' && !view.readable) {
    return 'This user may not read local.oplog.rs (grant clusterMonitor, or read on the local database), so the oplog window is unknown.';
  }
  return null;
}

export function feedStorageFacts(view: FeedStorageView): FeedStorageFact[] {
  if (view.kind === 'changelog') {
    return [
      { label: 'Rows (estimate)', text: formatCount(view.rows), testId: 'feed-storage-rows' },
      { label: 'Oldest row', at: view.oldestAt },
      {
        label: 'Horizon held back by',
        text: view.holdBackSeconds === 0 ? 'nothing' : formatDuration(view.holdBackSeconds),
        hint: "An open writing transaction anywhere on the server holds the feed's horizon back",
      },
      {
        label: 'Rows above the horizon',
        text: formatCount(view.heldBackRows),
        hint: 'Feeds deliver up to 64 committed transactions ahead of the open one, then wait for it; retention keeps these rows until it ends',
      },
    ];
  }
  if (!view.readable) return [];
  return [
    {
      label: 'Window',
      text: formatDuration(view.windowSeconds),
      testId: 'feed-storage-window',
      hint: 'Oldest to newest oplog entry: how long a consumer may stop before its position falls out of the oplog',
    },
    { label: 'Oldest entry', at: view.oldestAt },
    { label: 'Newest entry', at: view.newestAt },
    { label: 'Entries (estimate)', text: formatCount(view.entries) },
    {
      label: 'Size',
      text:
        view.maxSizeBytes === null
          ? formatBytes(view.sizeBytes)
          : `${formatBytes(view.sizeBytes)} of ${formatBytes(view.maxSizeBytes)}`,
    },
  ];
}

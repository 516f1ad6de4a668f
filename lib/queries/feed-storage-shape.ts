// Where the datastore keeps the changes its feeds read (PostgreSQL's changelog, MongoDB's oplog
// window), as JSON for the browser: the Pipeline page's panel and the Providers page's section.
import type { FeedStorageStats } from '@/lib/store';

export type FeedStorageView =
  | { kind: 'changelog'; label: string; rows: number; oldestAt: number | null; holdBackSeconds: number; heldBackRows: number }
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
    return { kind: 'changelog', label: stats.label, rows: stats.rows, oldestAt: time(stats.oldestAt), holdBackSeconds: stats.holdBackSeconds, heldBackRows: stats.heldBackRows };
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

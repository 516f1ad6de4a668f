// The oplog window: how far back a change stream can resume, read the way mongosh's
// db.getReplicationInfo() reads it (the oplog's first and last entries, its size and cap). The
// figures come from local.oplog.rs, which only users with clusterMonitor (or read on `local`)
// may read; without that the window is reported unreadable, never as zero.
import type { Timestamp } from 'mongodb';

import type { OplogStorageStats } from '../../../datastore';
import { timestampDate } from '../mongo-topology';

/** What the server told us about its oplog; null parts were not readable. */
export interface OplogReading {
  oldest: Timestamp | null;
  newest: Timestamp | null;
  entries: number | null;
  sizeBytes: number | null;
  maxSizeBytes: number | null;
}

const finite = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;

export function oplogWindow(reading: OplogReading | null): OplogStorageStats {
  if (!reading || !reading.oldest) {
    return {
      kind: 'oplog',
      label: 'Oplog window',
      readable: false,
      entries: null,
      oldestAt: null,
      newestAt: null,
      windowSeconds: null,
      sizeBytes: null,
      maxSizeBytes: null,
    };
  }
  const oldestAt = timestampDate(reading.oldest);
  const newestAt = reading.newest ? timestampDate(reading.newest) : null;
  return {
    kind: 'oplog',
    label: 'Oplog window',
    readable: true,
    entries: finite(reading.entries),
    oldestAt,
    newestAt,
    windowSeconds: newestAt ? Math.max(0, (newestAt.getTime() - oldestAt.getTime()) / 1000) : null,
    sizeBytes: finite(reading.sizeBytes),
    maxSizeBytes: finite(reading.maxSizeBytes),
  };
}

// What the Providers page's browser side receives: each configured datastore's column, and the gap
// of each to the app's datastore (what a copy or migration still lacks).
import type { OperationLatency, ProviderCapabilities, ProviderName } from '@/lib/store';

import type { FeedStorageView } from './feed-storage-view';

export interface ConsumerLagRow {
  consumer: string;
  lagSeconds: number | null;
  documentsBehind: number | null;
  documentsBehindCapped: boolean;
  documentsBehindEstimated: boolean;
  positionKnown: boolean;
  positionLost: boolean;
  lastSeenAt: number | null;
}

export interface DatastoreView {
  id: string;
  role: string;
  target: string | null;
  /** 'down' when the store could not be opened or pinged; the other parts may still be present. */
  status: 'ok' | 'degraded' | 'down';
  errors: string[];
  provider: ProviderName | null;
  capabilities: ProviderCapabilities | null;
  pingMs: number | null;
  operations: OperationLatency[];
  pool: { total: number; idle: number; waiting: number; max: number } | null;
  /** PostgreSQL: the changelog (rows, oldest, horizon hold-back); MongoDB: the oplog window. Null when unread. */
  feedStorage: FeedStorageView | null;
  events: { total: number | null; lastHour: number; newestAt: number | null } | null;
  consumers: ConsumerLagRow[] | null;
  /**
   * Time from a change's commit to the app's change feed seeing it. Not measured yet: the live
   * hub (lib/live/live-hub.ts) has each change's committedAt and will report it.
   */
  changeDetectionMs: number | null;
}

export interface ProvidersView {
  datastores: DatastoreView[];
  readAt: number;
}

export interface DatastoreGap {
  /** Events in the reference (first) datastore minus this one; null when either count is unknown. */
  events: number | null;
  /** How far this datastore's newest event trails the reference's (seconds; negative: ahead). */
  newestSeconds: number | null;
  lastHour: number | null;
}

/** The gap of each datastore to the first one (the app's): what a copy or migration still lacks. */
export function gapToReference(reference: DatastoreView, other: DatastoreView): DatastoreGap {
  const a = reference.events;
  const b = other.events;
  return {
    events: a?.total != null && b?.total != null ? a.total - b.total : null,
    newestSeconds: a?.newestAt != null && b?.newestAt != null ? (a.newestAt - b.newestAt) / 1000 : null,
    lastHour: a && b ? a.lastHour - b.lastHour : null,
  };
}

// The Pipeline page's data as JSON, shared by the server's read model and the browser.
import type { OutOfOrderArrival } from '@/lib/projection/node-projection';
import type { PipelineMessage } from '@/lib/live/live-messages';
import type { StalledEvent, StallLimits } from '@/lib/queries/stalled-events';
import type { ProviderCapabilities, ProviderName } from '@/lib/store';

import type { FeedStorageView } from './feed-storage-view';

export interface DeadLetterRow {
  id: string;
  consumer: string;
  recordId: string | null;
  nodeName: string | null;
  operation: string;
  error: string;
  attempts: number;
  firstFailedAt: number;
  lastFailedAt: number;
  status: string;
}

export interface PipelineOverview {
  lag: PipelineMessage | null;
  stalled: StalledEvent[];
  limits: StallLimits;
  deadLetters: DeadLetterRow[];
  deadLetterCount: number;
  provider: ProviderName;
  capabilities: ProviderCapabilities;
  /** PostgreSQL: the changelog; MongoDB: the oplog window. */
  feedStorage: FeedStorageView;
  outOfOrder: { total: number; recent: OutOfOrderArrival[] };
}

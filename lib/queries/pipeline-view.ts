// The Pipeline page's data as JSON, shared by the server's read model and the browser.
import type { CircuitBreakerView } from '@/lib/cluster/circuit-breaker-view';
import type { OutOfOrderArrival } from '@/lib/node-state/node-projection';
import type { PipelineMessage } from '@/lib/live/live-messages';
import type { ProviderCapabilities, ProviderName } from '@/lib/store';

import type { EventLossWindow } from './event-loss-view';
import type { FeedStorageView } from './feed-storage-view';

/** Where an event stalled (./stalled-events.ts finds them). */
export type StallStage = 'awaiting-quarantine' | 'drain-too-long' | 'awaiting-remediation';

export interface StallLimits {
  quarantineSeconds: number;
  drainSeconds: number;
  remediationSeconds: number;
}

export interface StalledEvent {
  stage: StallStage;
  recordId: string;
  nodeName: string;
  checkName: string;
  message: string;
  /** When it was stored (ms since the epoch); its age is measured from here. */
  createdAt: number;
  limitSeconds: number;
}

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
  /** How long a change stays readable: each consumer's time until events are lost counts against it. */
  eventLossWindow: EventLossWindow;
  outOfOrder: { total: number; recent: OutOfOrderArrival[] };
  /** NVSentinel's circuit breaker, from the cluster; null without cluster access. */
  breaker: CircuitBreakerView | null;
}

/** A live pipeline message is the newest lag reading: it replaces the page's (stalled events and dead letters are re-read every 10 s). */
export function applyPipelineMessage(overview: PipelineOverview, lag: PipelineMessage): PipelineOverview {
  return { ...overview, lag };
}

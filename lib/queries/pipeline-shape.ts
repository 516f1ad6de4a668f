// The Pipeline page's data as JSON, shared by the server's read model and the browser.
import type { OutOfOrderArrival } from '@/lib/projection/node-projection';
import type { PipelineMessage } from '@/lib/live/live-messages';
import type { StalledEvent, StallLimits } from '@/lib/pipeline/stalled-events';

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
  changelog: { rows: number; oldestAt: number | null; holdBackSeconds: number | null; heldBackRows: number | null } | null;
  outOfOrder: { total: number; recent: OutOfOrderArrival[] };
}

// The Pipeline page's read model: judged consumer lag from the live hub, stalled events per
// stage, dead letters and the feed storage (PostgreSQL's changelog, MongoDB's oplog window).
import { eventLossWindow } from '@/lib/alerts/event-loss-window';
import { breakerLimitsFromEnv, circuitBreakerView } from '@/lib/cluster/circuit-breaker-view';
import type { AppContext } from '@/lib/context/app-context';
import type { LiveHub } from '@/lib/live/live-hub';
import type { PipelineMessage } from '@/lib/live/live-messages';
import type { DataStore, DeadLetter } from '@/lib/store';

import { toFeedStorageView } from './feed-storage-view';
import type { EventLossWindow } from './event-loss-view';
import type { DeadLetterRow, PipelineOverview } from './pipeline-view';
import { findStalledEvents, stallLimitsFromEnv } from './stalled-events';

/** Dead letters still waiting on someone: not resolved. */
const OPEN: DeadLetter['status'][] = ['dead', 'retry_requested', 'retrying'];

/** Every consumer's judged lag: the live hub's newest reading. The Pipeline page and /metrics both show this one. */
export function consumerLagReading(hub: LiveHub): PipelineMessage | null {
  return hub.pipeline();
}

/** Open dead letters per registered consumer (0 for a consumer with none), counted as the Pipeline page counts them. */
export async function openDeadLettersByConsumer(store: DataStore): Promise<Record<string, number>> {
  const names = await store.consumers().names();
  const counts = await Promise.all(names.map((consumer) => store.deadLetters().count({ consumer, status: OPEN })));
  return Object.fromEntries(names.map((consumer, index) => [consumer, counts[index]]));
}

function toDeadLetterRow(letter: DeadLetter): DeadLetterRow {
  const document = letter.change.document ?? letter.change.before;
  return {
    id: letter.id,
    consumer: letter.consumer,
    recordId: letter.recordId,
    nodeName: document && 'healthEvent' in document ? document.healthEvent.nodeName : null,
    operation: letter.operation,
    error: letter.error,
    attempts: letter.attempts,
    firstFailedAt: letter.firstFailedAt.getTime(),
    lastFailedAt: letter.lastFailedAt.getTime(),
    status: letter.status,
  };
}

/** The window for the feed's storage; a CHANGELOG_RETENTION that cannot be read is said instead of a figure. */
function lossWindow(storage: Parameters<typeof eventLossWindow>[0]): EventLossWindow {
  try {
    return eventLossWindow(storage);
  } catch (error) {
    return { seconds: null, source: (error as Error).message };
  }
}

export async function readPipeline(context: AppContext): Promise<PipelineOverview> {
  const [store, hub] = await Promise.all([context.store(), context.liveHub()]);
  const limits = stallLimitsFromEnv();
  const [stalled, deadLetters, deadLetterCount, stats] = await Promise.all([
    findStalledEvents(store, limits),
    store.deadLetters().list({ status: OPEN, limit: 100 }),
    store.deadLetters().count({ status: OPEN }),
    store.stats(),
  ]);
  const lag = consumerLagReading(hub);
  const cluster = context.cluster();
  const waiting = lag?.consumers.find((consumer) => consumer.consumer === 'fault-quarantine')?.documentsBehind ?? null;
  return {
    lag,
    stalled,
    limits,
    deadLetters: deadLetters.map(toDeadLetterRow),
    deadLetterCount,
    provider: store.provider,
    capabilities: store.capabilities,
    feedStorage: toFeedStorageView(stats.feedStorage),
    eventLossWindow: lossWindow(stats.feedStorage),
    outOfOrder: hub.projection.outOfOrder(),
    breaker: cluster
      ? circuitBreakerView(
          cluster.state.breaker(),
          cluster.state.allNodes(),
          breakerLimitsFromEnv(),
          waiting,
          cluster.state.status(),
        )
      : null,
  };
}

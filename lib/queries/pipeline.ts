// The Pipeline page's read model: judged consumer lag from the live hub, stalled events per
// stage, dead letters and the changelog's size.
import 'server-only';

import { findStalledEvents, stallLimitsFromEnv } from '@/lib/pipeline/stalled-events';
import { getDataStore } from '@/lib/server/datastore';
import { getLiveHub } from '@/lib/server/live-hub';
import type { DeadLetter } from '@/lib/store';

import type { DeadLetterRow, PipelineOverview } from './pipeline-shape';

const OPEN: DeadLetter['status'][] = ['dead', 'retry_requested', 'retrying'];

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

export async function readPipeline(): Promise<PipelineOverview> {
  const [store, hub] = await Promise.all([getDataStore(), getLiveHub()]);
  const limits = stallLimitsFromEnv();
  const [stalled, deadLetters, deadLetterCount, stats] = await Promise.all([
    findStalledEvents(store, limits),
    store.deadLetters().list({ status: OPEN, limit: 100 }),
    store.deadLetters().count({ status: OPEN }),
    store.stats(),
  ]);
  const changeLog = stats.changeLog;
  return {
    lag: hub.pipeline(),
    stalled,
    limits,
    deadLetters: deadLetters.map(toDeadLetterRow),
    deadLetterCount,
    changelog: changeLog
      ? { rows: changeLog.rows, oldestAt: changeLog.oldestAt?.getTime() ?? null, holdBackSeconds: changeLog.holdBackSeconds ?? null, heldBackRows: changeLog.heldBackRows ?? null }
      : null,
    outOfOrder: hub.projection.outOfOrder(),
  };
}

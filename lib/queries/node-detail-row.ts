// One stored health event as the node page shows it: plain JSON, every field (a row of its event
// table), or what its timeline draws (a point). Pure (no server imports), so the page's components
// are tested with rows made exactly as the server makes them.
import {
  timestampToDate,
  type HealthEventStatus,
  type HealthEventWithStatus,
  type TimelineEvent,
  type Timestamp,
} from '@/lib/store';

import type { NodeEventRow, NodeTimelinePoint } from './node-detail-view';

const ms = (timestamp: Timestamp | null) => (timestamp ? timestampToDate(timestamp).getTime() : null);

export function toEventRow(event: HealthEventWithStatus): NodeEventRow {
  const { healthEvent: e, status } = event;
  return {
    recordId: event.recordId,
    createdAt: event.createdAt.getTime(),
    generatedAt: ms(e.generatedTimestamp),
    agent: e.agent,
    componentClass: e.componentClass,
    checkName: e.checkName,
    isFatal: e.isFatal,
    isHealthy: e.isHealthy,
    message: e.message,
    recommendedAction: e.recommendedAction,
    customRecommendedAction: e.customRecommendedAction,
    errorCode: e.errorCode,
    entities: e.entitiesImpacted,
    metadata: e.metadata,
    processingStrategy: e.processingStrategy,
    quarantineOverrides: e.quarantineOverrides,
    drainOverrides: e.drainOverrides,
    status: {
      ...pipelineStatus(status),
      evictionMessage: status.userPodsEvictionStatus.message,
      faultQuarantineRecovery: status.faultQuarantineRecovery,
    },
  };
}

/** Where the pipeline has the event: what a row shows and the timeline's bands are drawn from. */
function pipelineStatus(status: HealthEventStatus): NodeTimelinePoint['status'] {
  return {
    nodeQuarantined: status.nodeQuarantined || null,
    quarantineFinishedAt: ms(status.quarantineFinishTimestamp),
    eviction: status.userPodsEvictionStatus.status,
    drainFinishedAt: ms(status.drainFinishTimestamp),
    remediated: status.faultRemediated,
    remediatedAt: ms(status.lastRemediationTimestamp),
  };
}

export function toTimelinePoint(event: TimelineEvent): NodeTimelinePoint {
  const { healthEvent: e } = event;
  return {
    recordId: event.recordId,
    createdAt: event.createdAt.getTime(),
    generatedAt: ms(e.generatedTimestamp),
    agent: e.agent,
    checkName: e.checkName,
    isFatal: e.isFatal,
    isHealthy: e.isHealthy,
    errorCode: e.errorCode,
    entities: e.entitiesImpacted,
    message: e.message,
    status: pipelineStatus(event.status),
  };
}

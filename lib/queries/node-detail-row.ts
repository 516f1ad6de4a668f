// One stored health event as the node page shows it: plain JSON, every field. Pure (no server
// imports), so the page's components are tested with rows made exactly as the server makes them.
import { timestampToDate, type HealthEventWithStatus, type Timestamp } from '@/lib/store';

import type { NodeEventRow } from './node-detail-view';

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
      nodeQuarantined: status.nodeQuarantined || null,
      quarantineFinishedAt: ms(status.quarantineFinishTimestamp),
      eviction: status.userPodsEvictionStatus.status,
      evictionMessage: status.userPodsEvictionStatus.message,
      drainFinishedAt: ms(status.drainFinishTimestamp),
      remediated: status.faultRemediated,
      remediatedAt: ms(status.lastRemediationTimestamp),
      faultQuarantineRecovery: status.faultQuarantineRecovery,
    },
  };
}

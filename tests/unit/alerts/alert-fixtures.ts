// Changes and lag readings as the live hub hands them to the alert engine, for tests.
import type { ConsumerLagView, PipelineMessage } from '@/lib/live/live-messages';
import type { ChangeEvent, HealthEvent } from '@/lib/store';

import { storedEvent } from '../../support/stored-health-event';

export function insertedEvent(node: string, fields: Partial<HealthEvent> = {}): ChangeEvent {
  const document = storedEvent(node, fields);
  return {
    collection: 'healthEvents',
    operation: 'insert',
    position: `1/${document.recordId}`,
    recordId: document.recordId,
    // Committed just now: the engine does not send events committed long ago.
    committedAt: new Date(),
    document,
    before: null,
  };
}

export function consumerReading(fields: Partial<ConsumerLagView> & { consumer: string }): ConsumerLagView {
  return {
    status: 'ok',
    statusReason: 'caught up',
    position: '1/1',
    positionKnown: true,
    positionLost: null,
    lagSeconds: 0,
    documentsBehind: 0,
    documentsBehindCapped: false,
    documentsBehindEstimated: false,
    lastAckAt: null,
    lastSeenAt: null,
    catchUpSeconds: 0,
    oldestUnreadAt: null,
    history: [],
    ...fields,
  };
}

export const reading = (at: number, consumers: ConsumerLagView[]): PipelineMessage => ({
  at,
  consumers,
  outOfOrderTotal: 0,
});

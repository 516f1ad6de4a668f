// A stored health event for tests without a database: NVSentinel's defaults (a fatal XID 79 on
// GPU 0 from syslog-health-monitor, nothing decided yet), a fresh record id and, unless given, a
// creation time one second after the previous event's.
import type { ChangeEvent, HealthEvent, HealthEventStatus, HealthEventWithStatus } from '@/lib/store';

let sequence = 0;
export const T0 = Date.UTC(2026, 10, 22, 8, 0, 0);

export function storedEvent(
  node: string,
  fields: Partial<HealthEvent> = {},
  options: { at?: number; status?: Partial<HealthEventStatus> } = {},
): HealthEventWithStatus {
  const at = options.at ?? T0 + sequence * 1000;
  sequence += 1;
  return {
    recordId: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
    createdAt: new Date(at),
    healthEvent: {
      version: 1,
      agent: 'syslog-health-monitor',
      componentClass: 'GPU',
      checkName: 'SysLogsXIDError',
      isFatal: true,
      isHealthy: false,
      message: 'XID 79',
      recommendedAction: 'RESTART_BM',
      errorCode: ['79'],
      entitiesImpacted: [{ entityType: 'GPU', entityValue: '0' }],
      metadata: {},
      generatedTimestamp: { seconds: Math.floor(at / 1000), nanos: 0 },
      nodeName: node,
      quarantineOverrides: null,
      drainOverrides: null,
      processingStrategy: 'EXECUTE_REMEDIATION',
      id: '',
      customRecommendedAction: '',
      ...fields,
    },
    status: {
      nodeQuarantined: null,
      quarantineFinishTimestamp: null,
      userPodsEvictionStatus: { status: '', message: '' },
      drainFinishTimestamp: null,
      faultRemediated: null,
      lastRemediationTimestamp: null,
      spanIds: {},
      faultQuarantineRecovery: '',
      ...options.status,
    },
  };
}

/** The change feed's insert of a stored event, as the projection receives it. */
export const insertedChange = (document: HealthEventWithStatus, position = 'p'): ChangeEvent => ({
  position,
  operation: 'insert',
  collection: 'healthEvents',
  recordId: document.recordId,
  committedAt: document.createdAt,
  document,
  before: null,
});

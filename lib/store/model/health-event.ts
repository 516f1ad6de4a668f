// One TypeScript model of NVSentinel's HealthEvent and its stored wrapper. Providers translate
// it to and from their stored shapes (see providers/*/health-event-codec.ts).
import type { EvictionStatus, ProcessingStrategy, QuarantineStatus, RecommendedAction } from './enums';
import type { Timestamp } from './timestamp';

export interface Entity {
  entityType: string;
  entityValue: string;
}

export interface BehaviourOverrides {
  force: boolean;
  skip: boolean;
}

export interface HealthEvent {
  version: number;
  /** Monitor that reported it: gpu-health-monitor, syslog-health-monitor, … */
  agent: string;
  /** GPU, NIC, NODE, EC2, gce_instance, or custom. */
  componentClass: string;
  checkName: string;
  isFatal: boolean;
  /** True for a recovery event. */
  isHealthy: boolean;
  message: string;
  recommendedAction: RecommendedAction;
  /** XID numbers and similar codes, as strings. */
  errorCode: string[];
  entitiesImpacted: Entity[];
  metadata: Record<string, string>;
  generatedTimestamp: Timestamp | null;
  nodeName: string;
  quarantineOverrides: BehaviourOverrides | null;
  drainOverrides: BehaviourOverrides | null;
  processingStrategy: ProcessingStrategy;
  /** UUID set by the platform connector (empty when not set). */
  id: string;
  customRecommendedAction: string;
}

export interface EvictionState {
  /** '' until node-drainer has looked at the event. */
  status: EvictionStatus | '';
  message: string;
}

export interface HealthEventStatus {
  /** null (or '') until fault-quarantine has processed the event. */
  nodeQuarantined: QuarantineStatus | '' | null;
  quarantineFinishTimestamp: Timestamp | null;
  userPodsEvictionStatus: EvictionState;
  drainFinishTimestamp: Timestamp | null;
  /** null until fault-remediation has processed the event. */
  faultRemediated: boolean | null;
  lastRemediationTimestamp: Timestamp | null;
  /** Tracing span id per pipeline module. */
  spanIds: Record<string, string>;
  /**
   * healtheventstatus.faultquarantinerecovery: newer fault-quarantine writes "completed" at its
   * cold start (docs/nvsentinel-data-model.md §8); '' when absent. The SDK never writes it.
   */
  faultQuarantineRecovery: string;
}

export interface HealthEventWithStatus {
  /** The stored record's id (PostgreSQL `health_events.id`, MongoDB `_id`). */
  recordId: string;
  createdAt: Date;
  healthEvent: HealthEvent;
  status: HealthEventStatus;
}

export function initialStatus(): HealthEventStatus {
  return {
    nodeQuarantined: null,
    quarantineFinishTimestamp: null,
    userPodsEvictionStatus: { status: '', message: '' },
    drainFinishTimestamp: null,
    faultRemediated: null,
    lastRemediationTimestamp: null,
    spanIds: {},
    faultQuarantineRecovery: '',
  };
}

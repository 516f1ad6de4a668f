// NVSentinel's enums, by name. Stored shapes carry numbers (protobuf enum values); the model
// carries names, and each provider's codec translates. A stored value this SDK does not know
// (a newer NVSentinel's) reads as `unknown(<raw>)` (./unknown-enum.ts): the model types below
// include it, the *Name types (what the SDK writes and filters by) do not.
import { countUnknownEnum, isUnknownEnum, unknownEnum, type UnknownEnum } from './unknown-enum';

export type { UnknownEnum } from './unknown-enum';
export { enumLabel, isUnknownEnum, unknownEnumCounts } from './unknown-enum';

export const RECOMMENDED_ACTIONS = {
  NONE: 0,
  COMPONENT_RESET: 2,
  CONTACT_SUPPORT: 5,
  RUN_FIELDDIAG: 6,
  RESTART_VM: 15,
  RESTART_BM: 24,
  REPLACE_VM: 25,
  RUN_DCGMEUD: 26,
  CUSTOM: 27,
  /** Newer NVSentinel (2026) proto: docs/nvsentinel-data-model.md §8. */
  REMEDIATE: 28,
  UNKNOWN: 99,
} as const;
export type RecommendedActionName = keyof typeof RECOMMENDED_ACTIONS;
export type RecommendedAction = RecommendedActionName | UnknownEnum;

export const PROCESSING_STRATEGIES = {
  UNSPECIFIED: 0,
  EXECUTE_REMEDIATION: 1,
  STORE_ONLY: 2,
  STORE_AND_ANALYSE: 3,
} as const;
export type ProcessingStrategy = keyof typeof PROCESSING_STRATEGIES;

/** healtheventstatus.nodequarantined, written by fault-quarantine. */
export const QUARANTINE_STATUSES = ['Quarantined', 'AlreadyQuarantined', 'UnQuarantined', 'Cancelled'] as const;
export type QuarantineStatusName = (typeof QUARANTINE_STATUSES)[number];
export type QuarantineStatus = QuarantineStatusName | UnknownEnum;

/** healtheventstatus.userpodsevictionstatus.status, written by node-drainer. */
export const EVICTION_STATUSES = [
  'NotStarted',
  'InProgress',
  'Succeeded',
  'Failed',
  'AlreadyDrained',
  'Cancelled',
] as const;
export type EvictionStatusName = (typeof EVICTION_STATUSES)[number];
export type EvictionStatus = EvictionStatusName | UnknownEnum;

export const MAINTENANCE_STATUSES = [
  'DETECTED',
  'QUARANTINE_TRIGGERED',
  'MAINTENANCE_ONGOING',
  'MAINTENANCE_COMPLETE',
  'HEALTHY_TRIGGERED',
  'NODE_READINESS_TIMEOUT',
  'CANCELLED',
  'ERROR',
] as const;
export type MaintenanceStatus = (typeof MAINTENANCE_STATUSES)[number];

export const CSP_STATUSES = ['UNKNOWN', 'PENDING', 'ONGOING', 'ACTIVE', 'COMPLETED', 'CANCELLED'] as const;
export type CspStatus = (typeof CSP_STATUSES)[number];

export const MAINTENANCE_TYPES = ['SCHEDULED', 'UNSCHEDULED'] as const;
export type MaintenanceType = (typeof MAINTENANCE_TYPES)[number];

// csp-health-monitor's model writes gcp, aws and lambda
// (health-monitors/csp-health-monitor/pkg/model/maintenance_event.go:70-72); azure and oci are
// janitor-provider's other CSPs (janitor-provider/pkg/csp/client.go:39-40).
export const CSPS = ['aws', 'gcp', 'lambda', 'azure', 'oci'] as const;
export type Csp = (typeof CSPS)[number];

/** Name for a stored enum number; undefined when the number is not one NVSentinel defines. */
export function enumName<T extends Record<string, number>>(values: T, value: number): keyof T | undefined {
  return (Object.keys(values) as (keyof T)[]).find((name) => values[name] === value);
}

/** A stored recommended action (number or name) in the model; `unknown(<raw>)` when not one this SDK knows. */
export function decodeRecommendedAction(raw: number | string | null | undefined, field: string): RecommendedAction {
  if (raw === undefined || raw === null || raw === '') return 'NONE';
  if (typeof raw === 'string' && Object.hasOwn(RECOMMENDED_ACTIONS, raw)) return raw as RecommendedActionName;
  const name = typeof raw === 'number' ? enumName(RECOMMENDED_ACTIONS, raw) : undefined;
  if (name !== undefined) return name;
  countUnknownEnum(field, raw);
  return unknownEnum(raw);
}

/** A stored status text in the model: '' and the known names as they are, anything else `unknown(<raw>)`. */
export function decodeStatusText<T extends string>(
  known: readonly T[],
  raw: string,
  field: string,
): T | '' | UnknownEnum {
  if (raw === '' || (known as readonly string[]).includes(raw)) return raw as T | '';
  countUnknownEnum(field, raw);
  return unknownEnum(raw);
}

/**
 * Whether fault-remediation has something to run for this action: NVSentinel's skips NONE and
 * UNKNOWN, and one this SDK does not know cannot be assumed to be run either.
 */
export function isRemediableAction(
  action: RecommendedAction,
): action is Exclude<RecommendedActionName, 'NONE' | 'UNKNOWN'> {
  return action !== 'NONE' && action !== 'UNKNOWN' && !isUnknownEnum(action);
}

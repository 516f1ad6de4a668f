// NVSentinel's enums, by name. Stored shapes carry numbers (protobuf enum values); the model
// carries names, and each provider's codec translates.

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
  UNKNOWN: 99,
} as const;
export type RecommendedAction = keyof typeof RECOMMENDED_ACTIONS;

export const PROCESSING_STRATEGIES = {
  UNSPECIFIED: 0,
  EXECUTE_REMEDIATION: 1,
  STORE_ONLY: 2,
  STORE_AND_ANALYSE: 3,
} as const;
export type ProcessingStrategy = keyof typeof PROCESSING_STRATEGIES;

/** healtheventstatus.nodequarantined, written by fault-quarantine. */
export const QUARANTINE_STATUSES = ['Quarantined', 'AlreadyQuarantined', 'UnQuarantined', 'Cancelled'] as const;
export type QuarantineStatus = (typeof QUARANTINE_STATUSES)[number];

/** healtheventstatus.userpodsevictionstatus.status, written by node-drainer. */
export const EVICTION_STATUSES = ['NotStarted', 'InProgress', 'Succeeded', 'Failed', 'AlreadyDrained', 'Cancelled'] as const;
export type EvictionStatus = (typeof EVICTION_STATUSES)[number];

export const MAINTENANCE_STATUSES = [
  'DETECTED', 'QUARANTINE_TRIGGERED', 'MAINTENANCE_ONGOING', 'MAINTENANCE_COMPLETE',
  'HEALTHY_TRIGGERED', 'NODE_READINESS_TIMEOUT', 'CANCELLED', 'ERROR',
] as const;
export type MaintenanceStatus = (typeof MAINTENANCE_STATUSES)[number];

export const CSP_STATUSES = ['UNKNOWN', 'PENDING', 'ONGOING', 'ACTIVE', 'COMPLETED', 'CANCELLED'] as const;
export type CspStatus = (typeof CSP_STATUSES)[number];

export const MAINTENANCE_TYPES = ['SCHEDULED', 'UNSCHEDULED'] as const;
export type MaintenanceType = (typeof MAINTENANCE_TYPES)[number];

export const CSPS = ['aws', 'gcp', 'azure', 'oci'] as const;
export type Csp = (typeof CSPS)[number];

/** Name for a stored enum number; undefined when the number is not one NVSentinel defines. */
export function enumName<T extends Record<string, number>>(values: T, value: number): keyof T | undefined {
  return (Object.keys(values) as (keyof T)[]).find((name) => values[name] === value);
}

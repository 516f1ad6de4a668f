// Health events counted per time bucket, separately by each field the Throughput page groups by
// (HealthEventStore.countByDimension): what the console's roll-ups (lib/projection/event-counts.ts)
// are built from and kept as. Each event is counted once per dimension, so a bucket holds as many
// rows as the fields have values, not as many as their combinations.
export const COUNT_DIMENSIONS = ['agent', 'checkName', 'componentClass', 'severity'] as const;
export type CountDimension = (typeof COUNT_DIMENSIONS)[number];

/** An event's severity as the counts name it: fatal, else unhealthy or healthy. */
export type CountSeverity = 'fatal' | 'unhealthy' | 'healthy';

export function countSeverity(event: { isFatal: boolean; isHealthy: boolean }): CountSeverity {
  return event.isFatal ? 'fatal' : event.isHealthy ? 'healthy' : 'unhealthy';
}

export interface EventCount {
  /** The bucket's first millisecond (UTC; buckets are whole multiples of their size since the epoch). */
  bucket: Date;
  dimension: CountDimension;
  /** The field's value ('' when the event has none); for severity, a CountSeverity. */
  value: string;
  isFatal: boolean;
  count: number;
}

export interface EventCountRequest {
  /** The bucket size, whole seconds. */
  bucketSeconds: number;
  /** Only events created at or after this time. */
  since?: Date;
}

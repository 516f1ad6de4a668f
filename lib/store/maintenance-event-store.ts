import type { MaintenanceEvent } from './model/maintenance-event';

export interface MaintenanceEventStore {
  /**
   * Inserts or updates by eventId with NVSentinel's rule: a triggered status (QUARANTINE_TRIGGERED,
   * HEALTHY_TRIGGERED, NODE_READINESS_TIMEOUT) is kept unless the new one is MAINTENANCE_COMPLETE.
   * Returns the stored event and whether it was new.
   */
  upsert(event: MaintenanceEvent): Promise<{ event: MaintenanceEvent; inserted: boolean }>;
  list(filter?: { status?: MaintenanceEvent['status'][]; limit?: number }): Promise<MaintenanceEvent[]>;
  byNode(nodeName: string): Promise<MaintenanceEvent[]>;
}

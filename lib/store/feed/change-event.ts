// What a change feed delivers, the same for every provider.
import type { HealthEventWithStatus } from '../model/health-event';
import type { MaintenanceEvent } from '../model/maintenance-event';

export type Collection = 'healthEvents' | 'maintenanceEvents';
export type Operation = 'insert' | 'update' | 'delete';

/**
 * Where a change sits in the feed. Opaque: compare only through the feed, store with `ack`.
 * PostgreSQL: "<txid>/<changelog id>"; MongoDB: the resume token's _data.
 */
export type FeedPosition = string;

interface ChangeBase {
  position: FeedPosition;
  operation: Operation;
  recordId: string;
  /** When the change was written (PostgreSQL: the writing transaction's start). */
  committedAt: Date;
  /** Set when the stored document could not be read; the processor dead-letters such changes. */
  malformed?: { error: string; raw: unknown };
}

export interface HealthEventChange extends ChangeBase {
  collection: 'healthEvents';
  /** The document after the change; null for a delete or a malformed document. */
  document: HealthEventWithStatus | null;
  /** The document before the change (updates and deletes), when the provider knows it and can read it (decode-before.ts). */
  before: HealthEventWithStatus | null;
  /**
   * When the datastore stored the record, by the clock its queries count with, where that differs
   * from the document's createdAt: on PostgreSQL the created_at column (NVSentinel leaves it to the
   * database's NOW(); the document's createdAt is the writer's clock). Absent where they are one.
   */
  storedAt?: Date;
}

export interface MaintenanceEventChange extends ChangeBase {
  collection: 'maintenanceEvents';
  document: MaintenanceEvent | null;
  before: MaintenanceEvent | null;
}

export type ChangeEvent = HealthEventChange | MaintenanceEventChange;

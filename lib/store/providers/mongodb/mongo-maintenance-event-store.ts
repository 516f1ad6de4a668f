// Maintenance events on MongoDB, in NVSentinel's MaintenanceEvents collection (camelCase, as its
// csp-health-monitor writes them). The upsert is one findOneAndUpdate with an update pipeline, so
// NVSentinel's keep-the-triggered-status rule is applied atomically against the stored status.
import type { Document } from 'mongodb';

import { StoreError } from '../../errors/store-error';
import { ValidationError } from '../../errors/validation-error';
import type { MaintenanceEventStore } from '../../maintenance-event-store';
import { CSP_STATUSES, CSPS, MAINTENANCE_STATUSES, MAINTENANCE_TYPES } from '../../model/enums';
import type { MaintenanceEvent } from '../../model/maintenance-event';
import { decodeMaintenanceDocument } from './maintenance-event-codec';
import type { MongoConnection } from './mongo-connection';
import { maintenanceByNodePipeline, maintenanceListPipeline, maintenanceUpsertPipeline } from './pipelines/maintenance';

function validate(event: MaintenanceEvent): void {
  const oneOf = (field: string, value: unknown, allowed: readonly string[]) => {
    if (!allowed.includes(value as string)) throw new ValidationError(field, `must be one of ${allowed.join(', ')}`);
  };
  if (typeof event?.eventId !== 'string' || !event.eventId || event.eventId.length > 255)
    throw new ValidationError('eventId', 'must be 1 to 255 characters');
  if (typeof event.clusterName !== 'string' || !event.clusterName)
    throw new ValidationError('clusterName', 'must not be empty');
  if (typeof event.nodeName !== 'string') throw new ValidationError('nodeName', 'must be a string');
  oneOf('csp', event.csp, CSPS);
  oneOf('status', event.status, MAINTENANCE_STATUSES);
  oneOf('cspStatus', event.cspStatus, CSP_STATUSES);
  oneOf('maintenanceType', event.maintenanceType, MAINTENANCE_TYPES);
  if (!(event.eventReceivedTimestamp instanceof Date) || Number.isNaN(event.eventReceivedTimestamp.getTime())) {
    throw new ValidationError('eventReceivedTimestamp', 'must be a valid date');
  }
}

export class MongoMaintenanceEventStore implements MaintenanceEventStore {
  constructor(private readonly connection: MongoConnection) {}

  private get collection() {
    return this.connection.collection(this.connection.names.maintenanceEvents);
  }

  private decode(document: Document): MaintenanceEvent {
    try {
      return decodeMaintenanceDocument(document);
    } catch (error) {
      const where = `${this.connection.config.databaseName}.${this.connection.names.maintenanceEvents}`;
      throw new StoreError(
        'malformed',
        `maintenance event ${String(document?._id)} in ${where} is not in NVSentinel's shape: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  async upsert(event: MaintenanceEvent): Promise<{ event: MaintenanceEvent; inserted: boolean }> {
    validate(event);
    const result = await this.connection.run(
      'maintenanceEvents.upsert',
      () =>
        this.collection.findOneAndUpdate({ eventId: event.eventId }, maintenanceUpsertPipeline(event), {
          upsert: true,
          returnDocument: 'after',
          includeResultMetadata: true,
        }),
      'write maintenance events',
    );
    if (!result.value) throw new StoreError('not-found', `maintenance event ${event.eventId} was not stored`);
    return { event: this.decode(result.value), inserted: result.lastErrorObject?.updatedExisting === false };
  }

  async list(filter: { status?: MaintenanceEvent['status'][]; limit?: number } = {}): Promise<MaintenanceEvent[]> {
    const documents = await this.connection.run('maintenanceEvents.list', () =>
      this.collection.aggregate(maintenanceListPipeline(filter)).toArray(),
    );
    return documents.map((document) => this.decode(document));
  }

  async byNode(nodeName: string): Promise<MaintenanceEvent[]> {
    if (typeof nodeName !== 'string' || !nodeName) throw new ValidationError('nodeName', 'must not be empty');
    const documents = await this.connection.run('maintenanceEvents.byNode', () =>
      this.collection.aggregate(maintenanceByNodePipeline(nodeName)).toArray(),
    );
    return documents.map((document) => this.decode(document));
  }
}

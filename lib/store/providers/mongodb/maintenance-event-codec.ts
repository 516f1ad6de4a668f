// Translation between the model and NVSentinel's MongoDB shape of a maintenance event: Go's
// model.MaintenanceEvent with explicit camelCase bson tags (data-models/pkg/model/
// maintenance_event.go:22-40), upserted as is (store-client/pkg/datastore/providers/mongodb/
// maintenance_store.go:52): times as BSON Dates (optional ones omitted), recommendedAction the
// action's NAME (a string field), metadata omitted when empty, nodeName always present (its bson
// tag reads `omitemtpy`, which the driver does not know, so '' is stored too).
import type { Document } from 'mongodb';

import { ValidationError } from '../../errors/validation-error';
import type { MaintenanceEvent } from '../../model/maintenance-event';
import { unknownRaw } from '../../model/unknown-enum';
import { maintenanceEventFrom } from '../maintenance-document';

export const OPTIONAL_TIMES = ['scheduledStartTime', 'scheduledEndTime', 'actualStartTime', 'actualEndTime'] as const;

/** Every field but `status`, which the upsert decides (NVSentinel's rule). */
export function encodeMaintenanceFields(event: MaintenanceEvent): Document {
  const out: Document = {
    eventId: event.eventId,
    csp: event.csp,
    clusterName: event.clusterName,
    resourceType: event.resourceType,
    resourceId: event.resourceId,
    maintenanceType: event.maintenanceType,
    cspStatus: event.cspStatus,
  };
  for (const key of OPTIONAL_TIMES) if (event[key]) out[key] = event[key];
  out.eventReceivedTimestamp = event.eventReceivedTimestamp;
  out.lastUpdatedTimestamp = event.lastUpdatedTimestamp;
  out.recommendedAction = unknownRaw(event.recommendedAction) ?? event.recommendedAction;
  if (Object.keys(event.metadata).length > 0) out.metadata = { ...event.metadata };
  out.nodeName = event.nodeName;
  return out;
}

function date(value: unknown, field: string): Date | null {
  if (value === undefined || value === null || value === '') return null;
  const parsed = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : new Date(NaN);
  if (Number.isNaN(parsed.getTime()))
    throw new ValidationError(field, `is not a time: ${JSON.stringify(value)?.slice(0, 60)}`);
  return parsed;
}

export function decodeMaintenanceDocument(document: unknown): MaintenanceEvent {
  if (!document || typeof document !== 'object' || Array.isArray(document)) {
    throw new ValidationError('document', 'must be a document');
  }
  // Before any other field: a document without one is not a maintenance event at all.
  const eventId = Object.entries(document).find(([key]) => key.toLowerCase() === 'eventid')?.[1];
  if (eventId === undefined || eventId === null || String(eventId) === '')
    throw new ValidationError('eventId', 'is missing (is this a collection of NVSentinel maintenance events?)');
  return maintenanceEventFrom(document as Document, date);
}
